// Points lots: when earned points become spendable (pending period) and when they expire, which lots a redemption
// consumes (first-to-expire), and which lots expire at a time. A lot is what one ledger credit left to spend.
import { z } from 'zod';
import { SiyuError } from '../errors.ts';
import { addDays, firstOfMonth, localDateOf, startOfLocalDayMs, TimeZone, ymd, parts } from './local-time.ts';
import { type Result, fail, iso, ms, parseWith } from './shared.ts';

/**
 * When points expire, counted in the brand's local calendar from the moment the lot becomes spendable:
 * - `days`: valid through the N-th local day after that day (earned 1 March, days 30 → expire at the start of 1 April);
 * - `end_of_month`: at the end of that month, or `monthsAfter` months later;
 * - `end_of_year`: at the end of the year `yearsAfter` years later (1 = end of next year 次年年底, 2 = the year after next);
 * - `never`.
 */
export const ExpiryPolicySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('never') }).strict(),
  z.object({ type: z.literal('days'), days: z.number().int().min(1).max(3660) }).strict(),
  z.object({ type: z.literal('end_of_month'), monthsAfter: z.number().int().min(0).max(120).default(0) }).strict(),
  z.object({ type: z.literal('end_of_year'), yearsAfter: z.number().int().min(0).max(10) }).strict(),
]);
export type ExpiryPolicy = z.output<typeof ExpiryPolicySchema>;

/**
 * Lot policy: expiry plus a pending period. Pending points are locked for `pendingDays` × 24 h after earning so a
 * return inside the return window claws them back before they can be spent; expiry counts from the end of pending.
 */
export const LotPolicySchema = z
  .object({
    expiry: ExpiryPolicySchema.default({ type: 'never' }),
    pendingDays: z.number().int().min(0).max(365).default(0),
    timezone: TimeZone,
  })
  .strict();
export type LotPolicy = z.output<typeof LotPolicySchema>;

/** Validates a lot policy; errors are `loyalty.invalid_config` with the field path. */
export const parseLotPolicy = (raw: unknown = {}): LotPolicy => parseWith(LotPolicySchema, 'loyalty', raw);

/** What is left of one credit. `availableAt` null = spendable at once; `expiresAt` null = never expires. */
export interface Lot {
  id: string;
  remaining: number;
  earnedAt: string;
  availableAt?: string | null;
  expiresAt: string | null;
}

/** Points taken from one lot. */
export interface Deduction {
  lotId: string;
  points: number;
}

/**
 * When a lot earned at `earnedAt` becomes spendable and when it expires.
 * @example lotDates(parseLotPolicy({ expiry: { type: 'end_of_month' } }), '2024-05-31T20:00:00Z') // expiresAt '2024-06-30T16:00:00.000Z' (earned 1 June in Shanghai)
 */
export function lotDates(policy: LotPolicy, earnedAt: string): { availableAt: string; expiresAt: string | null } {
  const available = ms(earnedAt, 'earnedAt') + policy.pendingDays * 86_400_000;
  return { availableAt: iso(available), expiresAt: expiryOf(policy.expiry, available, policy.timezone) };
}

function expiryOf(e: ExpiryPolicy, from: number, tz: string): string | null {
  const day = localDateOf(from, tz);
  switch (e.type) {
    case 'never':
      return null;
    case 'days':
      return iso(startOfLocalDayMs(addDays(day, e.days + 1), tz));
    case 'end_of_month':
      return iso(startOfLocalDayMs(firstOfMonth(day, e.monthsAfter + 1), tz));
    case 'end_of_year':
      return iso(startOfLocalDayMs(ymd(parts(day).y + e.yearsAfter + 1, 1, 1), tz));
  }
}

/** A lot's state at instant t (ms): locked, spendable, or past its expiry (not yet removed by the expiry job). */
export function lotState(l: Lot, t: number): 'pending' | 'spendable' | 'expired' {
  if (l.expiresAt !== null && ms(l.expiresAt, 'expiresAt') <= t) return 'expired';
  if (l.availableAt && ms(l.availableAt, 'availableAt') > t) return 'pending';
  return 'spendable';
}

/**
 * The order lots are consumed in: earliest expiry first (never-expiring last), ties by earliest earned, then id —
 * so members lose as few points to expiry as possible and every engine replays the same plan.
 */
export function byConsumptionOrder(a: Lot, b: Lot): number {
  const ea = a.expiresAt === null ? Infinity : Date.parse(a.expiresAt);
  const eb = b.expiresAt === null ? Infinity : Date.parse(b.expiresAt);
  if (ea !== eb) return ea < eb ? -1 : 1;
  const ta = Date.parse(a.earnedAt);
  const tb = Date.parse(b.earnedAt);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Takes up to `points` from `lots` in the given order; returns the deductions and what could not be covered. */
export function takeFrom(lots: readonly Lot[], points: number): { deductions: Deduction[]; short: number } {
  const deductions: Deduction[] = [];
  let left = points;
  for (const l of lots) {
    if (left === 0) break;
    if (l.remaining <= 0) continue;
    const take = Math.min(l.remaining, left);
    deductions.push({ lotId: l.id, points: take });
    left -= take;
  }
  return { deductions, short: left };
}

/** The spendable lots at `now` in consumption order. */
export const spendableLots = (lots: readonly Lot[], now: string): Lot[] => {
  const t = ms(now, 'now');
  return lots.filter((l) => l.remaining > 0 && lotState(l, t) === 'spendable').sort(byConsumptionOrder);
};

/**
 * Plans spending `points` from the spendable lots at `now` (pending and expired lots are never touched): per-lot
 * deductions summing to `points`, or `points.insufficient` with what is available. Nothing goes negative.
 * @example planConsumption(lots, 150, now) // { ok: true, deductions: [{ lotId: 'a', points: 100 }, { lotId: 'b', points: 50 }] }
 */
export function planConsumption(lots: readonly Lot[], points: number, now: string): Result<{ deductions: Deduction[] }, 'points.insufficient'> {
  if (!Number.isSafeInteger(points) || points <= 0)
    throw new SiyuError('invalid_data', 'points.invalid_amount', 'points: must be a whole number above 0', { field: 'points' });
  const spendable = spendableLots(lots, now);
  const { deductions, short } = takeFrom(spendable, points);
  if (short > 0) {
    const available = points - short;
    return fail('points.insufficient', `not enough points: ${available} available, ${points} needed`, { available, needed: points, shortBy: short });
  }
  return { ok: true, deductions };
}

/** Lots whose expiry is at or before `at` with points left: what the expiry job removes, one deduction per lot. */
export function expiringLots(lots: readonly Lot[], at: string): Deduction[] {
  const t = ms(at);
  return lots
    .filter((l) => l.remaining > 0 && l.expiresAt !== null && ms(l.expiresAt) <= t)
    .sort(byConsumptionOrder)
    .map((l) => ({ lotId: l.id, points: l.remaining }));
}

/** Points in the member's lots by state at `now`, plus those expiring before `until` (for "expiring in N days"). */
export function pointsSummary(lots: readonly Lot[], now: string, until?: string) {
  const t = ms(now, 'now');
  const u = until === undefined ? null : ms(until, 'until');
  const out = { total: 0, spendable: 0, pending: 0, expired: 0, expiringSoon: 0 };
  for (const l of lots) {
    if (l.remaining <= 0) continue;
    out.total += l.remaining;
    const s = lotState(l, t);
    out[s] += l.remaining;
    if (s !== 'expired' && u !== null && l.expiresAt !== null && ms(l.expiresAt) <= u) out.expiringSoon += l.remaining;
  }
  return out;
}
