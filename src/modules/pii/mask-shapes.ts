// Masks of the API shapes that carry personal data (member 360, list items, timeline entries, free-form traits),
// for principals without `pii.read`. Routes call these; services always return the plaintext.
import { maskAddress, maskEmail, maskName, maskPhone } from '../../core/pii/index.ts';

const PHONE_KEYS = new Set(['phone', 'mobile', 'phone_number', 'phoneNumber', 'tel']);
const EMAIL_KEYS = new Set(['email']);
const NAME_KEYS = new Set(['name', 'first_name', 'last_name', 'firstName', 'lastName', 'nickname', 'real_name']);

/**
 * Masks personal keys of a flat object (identify traits, event properties, attributes): phone-like, email and
 * name-like keys, and `address` (reduced to province and city).
 */
export function maskTraits<T extends Record<string, unknown> | null | undefined>(o: T, nameKeys: ReadonlySet<string> = NAME_KEYS): T {
  if (!o || typeof o !== 'object') return o;
  const out: Record<string, unknown> = { ...o };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v === 'string' || typeof v === 'number') {
      const s = String(v);
      if (PHONE_KEYS.has(k)) out[k] = maskPhone(s);
      else if (EMAIL_KEYS.has(k)) out[k] = maskEmail(s);
      else if (nameKeys.has(k)) out[k] = maskName(s);
    }
    if (k === 'address' && v !== null && v !== undefined) out[k] = maskAddress(v, (out.region ?? out.province) as string | null, out.city as string | null);
  }
  return out as T;
}

interface WithIdentities {
  identities?: { type: string; value: string }[];
  attributes?: Record<string, unknown>;
}

/** The member 360 view with phone, email, name and address masked (attributes and phone/email identities). */
export function maskMember360<T extends WithIdentities>(m: T): T {
  return {
    ...m,
    attributes: maskTraits(m.attributes),
    identities: m.identities?.map((i) =>
      i.type === 'phone' ? { ...i, value: maskPhone(i.value)! } : i.type === 'email' ? { ...i, value: maskEmail(i.value)! } : i),
  };
}

/** A member list item (GET /api/members, segment members, exports) with its personal fields masked. */
export function maskListItem<T extends { name?: string | null; phone?: string | null; email?: string | null }>(m: T): T {
  return { ...m, name: maskName(m.name), phone: maskPhone(m.phone), email: maskEmail(m.email) };
}

/** Timeline entries: identify traits (and any phone/email/address in event properties) masked. */
export function maskTimelineEntry<T extends { kind: string; type?: string | null; properties: Record<string, unknown> | null }>(e: T): T {
  if (e.kind !== 'event' || !e.properties) return e;
  // Identify traits describe the person; in other events `name` is usually a product or a page, not a person.
  return { ...e, properties: maskTraits(e.properties, e.type === 'identify' ? NAME_KEYS : OTHER_NAME_KEYS) };
}

const OTHER_NAME_KEYS = new Set(['first_name', 'last_name', 'firstName', 'lastName', 'real_name']);

/**
 * Replaces a member's known personal values (name, phone, email, as the member 360 gives them) wherever they occur in
 * a rendered result (template previews), by their masks. Single-character names are left alone (too likely to hit
 * other text).
 */
export function maskKnownValues<T>(result: T, member: { attributes?: Record<string, unknown>; identities?: { type: string; value: string }[] }): T {
  const pairs: [string, string][] = [];
  const a = member.attributes ?? {};
  const add = (v: unknown, mask: (s: string) => string | null) => {
    if (typeof v === 'string' && [...v].length >= 2) pairs.push([v, mask(v) ?? '***']);
  };
  add(a.phone, maskPhone);
  add(a.email, maskEmail);
  add(a.name, maskName);
  for (const i of member.identities ?? []) {
    if (i.type === 'phone') add(i.value, maskPhone);
    if (i.type === 'email') add(i.value, maskEmail);
  }
  if (pairs.length === 0) return result;
  pairs.sort((x, y) => y[0].length - x[0].length); // longer first: an email containing the name stays one mask
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      let s = v;
      for (const [plain, masked] of pairs) s = s.split(plain).join(masked);
      return s;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(result) as T;
}
