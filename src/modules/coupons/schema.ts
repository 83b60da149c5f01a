// Request validation for coupons (zod, strict). A template's `config` is checked by the pure model
// (parseCouponTemplate) and its `code_format` by parseCodeFormat, whose errors name the field inside them.
import { z } from 'zod';
import { pageLimit } from '../../core/pagination.ts';

const name = z.string().trim().min(1).max(100);
const description = z.string().trim().max(1000);
const ref = z.string().trim().min(1).max(200);
const memberRef = z.string().trim().min(1).max(600);
const limit = z.number().int().min(0).max(1e12);
/** Where an issue came from (api, journey, birthday, member_day, import…); kept on each coupon. */
const source = z.string().trim().min(1).max(64);
const idempotencyKey = z.string().trim().min(1).max(200);

/** Largest generated batch (the code space check may ask for longer codes well before that). */
export const MAX_GENERATE = 1_000_000;
/** Most member refs one list issue carries. */
export const MAX_ISSUE_LIST = 10_000;
/** Most codes one upload carries; bodies up to UPLOAD_BODY_LIMIT. */
export const MAX_UPLOAD = 1_000_000;
export const UPLOAD_BODY_LIMIT = 32 * 1024 * 1024;

export const TemplateStatus = z.enum(['active', 'paused', 'archived']);

export const TemplateCreate = z
  .object({
    name,
    description: description.optional(),
    /** The coupon itself: benefit, minSpend, validity, applicability, stacking (see src/core/loyalty/coupons.ts). */
    config: z.unknown(),
    status: TemplateStatus.default('active'),
    /** Most coupons ever issued or claimed from this template; null: no limit. */
    total_limit: limit.nullable().default(null),
    /** Most coupons of this template one member may hold over time (used or not); null: no limit. */
    per_member_limit: limit.nullable().default(null),
    /** Codes of coupons issued straight to members: length, alphabet, prefix (defaults: 12 of A-Z2-9 without look-alikes). */
    code_format: z.unknown().optional(),
    /** Give the coupon back to its member (when still valid) when the order it paid for is fully refunded. */
    return_on_refund: z.boolean().default(false),
  })
  .strict();
export type TemplateCreate = z.infer<typeof TemplateCreate>;

export const TemplatePatch = z
  .object({
    name: name.optional(),
    description: description.nullable().optional(),
    /** Only while no coupon has been issued: held coupons keep the terms they were issued with. */
    config: z.unknown().optional(),
    status: TemplateStatus.optional(),
    total_limit: limit.nullable().optional(),
    per_member_limit: limit.nullable().optional(),
    code_format: z.unknown().optional(),
    return_on_refund: z.boolean().optional(),
  })
  .strict();
export type TemplatePatch = z.infer<typeof TemplatePatch>;

export const TemplateParam = z.object({ ref }).strict();
export const BatchParam = z.object({ id: ref }).strict();
export const CodeParam = z.object({ code: z.string().trim().min(1).max(200) }).strict();
export const MemberParam = z.object({ ref: memberRef }).strict();
export const TemplateListQuery = z.object({ status: TemplateStatus.optional() }).strict();

export const GenerateBody = z
  .object({
    count: z.number().int().min(1).max(MAX_GENERATE),
    /** length, alphabet, prefix, maxGuessProbability; upper-case alphabets only (codes are case-insensitive). */
    format: z.unknown().optional(),
    /** One code many members may claim (each within the template's limits), instead of one claim per code. */
    shared: z.boolean().default(false),
    name: name.optional(),
  })
  .strict();
export type GenerateBody = z.infer<typeof GenerateBody>;

export const UploadBody = z
  .object({
    /** The file's text: TXT (one code per line) or CSV (a header row with a `code` column). Line numbers refer to it. */
    text: z.string().max(UPLOAD_BODY_LIMIT).optional(),
    format: z.enum(['txt', 'csv']).default('txt'),
    /** Or the codes as a list (line n = element n). */
    codes: z.array(z.string().max(200)).max(MAX_UPLOAD).optional(),
    shared: z.boolean().default(false),
    name: name.optional(),
  })
  .strict()
  .refine((b) => (b.text === undefined) !== (b.codes === undefined), { message: 'send either text or codes', path: ['text'] });
export type UploadBody = z.infer<typeof UploadBody>;

export const CodesQuery = z
  .object({
    limit: pageLimit(1000, 50_000),
    cursor: z.string().max(200).optional(),
    status: z.enum(['available', 'claimed', 'disabled']).optional(),
  })
  .strict();

/** Exactly one target: a member, a list of members, or every current member of a segment. */
export const IssueBody = z
  .object({
    template: ref,
    member: memberRef.optional(),
    members: z.array(memberRef).min(1).max(MAX_ISSUE_LIST).optional(),
    segment: ref.optional(),
    /** false: the coupon waits in the member's account as `issued` until claimed (its validity starts then). */
    claimed: z.boolean().default(true),
    idempotency_key: idempotencyKey.optional(),
    source: source.default('api'),
  })
  .strict()
  .refine((b) => [b.member, b.members, b.segment].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of member, members or segment',
    path: ['member'],
  });
export type IssueBody = z.infer<typeof IssueBody>;

export const ClaimBody = z.object({ code: z.string().trim().min(1).max(200), member: memberRef, source: source.default('code') }).strict();

const OrderLine = z
  .object({
    line_no: z.number().int().min(1).optional(),
    product_id: z.string().max(128).nullable().optional(),
    category: z.string().max(256).nullable().optional(),
    amount: z.number().finite().min(0).max(1e11),
  })
  .strict();

/** An order at checkout (not stored yet), or the id of a stored order. */
export const OrderBody = z
  .object({
    order_id: z.string().trim().min(1).max(128),
    /** The buyer: member id or type:value; left out for a guest. */
    member: memberRef.optional(),
    channel: z.string().max(64).nullable().optional(),
    items: z.array(OrderLine).min(1).max(1000),
    shipping: z.number().finite().min(0).max(1e11).optional(),
    /** When the order was paid (default now): the validity window is checked at this instant. */
    paid_at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export type OrderBody = z.infer<typeof OrderBody>;

export const RedeemBody = z
  .object({
    code: z.string().trim().min(1).max(200),
    order: z.union([z.string().trim().min(1).max(128), OrderBody]),
    /** Check and price the coupon without using it. */
    dry_run: z.boolean().default(false),
  })
  .strict();
export type RedeemBody = z.infer<typeof RedeemBody>;

export const VoidBody = z.object({ code: z.string().trim().min(1).max(200), reason: z.string().trim().min(1).max(500).optional() }).strict();

export const MemberCouponsQuery = z
  .object({
    status: z.enum(['unused', 'issued', 'claimed', 'used', 'voided', 'expired', 'all']).default('all'),
    template: ref.optional(),
    limit: pageLimit(100, 500),
  })
  .strict();
