// The fast fitters: BFGS, digamma, analytic gradients, grouped = ungrouped, parameter recovery, degenerate fits.
import { describe, expect, it } from 'vitest';
import { bfgs } from './bfgs.ts';
import { bgnbdExpectedPurchasesIfAlive, bgnbdLogLikelihood, type BgNbdParams } from './bgnbd.ts';
import { fitBgNbdGrouped, groupSummaries } from './bgnbd-fit.ts';
import { fitGammaGammaGrouped } from './gamma-gamma-fit.ts';
import { fitGammaGamma, gammaGammaLogLikelihood } from './gamma-gamma.ts';
import { simulateCustomers } from './simulate.ts';
import { digamma, hyp2f1, lgamma } from './special.ts';

const relErr = (got: number, want: number) => Math.abs(got / want - 1);

describe('bfgs and digamma', () => {
  it('minimises the Rosenbrock function', () => {
    const res = bfgs((v, g) => {
      const [x, y] = v;
      g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
      g[1] = 200 * (y - x * x);
      return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    }, [-1.2, 1]);
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 6);
    expect(res.x[1]).toBeCloseTo(1, 6);
  });

  it('digamma is the derivative of lgamma', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 14);
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 13);
    for (const x of [0.01, 0.3, 2.5, 7, 40, 1e4]) {
      const h = 1e-4 * x;
      expect(digamma(x)).toBeCloseTo((lgamma(x + h) - lgamma(x - h)) / (2 * h), 5);
    }
  });
});

const TRUE: BgNbdParams = { r: 0.2426, alpha: 4.4135 * 7, a: 0.7929, b: 2.4258 }; // CDNOW's, per day

describe('grouped maximum likelihood', () => {
  const customers = simulateCustomers({ n: 20_000, bgnbd: TRUE, gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 }, birthDays: 84, calibrationDays: 273, seed: 3 });

  it('groups give the same optimum as the customers one by one, at the maximum of the likelihood', () => {
    const groups = groupSummaries(customers);
    expect(groups.length).toBeLessThan(customers.length / 2);
    const fit = fitBgNbdGrouped(groups);
    expect(fit.n).toBe(20_000);
    expect(fit.logLikelihood).toBeCloseTo(bgnbdLogLikelihood(fit.params, customers), 6);
    // The gradient vanishes: nudging any parameter by 1e-4 (relative) lowers the log-likelihood.
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      for (const s of [1 + 1e-4, 1 - 1e-4]) expect(bgnbdLogLikelihood({ ...fit.params, [k]: fit.params[k] * s }, customers)).toBeLessThan(fit.logLikelihood);
    }
  });

  it('recovers the simulated parameters (day-rounded purchases, same-day merges)', () => {
    const fit = fitBgNbdGrouped(groupSummaries(customers)).params;
    expect(relErr(fit.r, TRUE.r)).toBeLessThan(0.1);
    expect(relErr(fit.alpha, TRUE.alpha)).toBeLessThan(0.15);
    expect(relErr(fit.a, TRUE.a)).toBeLessThan(0.15);
    expect(relErr(fit.b, TRUE.b)).toBeLessThan(0.2);
    const repeaters = customers.filter((c) => c.x > 0);
    const gg = fitGammaGamma(repeaters).params;
    expect(relErr(gg.p, 6.25)).toBeLessThan(0.1);
    expect(relErr(gg.q, 3.74)).toBeLessThan(0.15);
    expect(relErr(gg.gamma, 15.44)).toBeLessThan(0.2);
    // Weighted groups give the same fit as the repeated rows.
    const byValue = new Map<string, { x: number; zbar: number; n: number }>();
    for (const c of repeaters) {
      const g = byValue.get(`${c.x}|${c.zbar}`);
      if (g) g.n++;
      else byValue.set(`${c.x}|${c.zbar}`, { x: c.x, zbar: c.zbar, n: 1 });
    }
    expect(byValue.size).toBeLessThan(repeaters.length);
    const grouped = fitGammaGammaGrouped([...byValue.values()]);
    expect(grouped.n).toBe(repeaters.length);
    expect(grouped.logLikelihood).toBeCloseTo(gammaGammaLogLikelihood(grouped.params, repeaters), 6);
    expect(relErr(grouped.params.p, gg.p)).toBeLessThan(1e-6);
  });

  it('allows T = 0 (first purchase on the calibration end) and rejects bad groups', () => {
    expect(() => fitBgNbdGrouped([{ x: 0, tx: 0, T: 0, n: 3 }, ...groupSummaries(customers.slice(0, 500))])).not.toThrow();
    expect(() => fitBgNbdGrouped([{ x: 1, tx: 1, T: 2, n: 0 }])).toThrow(expect.objectContaining({ code: 'clv.invalid_summary', field: 'customers[0].n' }));
  });
});

describe('expected purchases when the fit sees no dropout', () => {
  it('falls back to the no-dropout (NBD) limit where the series breaks down', () => {
    // A fit on 13 weeks of data without dropouts: a → 0, b → ∞ (mean dropout probability 5e-11).
    const p = { r: 1.52378, alpha: 6.725, a: 2.2911e-6, b: 46487.04 };
    const e = bgnbdExpectedPurchasesIfAlive(p, 52, 2, 5);
    expect(e).toBeCloseTo(((p.r + 2) * 52) / (p.alpha + 5), 6);
    // Where both are accurate (small but not vanishing dropout), the limit and the closed form agree.
    const s = { r: 1.5, alpha: 6.7, a: 1e-3, b: 2e3 };
    for (const [x, T] of [[0, 10], [3, 12], [10, 5]]) {
      const z = 52 / (s.alpha + T + 52);
      const closed = ((s.a + s.b + x - 1) / (s.a - 1)) * (1 - Math.pow(1 - z, s.a - 1) * hyp2f1(s.a + s.b - 1 - s.r, s.a - 1, s.a + s.b + x - 1, z));
      expect(relErr(bgnbdExpectedPurchasesIfAlive(s, 52, x, T), closed)).toBeLessThan(1e-8);
    }
    // Ordinary parameters keep the closed form, which is below the no-dropout bound.
    const q = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
    expect(bgnbdExpectedPurchasesIfAlive(q, 39, 2, 38.86)).toBeLessThan(((q.r + 2) * 39) / (q.alpha + 38.86));
  });
});
