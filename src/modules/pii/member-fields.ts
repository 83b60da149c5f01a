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

/** Trait keys of identify calls that hold personal data: sealed in the stored event, opened when shown. */
const PERSONAL_TRAIT_KEYS: ReadonlySet<string> = new Set([
  'phone', 'mobile', 'phone_number', 'phoneNumber', 'tel', 'email', 'name', 'first_name', 'last_name', 'firstName', 'lastName', 'address',
]);

/**
 * Identify traits as the events table stores them: personal values sealed (objects such as an address as their
 * JSON), everything else as given. Returns the same object when nothing is personal.
 */
export function sealTraits(traits: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!traits || !Object.keys(traits).some((k) => PERSONAL_TRAIT_KEYS.has(k))) return traits;
  const out: Record<string, unknown> = { ...traits };
  for (const k of Object.keys(out)) {
    const v = out[k];
    if (!PERSONAL_TRAIT_KEYS.has(k) || v === null || v === undefined || v === '') continue;
    out[k] = seal(typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v));
  }
  return out;
}

/** The inverse of {@link sealTraits} for display (an object sealed as JSON comes back as the object). */
export function openTraits<T extends Record<string, unknown> | null | undefined>(traits: T): T {
  if (!traits) return traits;
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(traits)) {
    if (typeof v !== 'string' || !v.startsWith('v1:')) continue;
    out ??= { ...traits };
    const plain = openOrNull(v);
    out[k] = k === 'address' ? addressValue(plain) : plain;
  }
  return (out ?? traits) as T;
}
