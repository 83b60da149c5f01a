// Checks on both stores that the documented SQL (percentile_disc, percentile_cont, date casts) reproduces the pure models.
import { describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { quintileCutPoints, scoreAscending, scoreRecency } from './rfm.ts';
import { calendarDaysBetween, mean, median } from './shared.ts';
import { spendThresholdsFromValues } from './value-tier.ts';

/** Small deterministic generator (mulberry32) so the data sets, ties included, are the same on every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = rng(42);
const DATA_SETS: number[][] = [
  [5],
  [70, 10, 20, 30, 40, 50, 60],
  Array.from({ length: 15 }, (_, i) => i + 1),
  [1, 1, 1, 1, 1, 1, 2, 2, 3, 10],
  Array.from({ length: 997 }, () => 1 + Math.floor(next() ** 3 * 12)), // heavily tied, like order counts
  Array.from({ length: 1003 }, () => Math.round(next() * 100_000) / 100), // money with cents
];

describe('sql parity', () => {
  forEachStore('segmentation sql parity', (ctx) => {
    it.each(DATA_SETS.map((d, i) => [i, d] as const))('data set %i: cut points, split lines and scores match', async (_i, values) => {
      const rows = JSON.stringify(values.map((v, id) => ({ id, v })));
      const src = ctx.store.jsonRows(1, [{ name: 'id', type: 'bigint' }, { name: 'v', type: 'double' }], 'x');
      const [agg] = await ctx.store.query<Record<string, number>>(
        `SELECT percentile_disc(0.2) WITHIN GROUP (ORDER BY v) AS c1, percentile_disc(0.4) WITHIN GROUP (ORDER BY v) AS c2,
                percentile_disc(0.6) WITHIN GROUP (ORDER BY v) AS c3, percentile_disc(0.8) WITHIN GROUP (ORDER BY v) AS c4,
                percentile_disc(0.2) WITHIN GROUP (ORDER BY v DESC) AS top20, percentile_disc(0.5) WITHIN GROUP (ORDER BY v DESC) AS top50,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS med, AVG(v) AS avg
         FROM ${src}`,
        [rows],
      );
      const cuts = quintileCutPoints(values)!;
      expect([agg.c1, agg.c2, agg.c3, agg.c4].map(Number)).toEqual(cuts);
      expect({ highValueMinSpend: Number(agg.top20), potentialMinSpend: Number(agg.top50) }).toEqual(spendThresholdsFromValues(values, 0.2, 0.5));
      expect(Number(agg.med)).toBeCloseTo(median(values)!, 9);
      expect(Number(agg.avg)).toBeCloseTo(mean(values)!, 9);

      // The scoring expressions as the SQL compiler would write them, with the cut points bound as parameters.
      const scored = await ctx.store.query<{ id: number; f: number; r: number }>(
        `SELECT id, 1 + (CASE WHEN v > $2 THEN 1 ELSE 0 END) + (CASE WHEN v > $3 THEN 1 ELSE 0 END)
                  + (CASE WHEN v > $4 THEN 1 ELSE 0 END) + (CASE WHEN v > $5 THEN 1 ELSE 0 END) AS f,
                5 - (CASE WHEN v > $2 THEN 1 ELSE 0 END) - (CASE WHEN v > $3 THEN 1 ELSE 0 END)
                  - (CASE WHEN v > $4 THEN 1 ELSE 0 END) - (CASE WHEN v > $5 THEN 1 ELSE 0 END) AS r
         FROM ${src} ORDER BY id`,
        [rows, ...cuts],
      );
      expect(scored.map((s) => Number(s.f))).toEqual(values.map((v) => scoreAscending(v, cuts)));
      expect(scored.map((s) => Number(s.r))).toEqual(values.map((v) => scoreRecency(v, cuts)));
    });

    it('counts calendar days like CAST(… AS DATE) differences (UTC session)', async () => {
      const cases: [string, string][] = [
        ['2024-01-31T23:59:00Z', '2024-02-01'],
        ['2024-01-31T23:30:00-02:00', '2024-02-01'],
        ['2024-01-01T00:00:00Z', '2024-03-31'],
        ['2023-03-01T12:00:00Z', '2024-03-01'],
      ];
      for (const [ts, asOf] of cases) {
        const [row] = await ctx.store.query<{ d: number }>(
          'SELECT CAST($2 AS DATE) - CAST(CAST($1 AS TIMESTAMPTZ) AS DATE) AS d',
          [ts, asOf],
        );
        expect([ts, Number(row.d)]).toEqual([ts, calendarDaysBetween(ts, asOf)]);
      }
    });
  });
});
