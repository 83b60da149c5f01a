// SQL for ordered funnels: per member the first step-1 in the range, then each next step's first occurrence after
// the previous one and within the window from step 1 — successive joins inside the store.
import type { Store } from '../../store/port.ts';
import { propertyConditions, type PropertyFilter } from './property-filter.ts';
import { num, Params } from './sql.ts';

export interface FunnelStepInput {
  event: string;
  where?: PropertyFilter[];
}

export interface FunnelQuery {
  ws: string;
  steps: FunnelStepInput[];
  /** UTC instants: step 1 happens in [start, end); later steps up to `windowSeconds` after step 1. */
  start: string;
  end: string;
  windowSeconds: number;
}

/** Per step (0-based): members who reached it, and the median seconds from the previous step (null for step 0). */
export interface FunnelCounts {
  members: number[];
  medianSeconds: Array<number | null>;
}

/**
 * Counts members through the steps. A member's path starts at their first step-1 event in the range (a later
 * step-1 does not restart it); step k+1 is the first matching event strictly after step k and no later than
 * step 1 + window.
 */
export async function funnelCounts(store: Store, q: FunnelQuery): Promise<FunnelCounts> {
  const p = new Params();
  const w = p.text(q.ws);
  const start = p.ts(q.start);
  const end = p.ts(q.end);
  const win = `${p.int(q.windowSeconds)} * INTERVAL '1 second'`;
  const scanEnd = p.ts(new Date(Date.parse(q.end) + q.windowSeconds * 1000).toISOString());
  const flags = q.steps.map((s, i) => `CASE WHEN name = ${p.text(s.event)} AND ${propertyConditions('properties', s.where, p)} THEN 1 ELSE 0 END AS s${i}`);
  const names = [...new Set(q.steps.map((s) => s.event))].map((n) => p.text(n)).join(', ');
  const ctes = [
    `e AS (
       SELECT member_id, ts, ${flags.join(', ')} FROM events
       WHERE workspace_id = ${w} AND member_id IS NOT NULL AND name IN (${names}) AND ts >= ${start} AND ts < ${scanEnd}
     )`,
    `f0 AS (SELECT member_id, MIN(ts) AS t0 FROM e WHERE s0 = 1 AND ts < ${end} GROUP BY member_id)`,
  ];
  for (let k = 1; k < q.steps.length; k++) {
    const prev = Array.from({ length: k }, (_, i) => `f.t${i}`).join(', ');
    ctes.push(
      `f${k} AS (
         SELECT f.member_id, ${prev}, MIN(e.ts) AS t${k}
         FROM f${k - 1} f JOIN e ON e.member_id = f.member_id AND e.s${k} = 1 AND e.ts > f.t${k - 1} AND e.ts <= f.t0 + ${win}
         GROUP BY f.member_id, ${prev}
       )`,
    );
  }
  const selects = q.steps.map((_, k) =>
    k === 0
      ? `SELECT 0 AS step, COUNT(*) AS n, CAST(NULL AS DOUBLE PRECISION) AS med FROM f0`
      : `SELECT ${k}, COUNT(*), CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (t${k} - t${k - 1}))) AS DOUBLE PRECISION) FROM f${k}`,
  );
  const rows = await store.query(`WITH ${ctes.join(',\n')}\n${selects.join('\nUNION ALL\n')}`, p.values);
  const members = q.steps.map(() => 0);
  const medianSeconds: Array<number | null> = q.steps.map(() => null);
  for (const r of rows) {
    members[num(r.step)] = num(r.n);
    medianSeconds[num(r.step)] = r.med === null || r.med === undefined ? null : Number(r.med);
  }
  return { members, medianSeconds };
}
