// `siyu rfm|lifecycle|value-tiers …` end to end on both stores, in-process, over the hand-checked brand.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, withApp } from '../../../test/support/cli.ts';
import { seedBrand } from './test-brand.ts';

describe.each(ENGINES)('siyu rfm / lifecycle / value-tiers [%s]', (engine) => {
  let db: TestDb;
  let ids: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'siyu-scores-cli-'));
  const { tryRun: run } = cliRunner(() => dbArgsOf(db));

  /** Runs `fn` with an app on the test database and the keys `seedBrand` posts with (the CLI opens its own in between). */
  const withBrandApp = <T>(fn: (t: Parameters<typeof seedBrand>[0]) => Promise<T>): Promise<T> =>
    withApp(db, async (t) => fn({ ...t, admin: await t.keyHeaders('admin'), write: await t.keyHeaders('write') }));

  beforeAll(async () => {
    db = await createTestDb(engine);
    ids = await withBrandApp(seedBrand);
  });
  afterAll(async () => db?.cleanup());

  it('writes one CSV row per buying member with exactly the documented columns', async () => {
    const file = join(dir, `rfm-${engine}.csv`);
    const r = await run(['rfm', 'compute', '--as-of', '2024-03-31', '--out', file]);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/RFM as of 2024-03-31: wrote 5 buying members to .*rfm-.*\.csv/);
    expect(existsSync(`${file}.part`)).toBe(false);
    const lines = readFileSync(file, 'utf8').split('\r\n');
    expect(lines[0]).toBe('member_id,user_id,recency_days,frequency,monetary,r_score,f_score,m_score,segment');
    expect(lines.at(-1)).toBe('');
    const rows = lines.slice(1, -1).sort();
    expect(rows).toEqual(
      [
        `${ids.u1},u1,1,3,1000,3,5,4,important_retain`,
        `${ids.u2},u2,0,1,60,5,1,3,general_develop`,
        `${ids.u3},u3,90,1,50,2,1,2,general_winback`,
        `${ids.u4},u4,274,2,2500,1,4,5,important_retain`,
        `${ids.u5},u5,0,1,10,5,1,1,general_develop`,
      ].sort(),
    );
  });

  it('prints the distribution without --out, takes window and custom thresholds, and reports', async () => {
    const table = await run(['rfm', 'compute', '--as-of', '2024-03-31']);
    expect(table.error).toBeUndefined();
    expect(table.out).toMatch(/5 buying members, 0 segment changes/);
    expect(table.out).toMatch(/important_retain\s+重要保持客户\s+Can't Lose Them\s+2\s+40\.0%\s+3500\.00\s+96\.7%/);
    const windowed = JSON.parse((await run(['rfm', 'compute', '--as-of', '2024-03-31', '--window-days', '90', '--json'])).out);
    expect(windowed.run).toMatchObject({ member_count: 3, config: { windowDays: 90 } });
    const custom = JSON.parse(
      (await run(['rfm', 'compute', '--as-of', '2024-03-31', '--r-cuts', '7,30,90,180', '--f-cuts', '1,2,3,4', '--m-cuts', '50,100,1000,2000', '--split', 'median', '--json'])).out,
    );
    expect(custom.run.summary).toMatchObject({ scoring: 'custom', split: { method: 'median', r: 5, f: 1, m: 2 } });
    const report = await run(['rfm', 'report']);
    expect(report.out).toMatch(/RFM as of 2024-03-31 .*: 5 buying members/);
    expect(report.out).toMatch(/R=5\s+2\s+0\s+1/); // u2, u5 at F 1; u1 at F 3 (custom cuts)
  });

  it('leaves user_id empty for a buyer without one', async () => {
    await withBrandApp(async (t) => {
      const r = await t.app.inject({ method: 'POST', url: '/v1/orders', headers: t.write, payload: { order_id: 'p1', phone: '13800000009', amount: 20, paid_at: '2024-03-10T02:00:00Z' } });
      expect(r.statusCode, r.body).toBe(200);
    });
    const file = join(dir, `rfm-phone-${engine}.csv`);
    expect((await run(['rfm', 'compute', '--as-of', '2024-03-31', '--out', file])).error).toBeUndefined();
    const rows = readFileSync(file, 'utf8').trim().split('\r\n').slice(1);
    expect(rows).toHaveLength(6);
    expect(rows.filter((l) => l.split(',')[1] === '')).toHaveLength(1);
  });

  it('computes lifecycle stages and transitions, and value tiers', async () => {
    await run(['lifecycle', 'compute', '--as-of', '2024-03-31']); // the matrix uses the current run's thresholds
    const m = JSON.parse((await run(['lifecycle', 'transitions', '--from', '2024-01-31', '--to', '2024-03-31', '--json'])).out);
    expect(m.counts.prospect.new).toBe(2); // u2, u5
    expect(m.counts.absent).toMatchObject({ new: 1, prospect: 1 }); // the phone-only buyer (signed up 03-10), u8
    expect(m.counts.new).toMatchObject({ repeat: 1, active: 1 });
    const lc = JSON.parse((await run(['lifecycle', 'compute', '--as-of', '2024-03-31', '--active-days', '60', '--json'])).out);
    expect(lc.run.config).toMatchObject({ activeDays: 60, newDays: 30 });
    expect(Object.fromEntries(lc.distribution.labels.map((l: any) => [l.stage, l.count]))).toMatchObject({ new: 3, at_risk: 1, silent: 1, repeat: 1 }); // new: u2, u5, the phone-only buyer
    expect((await run(['lifecycle', 'report'])).out).toMatch(/at_risk\s+流失风险\s+At risk\s+1/);
    const vt = JSON.parse((await run(['value-tiers', 'compute', '--as-of', '2024-03-31', '--active-days', '365', '--json'])).out);
    expect(Object.fromEntries(vt.distribution.labels.map((l: any) => [l.tier, l.count]))).toEqual({ high_value: 1, potential: 1, ordinary: 6, silent: 1 });
    const derived = await run(['value-tiers', 'compute', '--as-of', '2024-03-31', '--high-share', '0.2', '--potential-share', '0.5']);
    expect(derived.out).toMatch(/spend thresholds: high value ≥ 1000, potential ≥ 60 \(derived from the data\)/);
  });

  it('refuses bad dates and flags with the field named', async () => {
    const date = await run(['rfm', 'compute', '--as-of', '2024-02-30']);
    expect(date.error).toMatchObject({ code: 'rfm.as_of_invalid', type: 'invalid_data' });
    expect(date.error.message).toMatch(/as_of/);
    expect((await run(['rfm', 'compute', '--window-days', 'ninety'])).error).toMatchObject({ code: 'cli.invalid_option', field: '--window-days' });
    expect((await run(['rfm', 'compute', '--r-cuts', '1,2,3'])).error).toMatchObject({ code: 'cli.invalid_option', field: '--r-cuts' });
    expect((await run(['rfm', 'compute', '--r-cuts', '1,2,3,4'])).error).toMatchObject({ code: 'cli.invalid_option', field: '--r-cuts' });
    expect((await run(['rfm', 'compute', '--split', 'mode'])).error).toMatchObject({ code: 'rfm.invalid_config' });
    expect((await run(['lifecycle', 'transitions', '--from', '2024-03-31', '--to', '2024-01-01'])).error).toMatchObject({ code: 'lifecycle.date_order' });
    expect((await run(['value-tiers', 'compute', '--high-share', '0.2'])).error).toMatchObject({ code: 'cli.invalid_option', field: '--potential-share' });
  });

  it.runIf(engine === 'duckdb')('exits with 2 on invalid data from the real binary', () => {
    const bin = resolve(import.meta.dirname, '../../../bin/siyu.mjs');
    // A database of its own: the suite's file is held open by this process, and DuckDB allows one process per file.
    const dir = mkdtempSync(join(tmpdir(), 'siyu-rfm-bin-'));
    const r = spawnSync(process.execPath, [bin, 'rfm', 'compute', '--as-of', 'yesterday', '--db', join(dir, 'bin.duckdb')], { encoding: 'utf8', timeout: 120_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/rfm\.as_of_invalid/);
  });
});
