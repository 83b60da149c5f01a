// Special functions for the CLV models: log-gamma (Lanczos), log-beta and the Gauss hypergeometric 2F1.

const LANCZOS_G = 7;
const LANCZOS_C = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log|Γ(x)| (Lanczos, g = 7, n = 9; ~1e-15 relative). Uses reflection for x < 0.5. */
export function lgamma(x: number): number {
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1−x) = π / sin(πx); poles at non-positive integers give +Infinity.
    const s = Math.sin(Math.PI * x);
    if (s === 0) return Infinity;
    return Math.log(Math.PI / Math.abs(s)) - lgamma(1 - x);
  }
  const y = x - 1;
  let sum = LANCZOS_C[0];
  for (let i = 1; i < LANCZOS_G + 2; i++) sum += LANCZOS_C[i] / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return LOG_SQRT_2PI + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * ψ(x) = d/dx ln Γ(x) for x > 0 (recurrence up to x ≥ 10, then the asymptotic series; ~1e-15 absolute).
 * Used by the analytic gradients of the CLV likelihoods.
 */
export function digamma(x: number): number {
  let acc = 0;
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  // ψ(x) ~ ln x − 1/(2x) − Σ B_2k / (2k x^2k)
  const series = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760 - f / 12))))));
  return acc + Math.log(x) - 0.5 / x - series;
}

/** Sign of Γ(x): +1 for x > 0, alternating between the poles for x < 0. */
export function gammaSign(x: number): number {
  if (x > 0) return 1;
  if (Number.isInteger(x)) return NaN;
  return Math.floor(x) % 2 === 0 ? 1 : -1;
}

/** log B(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b). */
export function betaln(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** log(exp(u) + exp(v)) without overflow. */
export function logAddExp(u: number, v: number): number {
  if (u === -Infinity) return v;
  if (v === -Infinity) return u;
  const m = Math.max(u, v);
  return m + Math.log(Math.exp(u - m) + Math.exp(v - m));
}

const SERIES_TOL = 1e-15;
const SERIES_MAX_TERMS = 2_000_000;

/** Plain power series of 2F1 for |z| < 1 (or z = 1 when c − a − b > 0). */
function series2f1(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < SERIES_MAX_TERMS; n++) {
    term *= ((a + n) * (b + n)) / ((c + n) * (n + 1)) * z;
    sum += term;
    // Stop once terms are negligible and shrinking (the ratio tends to z < 1, so the tail is geometric).
    if (Math.abs(term) <= SERIES_TOL * Math.abs(sum) && n > Math.abs(a) + Math.abs(b)) return sum;
    if (term === 0) return sum;
  }
  return sum;
}

/**
 * Gauss hypergeometric function 2F1(a, b; c; z) for real z < 1.
 * z < 0 is mapped into (0, 1) with Pfaff's transformation; z close to 1 uses the 1 − z connection formula
 * (Abramowitz & Stegun 15.3.6) unless c − a − b is (nearly) an integer, where the direct series is summed
 * to convergence instead.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(z < 1)) throw new RangeError(`hyp2f1: z must be < 1, got ${z}`);
  if (z === 0) return 1;
  if (z < 0) {
    // Pfaff: 2F1(a,b;c;z) = (1−z)^(−a) 2F1(a, c−b; c; z/(z−1)), and z/(z−1) ∈ (0, 1).
    return Math.pow(1 - z, -a) * hyp2f1(a, c - b, c, z / (z - 1));
  }
  const d = c - a - b;
  if (z <= 0.75 || Math.abs(d - Math.round(d)) < 1e-8) return series2f1(a, b, c, z);
  const w = 1 - z;
  // Both terms in log space with explicit gamma signs: the gamma ratios overflow for large arguments.
  const t1Log = lgamma(c) + lgamma(d) - lgamma(c - a) - lgamma(c - b);
  const t1Sign = gammaSign(c) * gammaSign(d) * gammaSign(c - a) * gammaSign(c - b);
  const t2Log = lgamma(c) + lgamma(-d) - lgamma(a) - lgamma(b) + d * Math.log(w);
  const t2Sign = gammaSign(c) * gammaSign(-d) * gammaSign(a) * gammaSign(b);
  // 1/Γ at a pole is 0: that term vanishes.
  const t1 = Number.isFinite(t1Log) || t1Log === -Infinity ? t1Sign * Math.exp(t1Log) : 0;
  const t2 = Number.isFinite(t2Log) || t2Log === -Infinity ? t2Sign * Math.exp(t2Log) : 0;
  const f1 = t1 === 0 || Number.isNaN(t1) ? 0 : t1 * series2f1(a, b, 1 - d, w);
  const f2 = t2 === 0 || Number.isNaN(t2) ? 0 : t2 * series2f1(c - a, c - b, 1 + d, w);
  const sum = f1 + f2;
  // With large parameters the two terms can be huge and cancel (e.g. BG/NBD fits with b in the thousands): then
  // the direct series, which still converges for z < 1, is the accurate one.
  if (Number.isFinite(sum) && Math.max(Math.abs(f1), Math.abs(f2)) <= 1e6 * Math.abs(sum)) return sum;
  return series2f1(a, b, c, z);
}
