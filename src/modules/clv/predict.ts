// Pure prediction helpers: time units, discounting periods, and the per-(x, T) purchase factors sent to SQL.
import { bgnbdExpectedPurchasesIfAlive, type BgNbdParams } from '../../core/models/index.ts';

export type TimeUnit = 'week' | 'day';

/** Days per model time unit. */
export const UNIT_DAYS: Record<TimeUnit, number> = { day: 1, week: 7 };

/** One calendar month (365.25 / 12 days) in the time unit: the default discounting period. */
export const monthIn = (unit: TimeUnit): number => 365.25 / 12 / UNIT_DAYS[unit];

/** Default horizon: one year in the time unit (52 weeks or 365 days). */
export const defaultHorizon = (unit: TimeUnit): number => (unit === 'week' ? 52 : 365);

/**
 * Ends of the discounting periods covering (0, horizon]: L, 2L, … with the last one cut at the horizon.
 * @example periodEnds(10, 4) // [4, 8, 10]
 */
export function periodEnds(horizon: number, periodLength: number): number[] {
  const count = Math.max(1, Math.ceil(horizon / periodLength - 1e-9));
  return Array.from({ length: count }, (_, k) => Math.min((k + 1) * periodLength, horizon));
}

/** What SQL needs per distinct (x, T in days) to finish every member's prediction with its own P(alive). */
export interface PurchaseFactor {
  x: number;
  t_days: number;
  /** Expected purchases over the horizon if still alive at T. */
  expected: number;
  /** Σ_k (E_alive(t_k) − E_alive(t_{k−1})) / (1 + d)^k over the discounting periods. */
  discounted: number;
}

/**
 * The purchase factors of one (x, T) pair. Member predictions are then
 * expected_purchases = P(alive) · expected and clv = margin · E[value] · P(alive) · discounted, because
 * E[X(T, T+t) | x, t_x, T] = P(alive | x, t_x, T) · E[X(T, T+t) | x, T, alive] (FHL 2005 eq. 10).
 * Purchases of period k are discounted at its end, like lifetimes' customer_lifetime_value.
 */
export function purchaseFactor(p: BgNbdParams, x: number, tDays: number, unitDays: number, horizon: number, ends: number[], discountRate: number): PurchaseFactor {
  const T = tDays / unitDays;
  let discounted = 0;
  let previous = 0;
  let expected = 0;
  ends.forEach((t, k) => {
    const cumulative = bgnbdExpectedPurchasesIfAlive(p, t, x, T);
    discounted += (cumulative - previous) / Math.pow(1 + discountRate, k + 1);
    previous = cumulative;
    if (t === horizon) expected = cumulative;
  });
  return { x, t_days: tDays, expected, discounted };
}

/** Purchase factors for every distinct (x, t_days) of the summaries. */
export function purchaseFactors(p: BgNbdParams, pairs: Iterable<{ x: number; t_days: number }>, unitDays: number, horizon: number, periodLength: number, discountRate: number): PurchaseFactor[] {
  const ends = periodEnds(horizon, periodLength);
  const seen = new Set<string>();
  const out: PurchaseFactor[] = [];
  for (const { x, t_days } of pairs) {
    const key = `${x}|${t_days}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(purchaseFactor(p, x, t_days, unitDays, horizon, ends, discountRate));
  }
  return out;
}
