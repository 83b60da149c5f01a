// BG/NBD on the CDNOW sample: fit, published checkpoints and per-customer predictions vs lifetimes 0.11.3.
import { describe, expect, it } from 'vitest';
import {
  bgnbdConditionalExpectedPurchases,
  bgnbdExpectedPurchases,
  bgnbdLogLikelihood,
  bgnbdProbabilityAlive,
  bgnbdProbabilityOfPurchases,
  fitBgNbd,
  type BgNbdParams,
} from './bgnbd.ts';
import { CDNOW_DIR, cdnowAvailable, loadReferenceParams, loadSummary, PREDICTIONS_FILE, readNumericCsv } from './cdnow-fixture.ts';

const PUBLISHED: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
/** lifetimes 0.11.3's ML fit on the sample (reference_params.json), inlined so these checks need no data files. */
const LIFETIMES_FIT: BgNbdParams = { r: 0.2425929282798216, alpha: 4.4135322652718125, a: 0.7928859664406493, b: 2.42575238262571 };
const relErr = (got: number, want: number) => Math.abs(got / want - 1);

describe('BG/NBD at the published parameters (no data needed)', () => {
  it('customer 1 expects 1.226 purchases in 39 weeks', () => {
    expect(bgnbdConditionalExpectedPurchases(PUBLISHED, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it('E[X(t)] at t = 1, 3, 32, 78 weeks is 0.0532, 0.1506, 1.0437, 1.8576 (at the ML parameters, not the rounded ones)', () => {
    // These checkpoints hold at the unrounded ML estimates; at the 3-decimal published parameters E[X(32)] is 1.0452.
    const want = [0.0532, 0.1506, 1.0437, 1.8576];
    [1, 3, 32, 78].forEach((t, i) => expect(Math.abs(bgnbdExpectedPurchases(LIFETIMES_FIT, t) - want[i])).toBeLessThan(5e-4));
    // Exact values printed by lifetimes 0.11.3 at its fit (reference_params.json, checks).
    const exact = [0.007816071495942416, 0.053184736895631135, 0.1506319191733136, 1.0404942434133593, 1.0437371658705357, 1.8579717035277665];
    [0.1429, 1, 3, 31.8571, 32, 78].forEach((t, i) => expect(relErr(bgnbdExpectedPurchases(LIFETIMES_FIT, t), exact[i])).toBeLessThan(1e-9));
    expect(relErr(bgnbdExpectedPurchases(LIFETIMES_FIT, 52), 1.444020769869082)).toBeLessThan(1e-9);
  });

  it('customer 1516 expects 25.76 purchases in 52 weeks with P(alive) 0.9689', () => {
    expect(bgnbdConditionalExpectedPurchases(PUBLISHED, 52, 26, 30.86, 31)).toBeCloseTo(25.76, 2);
    expect(bgnbdProbabilityAlive(PUBLISHED, 26, 30.86, 31)).toBeCloseTo(0.9689, 4);
  });

  it('P(X(39)=0) = 0.5737864 and P(X(2)=10) = 1.0787e-7; the pmf sums to 1', () => {
    expect(bgnbdProbabilityOfPurchases(PUBLISHED, 39, 0)).toBeCloseTo(0.5737864, 7);
    expect(relErr(bgnbdProbabilityOfPurchases(PUBLISHED, 2, 10), 1.0786896403968151e-7)).toBeLessThan(1e-9);
    let total = 0;
    let mean = 0;
    for (let n = 0; n < 400; n++) {
      const pn = bgnbdProbabilityOfPurchases(PUBLISHED, 39, n);
      total += pn;
      mean += n * pn;
    }
    expect(total).toBeCloseTo(1, 6);
    expect(relErr(mean, bgnbdExpectedPurchases(PUBLISHED, 39))).toBeLessThan(1e-5);
  });

  it('stays finite for heavy buyers and far horizons (z close to 1)', () => {
    const e = bgnbdConditionalExpectedPurchases(PUBLISHED, 5000, 400, 38, 39);
    expect(Number.isFinite(e)).toBe(true);
    expect(e).toBeGreaterThan(bgnbdConditionalExpectedPurchases(PUBLISHED, 500, 400, 38, 39));
    // Far horizon via the 1 − z transformation vs the plain series just below the switch point stay monotone.
    const near = bgnbdExpectedPurchases(PUBLISHED, 2999 * PUBLISHED.alpha);
    const far = bgnbdExpectedPurchases(PUBLISHED, 3001 * PUBLISHED.alpha);
    expect(far).toBeGreaterThan(near);
    expect(far).toBeLessThan((PUBLISHED.a + PUBLISHED.b - 1) / (PUBLISHED.a - 1) + 1e9);
  });

  it('rejects invalid summaries with a stable code and field', () => {
    expect(() => fitBgNbd([{ x: 1, tx: 5, T: 3 }])).toThrow(expect.objectContaining({ code: 'clv.invalid_summary', field: 'customers[0].tx' }));
    expect(() => fitBgNbd([])).toThrow(expect.objectContaining({ code: 'clv.no_customers' }));
  });
});

const missing = cdnowAvailable ? '' : ` — skipped: CDNOW reference files missing in ${CDNOW_DIR}`;
const itData = cdnowAvailable ? it : it.skip;

describe(`BG/NBD on CDNOW (cdnow_customers_summary_with_transactions.csv)${missing}`, () => {
  const customers = cdnowAvailable ? loadSummary() : [];
  const ref = cdnowAvailable ? loadReferenceParams() : undefined;

  itData('fits r, α, a, b within 0.5% of 0.2426 / 4.4135 / 0.7929 / 2.4258 with LL −9582.43 ± 0.05, in well under 5 s', () => {
    const started = performance.now();
    const fit = fitBgNbd(customers);
    const ms = performance.now() - started;
    console.log(`BG/NBD fit ${ms.toFixed(0)} ms, ${fit.evaluations} evaluations:`, fit.params, fit.logLikelihood);
    expect(fit.n).toBe(2357);
    expect(relErr(fit.params.r, 0.2426)).toBeLessThan(0.005);
    expect(relErr(fit.params.alpha, 4.4135)).toBeLessThan(0.005);
    expect(relErr(fit.params.a, 0.7929)).toBeLessThan(0.005);
    expect(relErr(fit.params.b, 2.4258)).toBeLessThan(0.005);
    expect(Math.abs(fit.logLikelihood - -9582.43)).toBeLessThan(0.05);
    // Must be at least as good as the reference optimum (no premature stop).
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(ref.bgnbd.log_likelihood - 1e-6);
    expect(ms).toBeLessThan(2000);
  });

  itData('log-likelihood at the published and reference parameters matches lifetimes', () => {
    expect(bgnbdLogLikelihood(PUBLISHED, customers)).toBeCloseTo(ref.bgnbd['log_likelihood_at_published_params_0.243_4.414_0.793_2.426'], 6);
    const p: BgNbdParams = { r: ref.bgnbd.r, alpha: ref.bgnbd.alpha, a: ref.bgnbd.a, b: ref.bgnbd.b };
    expect(bgnbdLogLikelihood(p, customers)).toBeCloseTo(ref.bgnbd.log_likelihood, 6);
  });

  itData('per-customer P(alive) and 39-week expected purchases match reference_predictions.csv within 1e-3 relative', () => {
    const preds = readNumericCsv(PREDICTIONS_FILE);
    expect(preds.length).toBe(2357);
    const refP: BgNbdParams = { r: ref.bgnbd.r, alpha: ref.bgnbd.alpha, a: ref.bgnbd.a, b: ref.bgnbd.b };
    const fitted = fitBgNbd(customers).params;
    let worstRef = 0;
    let worstFit = 0;
    for (const row of preds) {
      const { frequency: x, recency: tx, T } = row;
      for (const [p, isRef] of [[refP, true], [fitted, false]] as const) {
        const alive = bgnbdProbabilityAlive(p, x, tx, T);
        const e39 = bgnbdConditionalExpectedPurchases(p, 39, x, tx, T);
        const err = Math.max(relErr(alive, row.p_alive_bgnbd), relErr(e39, row.exp_purchases_39w_bgnbd));
        if (isRef) worstRef = Math.max(worstRef, err);
        else worstFit = Math.max(worstFit, err);
      }
    }
    console.log(`worst relative error: at reference params ${worstRef.toExponential(2)}, at our fit ${worstFit.toExponential(2)}`);
    expect(worstRef).toBeLessThan(1e-6);
    expect(worstFit).toBeLessThan(1e-3);
  });
});
