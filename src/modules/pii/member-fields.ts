// How members' personal fields are stored: sealed values with their lookup hashes, and the identity types whose
// value is a lookup hash (phone, email) with the sealed value kept beside it for display and sending.
import { blindIndex, blindIndexOrNull, normaliseName, openOrNull, seal, sealOrNull, type PiiKind } from '../../core/pii/index.ts';
import { normaliseValue } from '../identity/identity-keys.ts';

/** Identity types stored as a blind index (value) plus a ciphertext (value_enc). */
export const HASHED_IDENTITY_TYPES: ReadonlySet<string> = new Set(['phone', 'email']);

/**
 * The value an identity row holds for an already normalised identifier: the blind index for phone and email,
 * the value itself for other types (user ids, openids… are pseudonymous already).
 * @example identityLookupValue('phone', '13800000000') // 'h1:…'
 */
export function identityLookupValue(type: string, value: string): string {
  return HASHED_IDENTITY_TYPES.has(type) ? blindIndex(type as PiiKind, value) : value;
}

/** The lookup hash of a raw value typed by a user (search box, segment rule, SMS sender), or null when unusable. */
export function lookupHashOf(kind: PiiKind, raw: string): string | null {
  const v = kind === 'name' ? normaliseName(raw) : normaliseValue(kind, raw);
  return v ? blindIndex(kind, v) : null;
}

/** Plain personal fields of a member (as traits set them: phone and email already normalised). */
export interface PlainPii {
  name: string | null;
  phone: string | null;
  email: string | null;
  /** Street address as given (a string, or JSON text of an address object). */
  address: string | null;
}

/** The stored form: sealed values and the hashes lookups use. */
export interface SealedPii {
  name: string | null;
  phone: string | null;
  email: string | null;
  address: string | null;
  name_hash: string | null;
  phone_hash: string | null;
  email_hash: string | null;
}

/** Seals a member's personal fields and computes their lookup hashes. */
export function sealPii(p: PlainPii): SealedPii {
  return {
    name: sealOrNull(p.name),
    phone: sealOrNull(p.phone),
    email: sealOrNull(p.email),
    address: sealOrNull(p.address),
    name_hash: p.name ? blindIndex('name', normaliseName(p.name)) : null,
    phone_hash: blindIndexOrNull('phone', p.phone),
    email_hash: blindIndexOrNull('email', p.email),
  };
}

/** Opens the sealed personal fields of a row (plaintext left by an older version passes through). */
export function openPii<T extends { name?: string | null; phone?: string | null; email?: string | null; address?: string | null }>(row: T): T {
  const out = { ...row };
  if (row.name !== undefined) out.name = openOrNull(row.name);
  if (row.phone !== undefined) out.phone = openOrNull(row.phone);
  if (row.email !== undefined) out.email = openOrNull(row.email);
  if (row.address !== undefined) out.address = openOrNull(row.address);
  return out;
}

/** A stored address (sealed text) as the API shows it: the object it was given as, or the string. */
export function addressValue(plain: string | null | undefined): unknown {
  if (!plain) return null;
  if (plain.startsWith('{')) {
    try {
      return JSON.parse(plain);
    } catch {
      return plain;
    }
  }
  return plain;
}

export { seal };
