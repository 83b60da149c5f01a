// BG/NBD model (Fader, Hardie & Lee 2005): likelihood, maximum-likelihood fit and per-customer predictions.
import { invalid } from '../errors.ts';
import { fitBgNbdGrouped, groupSummaries, type BgNbdFitOptions } from './bgnbd-fit.ts';
import { betaln, hyp2f1, lgamma, logAddExp } from './special.ts';
import { checkSummary, type CustomerSummary } from './summary.ts';

/** BG/NBD parameters: purchase rate ~ Gamma(r, α), dropout probability ~ Beta(a, b). */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Result of {@link fitBgNbd}. */
export interface BgNbdFit {
  params: BgNbdParams;
  /** Total log-likelihood at the fitted parameters (sum over customers). */
  logLikelihood: number;
  iterations: number;
  evaluations: number;
  /** Number of customers the model was fitted on. */
  n: number;
}

/** Log-likelihood of one customer's (x, t_x, T) under the BG/NBD (FHL 2005, eq. 6). */
export function bgnbdCustomerLogLikelihood(p: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const a1 = lgamma(r + x) - lgamma(r) + r * Math.log(alpha);
  const a2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  const a3 = -(r + x) * Math.log(alpha + T);
  // The second term exists only for repeaters: they may have dropped out right after their last purchase.
  const a4 = x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : -Infinity;
  return a1 + a2 + logAddExp(a3, a4);
}

/** Total BG/NBD log-likelihood over customers. */
export function bgnbdLogLikelihood(p: BgNbdParams, customers: readonly CustomerSummary[]): number {
  let sum = 0;
  for (const c of customers) sum += bgnbdCustomerLogLikelihood(p, c.x, c.tx, c.T);
  return sum;
}

/**
 * Maximum-likelihood fit of the BG/NBD (BFGS with the analytic gradient over log-parameters, see
 * {@link fitBgNbdGrouped}); customers sharing (x, t_x, T) are weighted once.
 * Throws `clv.invalid_summary` for a bad customer and `clv.no_customers` for an empty input.
 */
export function fitBgNbd(customers: readonly CustomerSummary[], opts: BgNbdFitOptions = {}): BgNbdFit {
  if (customers.length === 0) throw invalid('clv.no_customers', 'BG/NBD needs at least one customer', 'customers');
  customers.forEach(checkSummary);
  return fitBgNbdGrouped(groupSummaries(customers), opts);
}

/** P(customer still alive at T | x, t_x, T) (FHL 2005 note; 1 for customers without repeat purchases). */
export function bgnbdProbabilityAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const logRatio = Math.log(p.a / (p.b + x - 1)) + (p.r + x) * Math.log((p.alpha + T) / (p.alpha + tx));
  return 1 / (1 + Math.exp(logRatio));
}

/**
 * E[X(T, T + t) | x, T, alive at T]: expected purchases in the next t time units of a customer who is still alive
 * (FHL 2005 eq. 10 without its P(alive) factor; depends on x and T only). Uses Euler's transformation
 * 2F1(A,B;C;z) = (1−z)^(C−A−B) 2F1(C−A, C−B; C; z), whose factor cancels the ((α+T)/(α+T+t))^(r+x) term: no
 * overflow for large x.
 */
export function bgnbdExpectedPurchasesIfAlive(p: BgNbdParams, t: number, x: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  // Without dropout (NBD) the expectation is (r+x)·c with c = t/(α+T); dropping out only removes purchases. Fits
  // on data without visible dropout drive a → 0 or b → ∞, where the series below loses all precision (and sums
  // ~1e5 terms). There E = E_p[(1 − (1 + p·c)^−(r+x)) / p] with p ~ Beta(a, b + x) expands to
  // (r+x)·c·(1 − E[p]·(r+x+1)·c/2 + O(E[p²]·((r+x+2)·c)²/6)): use it when that remainder is below 1e-8.
  const c = t / (alpha + T);
  const noDropout = (r + x) * c;
  const b1 = b + x;
  const meanP = a / (a + b1);
  const meanP2 = (meanP * (a + 1)) / (a + b1 + 1);
  const k = (r + x + 2) * c;
  if (meanP * k < 1e-3 && meanP2 * k * k < 6e-8) return noDropout * (1 - (meanP * (r + x + 1) * c) / 2);
  const z = t / (alpha + T + t);
  const f = hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z);
  const v = ((a + b + x - 1) / (a - 1)) * (1 - Math.pow(1 - z, a - 1) * f);
  return Number.isFinite(v) && v >= 0 && v <= noDropout * (1 + 1e-9) ? v : NaN;
}

/**
 * E[X(T, T + t) | x, t_x, T]: expected purchases in the next t time units given the history (FHL 2005, eq. 10):
 * P(alive) × {@link bgnbdExpectedPurchasesIfAlive}.
 */
export function bgnbdConditionalExpectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  return bgnbdExpectedPurchasesIfAlive(p, t, x, T) * bgnbdProbabilityAlive(p, x, tx, T);
}

/** E[X(t)]: expected purchases of a new customer in (0, t] (FHL 2005, eq. 9). */
export function bgnbdExpectedPurchases(p: BgNbdParams, t: number): number {
  // Same formula as the conditional one with an empty history at T = 0.
  return bgnbdConditionalExpectedPurchases(p, t, 0, 0, 0);
}

/** P(X(t) = n): probability that a new customer makes exactly n purchases in (0, t] (FHL 2005, eq. 8). */
export function bgnbdProbabilityOfPurchases(p: BgNbdParams, t: number, n: number): number {
  const { r, alpha, a, b } = p;
  const logQ = Math.log(alpha / (alpha + t));
  const logZ = Math.log(t / (alpha + t));
  const term1 = Math.exp(betaln(a, b + n) - betaln(a, b) + lgamma(r + n) - lgamma(r) - lgamma(n + 1) + r * logQ + n * logZ);
  if (n === 0) return term1;
  let partial = 0;
  for (let j = 0; j < n; j++) partial += Math.exp(lgamma(r + j) - lgamma(r) - lgamma(j + 1) + j * logZ);
  const term2 = Math.exp(betaln(a + 1, b + n - 1) - betaln(a, b)) * (1 - Math.exp(r * logQ) * partial);
  return term1 + term2;
}
