// Pure planning of a refund batch: ids, full-refund amounts, duplicate and over-refund checks against order state.
import { createHash } from 'node:crypto';
import { SiyuError } from '../../core/errors.ts';
import { fromCents, toCents } from './money.ts';
import type { NormalizedRefund } from './schema.ts';

/** What the plan needs to know about a refunded order. */
export interface OrderState {
  member_id: string | null;
  amount: number;
  refunded_amount: number;
}

/** A refund already stored under some id. */
export interface StoredRefund {
  order_id: string | null;
  amount: number;
}

/** A refund row to insert. */
export interface PlannedRefund {
  id: string;
  order_id: string | null;
  member_id: string | null;
  amount: number;
  reason: string | null;
  items: unknown[] | null;
  channel: string | null;
  refunded_at: string;
}

export interface RefundPlan {
  rows: PlannedRefund[];
  /** Cents to add to each order's refunded_amount. */
  deltas: Map<string, number>;
  /** Refunds already stored with the same content (idempotent retries). */
  duplicates: number;
  /** Refunds left out in lenient mode, with the error that would have been thrown. */
  skipped: { index: number; error: SiyuError }[];
}

/**
 * The refund's id: the one sent, else `${order_id}:full` for a full refund, else a hash of what identifies it
 * (order or member, amount, time) so a retried request lands on the same row.
 * @example refundIdOf({ order_id: 'o1', amount: null, … }) // 'o1:full'
 */
export function refundIdOf(r: NormalizedRefund): string {
  if (r.refund_id) return r.refund_id;
  if (r.order_id && r.amount === null) return `${r.order_id}:full`;
  const who = r.order_id ? ['order', r.order_id] : ['member', ...Object.entries(r.member).sort(([a], [b]) => a.localeCompare(b)).flat()];
  const digest = createHash('sha256').update(JSON.stringify([who, toCents(r.amount ?? 0), r.refunded_at])).digest('hex').slice(0, 24);
  return r.order_id ? `${r.order_id}:${digest}` : `rf_${digest}`;
}

/** The error with the refund's position in `details.index` (and in the message, for batches). */
const withIndex = (e: SiyuError, index: number, batch: boolean) =>
  new SiyuError(e.type, e.code, batch ? `refunds[${index}]: ${e.message}` : e.message, { field: e.field, details: { ...(e.details as object), index } });

/**
 * Checks every refund against its order (found, not over-refunded, counting earlier refunds of the same batch)
 * and against stored refunds (same id and content = duplicate; same id, other content = conflict).
 * Strict mode throws the first error; lenient mode (track events) skips the offending refund.
 */
export function planRefunds(
  refunds: NormalizedRefund[],
  orders: Map<string, OrderState>,
  stored: Map<string, StoredRefund>,
  unlinkedMember: (index: number) => string | null,
  opts: { lenient?: boolean; batch?: boolean } = {},
): RefundPlan {
  const plan: RefundPlan = { rows: [], deltas: new Map(), duplicates: 0, skipped: [] };
  const seen = new Map<string, StoredRefund>(stored);
  refunds.forEach((r, index) => {
    try {
      const id = refundIdOf(r);
      const prior = seen.get(id);
      if (prior) {
        const same = prior.order_id === r.order_id && (r.amount === null || toCents(prior.amount) === toCents(r.amount));
        if (!same) {
          throw new SiyuError('conflict', 'refund.id_conflict', `refund ${id} exists with another order or amount`, { field: 'refund_id' });
        }
        plan.duplicates++;
        return;
      }
      let memberId: string | null;
      let cents: number;
      if (r.order_id) {
        const o = orders.get(r.order_id);
        if (!o) throw new SiyuError('not_found', 'order.not_found', `No order ${r.order_id}`, { field: 'order_id' });
        const remaining = toCents(o.amount) - toCents(o.refunded_amount) - (plan.deltas.get(r.order_id) ?? 0);
        cents = r.amount === null ? remaining : toCents(r.amount);
        if (cents <= 0 || cents > remaining) {
          const msg = remaining <= 0
            ? `order ${r.order_id} is already fully refunded`
            : `refund of ${fromCents(cents)} exceeds the ${fromCents(remaining)} still refundable on order ${r.order_id}`;
          throw new SiyuError('invalid_data', 'refund.exceeds_order', msg, { field: 'amount', details: { remaining: fromCents(Math.max(remaining, 0)) } });
        }
        plan.deltas.set(r.order_id, (plan.deltas.get(r.order_id) ?? 0) + cents);
        memberId = o.member_id;
      } else {
        cents = toCents(r.amount!);
        memberId = unlinkedMember(index);
      }
      const amount = fromCents(cents);
      seen.set(id, { order_id: r.order_id, amount });
      plan.rows.push({ id, order_id: r.order_id, member_id: memberId, amount, reason: r.reason, items: r.items, channel: r.channel, refunded_at: r.refunded_at });
    } catch (e) {
      if (!(e instanceof SiyuError)) throw e;
      if (!opts.lenient) throw withIndex(e, index, opts.batch ?? false);
      plan.skipped.push({ index, error: e });
    }
  });
  return plan;
}
