// Pure statistics of a holdout test: Wilson score intervals, Newcombe's hybrid score interval for a difference of two
// proportions, the Katz log interval for a ratio of proportions, and Welch's interval for a difference of means.
import { betaln } from '../../core/models/special.ts';

/** A closed interval [low, high]. */
export type Interval = [number, number];

/**
 * erfc(z): 1 − the Maclaurin series of erf below 2.5 (absolute error ~1e-15), the Laplace continued fraction above
 * (relative error ~1e-15 in the tail).
 */
export function erfc(z: number): number {
  if (z < 0) return 2 - erfc(-z);
  if (z < 2.5) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(z) = exp(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), evaluated from the tail.
  let f = z;
  for (let k = 60; k >= 1; k--) f = z + k / 2 / f;
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}

/** Φ(x), the standard normal CDF. */
export const normalCdf = (x: number) => 0.5 * erfc(-x / Math.SQRT2);

/**
 * The standard normal quantile: Acklam's rational approximation (relative error 1.2e-9) refined by one Halley step
 * on Φ (then accurate to ~1e-15).
 * @example normalQuantile(0.975) // 1.959963984540054
 */
export function normalQuantile(p: number): number {
  const x = acklam(p);
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

function acklam(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -acklam(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** The two-sided critical value of a confidence level (0.95 → 1.95996…). */
export const zOf = (confidence: number) => normalQuantile(1 - (1 - confidence) / 2);

/** Continued fraction of the regularised incomplete beta (modified Lentz, as in Numerical Recipes' betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log(1 - x) - betaln(a, b));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (any positive real df). */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Student's t quantile for p in (0.5, 1) (bisection on the CDF; df may be fractional, as Welch's is).
 * @example tQuantile(0.975, 10) // 2.228138…
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`tQuantile: df must be positive, got ${df}`);
  if (p < 0.5) return -tQuantile(1 - p, df);
  if (p === 0.5) return 0;
  if (df > 1e7) return normalQuantile(p);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Wilson's score interval for x successes out of n (Wilson 1927; R's prop.test without continuity correction).
 * @example wilson(56, 70) // [0.69183…, 0.87695…]
 */
export function wilson(x: number, n: number, confidence = 0.95): Interval {
  if (n <= 0) return [0, 1];
  const z = zOf(confidence);
  const z2 = z * z;
  const centre = (x + z2 / 2) / (n + z2);
  const half = (z * Math.sqrt((x * (n - x)) / n + z2 / 4)) / (n + z2);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Newcombe's hybrid score interval for p1 − p2 (Newcombe 1998, method 10): Wilson limits of each proportion
 * combined by the square-and-add rule. Coverage stays near nominal for small counts and proportions near 0 or 1,
 * where the Wald interval (p1 − p2 ± z·SE) collapses or overshoots.
 * @example newcombeDifference(56, 70, 48, 80) // { estimate: 0.2, ci: [0.05243…, 0.33387…] }
 */
export function newcombeDifference(x1: number, n1: number, x2: number, n2: number, confidence = 0.95): { estimate: number; ci: Interval } | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const [l1, u1] = wilson(x1, n1, confidence);
  const [l2, u2] = wilson(x2, n2, confidence);
  const d = p1 - p2;
  return { estimate: d, ci: [d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)] };
}

/**
 * The relative lift p1/p2 − 1 with the Katz log interval of the risk ratio: exp(ln RR ± z·√(1/x1 − 1/n1 + 1/x2 − 1/n2)) − 1.
 * Null when either group has no successes (the ratio or its interval is undefined).
 */
export function relativeLift(x1: number, n1: number, x2: number, n2: number, confidence = 0.95): { estimate: number; ci: Interval } | null {
  if (n1 <= 0 || n2 <= 0 || x1 <= 0 || x2 <= 0) return null;
  const rr = x1 / n1 / (x2 / n2);
  const se = Math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2);
  const z = zOf(confidence);
  return { estimate: rr - 1, ci: [Math.exp(Math.log(rr) - z * se) - 1, Math.exp(Math.log(rr) + z * se) - 1] };
}

/** A group's per-member values summarised as count, sum and sum of squares (what SQL returns). */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

/** Mean and unbiased sample variance of summarised values (variance null below two values). */
export function meanVariance(m: Moments): { mean: number | null; variance: number | null } {
  if (m.n <= 0) return { mean: null, variance: null };
  const mean = m.sum / m.n;
  if (m.n < 2) return { mean, variance: null };
  // Clamp the rounding error of sumSq − n·mean² (it can dip just below zero when all values are equal).
  return { mean, variance: Math.max(0, (m.sumSq - m.n * mean * mean) / (m.n - 1)) };
}

/**
 * Welch's interval for mean1 − mean2 (unequal variances; Welch–Satterthwaite degrees of freedom), as R's
 * `t.test(a, b)` and scipy's `ttest_ind(a, b, equal_var=False)`. Null below two values in either group.
 * @example welchDifference({ n: 6, sum: 37, sumSq: 289 }, { n: 4, sum: 7, sumSq: 15 }) // { estimate: 4.41667, ci: [0.75015…, 8.08318…], df: 6.0649… }
 */
export function welchDifference(a: Moments, b: Moments, confidence = 0.95): { estimate: number; ci: Interval; df: number | null } | null {
  const x = meanVariance(a);
  const y = meanVariance(b);
  if (x.mean === null || y.mean === null || x.variance === null || y.variance === null) return null;
  const d = x.mean - y.mean;
  const va = x.variance / a.n;
  const vb = y.variance / b.n;
  const se = Math.sqrt(va + vb);
  // Both groups constant: no spread, the difference is exact.
  if (se === 0) return { estimate: d, ci: [d, d], df: null };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = tQuantile(1 - (1 - confidence) / 2, df);
  return { estimate: d, ci: [d - t * se, d + t * se], df };
}
