// CDNOW end to end on both stores: the raw sample imported as orders, `siyu clv fit` through the CLI, published figures.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf } from '../../../test/support/cli.ts';
import { bgnbdConditionalExpectedPurchases, bgnbdProbabilityAlive, discountedClv, gammaGammaExpectedAverageValue } from '../../core/models/index.ts';

const CDNOW = resolve(import.meta.dirname, '../../../../shared/data/cdnow');
const SAMPLE = join(CDNOW, 'CDNOW_sample.txt');
const PREDICTIONS = join(CDNOW, 'reference_predictions.csv');
const available = [SAMPLE, PREDICTIONS, join(CDNOW, 'reference_params.json')].every((f) => existsSync(f));
if (!available) console.warn(`SKIPPED: CDNOW files missing in ${CDNOW} (see ../shared/data/README.md)`);

const relErr = (got: number, want: number) => Math.abs(got / want - 1);

/** A small CSV with a header into objects (no quoted fields in these files). */
function readCsv(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const cols = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe.skipIf(!available).each(ENGINES)('siyu clv fit on the raw CDNOW sample [%s]', (engine) => {
  let db: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'siyu-clv-cdnow-'));
  const { tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    // The product's import with the built-in mapping; the report goes to a temp folder, not next to the data.
    const imp = await tryRun(['import', 'orders', SAMPLE, '--mapping', 'cdnow', '--report', join(dir, 'report.csv'), '--json']);
    expect(imp.error).toBeUndefined();
    expect(JSON.parse(imp.out)).toMatchObject({ imported: 6919, rejected: 0, membersCreated: 2357 });
  });
  afterAll(async () => {
    await db?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fits BG/NBD and Gamma-Gamma within the published tolerances (calibration end 1997-09-30, weeks)', async () => {
    const r = await tryRun(['clv', 'fit', '--calibration-end', '1997-09-30', '--time-unit', 'week', '--json']);
    expect(r.error).toBeUndefined();
    const fit = JSON.parse(r.out);
    expect(Object.keys(fit)).toEqual(['bgnbd', 'gammaGamma', 'members']);
    expect(Object.keys(fit.bgnbd)).toEqual(['r', 'alpha', 'a', 'b', 'logLikelihood']);
    expect(Object.keys(fit.gammaGamma)).toEqual(['p', 'q', 'gamma', 'logLikelihood']);
    expect(fit.members).toBe(2357);
    expect(relErr(fit.bgnbd.r, 0.2426)).toBeLessThan(0.005);
    expect(relErr(fit.bgnbd.alpha, 4.4135)).toBeLessThan(0.005);
    expect(relErr(fit.bgnbd.a, 0.7929)).toBeLessThan(0.005);
    expect(relErr(fit.bgnbd.b, 2.4258)).toBeLessThan(0.005);
    expect(Math.abs(fit.bgnbd.logLikelihood - -9582.43)).toBeLessThan(0.05);
    expect(relErr(fit.gammaGamma.p, 6.25)).toBeLessThan(0.01);
    expect(relErr(fit.gammaGamma.q, 3.74)).toBeLessThan(0.01);
    expect(relErr(fit.gammaGamma.gamma, 15.44)).toBeLessThan(0.01);
    // Fader & Hardie (2013): −4055.9 on the 946 repeaters.
    expect(Math.abs(fit.gammaGamma.logLikelihood - -4055.92)).toBeLessThan(0.05);
  });

  it('writes one CSV row per customer whose P(alive) and 39-week expected purchases match lifetimes within 1e-3', async () => {
    const file = join(dir, 'clv.csv');
    const r = await tryRun(['clv', 'fit', '--calibration-end', '1997-09-30', '--time-unit', 'week', '--horizon', '39', '--out', file]);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/2357 members, 946 repeat buyers/);
    expect(r.out).toContain(`wrote 2357 members to ${file}`);
    expect(readFileSync(file, 'utf8').split('\r\n')[0]).toBe('user_id,frequency,recency,T,p_alive,expected_purchases,expected_avg_value,clv');
    const rows = new Map(readCsv(file).map((row) => [row.user_id, row]));
    expect(rows.size).toBe(2357);
    // reference_params.json: p_alive_bgnbd = P(alive at T), exp_purchases_39w_bgnbd = E[X(T, T+39) | x, t_x, T],
    // by sample id = our user_id. lifetimes computed them from the summary file, whose t_x and T are rounded to
    // 2 decimals; ours are exact (272/7, not 38.86). Where that rounding alone moves the reference by more than
    // 1e-3 (customers with a tiny P(alive) and many purchases), the comparison is against lifetimes' model at its
    // own parameters evaluated on the exact summary instead.
    const ref = loadRefParams();
    let worst = 0;
    let roundingOnly = 0;
    let repeaters = 0;
    for (const want of readCsv(PREDICTIONS)) {
      const got = rows.get(want.id)!;
      expect(got, `customer ${want.id}`).toBeDefined();
      const [x, tx, T] = [Number(got.frequency), Number(got.recency), Number(got.T)];
      expect(x).toBe(Number(want.frequency));
      expect(Math.abs(tx - Number(want.recency))).toBeLessThan(0.005);
      expect(Math.abs(T - Number(want.T))).toBeLessThan(0.005);
      if (x > 0) repeaters++;
      const [pAlive, e39] = [Number(got.p_alive), Number(got.expected_purchases)];
      const literal = Math.max(relErr(pAlive, Number(want.p_alive_bgnbd)), relErr(e39, Number(want.exp_purchases_39w_bgnbd)));
      if (literal < 1e-3) {
        worst = Math.max(worst, literal);
        continue;
      }
      // The reference's own model on the exact summary: the gap is the rounding, and we match it within 1e-3.
      const exactAlive = bgnbdProbabilityAlive(ref, x, tx, T);
      const exactE39 = bgnbdConditionalExpectedPurchases(ref, 39, x, tx, T);
      expect(relErr(exactAlive, Number(want.p_alive_bgnbd)), `rounding explains customer ${want.id}`).toBeGreaterThan(5e-4);
      worst = Math.max(worst, relErr(pAlive, exactAlive), relErr(e39, exactE39));
      roundingOnly++;
    }
    expect(repeaters).toBe(946);
    expect(worst).toBeLessThan(1e-3);
    expect(roundingOnly).toBeLessThanOrEqual(30); // of 2357; measured: 30, worst literal gap 1.29e-2 (customer 1901)
    // Customer 1 (x = 2, t_x = 30.43, T = 38.86) expects 1.226 purchases in 39 weeks (published checkpoint).
    expect(Number(rows.get('1')!.expected_purchases)).toBeCloseTo(1.226, 2);
  });

  it("matches lifetimes' expected value and 12-month CLV at 1% a month (periods of 4.345 weeks) within 1e-3", async () => {
    const file = join(dir, 'clv12.csv');
    const r = await tryRun(['clv', 'fit', '--calibration-end', '1997-09-30', '--horizon', String(12 * 4.345), '--period-length', '4.345', '--discount-rate', '0.01', '--out', file]);
    expect(r.error).toBeUndefined();
    const rows = new Map(readCsv(file).map((row) => [row.user_id, row]));
    const ref = loadRefParams();
    const gg = ref.gammaGamma;
    let worstValue = 0;
    let worstClv = 0;
    for (const want of readCsv(PREDICTIONS)) {
      const got = rows.get(want.id)!;
      const c = { x: Number(got.frequency), tx: Number(got.recency), T: Number(got.T) };
      // lifetimes' formulas at its parameters on our exact t_x and T; zbar is the reference's (2 dp), ours is exact,
      // which with the parameter differences accounts for the few 1e-4 left.
      const zbar = c.x > 0 ? Number(want.monetary_value) : 0;
      const value = gammaGammaExpectedAverageValue(gg, c.x, zbar);
      const clv = discountedClv(ref, c, value, { periods: 12, periodLength: 4.345, discountRate: 0.01 });
      worstValue = Math.max(worstValue, relErr(Number(got.expected_avg_value), Number(want.exp_avg_value_gg)));
      worstClv = Math.max(worstClv, relErr(Number(got.clv), clv));
    }
    console.log(`CDNOW 12-month CLV: worst relative error of value ${worstValue.toExponential(2)}, of CLV ${worstClv.toExponential(2)}`);
    expect(worstValue).toBeLessThan(1e-3);
    expect(worstClv).toBeLessThan(1e-3);
  });
});

/** lifetimes' fitted parameters (reference_params.json). */
function loadRefParams() {
  const j = JSON.parse(readFileSync(join(CDNOW, 'reference_params.json'), 'utf8'));
  return {
    r: j.bgnbd.r, alpha: j.bgnbd.alpha, a: j.bgnbd.a, b: j.bgnbd.b,
    gammaGamma: { p: j.gamma_gamma.p, q: j.gamma_gamma.q, gamma: j.gamma_gamma['v(gamma)'] },
  };
}
