// Keyed hashes (HMAC-SHA256 with the derived lookup key) of normalised personal data: equal values give equal
// hashes, so exact lookups, identity keys and segment equality work without the plaintext in the store.
import { createHmac } from 'node:crypto';
import { piiKeyring, type PiiKeyring } from './keys.ts';

/** What a hash is of: kinds never collide (the kind is part of the hashed text). */
export type PiiKind = 'phone' | 'email' | 'name';

/** Stored hashes start with this, so a hash is never mistaken for a plaintext identifier. */
export const HASH_PREFIX = 'h1:';

/**
 * The blind index of an already normalised value (phone digits, lower-cased email, {@link normaliseName}).
 * @example blindIndex('phone', '13800000000') // 'h1:3kq…' (27 characters)
 */
export function blindIndex(kind: PiiKind, value: string, keyring: PiiKeyring = piiKeyring()): string {
  return HASH_PREFIX + createHmac('sha256', keyring.indexKey).update(`${kind}\u0000${value}`).digest('base64url').slice(0, 32);
}

/** {@link blindIndex} that passes null and undefined through. */
export const blindIndexOrNull = (kind: PiiKind, value: string | null | undefined, keyring?: PiiKeyring): string | null =>
  value === null || value === undefined || value === '' ? null : blindIndex(kind, value, keyring);

/** Names compare exactly but ignore case, width (NFKC) and surrounding or repeated spaces. */
export const normaliseName = (name: string) => name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

/** True when a stored identity value is a blind index rather than a plaintext identifier. */
export const isBlindIndex = (v: unknown): v is string => typeof v === 'string' && v.startsWith(HASH_PREFIX);
