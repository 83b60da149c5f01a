// Fast maximum-likelihood fit of the BG/NBD over grouped summaries: analytic gradient, BFGS on log-parameters.
import { invalid } from '../errors.ts';
import type { BgNbdFit, BgNbdParams } from './bgnbd.ts';
import { bfgs } from './bfgs.ts';
import { digamma, lgamma } from './special.ts';
import { checkSummary, type CustomerSummary } from './summary.ts';

/** `n` customers sharing one (x, t_x, T) summary (e.g. one row of `GROUP BY x, t_x, T`). */
export interface SummaryGroup extends CustomerSummary {
  n: number;
}

/** Options of {@link fitBgNbdGrouped}. */
export interface BgNbdFitOptions {
  /** Starting point; defaults to r = a = b = 1 and α = the mean of T (the scale of the purchase rates). */
  initial?: BgNbdParams;
  maxIterations?: number;
}

/** Index of each value in a list of distinct values (summaries repeat few distinct T and t_x: days or weeks). */
function distinct(values: Float64Array): { values: Float64Array; index: Int32Array } {
  const seen = new Map<number, number>();
  const index = new Int32Array(values.length);
  const out: number[] = [];
  values.forEach((v, i) => {
    let k = seen.get(v);
    if (k === undefined) {
      k = out.length;
      seen.set(v, k);
      out.push(v);
    }
    index[i] = k;
  });
  return { values: Float64Array.from(out), index };
}

/**
 * The BG/NBD log-likelihood as a function of the log-parameters, laid out for speed: terms depending on x only
 * are computed once per distinct x, ln(α+T) and ln(α+t_x) once per distinct value, and the per-group work is
 * one exp and one log1p. FHL 2005 eq. 6; the gradient follows by differentiating each term.
 */
class BgNbdObjective {
  readonly total: number;
  private readonly xs: Float64Array; // distinct x values
  private readonly wx: Float64Array; // customers per distinct x
  private readonly gx: Int32Array; // per group: index into xs
  private readonly gT: Int32Array; // per group: index into Ts
  private readonly gTx: Int32Array; // per group: index into txs (repeaters only)
  private readonly w: Float64Array;
  private readonly Ts: Float64Array;
  private readonly txs: Float64Array;

  constructor(groups: readonly SummaryGroup[]) {
    const m = groups.length;
    const x = new Float64Array(m);
    const T = new Float64Array(m);
    const tx = new Float64Array(m);
    this.w = new Float64Array(m);
    let total = 0;
    groups.forEach((g, i) => {
      x[i] = g.x;
      T[i] = g.T;
      tx[i] = g.x > 0 ? g.tx : 0;
      this.w[i] = g.n;
      total += g.n;
    });
    this.total = total;
    const dx = distinct(x);
    const dT = distinct(T);
    const dtx = distinct(tx);
    this.xs = dx.values;
    this.gx = dx.index;
    this.Ts = dT.values;
    this.gT = dT.index;
    this.txs = dtx.values;
    this.gTx = dtx.index;
    this.wx = new Float64Array(this.xs.length);
    for (let i = 0; i < m; i++) this.wx[this.gx[i]] += this.w[i];
  }

  /** Total log-likelihood at `p`; with `grad` (length 4), also d(total)/d(log r, log α, log a, log b). */
  logLikelihood(p: BgNbdParams, grad?: number[]): number {
    const { r, alpha, a, b } = p;
    const nx = this.xs.length;
    const lnAlpha = Math.log(alpha);
    const base = -lgamma(r) + r * lnAlpha + lgamma(a + b) - lgamma(b);
    const psiR = digamma(r);
    const psiAB = digamma(a + b);
    const psiB = digamma(b);
    // Per distinct x: the customer-independent part of the likelihood and of its gradient.
    const k4 = new Float64Array(nx);
    const invB = new Float64Array(nx);
    let ll = 0;
    let gr = 0;
    let ga = 0;
    let gb = 0;
    for (let j = 0; j < nx; j++) {
      const x = this.xs[j];
      const wj = this.wx[j];
      ll += wj * (base + lgamma(r + x) + lgamma(b + x) - lgamma(a + b + x));
      gr += wj * (digamma(r + x) - psiR + lnAlpha);
      const psiABX = digamma(a + b + x);
      ga += wj * (psiAB - psiABX);
      gb += wj * (psiAB + digamma(b + x) - psiB - psiABX);
      if (x > 0) {
        k4[j] = Math.log(a) - Math.log(b + x - 1);
        invB[j] = 1 / (b + x - 1);
      }
    }
    let galpha = (this.total * r) / alpha;
    const lnT = this.Ts.map((t) => Math.log(alpha + t));
    const invT = this.Ts.map((t) => 1 / (alpha + t));
    const lnTx = this.txs.map((t) => Math.log(alpha + t));
    const invTx = this.txs.map((t) => 1 / (alpha + t));
    const { gx, gT, gTx, w, xs } = this;
    for (let i = 0, m = w.length; i < m; i++) {
      const j = gx[i];
      const x = xs[j];
      const wi = w[i];
      const rx = r + x;
      const lt = lnT[gT[i]];
      const a3 = -rx * lt;
      if (x === 0) {
        // Customers without repeat purchases: only the "still alive at T" term.
        ll += wi * a3;
        gr -= wi * lt;
        galpha -= wi * r * invT[gT[i]];
        continue;
      }
      const ltx = lnTx[gTx[i]];
      const d = k4[j] - rx * ltx - a3; // a4 − a3
      const e = Math.exp(-Math.abs(d));
      ll += wi * (a3 + Math.max(d, 0) + Math.log1p(e));
      const p4 = d > 0 ? 1 / (1 + e) : e / (1 + e); // weight of the "dropped out after t_x" term
      const p3 = 1 - p4;
      gr -= wi * (p3 * lt + p4 * ltx);
      galpha -= wi * rx * (p3 * invT[gT[i]] + p4 * invTx[gTx[i]]);
      ga += (wi * p4) / a;
      gb -= wi * p4 * invB[j];
    }
    if (grad) {
      grad[0] = gr * r;
      grad[1] = galpha * alpha;
      grad[2] = ga * a;
      grad[3] = gb * b;
    }
    return ll;
  }

