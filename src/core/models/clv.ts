// Discounted customer lifetime value from BG/NBD purchases and Gamma-Gamma order value (lifetimes-style).
import { invalid } from '../errors.ts';
import { bgnbdConditionalExpectedPurchases, type BgNbdParams } from './bgnbd.ts';
import type { CustomerSummary } from './summary.ts';

/** Options of {@link discountedClv}. */
export interface ClvOptions {
  /** Number of discounting periods (e.g. 12 months). */
  periods: number;
  /** Length of one period in model time units (e.g. 4.345 weeks per month). */
  periodLength: number;
  /** Discount rate per period (e.g. 0.01 for 1% a month). */
  discountRate: number;
}

/**
 * CLV = Σ_{k=1..periods} value · (E[X(k·L) | history] − E[X((k−1)·L) | history]) / (1 + d)^k,
 * the formula of lifetimes' `customer_lifetime_value`: each period's incremental expected purchases,
 * valued at the expected average order value and discounted to today.
 */
export function discountedClv(p: BgNbdParams, c: CustomerSummary, expectedValue: number, opts: ClvOptions): number {
  if (!Number.isInteger(opts.periods) || opts.periods < 0) throw invalid('clv.invalid_option', 'periods must be a non-negative integer', 'periods');
  if (!(opts.periodLength > 0)) throw invalid('clv.invalid_option', 'periodLength must be > 0', 'periodLength');
  if (!(opts.discountRate > -1)) throw invalid('clv.invalid_option', 'discountRate must be > -1', 'discountRate');
  let clv = 0;
  let previous = 0;
  for (let k = 1; k <= opts.periods; k++) {
    const cumulative = bgnbdConditionalExpectedPurchases(p, k * opts.periodLength, c.x, c.tx, c.T);
    clv += (expectedValue * (cumulative - previous)) / Math.pow(1 + opts.discountRate, k);
    previous = cumulative;
  }
  return clv;
}
