// Points on a refund: claw back what the refunded part of the order earned, and give back the points that paid
// for it, both pro rata to the refunded amount and counted cumulatively so several partial refunds never take or
// give more than the whole order did.
import { z } from 'zod';
import { SiyuError } from '../errors.ts';
import { type Deduction, type Lot, byConsumptionOrder, spendableLots, takeFrom } from './lots.ts';
import { Rounding, mulDivFloor, mulDivRound, parseWith, toCents } from './shared.ts';

/**
 * How refunds move points.
 * - `clawRounding` floor: a partial refund never claws more than its exact share (full refund claws everything).
 * - `returnRounding` round: points that paid for the order come back to the nearest point.
 * - `shortfall`: when the order's points were already spent, the rest is taken from the member's other spendable
 *   points (first-to-expire), then the points this same refund gives back; what is still missing becomes a `debt` that the ledger settles from the next points
 *   earned before they are credited (the balance itself never goes below 0), or is `forgive`n (written off).
 *   Debt is the default because a refund of a ¥1,000 order whose points bought a gift must not keep the gift free.
 */
export const RefundPolicySchema = z
  .object({
    clawRounding: Rounding.default('floor'),
    returnRounding: Rounding.default('round'),
    shortfall: z.enum(['debt', 'forgive']).default('debt'),
  })
  .strict();
export type RefundPolicy = z.output<typeof RefundPolicySchema>;
export const parseRefundPolicy = (raw: unknown = {}): RefundPolicy => parseWith(RefundPolicySchema, 'loyalty', raw);

/** What was already done for earlier refunds of the same order (cumulative). */
export interface RefundHistory {
  refundedAmount: number;
  /** Points clawed so far, including any recorded as debt or forgiven. */
  clawedBack: number;
  givenBack: number;
}

export interface RefundReversalInput {
  /** The amount the member paid for the order (currency units). */
  orderAmount: number;
  /** This refund's amount (currency units). */
  refundAmount: number;
  previous: RefundHistory;
  /** Points the order earned in total, and points that paid for it. */
  pointsEarned: number;
  pointsUsed: number;
  /** The lots the order's earning created, as they are now (partly spent, maybe still pending). */
  orderLots: readonly Lot[];
  /** The member's other lots (for a shortfall). */
  otherLots: readonly Lot[];
  now: string;
}

export interface RefundReversal {
  /** Points to take back for this refund: fromOrderLots + fromOtherLots + fromGiveBack + debt + forgiven. */
  clawBack: number;
  fromOrderLots: Deduction[];
  fromOtherLots: Deduction[];
  /** Shortfall covered by this refund's own give-back (credit the give-back lot, then deduct this from it). */
  fromGiveBack: number;
  debt: number;
  forgiven: number;
  /** Points to credit back (a new lot; its expiry is the ledger's choice). */
  giveBack: number;
  /** The history to store after this refund. */
  cumulative: RefundHistory;
}

/** round(total × part / whole) exactly, in integers, per the rounding mode. */
function share(total: number, part: number, whole: number, mode: Rounding): number {
  if (whole === 0) return total;
  if (mode === 'floor') return mulDivFloor(total, part, whole);
  if (mode === 'round') return mulDivRound(total, part, whole);
  return total - mulDivFloor(total, whole - part, whole); // ceil(x) = total − floor(total − x)
}

/**
 * Plans the points side of one refund. Cumulative targets (share of points for all refunds so far) minus what was
 * already moved give this refund's amounts, so rounding never drifts: after refunds summing to the order amount,
 * exactly `pointsEarned` were clawed and `pointsUsed` given back. Clawing takes from the order's own lots first
 * (pending ones included — that is why points are locked), then the member's other spendable points, then the
 * points this refund gives back, then per `policy.shortfall`.
 * Throws `loyalty.refund_exceeds_order` when refunds would pass the order amount.
 * @example planRefundReversal({ orderAmount: 100, refundAmount: 50, previous: none, pointsEarned: 101, pointsUsed: 0, … }, policy).clawBack // 50
 */
export function planRefundReversal(input: RefundReversalInput, policy: RefundPolicy = parseRefundPolicy()): RefundReversal {
  const whole = toCents(input.orderAmount);
  const before = toCents(input.previous.refundedAmount);
  const after = before + toCents(input.refundAmount);
  if (toCents(input.refundAmount) < 0 || after > whole)
    throw new SiyuError('invalid_data', 'loyalty.refund_exceeds_order', `refundAmount: refunds would total ${after / 100}, more than the order's ${whole / 100}`, { field: 'refundAmount' });

  const clawTarget = share(input.pointsEarned, after, whole, policy.clawRounding);
  const giveTarget = share(input.pointsUsed, after, whole, policy.returnRounding);
  const clawBack = Math.max(0, clawTarget - input.previous.clawedBack);
  const giveBack = Math.max(0, giveTarget - input.previous.givenBack);

  const own = takeFrom([...input.orderLots].filter((l) => l.remaining > 0).sort(byConsumptionOrder), clawBack);
  const other = own.short > 0 ? takeFrom(spendableLots(input.otherLots, input.now), own.short) : { deductions: [], short: 0 };
  // Points given back by the same refund cover the rest before any debt: netting them is what the member expects.
  const fromGiveBack = Math.min(other.short, giveBack);
  const missing = other.short - fromGiveBack;
  return {
    clawBack,
    fromOrderLots: own.deductions,
    fromOtherLots: other.deductions,
    fromGiveBack,
    debt: policy.shortfall === 'debt' ? missing : 0,
    forgiven: policy.shortfall === 'forgive' ? missing : 0,
    giveBack,
    cumulative: { refundedAmount: after / 100, clawedBack: input.previous.clawedBack + clawBack, givenBack: input.previous.givenBack + giveBack },
  };
}