  /** Mean of the summaries' T (a scale for the starting α). */
  meanT(): number {
    let s = 0;
    for (let i = 0; i < this.w.length; i++) s += this.w[i] * this.Ts[this.gT[i]];
    return s / this.total;
  }
}

const fromLog = (v: number[]): BgNbdParams => ({ r: Math.exp(v[0]), alpha: Math.exp(v[1]), a: Math.exp(v[2]), b: Math.exp(v[3]) });

/** Above this many distinct summaries the fit starts from a fit on a sample of them. */
const WARM_START_GROUPS = 20_000;

/** mulberry32: deterministic sampling, so a fit on the same data gives the same result. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** BFGS on the negative mean log-likelihood over log-parameters: its gradient is per customer, so one tolerance fits any size. */
function minimise(obj: BgNbdObjective, start: number[], inverseHessian: number[][] | undefined, maxIterations = 500) {
  return bfgs(
    (v, grad) => {
      const ll = obj.logLikelihood(fromLog(v), grad);
      for (let k = 0; k < 4; k++) grad[k] = -grad[k] / obj.total;
      return -ll / obj.total;
    },
    start,
    { gradTol: 1e-10, maxIterations, inverseHessian },
  );
}

/**
 * Maximum-likelihood BG/NBD fit over grouped summaries (`n` customers per distinct (x, t_x, T)), by BFGS with the
 * analytic gradient over log-parameters (keeps all four positive). Throws `clv.no_customers` for an empty input
 * and `clv.invalid_summary` naming a bad group.
 * @example fitBgNbdGrouped([{ x: 0, tx: 0, T: 38, n: 1411 }, { x: 2, tx: 30.4, T: 38.9, n: 1 }, …]).params
 */
export function fitBgNbdGrouped(groups: readonly SummaryGroup[], opts: BgNbdFitOptions = {}): BgNbdFit {
  groups.forEach((g, i) => {
    checkSummary(g, i);
    if (!(g.n > 0) || !Number.isFinite(g.n)) throw invalid('clv.invalid_summary', `customers[${i}].n must be > 0`, `customers[${i}].n`);
  });
  const total = groups.reduce((s, g) => s + g.n, 0);
  if (total === 0) throw invalid('clv.no_customers', 'BG/NBD needs at least one customer', 'customers');
  const obj = new BgNbdObjective(groups);
  let start = opts.initial ? [opts.initial.r, opts.initial.alpha, opts.initial.a, opts.initial.b].map(Math.log) : [0, Math.log(Math.max(obj.meanT(), 1e-3)), 0, 0];
  let inverseHessian: number[][] | undefined;
  if (!opts.initial && groups.length > WARM_START_GROUPS) {
    // Many distinct summaries: fit a random sample of groups first (kept with probability q, weights n/q keep the
    // likelihood unbiased), then polish on all of them from there; the full data then needs a few iterations.
    const q = WARM_START_GROUPS / groups.length;
    const rnd = seeded(1);
    const sample = groups.filter(() => rnd() < q).map((g) => ({ ...g, n: g.n / q }));
    const warm = minimise(new BgNbdObjective(sample), start, undefined, opts.maxIterations);
    if (warm.x.every(Number.isFinite)) {
      start = warm.x;
      inverseHessian = warm.inverseHessian;
    }
  }
  const res = minimise(obj, start, inverseHessian, opts.maxIterations);
  const params = fromLog(res.x);
  return { params, logLikelihood: obj.logLikelihood(params), iterations: res.iterations, evaluations: res.evaluations, n: total };
}

/** Groups customers by identical (x, t_x, T); t_x of customers without repeat purchases counts as 0. */
export function groupSummaries(customers: readonly CustomerSummary[]): SummaryGroup[] {
  const groups = new Map<string, SummaryGroup>();
  for (const c of customers) {
    const tx = c.x > 0 ? c.tx : 0;
    const key = `${c.x}|${tx}|${c.T}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { x: c.x, tx, T: c.T, n: 1 });
  }
  return [...groups.values()];
}
