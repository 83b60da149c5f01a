// Which values are personal data (pure): keys of event properties, event context and order attributes that name,
// reach or locate a person. Erase strips them and keeps the rest (amounts, product ids, campaign fields), so
// analytics on the anonymised rows still add up.

/** Keys whose values identify, reach or locate a person (matched anywhere in the key, case-insensitive). */
const PERSONAL_KEY = new RegExp(
  [
    'phone', 'mobile', '^tel$', '^telephone', 'email', 'e_mail', '^name$', '^(full|first|last|real|user|buyer|customer|member|contact|receiver|recipient|consignee)_?name$',
    'nick', 'address', 'addr', 'street', 'zip', 'postcode', 'postal', 'receiver', 'recipient', 'consignee', 'contact', 'remark', 'note', 'comment',
    '^message$', 'birth', 'id_?card', 'id_?number', 'passport', 'openid', 'unionid', 'external_?userid', 'wechat', 'wecom', 'weixin', 'user_?id',
    'anonymous_?id', 'device_?id', 'idfa', 'imei', 'oaid', 'android_?id', '^ip$', 'ip_?address', 'user_?agent', 'latitude', 'longitude', '^lat$',
    '^lng$', '^lon$', 'location', 'gps', 'avatar', 'photo', 'license', 'card_?no', 'bank', 'traits',
  ].join('|'),
  'i',
);

/** True when a key looks like it holds personal data. @example isPersonalKey('shipping_address') // true */
export function isPersonalKey(key: string): boolean {
  return PERSONAL_KEY.test(key);
}

const PHONE_OR_EMAIL = /(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)|[^\s@]+@[^\s@]+\.[^\s@]+/;

/**
 * A copy of `v` without personal keys (recursively) and without string values that look like a phone number or
 * an email address; null stays null. Returns the copy and how many values were removed.
 * @example stripPersonal({ revenue: 99, address: '上海…', items: [{ sku: 'A' }] }) // { value: { revenue: 99, items: [{ sku: 'A' }] }, removed: 1 }
 */
export function stripPersonal(v: unknown, depth = 0): { value: unknown; removed: number } {
  if (v === null || v === undefined) return { value: v ?? null, removed: 0 };
  if (typeof v === 'string') return PHONE_OR_EMAIL.test(v) ? { value: null, removed: 1 } : { value: v, removed: 0 };
  if (typeof v !== 'object' || depth > 20) return { value: v, removed: 0 };
  let removed = 0;
  if (Array.isArray(v)) {
    const out = v.map((x) => {
      const r = stripPersonal(x, depth + 1);
      removed += r.removed;
      return r.value;
    });
    return { value: out, removed };
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (isPersonalKey(k)) {
      removed++;
      continue;
    }
    const r = stripPersonal(x, depth + 1);
    removed += r.removed;
    if (r.value !== null || x === null) out[k] = r.value;
  }
  return { value: out, removed };
}
