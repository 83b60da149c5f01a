// Validation of already-mapped import records (the body of POST /api/imports/{kind}/batch) and their types.
import { z } from 'zod';
import { invalid } from '../../core/errors.ts';
import type { ImportKind } from './fields.ts';

/** Most records one batch request may carry. */
export const MAX_BATCH_RECORDS = 5000;

const id = z.string().trim().min(1).max(200);
const text = z.string().max(2000);
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s), 'expected an ISO 8601 date-time');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const money = z.number().finite();

const identifiers = {
  user_id: id.optional(),
  anonymous_id: id.optional(),
  phone: z.string().regex(/^\+?\d{5,20}$/, 'expected digits, optionally with a leading +').optional(),
  email: z.string().max(320).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'expected an email address').optional(),
  unionid: id.optional(),
  openid: id.optional(),
  app_id: id.optional(),
  wecom_external_userid: id.optional(),
  member_card: id.optional(),
  device_id: id.optional(),
};

const traits = {
  name: text.optional(),
  gender: z.enum(['male', 'female', 'unknown']).optional(),
  birthday: day.optional(),
  city: text.optional(),
  region: text.optional(),
};

const attributes = z.record(z.string().max(200), z.unknown());

export const MemberRecordSchema = z
  .object({
    row: z.number().int().optional(),
    ...identifiers,
    ...traits,
    source_channel: z.string().max(64).optional(),
    created_at: iso.optional(),
    attributes: attributes.optional(),
  })
  .strict();
export type MemberRecord = z.infer<typeof MemberRecordSchema>;

export const ItemSchema = z
  .object({
    product_id: id.optional(),
    name: text.optional(),
    category: text.optional(),
    quantity: z.number().finite(),
    unit_price: money,
    amount: money,
  })
  .strict();
export type ImportItem = z.infer<typeof ItemSchema>;

const MemberTraitsSchema = z.object({ ...traits, phone: identifiers.phone, email: identifiers.email }).strict();

export const OrderRecordSchema = z
  .object({
    type: z.literal('order'),
    row: z.number().int().optional(),
    /** Source rows this record came from (its lines), for the run's counts. */
    row_count: z.number().int().min(1).optional(),
    ...identifiers,
    order_id: id,
    paid_at: iso,
    status: z.enum(['paid', 'cancelled']).optional(),
    amount: money.min(0),
    discount: money.min(0).optional(),
    currency: z.string().min(3).max(3).optional(),
    coupon_code: z.string().max(200).optional(),
    points_used: z.number().int().min(0).optional(),
    channel: z.string().max(64).optional(),
    store_id: id.optional(),
    items: z.array(ItemSchema.extend({ quantity: z.number().finite().positive(), unit_price: money.min(0), amount: money.min(0) }).strict()).max(20_000),
    member: MemberTraitsSchema.optional(),
    attributes: attributes.optional(),
  })
  .strict();
export type OrderRecord = z.infer<typeof OrderRecordSchema>;

export const RefundRecordSchema = z
  .object({
    type: z.literal('refund'),
    row: z.number().int().optional(),
    row_count: z.number().int().min(1).optional(),
    ...identifiers,
    refund_id: id,
    order_id: id.nullable().optional(),
    amount: money.positive(),
    currency: z.string().min(3).max(3).optional(),
    reason: text.optional(),
    refunded_at: iso,
    channel: z.string().max(64).optional(),
    items: z.array(ItemSchema).max(20_000).optional(),
    member: MemberTraitsSchema.optional(),
  })
  .strict();
export type RefundRecord = z.infer<typeof RefundRecordSchema>;

export const EventRecordSchema = z
  .object({
    row: z.number().int().optional(),
    message_id: id,
    type: z.enum(['track', 'page', 'screen']).optional(),
    event: z.string().min(1).max(200).optional(),
    user_id: id.optional(),
    anonymous_id: id.optional(),
    timestamp: iso,
    channel: z.string().max(64).optional(),
    properties: attributes.optional(),
    context: attributes.optional(),
  })
  .strict()
  .refine((e) => e.user_id || e.anonymous_id, { message: 'needs user_id or anonymous_id', path: ['user_id'] })
  .refine((e) => (e.type ?? 'track') !== 'track' || e.event, { message: 'a track event needs an event name', path: ['event'] });
export type EventRecord = z.infer<typeof EventRecordSchema>;

export type ImportRecord = MemberRecord | OrderRecord | RefundRecord | EventRecord;

export const BatchBodySchema = z
  .object({
    run_id: z.string().min(1).max(100),
    rows: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_BATCH_RECORDS),
  })
  .strict();

/** Identifier fields a record names a member by, in the order identity resolution prefers them. */
export const RECORD_IDENTIFIERS = Object.keys(identifiers) as (keyof typeof identifiers)[];

/** One bad record of a batch: its position, source row, field and why. */
export interface RecordIssue {
  index: number;
  row?: number;
  field: string;
  reason: string;
}

/**
 * Validates every record of a batch. Any bad record fails the whole batch with `import.invalid_record`, and
 * `details.invalid` lists every bad one (index, source row, field, reason) so the client can report them and
 * resend the rest: the batch itself is all-or-nothing.
 */
export function validateBatch(kind: ImportKind, rows: Record<string, unknown>[]): ImportRecord[] {
  const issues: RecordIssue[] = [];
  const out = rows.map((r, index) => {
    const schema = kind === 'members' ? MemberRecordSchema : kind === 'events' ? EventRecordSchema : r.type === 'refund' ? RefundRecordSchema : OrderRecordSchema;
    const res = schema.safeParse(r);
    if (res.success) return res.data as ImportRecord;
    const issue = res.error.issues[0];
    issues.push({ index, row: typeof r.row === 'number' ? r.row : undefined, field: issue.path.join('.'), reason: issue.message });
    return null;
  });
  if (issues.length) {
    const f = issues[0];
    throw invalid('import.invalid_record', `${issues.length} invalid record(s); first: record ${f.index}${f.row !== undefined ? ` (row ${f.row})` : ''} ${f.field || 'record'}: ${f.reason}`, `rows.${f.index}${f.field ? '.' + f.field : ''}`, { invalid: issues });
  }
  return out as ImportRecord[];
}
