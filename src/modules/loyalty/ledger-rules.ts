// The ledger's rules that need no batch state: refusing malformed operations, whether a transfer or a reward may
// happen, how many awards an event rule's cap windows already hold, and the dates of a new lot (memoised).
import { SiyuError } from '../../core/errors.ts';
import { type EarnRules, type LotPolicy, capWindows, iso, lotDates, ms, validateOp } from '../../core/loyalty/index.ts';
import type { TransferPolicy } from './config.ts';
import type { RewardRow } from './ledger-state.ts';
import type { StoreOp } from './ops.ts';

export const bad = (code: string, field: string, message: string) => new SiyuError('invalid_data', code, `${field}: ${message}`, { field });
export const conflict = (code: string, message: string, details?: Record<string, unknown>) => new SiyuError('conflict', code, message, { details });

/** Refuses malformed operations before anything is applied. */
export function validate(op: StoreOp): void {
  if (op.kind === 'event' || op.kind === 'reward' || op.kind === 'mark') {
    if (typeof op.key !== 'string' || op.key.length === 0 || op.key.length > 200) throw bad('ledger.invalid_op', 'key', 'an idempotency key of 1-200 chars is required');
    if (Number.isNaN(Date.parse(op.at))) throw bad('ledger.invalid_op', 'at', 'not a time');
    if (op.kind === 'reward' && (!Number.isSafeInteger(op.quantity) || op.quantity < 1)) throw bad('ledger.invalid_op', 'quantity', 'must be a whole number above 0');
    return;
  }
  validateOp(op);
}

/** Refuses a transfer the program does not allow: transfers turned off, or more points than one transfer may move. */
export function checkTransfer(t: TransferPolicy, points: number): void {
  if (!t.enabled) throw conflict('loyalty.transfers_disabled', 'Transfers between members are turned off in the program (transfers.enabled)');
  if (t.maxPoints !== null && points > t.maxPoints) throw bad('loyalty.transfer_too_large', 'points', `at most ${t.maxPoints} points per transfer`);
}

/**
 * Refuses redeeming `quantity` of reward `r` at `at` for a member of `tier` who has redeemed `had` of it before:
 * inactive or outside its window, for other tiers, out of stock, or over the per-member limit.
 */
export function checkReward(r: RewardRow, at: string, tier: string | null, quantity: number, had: number): void {
  const t = ms(at);
  if (!r.active || (r.startsAt && t < ms(r.startsAt)) || (r.endsAt && t >= ms(r.endsAt)))
    throw conflict('reward.not_available', `Reward ${r.id} is not available now (inactive or outside its window)`);
  if (r.tiers.length > 0 && (tier === null || !r.tiers.includes(tier)))
    throw conflict('reward.tier_not_allowed', `Reward ${r.id} is for tiers ${r.tiers.join(', ')}; the member is ${tier ?? 'without a tier'}`, { tiers: r.tiers, tier });
  if (r.stock !== null && r.stock - r.redeemed < quantity)
    throw conflict('reward.out_of_stock', `Reward ${r.id} has ${Math.max(0, r.stock - r.redeemed)} left, ${quantity} asked`, { left: Math.max(0, r.stock - r.redeemed) });
  if (r.perMemberLimit !== null && had + quantity > r.perMemberLimit)
    throw conflict('reward.limit_reached', `Reward ${r.id} allows ${r.perMemberLimit} per member; the member has ${had}`, { limit: r.perMemberLimit, redeemed: had });
}

/** Earlier awards (times in ms) inside each cap window of the event's rule at `at`, per period; `{}` without a rule. */
export function capCounts(rule: EarnRules['events'][number] | undefined, awards: number[], at: string, timezone: string): Record<string, number> {
  const counts: Record<string, number> = {};
  if (rule) {
    for (const w of capWindows(rule, at, timezone)) {
      const from = w.start === null ? -Infinity : ms(w.start);
      const to = w.end === null ? Infinity : ms(w.end);
      counts[w.period] = awards.filter((t) => t >= from && t < to).length;
    }
  }
  return counts;
}

/**
 * `lotDates` of the lot policy (or without its pending period), memoised: the expiry depends only on the local
 * date the lot becomes available, and as every zone offset is a multiple of 15 minutes that date is the same
 * throughout an aligned 15-minute bucket. Saves the Intl calls that dominated a batch of thousands of earns.
 */
export class LotDating {
  private readonly expiries = new Map<number, string | null>();

  constructor(private readonly lots: LotPolicy) {}

  dates(at: string, withPending = true): { availableAt: string; expiresAt: string | null } {
    const policy = withPending ? this.lots : { ...this.lots, pendingDays: 0 };
    const available = ms(at) + policy.pendingDays * 86_400_000;
    const bucket = Math.floor(available / 900_000);
    let expiresAt = this.expiries.get(bucket);
    if (expiresAt === undefined) this.expiries.set(bucket, (expiresAt = lotDates(policy, at).expiresAt));
    return { availableAt: iso(available), expiresAt };
  }
}
