// Pure rules for identifiers: normalisation, values that must never link people, and extraction from messages.
import type { IdentityInput, IdentityKey, IdentityType } from './types.ts';
import { IDENTITY_TYPES } from './types.ts';

// Placeholder values SDKs and forms send when they know nothing; linking on them would fuse strangers.
const BLOCKED = new Set(['', '0', '-1', 'null', 'undefined', 'nil', 'none', 'nan', 'anonymous', 'unknown', 'n/a', 'na', '-', 'test', '[object object]']);
const ALL_ZERO = /^[0\s\-_.:]+$/;

/** True when a value must never identify anyone (empty, "0", "null", "anonymous", all zeros, …). */
export function isBlockedValue(value: string): boolean {
  const v = value.trim().toLowerCase();
  return BLOCKED.has(v) || ALL_ZERO.test(v);
}

function normalisePhone(raw: string): string | null {
  let v = raw.replace(/[\s\-().]/g, '');
  if (v.startsWith('+86')) v = v.slice(3);
  else if (v.startsWith('0086')) v = v.slice(4);
  else if (v.startsWith('86') && v.length === 13) v = v.slice(2);
  if (!/^\+?\d{5,15}$/.test(v)) return null;
  return v;
}

/**
 * Canonical form of an identifier value, or null when it is unusable (blocked or malformed).
 * @example normaliseValue('phone', '+86 138-0000-0000') // '13800000000'
 */
export function normaliseValue(type: IdentityType, raw: unknown, appId?: string | null): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'bigint') return null;
  const s = String(raw).trim();
  if (isBlockedValue(s)) return null;
  switch (type) {
    case 'phone':
      return normalisePhone(s);
    case 'email': {
      const e = s.toLowerCase();
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e) ? e : null;
    }
    case 'openid':
      // openids are only unique within one app: the stored value carries the app id.
      return s.includes(':') ? s : `${appId && !isBlockedValue(appId) ? appId.trim() : '_'}:${s}`;
    default:
      return s.length <= 256 ? s : null;
  }
}

export function isIdentityType(t: string): t is IdentityType {
  return (IDENTITY_TYPES as readonly string[]).includes(t);
}

// Trait names (Segment and common Chinese-platform spellings) that carry identifiers.
const TRAIT_KEYS: Record<Exclude<IdentityType, 'user_id' | 'anonymous_id' | 'openid'>, string[]> = {
  phone: ['phone', 'mobile', 'phone_number', 'phoneNumber', 'tel'],
  email: ['email'],
  unionid: ['unionid', 'union_id', 'unionId'],
  wecom_external_userid: ['wecom_external_userid', 'external_userid', 'externalUserId', 'external_user_id'],
  member_card: ['member_card', 'card_no', 'member_card_no', 'memberCard', 'cardNo'],
  device_id: ['device_id', 'deviceId'],
};
const OPENID_KEYS = ['openid', 'open_id', 'openId'];
const APPID_KEYS = ['appid', 'app_id', 'appId'];

/** Every trait key that names an identifier (so it is not copied into free attributes). */
export const IDENTIFIER_TRAIT_KEYS: ReadonlySet<string> = new Set([...Object.values(TRAIT_KEYS).flat(), ...OPENID_KEYS, ...APPID_KEYS]);

const first = (o: Record<string, unknown>, keys: string[]) => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null && o[k] !== '') return o[k];
  return undefined;
};

/** The identifiers one input carries, normalised and de-duplicated; blocked values are dropped. */
export function extractKeys(input: IdentityInput): IdentityKey[] {
  const out = new Map<string, IdentityKey>();
  const add = (type: IdentityType, raw: unknown, appId?: string | null) => {
    const value = normaliseValue(type, raw, appId);
    if (value !== null) out.set(`${type}\u0000${value}`, { type, value, appId: appId ?? null });
  };
  add('user_id', input.userId);
  add('anonymous_id', input.anonymousId);
  for (const k of input.identities ?? []) if (isIdentityType(k.type)) add(k.type, k.value, k.appId);
  const traits = input.traits ?? {};
  for (const [type, keys] of Object.entries(TRAIT_KEYS)) add(type as IdentityType, first(traits, keys));
  const openid = first(traits, OPENID_KEYS);
  if (openid !== undefined) add('openid', openid, (first(traits, APPID_KEYS) as string | undefined) ?? null);
  return [...out.values()];
}

export const keyId = (k: { type: string; value: string }) => `${k.type}\u0000${k.value}`;

/** Parses a member ref `type:value` (value may itself contain colons, e.g. openid:APPID:OPENID). */
export function parseRef(ref: string): { type: IdentityType; value: string } | null {
  const i = ref.indexOf(':');
  if (i <= 0) return null;
  const type = ref.slice(0, i);
  if (!isIdentityType(type)) return null;
  const value = normaliseValue(type, ref.slice(i + 1));
  return value === null ? null : { type, value };
}
