// Pure mapping of identify traits onto member attributes (natural attributes as columns, the rest free-form).
import { IDENTIFIER_TRAIT_KEYS, normaliseValue } from './identity-keys.ts';

export interface AttributePatch {
  name?: string;
  gender?: 'male' | 'female' | 'unknown';
  birthday?: string;
  city?: string;
  region?: string;
  phone?: string;
  email?: string;
  /** Street address (a string or an address object), stored sealed. */
  address?: string | Record<string, unknown>;
  /** Free attributes; a null value removes the key. */
  extra: Record<string, unknown>;
}

const GENDER: Record<string, 'male' | 'female' | 'unknown'> = {
  male: 'male', m: 'male', man: 'male', '1': 'male', 男: 'male',
  female: 'female', f: 'female', woman: 'female', '2': 'female', 女: 'female',
  unknown: 'unknown', '0': 'unknown', 未知: 'unknown',
};

const NATURAL = new Set(['name', 'first_name', 'last_name', 'firstName', 'lastName', 'gender', 'sex', 'birthday', 'birthdate', 'birth_date', 'city', 'region', 'province', 'state', 'address']);

/** YYYY-MM-DD from `1990-05-01`, `19900501`, `1990/5/1` or an ISO timestamp; null when not a real date. */
export function parseBirthday(v: unknown): string | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const s = String(v).trim();
  const m = /^(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})(?:[T ].*)?$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || y < 1900) return null;
  return date.toISOString().slice(0, 10);
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined);

/** Splits traits into natural attributes and free attributes; identifier traits are left to identity-keys. */
export function traitsToPatch(traits: Record<string, unknown>): AttributePatch {
  const address = (traits.address && typeof traits.address === 'object' ? traits.address : {}) as Record<string, unknown>;
  const patch: AttributePatch = { extra: {} };
  const name = str(traits.name) ?? ([str(traits.first_name ?? traits.firstName), str(traits.last_name ?? traits.lastName)].filter(Boolean).join(' ') || undefined);
  if (name) patch.name = name;
  const g = str(traits.gender ?? traits.sex);
  if (g) patch.gender = GENDER[g.toLowerCase()] ?? 'unknown';
  const b = parseBirthday(traits.birthday ?? traits.birthdate ?? traits.birth_date);
  if (b) patch.birthday = b;
  const city = str(traits.city ?? address.city);
  if (city) patch.city = city;
  const region = str(traits.region ?? traits.province ?? traits.state ?? address.state ?? address.region);
  if (region) patch.region = region;
  const phone = normaliseValue('phone', traits.phone ?? traits.mobile ?? traits.phone_number);
  if (phone) patch.phone = phone;
  const email = normaliseValue('email', traits.email);
  if (email) patch.email = email;
  if (typeof traits.address === 'string' && traits.address.trim() !== '') patch.address = traits.address.trim();
  else if (traits.address && typeof traits.address === 'object' && !Array.isArray(traits.address) && Object.keys(traits.address).length > 0) {
    patch.address = traits.address as Record<string, unknown>;
  }
  for (const [k, v] of Object.entries(traits)) {
    if (NATURAL.has(k) || IDENTIFIER_TRAIT_KEYS.has(k) || v === undefined) continue;
    patch.extra[k] = v;
  }
  return patch;
}

/** Applies patches in order (later wins) on top of current free attributes. */
export function mergeExtra(current: Record<string, unknown> | null, patches: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(current ?? {}) };
  for (const p of patches) for (const [k, v] of Object.entries(p)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** The text an address is sealed as: the string itself, or the JSON of an address object. */
export const addressText = (a: string | Record<string, unknown>) => (typeof a === 'string' ? a : JSON.stringify(a));
