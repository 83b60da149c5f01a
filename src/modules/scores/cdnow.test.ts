// Sanity check on real data: RFM of the CDNOW sample imported as orders agrees with the pure model on the raw file.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../../test/support/stores.ts';
import { openStore } from '../../store/open-store.ts';
import type { Store } from '../../store/port.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiOf } from '../../../test/support/import-api.ts';
import { runImport } from '../imports/run-import.ts';
import { computeRfm, type RfmFacts } from '../../core/segmentation/index.ts';
import { calendarDaysBetween } from '../../core/segmentation/shared.ts';

const CDNOW_SAMPLE = join(resolve(import.meta.dirname, '../../../../shared/data'), 'cdnow/CDNOW_sample.txt');
const AS_OF = '1998-06-30';

function missing(path: string): boolean {
  if (existsSync(path)) return false;
  console.warn(`SKIPPED: data set ${path} is missing (see ../shared/data/README.md)`);
  return true;
}

/** Facts per sample id straight from the raw lines: every line is one order (the import does not merge days). */
function rawFacts(): Map<string, RfmFacts> {
  const acc = new Map<string, { last: string; n: number; cents: number }>();
  for (const line of readFileSync(CDNOW_SAMPLE, 'utf8').trim().split(/\r?\n/)) {
    const [, id, d, , value] = line.trim().split(/\s+/);
    const user = String(Number(id));
    const date = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
    const a = acc.get(user) ?? { last: date, n: 0, cents: 0 };
    a.n++;
    a.cents += Math.round(Number(value) * 100);
    if (date > a.last) a.last = date;
    acc.set(user, a);
  }
  return new Map([...acc].map(([u, a]) => [u, { recencyDays: calendarDaysBetween(a.last, AS_OF), frequency: a.n, monetary: a.cents / 100 }]));
}

// DuckDB only: the import dominates the time, and the parity suite already checks the SQL on PostgreSQL.
describe('RFM on the CDNOW sample [duckdb]', () => {
  const ctx = {} as { db: TestDb; store: Store };
  let t: TestApp;
  beforeAll(async () => {
    ctx.db = await createTestDb('duckdb');
    ctx.store = await openStore(ctx.db.options);
    t = await createTestApp(ctx.store);
  });
  afterAll(async () => {
    await t?.app.close();
    await ctx.store?.close();
    await ctx.db?.cleanup();
  });

  it.skipIf(missing(CDNOW_SAMPLE))('2,357 buyers, 6,919 orders, $244,091.94; scores and segments match the pure model', async () => {
    const s = await runImport({ api: apiOf(t), kind: 'orders', file: CDNOW_SAMPLE, mapping: 'cdnow' });
    expect(s).toMatchObject({ imported: 6919, membersCreated: 2357 });
    const res = await t.app.inject({ method: 'POST', url: '/api/rfm/compute', headers: t.admin, payload: { as_of: AS_OF } });
    expect(res.statusCode, res.body).toBe(200);
    const { run, distribution } = res.json();
    expect(run.member_count).toBe(2357);
    expect(run.summary.facts_source).toBe('member_traits'); // the import keeps order traits current
    expect(Math.round(distribution.revenue * 100)).toBe(24_409_194);

    const expected = computeRfm(rawFacts(), { asOf: AS_OF });
    expect(run.summary.cut_points).toEqual(expected.thresholds!.cuts);
    expect(run.summary.split.f).toBeCloseTo(expected.thresholds!.split.f, 9);
    const rows = await ctx.store.query<Record<string, any>>(
      `SELECT i.value AS user_id, r.recency_days, r.frequency, r.monetary, r.r_score, r.f_score, r.m_score, r.segment
       FROM member_rfm r JOIN identities i ON i.workspace_id = r.workspace_id AND i.member_id = r.member_id AND i.type = 'user_id'
       WHERE r.workspace_id = $1`,
      [t.workspaceId],
    );
    const got = Object.fromEntries(rows.map((r) => [r.user_id, [r.recency_days, r.frequency, Number(r.monetary), r.r_score, r.f_score, r.m_score, r.segment]]));
    const want = Object.fromEntries([...expected.scores].map(([u, x]) => [u, [x.recencyDays, x.frequency, x.monetary, x.rScore, x.fScore, x.mScore, x.segment]]));
    expect(got).toEqual(want);
    // Sample id 1: four purchases in 1997, the last on 1997-12-12 (200 days before the as-of date), $100.50.
    expect(got['1'].slice(0, 3)).toEqual([200, 4, 100.5]);
    // Champions (890 members, R ≥ 4 and F ≥ 3) bring three quarters of the revenue; one-time buyers of early 1997
    // make up most of the next largest segment, Lost (854).
    const count = Object.fromEntries(distribution.segments.map((x: any) => [x.segment, x.count]));
    expect([count.important_value, count.general_winback]).toEqual([890, 854]);
    expect(distribution.segments[0].revenue_share).toBeGreaterThan(0.75);
  });
});
