// Validation of orders and refunds (snake_case, as the API takes them) and their normalised, defaulted forms.
import { z } from 'zod';
import { SiyuError } from '../../core/errors.ts';
import { toCents, fromCents } from './money.ts';

/** Lines per order or refund: wholesale invoices (e.g. the online-retail data) reach about a thousand. */
export const MAX_LINES = 5000;

/** Most orders or refunds one request or service call may carry. */
export const MAX_BATCH = 1000;

const text = (max = 256) => z.string().trim().min(1).max(max);
const optText = (max = 256) => text(max).nullish();
/** ISO-8601 with a zone (`Z` or `+08:00`): a time without one is ambiguous for a brand in another zone. */
const isoTime = z.iso.datetime({ offset: true });
const money = z.number().finite().min(0).max(1e11);

/** Fields that say who the buyer is; an order or unlinked refund needs one of them unless it is a guest's. */
const identifierFields = {
  member_id: z.string().trim().regex(/^mem_[0-9A-Za-z]+$/, 'a member id (mem_…)').max(64).nullish(),
  user_id: optText(),
  anonymous_id: optText(),
  phone: optText(64),
  email: optText(),
  unionid: optText(),
  openid: optText(),
  appid: optText(),
  member_card: optText(),
};
type IdentifierField = keyof typeof identifierFields;
const IDENTIFIERS: IdentifierField[] = ['member_id', 'user_id', 'anonymous_id', 'phone', 'email', 'unionid', 'openid', 'member_card'];

/** Who an order or refund belongs to, as sent. */
export type MemberRef = Partial<Record<IdentifierField, string | null>>;

const hasIdentifier = (o: MemberRef) => IDENTIFIERS.some((k) => typeof o[k] === 'string' && o[k] !== '');

export const OrderItemSchema = z
  .object({
    product_id: optText(128),
    sku: optText(128),
    name: optText(512),
    category: optText(),
    quantity: z.number().finite().positive().max(1e9).default(1),
    unit_price: money.optional(),
    amount: money.optional(),
  })
  .strict();

export const OrderSchema = z
  .object({
    order_id: text(128),
    ...identifierFields,
    guest: z.boolean().optional(),
    items: z.array(OrderItemSchema).max(MAX_LINES).default([]),
    amount: money.optional(),
    discount: money.default(0),
    coupon_code: optText(128),
    points_used: z.number().int().min(0).max(1e12).default(0),
    channel: optText(64),
    store_id: optText(128),
    currency: z.string().trim().regex(/^[A-Za-z]{3}$/, 'a 3-letter ISO 4217 code').transform((s) => s.toUpperCase()).default('CNY'),
    paid_at: isoTime,
    status: z.enum(['paid', 'cancelled']).default('paid'),
    properties: z.record(z.string(), z.unknown()).nullish(),
  })
  .strict();

export const RefundItemSchema = OrderItemSchema;

export const RefundSchema = z
  .object({
    refund_id: optText(200),
    order_id: optText(128),
    ...identifierFields,
    guest: z.boolean().optional(),
    amount: z.number().finite().positive().max(1e11).optional(),
    items: z.array(RefundItemSchema).max(MAX_LINES).optional(),
    reason: optText(1000),
    refunded_at: isoTime,
    channel: optText(64),
  })
  .strict();

export type OrderInput = z.input<typeof OrderSchema>;
export type RefundInput = z.input<typeof RefundSchema>;

/** One order line ready to store: amounts in currency units rounded to cents, `product_id` = product_id ?? sku. */
export interface NormalizedItem {
  line_no: number;
  product_id: string | null;
  name: string | null;
  category: string | null;
  quantity: number;
  unit_price: number;
  amount: number;
}

/** An order after validation and defaults. */
export interface NormalizedOrder {
  order_id: string;
  member: MemberRef;
  guest: boolean;
  items: NormalizedItem[];
  amount: number;
  discount: number;
  coupon_code: string | null;
  points_used: number;
  channel: string | null;
  store_id: string | null;
  currency: string;
  paid_at: string;
  status: 'paid' | 'cancelled';
  properties: Record<string, unknown> | null;
}

