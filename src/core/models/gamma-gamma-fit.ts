// Fast maximum-likelihood fit of the Gamma-Gamma value model over grouped repeaters: analytic gradient, BFGS.
import { invalid } from '../errors.ts';
import { bfgs } from './bfgs.ts';
import type { GammaGammaFit, GammaGammaParams, RepeaterValue } from './gamma-gamma.ts';
import { digamma, lgamma } from './special.ts';

/** `n` repeaters sharing one (x, zbar) (e.g. one row of `GROUP BY x, total repeat value`). */
export interface RepeaterGroup extends RepeaterValue {
  n: number;
}

/**
 * Fader & Hardie (2013) eq. 1a summed over repeaters, rewritten with s = x·zbar:
 * ℓ = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + px ln s − ln zbar − (px+q) ln(s+γ).
 * Terms in x only are computed per distinct x; per group only ln(s+γ) and 1/(s+γ) depend on the parameters.
 */
class GammaGammaObjective {
  readonly total: number;
  private readonly xs: number[] = [];
  private readonly wx: number[] = [];
  private readonly gx: Int32Array;
  private readonly s: Float64Array;
  private readonly w: Float64Array;
  /** Σ w·x·ln s and Σ w·ln zbar: constants of the data. */
  private readonly sumXLnS: number;
  private readonly sumLnZ: number;

  constructor(groups: readonly RepeaterGroup[]) {
    const m = groups.length;
    this.gx = new Int32Array(m);
    this.s = new Float64Array(m);
    this.w = new Float64Array(m);
    const xIndex = new Map<number, number>();
    let total = 0;
    let sumXLnS = 0;
    let sumLnZ = 0;
    groups.forEach((g, i) => {
      let j = xIndex.get(g.x);
      if (j === undefined) {
        j = this.xs.length;
        xIndex.set(g.x, j);
        this.xs.push(g.x);
        this.wx.push(0);
      }
      this.gx[i] = j;
      this.wx[j] += g.n;
      this.s[i] = g.x * g.zbar;
      this.w[i] = g.n;
      total += g.n;
      sumXLnS += g.n * g.x * Math.log(this.s[i]);
      sumLnZ += g.n * Math.log(g.zbar);
    });
    this.total = total;
    this.sumXLnS = sumXLnS;
    this.sumLnZ = sumLnZ;
  }

  /** Total log-likelihood; with `grad` (length 3), also its derivatives by (log p, log q, log γ). */
  logLikelihood(g: GammaGammaParams, grad?: number[]): number {
    const { p, q, gamma } = g;
    const lnGamma = Math.log(gamma);
    const psiQ = digamma(q);
    let ll = p * this.sumXLnS - this.sumLnZ + this.total * (q * lnGamma - lgamma(q));
    let gp = this.sumXLnS;
    let gq = this.total * (lnGamma - psiQ);
    let gg = (this.total * q) / gamma;
    for (let j = 0; j < this.xs.length; j++) {
      const x = this.xs[j];
      const wj = this.wx[j];
      ll += wj * (lgamma(p * x + q) - lgamma(p * x));
      const psiPXQ = digamma(p * x + q);
      gp += wj * x * (psiPXQ - digamma(p * x));
      gq += wj * psiPXQ;
    }
    const { gx, s, w, xs } = this;
    for (let i = 0, m = w.length; i < m; i++) {
      const x = xs[gx[i]];
      const ls = Math.log(s[i] + gamma);
      const wi = w[i];
      const k = p * x + q;
      ll -= wi * k * ls;
      gp -= wi * x * ls;
      gq -= wi * ls;
      gg -= (wi * k) / (s[i] + gamma);
    }
    if (grad) {
      grad[0] = gp * p;
      grad[1] = gq * q;
      grad[2] = gg * gamma;
    }
    return ll;
  }
}

const fromLog = (v: number[]): GammaGammaParams => ({ p: Math.exp(v[0]), q: Math.exp(v[1]), gamma: Math.exp(v[2]) });

/**
 * Maximum-likelihood Gamma-Gamma fit over grouped repeaters (BFGS with the analytic gradient over log-parameters).
 * Throws `clv.no_repeaters` for an empty input and `clv.invalid_value` naming a bad group.
 * @example fitGammaGammaGrouped([{ x: 2, zbar: 22.35, n: 1 }, …]).params // { p, q, gamma }
 */
export function fitGammaGammaGrouped(groups: readonly RepeaterGroup[], opts: { initial?: GammaGammaParams; maxIterations?: number } = {}): GammaGammaFit {
  groups.forEach((c, i) => {
    if (!Number.isInteger(c.x) || c.x <= 0) throw invalid('clv.invalid_value', `repeaters[${i}].x must be a positive integer`, `repeaters[${i}].x`);
    if (!Number.isFinite(c.zbar) || c.zbar <= 0) throw invalid('clv.invalid_value', `repeaters[${i}].zbar must be > 0`, `repeaters[${i}].zbar`);
    if (!(c.n > 0) || !Number.isFinite(c.n)) throw invalid('clv.invalid_value', `repeaters[${i}].n must be > 0`, `repeaters[${i}].n`);
  });
  const obj = new GammaGammaObjective(groups);
  if (obj.total === 0) throw invalid('clv.no_repeaters', 'Gamma-Gamma needs at least one repeat customer', 'customers');
  const init = opts.initial ?? { p: 1, q: 1, gamma: 1 };
  const res = bfgs(
    (v, grad) => {
      const ll = obj.logLikelihood(fromLog(v), grad);
      for (let k = 0; k < 3; k++) grad[k] = -grad[k] / obj.total;
      return -ll / obj.total;
    },
    [init.p, init.q, init.gamma].map(Math.log),
    { gradTol: 1e-10, maxIterations: opts.maxIterations ?? 500 },
  );
  const params = fromLog(res.x);
  return { params, logLikelihood: obj.logLikelihood(params), iterations: res.iterations, evaluations: res.evaluations, n: obj.total };
}
