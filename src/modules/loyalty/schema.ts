// Request validation of the loyalty API (snake_case like the rest of the API; config bodies keep the pure schemas'
// camelCase since the pure parsers validate them).
import { z } from 'zod';
import { pageLimit } from '../../core/pagination.ts';
import { boundedInstant } from '../../core/instant.ts';

const Key = z.string().min(1).max(200);
const Ref = z.string().trim().min(1).max(300);
const Instant = boundedInstant();
const PositivePoints = z.number().int().min(1).max(1e12);

export const RefParam = z.object({ ref: Ref }).strict();
export const IdParam = z.object({ id: z.string().min(1).max(128) }).strict();

export const PointsQuery = z
  .object({
    limit: pageLimit(50, 500),
    cursor: z.string().max(200).optional(),
    expiring_days: z.coerce.number().int().min(1).max(3660).default(30),
  })
  .strict();

/** Points (plain) or an event name (event rules with caps). `idempotency_key` may come as the Idempotency-Key header. */
export const EarnBody = z
  .object({
    member: Ref,
    idempotency_key: Key.optional(),
    points: PositivePoints.optional(),
    event: z.string().min(1).max(64).optional(),
    order_id: z.string().min(1).max(128).optional(),
    reason: z.string().min(1).max(500).optional(),
    expires_at: Instant.nullable().optional(),
  })
  .strict();

export const RedeemBody = z
  .object({ member: Ref, idempotency_key: Key.optional(), points: PositivePoints, order_id: z.string().min(1).max(128).optional(), reason: z.string().min(1).max(500).optional() })
  .strict();

export const AdjustBody = z
  .object({
    member: Ref,
    idempotency_key: Key.optional(),
    delta: z.number().int().min(-1e12).max(1e12).refine((d) => d !== 0, 'must not be 0'),
    reason: z.string().trim().min(1).max(500),
    operator: z.string().trim().min(1).max(128),
    expires_at: Instant.nullable().optional(),
  })
  .strict();

export const TransferBody = z
  .object({ from: Ref, to: Ref, idempotency_key: Key.optional(), points: PositivePoints, reason: z.string().min(1).max(500).optional() })
  .strict();

export const ExpireBody = z.object({ at: Instant.optional(), idempotency_key: Key.optional(), member: Ref.optional() }).strict();
export const AtBody = z.object({ at: Instant.optional() }).strict();

export const ReviewBody = z
  .object({
    at: Instant.optional(),
    /** Review every live member, not only those above the lowest tier (placing an existing base after a launch). */
    all: z.boolean().default(false),
  })
  .strict();

/** What a tier review did. */
export const ReviewResult = z.object({ reviewed: z.number().int(), upgraded: z.number().int(), downgraded: z.number().int() });

export const TierAssignBody = z
  .object({ tier: z.string().min(1).max(64), reason: z.string().trim().min(1).max(500), operator: z.string().trim().min(1).max(128), expires_at: Instant.nullable().optional() })
  .strict();
export const TierRemoveQuery = z.object({ operator: z.string().trim().min(1).max(128) }).strict();

export const RewardRedeemBody = z.object({ member: Ref, idempotency_key: Key.optional(), quantity: z.number().int().min(1).max(1000).default(1) }).strict();
export const RewardListQuery = z.object({ available: z.enum(['true', 'false']).optional() }).strict();
export const RedemptionsQuery = z.object({ limit: pageLimit(100, 1000) }).strict();
export const ConfigBody = z.record(z.string(), z.unknown());

/** Up to 1000 ledger operations in one request (POS, backfills): each applies or fails on its own. */
export const BatchBody = z
  .object({
    operations: z
      .array(z.discriminatedUnion('type', [
        EarnBody.extend({ type: z.literal('earn'), idempotency_key: Key }),
        RedeemBody.extend({ type: z.literal('redeem'), idempotency_key: Key }),
        AdjustBody.extend({ type: z.literal('adjust'), idempotency_key: Key }),
        TransferBody.extend({ type: z.literal('transfer'), idempotency_key: Key }),
      ]))
      .min(1)
      .max(1000),
  })
  .strict();
export type BatchBody = z.output<typeof BatchBody>;

/** Sweep of tracked events → points; `since` re-scans events received from then on (default: the watermark). */
export const EarnEventsBody = z.object({ since: Instant.optional() }).strict().nullish();

const Money = z.number().finite().min(0).max(1e9);
const QuoteItem = z
  .object({
    line_no: z.number().int().min(1).max(100_000).optional(),
    sku: z.string().trim().min(1).max(128).optional(),
    product_id: z.string().trim().min(1).max(128).optional(),
    category: z.string().trim().min(1).max(256).nullable().optional(),
    /** Unit price (`unit_price` is accepted too, as orders name it). */
    price: Money.optional(),
    unit_price: Money.optional(),
    quantity: z.number().finite().positive().max(1e6).default(1),
  })
  .strict()
  .refine((i) => i.price !== undefined || i.unit_price !== undefined, { message: 'price (or unit_price) is required', path: ['price'] });

/** A checkout to price: the member, lines, shipping, channel, coupon codes and points to use (a number or "max"). */
export const QuoteBody = z
  .object({
    member: Ref,
    items: z.array(QuoteItem).min(1).max(1000),
    shipping: Money.default(0),
    channel: z.string().trim().min(1).max(64).nullable().optional(),
    coupons: z.array(z.string().trim().min(1).max(200)).max(20).default([]),
    points: z.union([PositivePoints, z.literal(0), z.literal('max')]).default(0),
    /** When the order would be paid (default now): member day, coupon windows and campaigns are read at this instant. */
    at: Instant.optional(),
    /** The order id the shop will use, if known (coupons are checked against it). */
    order_id: z.string().trim().min(1).max(128).optional(),
  })
  .strict()
  .refine((q) => new Set(q.items.map((it, i) => it.line_no ?? i + 1)).size === q.items.length, { message: 'line_no must be unique', path: ['items'] });
export type QuoteBody = z.output<typeof QuoteBody>;