/** A refund after validation; `amount` stays null when the order's remaining amount decides it (full refund). */
export interface NormalizedRefund {
  refund_id: string | null;
  order_id: string | null;
  member: MemberRef;
  guest: boolean;
  amount: number | null;
  items: NormalizedItem[] | null;
  reason: string | null;
  refunded_at: string;
  channel: string | null;
}

const pickMember = (o: MemberRef): MemberRef => {
  const m: MemberRef = {};
  for (const k of [...IDENTIFIERS, 'appid'] as IdentifierField[]) if (o[k]) m[k] = o[k];
  return m;
};

/** Lines with amounts filled in: amount defaults to quantity × unit_price, unit_price to amount / quantity. */
function normalizeItems(entity: string, items: z.output<typeof OrderItemSchema>[], index?: number): NormalizedItem[] {
  return items.map((it, i) => {
    if (it.unit_price === undefined && it.amount === undefined) {
      throw fieldError(entity, 'invalid_unit_price', `items.${i}.unit_price`, 'unit_price or amount is required', index);
    }
    const unit = it.unit_price ?? it.amount! / it.quantity;
    const quantity = Math.round(it.quantity * 1000) / 1000;
    const amount = it.amount ?? fromCents(toCents(unit * quantity));
    return {
      line_no: i,
      product_id: it.product_id ?? it.sku ?? null,
      name: it.name ?? null,
      category: it.category ?? null,
      quantity,
      unit_price: fromCents(toCents(unit)),
      amount: fromCents(toCents(amount)),
    };
  });
}

/**
 * A 400 naming the field relative to its element (`amount`, `items.0.quantity`); the element's position in its
 * batch, when given, goes into `details.index` and the message (`orders[3].amount: …`).
 */
function fieldError(entity: string, code: string, field: string, message: string, index?: number) {
  const where = index === undefined ? field : `${entity}s[${index}].${field}`;
  return new SiyuError('invalid_data', `${entity}.${code}`, `${where}: ${message}`, { field, details: index === undefined ? undefined : { index } });
}

const valueAt = (raw: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);

/** Turns the first zod issue into a SiyuError: code `order.invalid_<leaf>` (or `order.unknown_field`), field = path. */
function zodError(entity: string, error: z.ZodError, raw: unknown, index?: number): SiyuError {
  const issue = error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const field = [...issue.path, issue.keys[0]].join('.');
    return fieldError(entity, 'unknown_field', field, `unknown field (allowed fields are documented at /docs)`, index);
  }
  const field = issue.path.join('.') || 'body';
  const leaf = [...issue.path].reverse().find((p) => typeof p === 'string') as string | undefined;
  const missing = issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined;
  const code = missing ? 'missing_field' : `invalid_${leaf ?? 'body'}`;
  return fieldError(entity, code, field, missing ? 'is required' : issue.message, index);
}

/**
 * Validates one order and fills its defaults. Throws SiyuError(invalid_data) with a stable code and the field path
 * (`items.0.quantity`); `index` goes into `details` for batches.
 * @example parseOrder({ order_id: 'o1', user_id: 'u1', items: [{ sku: 'A', quantity: 2, unit_price: 5 }], paid_at: '2024-05-01T10:00:00Z' })
 */
