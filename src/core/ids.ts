// Prefixed, time-sortable identifiers (e.g. `mem_01J9…`): readable in logs, sortable by creation time.
import { randomBytes, randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

// Random bytes for ids come from a pool refilled 256 ids at a time: one randomBytes call per id cost ~3 µs, which
// showed at a million ids (a broadcast's message ids). Ids are not secrets; newSecret draws its own bytes.
const POOL = new Uint8Array(16 * 256);
let poolAt = POOL.length;
function random16(): Uint8Array {
  if (poolAt + 16 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  poolAt += 16;
  return POOL.subarray(poolAt - 16, poolAt);
}

/**
 * A new id with the given prefix: 10 chars of time + 16 random chars (80 bits).
 * @example newId('mem') // 'mem_01JD5Q8Z3XK4T2M9PQRS7VWXYZ'
 */
export function newId(prefix: string, now = Date.now()): string {
  // Monotonic within a millisecond (as ULID's monotonic mode): ids made in the same ms in this process sort in the
  // order they were made, so "newest first by id" lists hold still however fast rows are written.
  if (now === lastMs) {
    for (let i = 15; i >= 0; i--) {
      if (lastDigits[i] < 31) {
        lastDigits[i]++;
        break;
      }
      lastDigits[i] = 0;
    }
  } else {
    lastMs = now;
    const bytes = random16();
    for (let i = 0; i < 16; i++) lastDigits[i] = bytes[i] & 31;
    lastDigits[0] &= 15; // leaves room to count up within the ms without wrapping
  }
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[lastDigits[i]];
  return `${prefix}_${encodeTime(now)}${rand}`;
}

let lastMs = -1;
const lastDigits = new Uint8Array(16);

/** A random secret token, URL-safe, with a readable prefix (`sk_admin_…`). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}
