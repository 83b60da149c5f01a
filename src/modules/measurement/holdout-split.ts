// Pure holdout split: each member's place is a hash of (salt, source, member) mapped to [0, 1) — random across
// members, the same on every re-run, independent of audience order or batch boundaries.
import { createHash, randomBytes } from 'node:crypto';

/** Largest holdout share accepted (a campaign that holds everyone back measures nothing). */
export const MAX_SHARE = 0.9;

/** A fresh per-source salt (hex); stored with the source so later assignments agree. */
export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

/**
 * A member's uniform draw in [0, 1) for one source: the first 48 bits of SHA-256(salt, source, member).
 * @example unitDraw('ab12', 'broadcast:brd_1', 'mem_1') // 0.4137… (always the same)
 */
export function unitDraw(salt: string, sourceKey: string, memberId: string): number {
  const h = createHash('sha256').update(`${salt}\u0000${sourceKey}\u0000${memberId}`).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** True when the member falls in the holdout for this share. */
export const inHoldout = (salt: string, sourceKey: string, memberId: string, share: number) => share > 0 && unitDraw(salt, sourceKey, memberId) < share;

/**
 * Splits an audience (duplicates dropped) into treatment and holdout for `share`.
 * @example splitHoldout('ab12', 'broadcast:brd_1', ids, 0.1).holdout.length // ≈ 10% of ids
 */
export function splitHoldout(salt: string, sourceKey: string, memberIds: Iterable<string>, share: number): { treatment: string[]; holdout: string[] } {
  const treatment: string[] = [];
  const holdout: string[] = [];
  for (const id of new Set(memberIds)) (inHoldout(salt, sourceKey, id, share) ? holdout : treatment).push(id);
  return { treatment, holdout };
}
