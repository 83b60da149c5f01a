// Per-customer RFM summary consumed by the CLV models, with validation shared by the fitters.
import { invalid } from '../errors.ts';

/**
 * One customer's calibration-period summary, in model time units (e.g. weeks).
 * x = repeat purchases (first excluded), tx = time of last purchase measured from the first (0 when x = 0),
 * T = time from the first purchase to the calibration end.
 */
export interface CustomerSummary {
  x: number;
  tx: number;
  T: number;
}

/** Checks one summary and throws `clv.invalid_summary` naming the bad field. */
export function checkSummary(c: CustomerSummary, index: number): void {
  const at = `customers[${index}]`;
  if (!Number.isInteger(c.x) || c.x < 0) throw invalid('clv.invalid_summary', `${at}.x must be a non-negative integer`, `${at}.x`);
  if (!Number.isFinite(c.T) || c.T < 0) throw invalid('clv.invalid_summary', `${at}.T must be >= 0`, `${at}.T`);
  if (!Number.isFinite(c.tx) || c.tx < 0 || c.tx > c.T) {
    throw invalid('clv.invalid_summary', `${at}.tx must be within [0, T]`, `${at}.tx`);
  }
}
