// Authenticated encryption of personal data values: AES-256-GCM, `v1:<keyId>:<iv>:<ciphertext+tag>` (base64url).
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { SiyuError } from '../errors.ts';
import { piiKeyring, type PiiKeyring } from './keys.ts';

const PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// IVs come from one random pool refilled every 4096 values: one getrandom call instead of one per value.
const POOL = Buffer.alloc(IV_BYTES * 4096);
let poolAt = POOL.length;

function nextIv(): Buffer {
  if (poolAt >= POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const iv = Buffer.from(POOL.subarray(poolAt, poolAt + IV_BYTES));
  poolAt += IV_BYTES;
  return iv;
}

/** True when a stored value is a ciphertext of this codec (anything else is legacy plaintext). */
export const isSealed = (v: unknown): v is string => typeof v === 'string' && v.startsWith(PREFIX);

/** The key id a ciphertext names, or null for plaintext. */
export function sealedKeyId(v: string): string | null {
  if (!isSealed(v)) return null;
  const end = v.indexOf(':', PREFIX.length);
  return end > 0 ? v.slice(PREFIX.length, end) : null;
}

/**
 * Encrypts one value under the current key (null stays null). Every call draws a fresh IV, so equal values give
 * different ciphertexts: lookups go through the blind index, never through the ciphertext.
 * @example seal('13800000000') // 'v1:k1:Zx3…:q9…'
 */
export function seal(plain: string, keyring: PiiKeyring = piiKeyring()): string {
  const { id, key } = keyring.current;
  const iv = nextIv();
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
  return `${PREFIX}${id}:${iv.toString('base64url')}:${body.toString('base64url')}`;
}

/** {@link seal} that passes null and undefined through. */
export const sealOrNull = (plain: string | null | undefined, keyring?: PiiKeyring): string | null =>
  plain === null || plain === undefined ? null : seal(plain, keyring);

const tampered = (why: string) => new SiyuError('unavailable', 'pii.tampered', `Stored personal data failed authentication (${why})`);

/**
 * Decrypts a value sealed with any listed key. Plaintext (a row not yet encrypted) passes through unchanged;
 * a ciphertext under an unknown key or altered in any byte throws `pii.tampered` / `pii.unknown_key`.
 */
export function open(stored: string, keyring: PiiKeyring = piiKeyring()): string {
  if (!isSealed(stored)) return stored;
  const parts = stored.split(':');
  if (parts.length !== 4) throw tampered('malformed');
  const k = keyring.key(parts[1]);
  if (!k) throw new SiyuError('unavailable', 'pii.unknown_key', `Stored personal data is sealed with key "${parts[1]}", which is not configured (SIYU_DATA_KEYS)`);
  const iv = Buffer.from(parts[2], 'base64url');
  const body = Buffer.from(parts[3], 'base64url');
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw tampered('malformed');
  try {
    const d = createDecipheriv('aes-256-gcm', k.key, iv);
    d.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return d.update(body.subarray(0, body.length - TAG_BYTES), undefined, 'utf8') + d.final('utf8');
  } catch {
    throw tampered('authentication tag mismatch');
  }
}

/** {@link open} that passes null and undefined through. */
export const openOrNull = (stored: string | null | undefined, keyring?: PiiKeyring): string | null =>
  stored === null || stored === undefined ? null : open(stored, keyring);

/** Re-encrypts under the current key when sealed under another (or plaintext); null when already current. */
export function reseal(stored: string, keyring: PiiKeyring = piiKeyring()): string | null {
  if (sealedKeyId(stored) === keyring.current.id) return null;
  return seal(open(stored, keyring), keyring);
}
