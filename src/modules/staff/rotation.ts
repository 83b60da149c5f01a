// Pure: who gets the next customer of a rotating channel QR code, and how a leaving staff member's customers are
// shared among the staff who take over (round-robin or least-loaded), and QR code states.
import { randomBytes } from 'node:crypto';

export type RotationMode = 'round_robin' | 'least_loaded';

/** WeCom takes at most 30 characters of `state` (联系我 and 加入群聊 alike). */
export const MAX_STATE_LENGTH = 30;
/** Letters, digits, `_` and `-`: safe in XML callbacks, URLs and CSV. */
export const STATE_PATTERN = /^[A-Za-z0-9_-]{1,30}$/;

/**
 * A new random state: `qr_` and 12 base-36 characters (62 bits), well within WeCom's 30 characters.
 * @example newState() // 'qr_k3x9a0b2c7d1'
 */
export function newState(): string {
  const n = randomBytes(8).readBigUInt64BE() & ((1n << 62n) - 1n);
  return `qr_${n.toString(36).padStart(12, '0').slice(-12)}`;
}

/**
 * The staff member after `current` in `list` (the first when `current` is not in it); null for an empty list.
 * @example nextRoundRobin(['a', 'b', 'c'], 'c') // 'a'
 */
export function nextRoundRobin(list: readonly string[], current: string | null): string | null {
  if (list.length === 0) return null;
  const i = current === null ? -1 : list.indexOf(current);
  return list[(i + 1) % list.length];
}

/**
 * The staff member with the fewest members; ties go to the earlier one in `list`.
 * @example pickLeastLoaded(['a', 'b'], new Map([['a', 3], ['b', 1]])) // 'b'
 */
export function pickLeastLoaded(list: readonly string[], loads: ReadonlyMap<string, number>): string | null {
  let best: string | null = null;
  let bestLoad = Infinity;
  for (const s of list) {
    const l = loads.get(s) ?? 0;
    if (l < bestLoad) {
      best = s;
      bestLoad = l;
    }
  }
  return best;
}

/** The next staff member of a code under its rotation mode. */
export function nextStaff(mode: RotationMode, list: readonly string[], current: string | null, loads: ReadonlyMap<string, number>): string | null {
  return mode === 'least_loaded' ? pickLeastLoaded(list, loads) : nextRoundRobin(list, current);
}

/**
 * Shares `members` among `takers`: round-robin deals them out in turn; least-loaded gives each member to whoever
 * has the fewest so far (counting what they had before), so loads even out.
 * @example distribute(['m1', 'm2', 'm3'], ['a', 'b'], 'round_robin', new Map()) // Map { m1 → a, m2 → b, m3 → a }
 */
export function distribute(members: readonly string[], takers: readonly string[], mode: RotationMode, loads: ReadonlyMap<string, number>): Map<string, string> {
  const out = new Map<string, string>();
  if (takers.length === 0) return out;
  if (mode === 'round_robin') {
    members.forEach((m, i) => out.set(m, takers[i % takers.length]));
    return out;
  }
  const current = new Map(takers.map((t) => [t, loads.get(t) ?? 0]));
  for (const m of members) {
    const t = pickLeastLoaded(takers, current)!;
    out.set(m, t);
    current.set(t, current.get(t)! + 1);
  }
  return out;
}
