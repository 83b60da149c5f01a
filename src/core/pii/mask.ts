// Masks personal data for principals without `pii.read`: enough to recognise a customer on the phone, not to contact them.

/**
 * Keeps the first 3 and last 4 digits of a phone number.
 * @example maskPhone('13812340000') // '138****0000'
 */
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return phone ?? null;
  if (phone.length <= 7) return phone.slice(0, 1) + '*'.repeat(Math.max(phone.length - 1, 1));
  return phone.slice(0, 3) + '*'.repeat(phone.length - 7) + phone.slice(-4);
}

/**
 * Keeps the first character of the local part and the whole domain.
 * @example maskEmail('zhang.san@example.com') // 'z***@example.com'
 */
export function maskEmail(email: string | null | undefined): string | null {
  if (!email) return email ?? null;
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${[...email.slice(0, at)][0]}***${email.slice(at)}`;
}

/**
 * Keeps the first character (the family name, for Chinese names).
 * @example maskName('张三丰') // '张**'  maskName('Li Lei') // 'L*****'
 */
export function maskName(name: string | null | undefined): string | null {
  if (!name) return name ?? null;
  const chars = [...name];
  return chars[0] + '*'.repeat(Math.max(chars.length - 1, 1));
}

/**
 * An address reduced to province and city (the rest dropped): a string address keeps only the province/city
 * given separately, an object keeps its province/region/state and city keys.
 * @example maskAddress({ province: '浙江省', city: '杭州市', street: '…' }) // { province: '浙江省', city: '杭州市' }
 */
export function maskAddress(address: unknown, region?: string | null, city?: string | null): unknown {
  if (address === null || address === undefined) return address ?? null;
  if (typeof address === 'object' && !Array.isArray(address)) {
    const a = address as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of ['country', 'province', 'region', 'state', 'city']) if (a[k] !== undefined) out[k] = a[k];
    return out;
  }
  return [region, city].filter(Boolean).join(' ') || '***';
}

/** Masks the personal fields of a flat record in place of a copy (phone, email, name, address). */
export function maskRecord<T extends Record<string, unknown>>(r: T): T {
  const out: Record<string, unknown> = { ...r };
  if (typeof out.phone === 'string') out.phone = maskPhone(out.phone);
  if (typeof out.email === 'string') out.email = maskEmail(out.email);
  if (typeof out.name === 'string') out.name = maskName(out.name);
  if (out.address !== undefined && out.address !== null) out.address = maskAddress(out.address, out.region as string | null, out.city as string | null);
  return out as T;
}