export function parseOrder(raw: unknown, index?: number): NormalizedOrder {
  const r = OrderSchema.safeParse(raw);
  if (!r.success) throw zodError('order', r.error, raw, index);
  const o = r.data;
  const guest = o.guest === true;
  if (!guest && !hasIdentifier(o)) {
    throw fieldError('order', 'missing_identifier', 'user_id', 'an identifier (user_id, anonymous_id, member_id, phone, email, unionid, openid, member_card) is required unless guest is true', index);
  }
  if (o.openid && !o.appid) throw fieldError('order', 'missing_field', 'appid', 'openid needs the appid it belongs to', index);
  const items = normalizeItems('order', o.items, index);
  let amount = o.amount;
  if (amount === undefined) {
    if (items.length === 0) throw fieldError('order', 'invalid_amount', 'amount', 'amount is required when there are no items', index);
    const cents = items.reduce((s, it) => s + toCents(it.amount), 0) - toCents(o.discount);
    if (cents < 0) throw fieldError('order', 'invalid_discount', 'discount', 'discount is larger than the items total', index);
    amount = fromCents(cents);
  }
  return {
    order_id: o.order_id,
    member: guest ? {} : pickMember(o),
    guest,
    items,
    amount: fromCents(toCents(amount)),
    discount: fromCents(toCents(o.discount)),
    coupon_code: o.coupon_code ?? null,
    points_used: o.points_used,
    channel: o.channel ?? null,
    store_id: o.store_id ?? null,
    currency: o.currency,
    paid_at: new Date(o.paid_at).toISOString(),
    status: o.status,
    properties: o.properties ?? null,
  };
}

/**
 * Validates one refund. Without `order_id` it is an unlinked return and needs `amount` and a member identifier
 * (or `guest: true`). Items without an amount make the refund amount their sum.
 */
export function parseRefund(raw: unknown, index?: number): NormalizedRefund {
  const r = RefundSchema.safeParse(raw);
  if (!r.success) throw zodError('refund', r.error, raw, index);
  const f = r.data;
  const items = f.items ? normalizeItems('refund', f.items, index) : null;
  let amount = f.amount ?? null;
  if (amount === null && items && items.length > 0) amount = fromCents(items.reduce((s, it) => s + toCents(it.amount), 0));
  if (amount !== null && toCents(amount) <= 0) throw fieldError('refund', 'invalid_amount', 'amount', 'a refund must be more than 0', index);
  const guest = f.guest === true;
  if (!f.order_id) {
    if (amount === null) throw fieldError('refund', 'invalid_amount', 'amount', 'amount is required for a refund without order_id', index);
    if (!guest && !hasIdentifier(f)) {
      throw fieldError('refund', 'missing_identifier', 'user_id', 'a refund without order_id needs a member identifier (user_id, phone, …) or guest: true', index);
    }
  }
  if (f.openid && !f.appid) throw fieldError('refund', 'missing_field', 'appid', 'openid needs the appid it belongs to', index);
  return {
    refund_id: f.refund_id ?? null,
    order_id: f.order_id ?? null,
    member: guest ? {} : pickMember(f),
    guest,
    amount: amount === null ? null : fromCents(toCents(amount)),
    items,
    reason: f.reason ?? null,
    refunded_at: new Date(f.refunded_at).toISOString(),
    channel: f.channel ?? null,
  };
}

/**
 * The elements of a request body that is one object or `{ [key]: [...] }` (at most MAX_BATCH), unparsed: the
 * service validates each one, so every caller gets the same checks.
 * @example batchItems({ orders: [a, b] }, 'orders') // [a, b]
 */
export function batchItems(body: unknown, key: 'orders' | 'refunds'): unknown[] {
  const entity = key === 'orders' ? 'order' : 'refund';
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw fieldError(entity, 'invalid_body', 'body', `expected one ${entity} object or { "${key}": [...] }`);
  }
  // Segment clients may put the write key in the body; it authenticated the request and is not order data.
  const { writeKey: _key, ...b } = body as Record<string, unknown>;
  if (!(key in b)) return [b];
  const extra = Object.keys(b).filter((k) => k !== key);
  if (extra.length) throw fieldError(entity, 'unknown_field', extra[0], `unknown field next to "${key}"`);
  const list = b[key];
  if (!Array.isArray(list)) throw fieldError(entity, 'invalid_body', key, 'expected an array');
  if (list.length === 0) throw fieldError(entity, 'invalid_body', key, `at least one ${entity} is required`);
  if (list.length > MAX_BATCH) throw fieldError(entity, 'batch_too_large', key, `at most ${MAX_BATCH} per request, got ${list.length}`);
  return list;
}
