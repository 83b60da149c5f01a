// Draws synthetic customers from a BG/NBD + Gamma-Gamma population: for benchmarks and parameter-recovery tests.
import type { BgNbdParams } from './bgnbd.ts';
import type { GammaGammaParams } from './gamma-gamma.ts';

/** mulberry32: a small seeded generator; same seed, same customers. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number): number {
  const a = 1 - u();
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
}

/** Gamma(shape, scale 1) by Marsaglia & Tsang (shape < 1 boosted by U^(1/shape)). */
function gammaDraw(u: () => number, shape: number): number {
  if (shape < 1) return gammaDraw(u, shape + 1) * Math.pow(1 - u(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(u);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const w = 1 - u();
    if (Math.log(w) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Options of {@link simulateCustomers}. */
export interface SimulationOptions {
  /** Number of customers. */
  n: number;
  bgnbd: BgNbdParams;
  /** Value model; without it zbar is 0. */
  gammaGamma?: GammaGammaParams;
  /** First purchases fall uniformly on whole days 0 … birthDays − 1 (in model units of one day each). */
  birthDays: number;
  /** Calibration end, in days after day 0 (≥ birthDays − 1). */
  calibrationDays: number;
  seed?: number;
}

/** One simulated customer in whole days: repeat purchase-days x, t_x and T (days), and the mean repeat value. */
export interface SimulatedCustomer {
  x: number;
  tx: number;
  T: number;
  zbar: number;
}

/**
 * Simulates the BG/NBD story in days: rate λ ~ Gamma(r, α) per day, dropout p ~ Beta(a, b) after each purchase,
 * exponential gaps; purchases are rounded down to whole days and same-day purchases merged, as the store's
 * summary does. Values per purchase-day ~ Gamma(p, ν) with ν ~ Gamma(q, γ).
 * @example simulateCustomers({ n: 1000, bgnbd: { r: 0.24, alpha: 30.9, a: 0.79, b: 2.43 }, birthDays: 84, calibrationDays: 273 })
 */
export function simulateCustomers(opts: SimulationOptions): SimulatedCustomer[] {
  const u = mulberry32(opts.seed ?? 1);
  const { r, alpha, a, b } = opts.bgnbd;
  const out: SimulatedCustomer[] = new Array(opts.n);
  for (let i = 0; i < opts.n; i++) {
    const birth = Math.floor(u() * opts.birthDays);
    const T = opts.calibrationDays - birth;
    const lambda = gammaDraw(u, r) / alpha;
    const ga = gammaDraw(u, a);
    const p = ga / (ga + gammaDraw(u, b));
    let t = 0;
    let lastDay = 0;
    let x = 0;
    // Alive at the first purchase; after each repeat purchase the customer may drop out (FHL 2005, assumption iii).
    for (;;) {
      t += -Math.log(1 - u()) / lambda;
      if (t > T) break;
      const day = Math.floor(t);
      if (day !== lastDay) {
        x++;
        lastDay = day;
      }
      if (u() < p) break;
    }
    let zbar = 0;
    if (opts.gammaGamma && x > 0) {
      const { p: pv, q, gamma } = opts.gammaGamma;
      const nu = gammaDraw(u, q) / gamma;
      let sum = 0;
      for (let k = 0; k < x; k++) sum += gammaDraw(u, pv) / nu;
      zbar = Math.round((sum / x) * 100) / 100 || 0.01;
    }
    out[i] = { x, tx: x > 0 ? lastDay : 0, T, zbar };
  }
  return out;
}
