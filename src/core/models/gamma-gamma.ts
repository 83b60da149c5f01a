// Gamma-Gamma model of monetary value (Fader & Hardie 2013): likelihood, ML fit, expected average order value.
import { invalid } from '../errors.ts';
import { fitGammaGammaGrouped } from './gamma-gamma-fit.ts';
import { lgamma } from './special.ts';

/** Gamma-Gamma parameters: transaction value ~ Gamma(p, ν), ν ~ Gamma(q, γ). */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** One repeat customer: x repeat purchases (> 0) with mean value zbar (> 0). */
export interface RepeaterValue {
  x: number;
  zbar: number;
}

/** Result of {@link fitGammaGamma}. */
export interface GammaGammaFit {
  params: GammaGammaParams;
  /** Log-likelihood of the observed means (Fader & Hardie 2013, eq. 1a), summed over repeaters. */
  logLikelihood: number;
  iterations: number;
  evaluations: number;
  n: number;
}

/** Log-likelihood of one repeater's mean value zbar over x purchases (eq. 1a, as in lifetimes). */
export function gammaGammaCustomerLogLikelihood(g: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, gamma } = g;
  const px = p * x;
  return (
    lgamma(px + q) - lgamma(px) - lgamma(q) + q * Math.log(gamma) + (px - 1) * Math.log(zbar) + px * Math.log(x) -
    (px + q) * Math.log(x * zbar + gamma)
  );
}

/** Total Gamma-Gamma log-likelihood. */
export function gammaGammaLogLikelihood(g: GammaGammaParams, repeaters: readonly RepeaterValue[]): number {
  let s = 0;
  for (const c of repeaters) s += gammaGammaCustomerLogLikelihood(g, c.x, c.zbar);
  return s;
}

/**
 * Maximum-likelihood fit (BFGS with the analytic gradient over log-parameters, see {@link fitGammaGammaGrouped}).
 * Only repeaters carry information about value (the first purchase is excluded by convention), so customers with
 * x = 0 must be filtered out by the caller; a bad row throws `clv.invalid_value` naming it.
 */
export function fitGammaGamma(repeaters: readonly RepeaterValue[], opts: { initial?: GammaGammaParams } = {}): GammaGammaFit {
  if (repeaters.length === 0) throw invalid('clv.no_repeaters', 'Gamma-Gamma needs at least one repeat customer', 'customers');
  return fitGammaGammaGrouped(repeaters.map((c) => ({ x: c.x, zbar: c.zbar, n: 1 })), opts);
}

/**
 * E[Z | x, zbar]: expected average order value of a customer, a weighted mean of the population mean
 * pγ/(q−1) and the customer's own mean (eq. 5). Customers with x = 0 get the population mean.
 */
export function gammaGammaExpectedAverageValue(g: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, gamma } = g;
  if (x === 0) return (p * gamma) / (q - 1);
  return (p * (gamma + x * zbar)) / (p * x + q - 1);
}
