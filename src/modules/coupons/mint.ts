// Minting codes into the store: crypto-random codes from the pure generator, inserted in chunks under the
// workspace-wide primary key, with collisions (a code that already exists) redrawn until the count is reached.
import { randomBytes } from 'node:crypto';
import { SiyuError } from '../../core/errors.ts';
import { generateCodes, type CodeFormat } from '../../core/loyalty/index.ts';
import type { SqlExecutor } from '../../store/port.ts';
import type { CodeRow, codeRepo } from './code-repo.ts';

/** Codes per INSERT statement (one JSON parameter each). */
export const CHUNK = 50_000;
/** Rounds of redrawing collided codes before giving up (each round is astronomically unlikely with a sane format). */
const MAX_ROUNDS = 8;

/**
 * Crypto-random bytes served from a 64 KiB buffer: one system call per buffer instead of one per code, which
 * matters at a million codes. Still `crypto.randomBytes`, so codes stay unguessable.
 */
export function pooledRandom(): (n: number) => Uint8Array {
  let buf = randomBytes(65_536);
  let at = 0;
  return (n) => {
    if (n > buf.length) return randomBytes(n);
    if (at + n > buf.length) {
      buf = randomBytes(65_536);
      at = 0;
    }
    const out = buf.subarray(at, at + n);
    at += n;
    return out;
  };
}

export interface MintTarget {
  template_id: string;
  batch_id: string | null;
  kind: CodeRow['kind'];
  status: CodeRow['status'];
  now: string;
}

/**
 * Inserts `count` new codes of format `f` and returns them (in no particular order). Codes that already exist in
 * the workspace are skipped by the insert and redrawn; `onChunk` reports progress.
 */
export async function mintCodes(
  tx: SqlExecutor, repo: ReturnType<typeof codeRepo>, ws: string, f: CodeFormat, count: number, target: MintTarget,
  onChunk?: (codes: string[]) => Promise<void>,
): Promise<string[]> {
  const bytes = pooledRandom();
  const out: string[] = [];
  for (let done = 0; done < count; ) {
    const want = Math.min(CHUNK, count - done);
    const got: string[] = [];
    for (let round = 0; got.length < want; round++) {
      if (round >= MAX_ROUNDS) {
        throw new SiyuError('conflict', 'coupon_code.space_exhausted', `Could not draw ${want} unused codes of length ${f.length}; use longer codes`, { field: 'length' });
      }
      const fresh = generateCodes(f, want - got.length, new Set(), bytes);
      const inserted = await repo.insertCodes(tx, ws, fresh, target);
      for (const c of fresh) if (inserted.has(c)) got.push(c);
    }
    if (onChunk) await onChunk(got);
    out.push(...got);
    done += want;
  }
  return out;
}
