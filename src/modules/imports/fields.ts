// Target fields of each import kind, their types, and how a raw cell becomes a typed value (or a reason it cannot).
import { parseDate, parseDateTime, type DateFormat } from './dates.ts';

export const IMPORT_KINDS = ['members', 'orders', 'events'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export type FieldType = 'id' | 'string' | 'number' | 'integer' | 'datetime' | 'date' | 'boolean' | 'any';

const IDENTIFIERS = {
  user_id: 'id',
  anonymous_id: 'id',
  phone: 'string',
  email: 'string',
  unionid: 'id',
  openid: 'id',
  app_id: 'string',
  wecom_external_userid: 'id',
  member_card: 'id',
  device_id: 'id',
} as const satisfies Record<string, FieldType>;

/** Fixed target fields per kind. Prefixed fields (`attributes.x`, `member.x`, `properties.x`) are open-ended. */
export const TARGET_FIELDS: Record<ImportKind, Record<string, FieldType>> = {
  members: {
    ...IDENTIFIERS,
    name: 'string',
    gender: 'string',
    birthday: 'date',
    city: 'string',
    region: 'string',
    source_channel: 'string',
    created_at: 'datetime',
  },
  orders: {
    ...IDENTIFIERS,
    order_id: 'id',
    record_type: 'string',
    paid_at: 'datetime',
    status: 'string',
    amount: 'number',
    discount: 'number',
    currency: 'string',
    coupon_code: 'string',
    points_used: 'integer',
    channel: 'string',
    store_id: 'id',
    product_id: 'id',
    product_name: 'string',
    category: 'string',
    quantity: 'number',
    unit_price: 'number',
    line_amount: 'number',
    refund_id: 'id',
    refund_order_id: 'id',
    refund_reason: 'string',
  },
  events: {
    message_id: 'id',
    type: 'string',
    event: 'string',
    user_id: 'id',
    anonymous_id: 'id',
    timestamp: 'datetime',
    channel: 'string',
  },
};

/** Open-ended field prefixes per kind and the type their values get. */
export const FIELD_PREFIXES: Record<ImportKind, string[]> = {
  members: ['attributes.'],
  orders: ['attributes.', 'member.'],
  events: ['properties.', 'context.'],
};

/** Member attribute names an order row may carry as `member.<name>`. */
export const MEMBER_TRAIT_FIELDS = ['name', 'gender', 'birthday', 'city', 'region', 'phone', 'email'] as const;

/** The identifier fields that can name a member (app_id only qualifies an openid). */
export const IDENTIFIER_FIELDS = (Object.keys(IDENTIFIERS) as (keyof typeof IDENTIFIERS)[]).filter((f) => f !== 'app_id');

/** Type of a target field, or undefined when the kind has no such field. */
export function fieldType(kind: ImportKind, field: string): FieldType | undefined {
  const fixed = TARGET_FIELDS[kind][field];
  if (fixed) return fixed;
  const prefix = FIELD_PREFIXES[kind].find((p) => field.startsWith(p) && field.length > p.length);
  if (!prefix) return undefined;
  if (prefix === 'member.') return field === 'member.birthday' ? 'date' : 'string';
  return 'any';
}

// Header spellings (after lower-casing and turning spaces/dashes into `_`) that mean a target field.
const ALIASES: Record<string, string> = {
  userid: 'user_id',
  customer_id: 'user_id',
  customerid: 'user_id',
  mobile: 'phone',
  phone_number: 'phone',
  手机号: 'phone',
  手机: 'phone',
  邮箱: 'email',
  姓名: 'name',
  性别: 'gender',
  生日: 'birthday',
  城市: 'city',
  省份: 'region',
  地区: 'region',
  渠道: 'channel',
  订单号: 'order_id',
  金额: 'amount',
  下单时间: 'paid_at',
  会员卡号: 'member_card',
  event_name: 'event',
  ts: 'timestamp',
  time: 'timestamp',
  messageid: 'message_id',
  anonymousid: 'anonymous_id',
};

/** Normalises a header cell for matching: trimmed, lower-case, spaces and dashes as `_`. */
export function normaliseHeader(h: string): string {
  return h.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** The target field a header names by itself (`user_id`, `Phone`, `手机号`, `properties.sku`), if any. */
export function selfMappedField(kind: ImportKind, header: string): string | undefined {
  const trimmed = header.trim();
  const prefix = FIELD_PREFIXES[kind].find((p) => trimmed.startsWith(p) && trimmed.length > p.length);
  if (prefix) return trimmed;
  const n = normaliseHeader(trimmed);
  let field = TARGET_FIELDS[kind][n] ? n : ALIASES[n] ?? n;
  if (field === 'channel' && kind === 'members') field = 'source_channel';
  if (field === 'amount' && kind !== 'orders') return undefined;
  return field && TARGET_FIELDS[kind][field] ? field : undefined;
}

export type Coerced = { ok: true; value: unknown } | { ok: false; reason: string };

const THOUSANDS = /^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/;

/** Parses a number cell: plain decimals, thousands separators, spreadsheet numbers. */
export function parseNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  let s = v.trim();
  if (THOUSANDS.test(s)) s = s.replace(/,/g, '');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** Spreadsheets store ids as numbers; render 17850 as '17850', never '17850.0' or '1.785e4'. */
function idString(v: unknown): string | null {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : String(v);
  if (typeof v === 'string') return v.trim() || null;
  if (typeof v === 'bigint') return v.toString();
  return null;
}

const BOOL: Record<string, boolean> = { true: true, false: false, yes: true, no: false, '1': true, '0': false, y: true, n: false, 是: true, 否: false };

/**
 * Turns one raw cell (after mapping transforms) into the field's type. Empty cells give `undefined` (absent).
 * @example coerce('number', '12.50') // { ok: true, value: 12.5 }
 */
export function coerce(type: FieldType, raw: unknown, opts: { dateFormat?: DateFormat; timezone?: string } = {}): Coerced {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return { ok: true, value: undefined };
  switch (type) {
    case 'id': {
      const s = idString(raw);
      if (s === null) return { ok: false, reason: 'not an identifier' };
      if (s.length > 200) return { ok: false, reason: 'identifier longer than 200 characters' };
      return { ok: true, value: s };
    }
    case 'string': {
      const s = raw instanceof Date ? raw.toISOString() : String(raw).trim();
      if (s.length > 2000) return { ok: false, reason: 'text longer than 2000 characters' };
      return { ok: true, value: s };
    }
    case 'number': {
      const n = parseNumber(raw);
      return n === null ? { ok: false, reason: 'not a number' } : { ok: true, value: n };
    }
    case 'integer': {
      const n = parseNumber(raw);
      return n === null || !Number.isInteger(n) ? { ok: false, reason: 'not a whole number' } : { ok: true, value: n };
    }
    case 'datetime': {
      const iso = parseDateTime(raw, opts.dateFormat ?? 'auto', opts.timezone ?? 'UTC');
      return iso ? { ok: true, value: iso } : { ok: false, reason: `not a date-time${opts.dateFormat && opts.dateFormat !== 'auto' ? ` in format ${opts.dateFormat}` : ' (expected e.g. 2024-05-01 10:30:00 or ISO 8601)'}` };
    }
    case 'date': {
      const d = parseDate(raw, opts.dateFormat ?? 'auto');
      return d ? { ok: true, value: d } : { ok: false, reason: `not a date${opts.dateFormat && opts.dateFormat !== 'auto' ? ` in format ${opts.dateFormat}` : ' (expected YYYY-MM-DD)'}` };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      const b = BOOL[String(raw).trim().toLowerCase()];
      return b === undefined ? { ok: false, reason: 'not a yes/no value' } : { ok: true, value: b };
    }
    case 'any':
      return { ok: true, value: raw instanceof Date ? raw.toISOString() : typeof raw === 'string' ? raw.trim() : raw };
  }
}
