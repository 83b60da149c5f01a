// Gamma-Gamma and discounted CLV on the CDNOW sample vs the published fit and lifetimes 0.11.3.
import { describe, expect, it } from 'vitest';
import { bgnbdConditionalExpectedPurchases, type BgNbdParams } from './bgnbd.ts';
import { CDNOW_DIR, cdnowAvailable, loadReferenceParams, loadSummary, PREDICTIONS_FILE, readNumericCsv } from './cdnow-fixture.ts';
import { discountedClv } from './clv.ts';
import { fitGammaGamma, gammaGammaExpectedAverageValue, gammaGammaLogLikelihood, type GammaGammaParams } from './gamma-gamma.ts';

const PUBLISHED: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };
const relErr = (got: number, want: number) => Math.abs(got / want - 1);
const missing = cdnowAvailable ? '' : ` — skipped: CDNOW reference files missing in ${CDNOW_DIR}`;
const itData = cdnowAvailable ? it : it.skip;

describe('Gamma-Gamma without data', () => {
  it('expected average value shrinks the own mean towards the population mean', () => {
    // Customer 1 of CDNOW (x = 2, zbar = 22.35) at the published parameters: 24.6637 (lifetimes checks).
    expect(gammaGammaExpectedAverageValue(PUBLISHED, 2, 22.35)).toBeCloseTo(24.663713910761157, 9);
    const population = (PUBLISHED.p * PUBLISHED.gamma) / (PUBLISHED.q - 1);
    expect(gammaGammaExpectedAverageValue(PUBLISHED, 0, 0)).toBeCloseTo(population, 12);
    // More purchases → closer to the own mean.
    const few = gammaGammaExpectedAverageValue(PUBLISHED, 1, 100);
    const many = gammaGammaExpectedAverageValue(PUBLISHED, 50, 100);
    expect(Math.abs(many - 100)).toBeLessThan(Math.abs(few - 100));
  });

  it('discounted CLV is the discounted sum of incremental expected purchases × value', () => {
    const bg: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const c = { x: 2, tx: 30.43, T: 38.86 };
    const undiscounted = discountedClv(bg, c, 10, { periods: 3, periodLength: 13, discountRate: 0 });
    expect(undiscounted).toBeCloseTo(10 * bgnbdConditionalExpectedPurchases(bg, 39, c.x, c.tx, c.T), 10);
    expect(discountedClv(bg, c, 10, { periods: 3, periodLength: 13, discountRate: 0.05 })).toBeLessThan(undiscounted);
    expect(() => discountedClv(bg, c, 10, { periods: 1.5, periodLength: 1, discountRate: 0 })).toThrow(expect.objectContaining({ code: 'clv.invalid_option' }));
  });

  it('rejects non-repeaters with a stable code and field', () => {
    expect(() => fitGammaGamma([{ x: 0, zbar: 0 }])).toThrow(expect.objectContaining({ code: 'clv.invalid_value', field: 'repeaters[0].x' }));
  });
});

describe(`Gamma-Gamma on CDNOW (946 repeaters)${missing}`, () => {
  const customers = cdnowAvailable ? loadSummary() : [];
  const repeaters = customers.filter((c) => c.x > 0);
  const ref = cdnowAvailable ? loadReferenceParams() : undefined;

  itData('fits p, q, γ within 1% of 6.25 / 3.74 / 15.44 with LL −4055.92', () => {
    const started = performance.now();
    const fit = fitGammaGamma(repeaters);
    const ms = performance.now() - started;
    console.log(`Gamma-Gamma fit ${ms.toFixed(0)} ms, ${fit.evaluations} evaluations:`, fit.params, fit.logLikelihood);
    expect(fit.n).toBe(946);
    expect(relErr(fit.params.p, 6.25)).toBeLessThan(0.01);
    expect(relErr(fit.params.q, 3.74)).toBeLessThan(0.01);
    expect(relErr(fit.params.gamma, 15.44)).toBeLessThan(0.01);
    expect(Math.abs(fit.logLikelihood - ref.gamma_gamma.log_likelihood_eq1a)).toBeLessThan(1e-3);
    expect(gammaGammaLogLikelihood(PUBLISHED, repeaters)).toBeCloseTo(ref.gamma_gamma['log_likelihood_eq1a_at_published_params_6.25_3.74_15.44'], 6);
    expect(ms).toBeLessThan(2000);
  });

  itData('expected average value and 12-month 1%-discounted CLV match reference_predictions.csv', () => {
    const preds = readNumericCsv(PREDICTIONS_FILE);
    const gg: GammaGammaParams = { p: ref.gamma_gamma.p, q: ref.gamma_gamma.q, gamma: ref.gamma_gamma['v(gamma)'] };
    const bg: BgNbdParams = { r: ref.bgnbd.r, alpha: ref.bgnbd.alpha, a: ref.bgnbd.a, b: ref.bgnbd.b };
    let worstValue = 0;
    let worstClv = 0;
    for (const row of preds) {
      const value = gammaGammaExpectedAverageValue(gg, row.frequency, row.monetary_value);
      worstValue = Math.max(worstValue, relErr(value, row.exp_avg_value_gg));
      const clv = discountedClv(bg, { x: row.frequency, tx: row.recency, T: row.T }, value, { periods: 12, periodLength: 4.345, discountRate: 0.01 });
      worstClv = Math.max(worstClv, relErr(clv, row.clv_12m_disc1pct_bgnbd_gg_freqW));
    }
    console.log(`worst relative error: avg value ${worstValue.toExponential(2)}, CLV ${worstClv.toExponential(2)}`);
    expect(worstValue).toBeLessThan(1e-6);
    expect(worstClv).toBeLessThan(1e-6);
  });
});
