// Monthly cohorts read from the activity facts equal those computed from the raw events and orders, on both stores,
// for many query shapes: first-order and signup cohorts, activity ending at a month end or mid-month, tables
// wider than one 62-bit mask, and a zone with daylight saving.
import { beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { addMonths, localMidnightUtc } from './calendar.ts';
import { cohortCountsRaw, type CohortCounts, type CohortQuery } from './cohort-repo.ts';
import { cohortCountsFromFacts } from './cohort-facts-repo.ts';
import { insertRows, randomBrand } from './fixture.ts';

const sorted = (c: CohortCounts) => ({
  sizes: [...c.sizes].sort((a, b) => a[0] - b[0]),
  cells: [...c.cells].sort((a, b) => a.cohort - b.cohort || a.offset - b.offset),
});

/** A cohort query as AnalyticsService.cohorts builds it. */
function query(ws: string, tz: string, by: CohortQuery['by'], base: string, cohorts: number, maxOffset: number, asOf: string): CohortQuery {
  const asOfEnd = localMidnightUtc(new Date(Date.parse(`${asOf}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10), tz);
  const min = (a: string, b: string) => (Date.parse(a) < Date.parse(b) ? a : b);
  return {
    ws, tz, unit: 'month', by, base, cohorts, maxOffset,
    start: localMidnightUtc(base, tz),
    cohortEnd: min(localMidnightUtc(addMonths(base, cohorts), tz), asOfEnd),
    activityEnd: min(localMidnightUtc(addMonths(base, cohorts + maxOffset), tz), asOfEnd),
  };
}

forEachStore('cohorts from activity facts', (ctx) => {
  const zones = { 'Asia/Shanghai': 'ws_cf_sh', 'America/New_York': 'ws_cf_ny' };
  beforeAll(async () => {
    for (const [tz, ws] of Object.entries(zones)) {
      await ctx.store.exec('INSERT INTO workspaces (id, name, timezone) VALUES ($1, $2, $3)', [ws, ws, tz]);
      await insertRows(ctx.store, ws, randomBrand(300, tz === 'Asia/Shanghai' ? 11 : 12));
    }
  });

  it('equal the raw counts for every shape', async () => {
    let compared = 0;
    for (const [tz, ws] of Object.entries(zones)) {
      for (const by of ['first_order', 'signup'] as const) {
        for (const [base, cohorts, maxOffset, asOf] of [
          ['2024-01-01', 7, 6, '2024-07-31'], // activity ends at a month end
          ['2024-01-01', 7, 6, '2024-05-17'], // … mid-month: May read from the rows
          ['2024-03-01', 3, 2, '2024-03-01'], // the first day of the first cohort
          ['2023-11-01', 4, 10, '2024-09-30'],
          ['2019-01-01', 66, 3, '2024-08-15'], // 69 units: two masks
        ] as const) {
          const q = query(ws, tz, by, base, cohorts, maxOffset, asOf);
          const raw = sorted(await cohortCountsRaw(ctx.store, q));
          expect(sorted(await cohortCountsFromFacts(ctx.store, q)), `${tz} ${by} ${base} ${asOf}`).toEqual(raw);
          if (raw.sizes.length) compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10);
  });
});
