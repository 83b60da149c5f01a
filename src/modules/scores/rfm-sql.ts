// The RFM recompute as one INSERT … SELECT: facts per buying member, quintile (or custom) scores, split line, segment.
import { RFM_SEGMENTS, type RfmConfig } from '../../core/segmentation/index.ts';
import { COUNTED_STATUSES, Params, daysSince, idLiteral } from './sql-parts.ts';
import type { FactsSource } from './facts-source.ts';
import { dayNumber, localDaySql, offsetSegments } from '../clv/local-days.ts';

export interface RfmRunSql {
  workspaceId: string;
  runId: string;
  timezone: string;
  config: RfmConfig;
  /** Orders count when start ≤ paid_at < end (instants of local midnights, see as-of.ts); start null = all history. */
  start: string | null;
  end: string;
  /** member_traits only when factsSource() said it holds exactly these facts. */
  source?: FactsSource;
  /** With member_traits: the earliest last_order_at (zone offsets are looked up from there to `end`). */
  oldestLastOrder?: string | null;
}

/** The quintile fractions as an array literal (code constants, the same in both dialects). */
const QUINTILES = 'ARRAY[0.2, 0.4, 0.6, 0.8]';
const DIMS = [
  ['r', 'recency_days'],
  ['f', 'frequency'],
  ['m', 'monetary'],
] as const;

/**
 * Facts of every buying member of the workspace, as a CTE list ending in `facts` (member_id, recency_days, frequency,
 * monetary). A buying member has at least one counted order (paid or partially refunded) in the window.
 * recency_days = as-of − local date of the last order; frequency = orders (ids are unique per workspace);
 * monetary = Σ(amount − refunded_amount) − refunds not linked to an order in the window, never below 0 — the
 * same netting as member_traits.total_spend. Refunds count as known now, even when made after the as-of date.
 */
export function rfmFactsCtes(
  p: Params, ws: string, asOf: string, timezone: string, start: string | null, end: string, source: FactsSource = 'orders',
  days?: { asOf: string; oldest: string | null },
): string {
  // Bound only where used: DuckDB refuses parameters a statement does not reference.
  const tz = () => p.add(timezone);
  const live = `NOT IN (SELECT id FROM members WHERE workspace_id = ${ws} AND merged_into IS NOT NULL)`;
  if (source === 'member_traits') {
    // All history, and member_traits holds exactly it (see facts-source.ts): the same facts without the GROUP BY.
    // Recency from epoch seconds and the zone's offsets over the traits' range when they are known (no per-row
    // zone conversion, which costs DuckDB more than the rest of the scan); the same calendar days either way.
    const recency = days?.oldest
      ? `CAST(${p.cast(dayNumber(days.asOf), 'INTEGER')} - ${localDaySql('EXTRACT(EPOCH FROM t.last_order_at)', offsetSegments(timezone, Date.parse(days.oldest), Date.parse(end)), (v) => p.add(v))} AS INTEGER)`
      : daysSince('t.last_order_at', asOf, tz());
    return `
    facts AS MATERIALIZED (
      SELECT t.member_id, ${recency} AS recency_days, CAST(t.order_count AS INTEGER) AS frequency,
             CAST(t.total_spend AS DECIMAL(14,2)) AS monetary
      FROM member_traits t
      WHERE t.workspace_id = ${ws} AND t.order_count > 0 AND t.member_id ${live}
    )`;
  }
  const endAt = p.cast(end, 'TIMESTAMPTZ');
  const startAt = start ? p.cast(start, 'TIMESTAMPTZ') : null;
  return `
    ord AS (
      SELECT member_id, MAX(paid_at) AS last_at, COUNT(*) AS frequency, SUM(amount - refunded_amount) AS gross
      FROM orders
      WHERE workspace_id = ${ws} AND member_id IS NOT NULL AND status IN ${COUNTED_STATUSES}
        AND paid_at < ${endAt}${startAt ? ` AND paid_at >= ${startAt}` : ''}
      GROUP BY member_id
    ),
    unlinked AS (
      SELECT member_id, SUM(amount) AS refunded
      FROM refunds
      WHERE workspace_id = ${ws} AND order_id IS NULL AND member_id IS NOT NULL
        AND refunded_at < ${endAt}${startAt ? ` AND refunded_at >= ${startAt}` : ''}
      GROUP BY member_id
    ),
    facts AS MATERIALIZED (
      SELECT o.member_id, ${daysSince('o.last_at', asOf, tz())} AS recency_days, CAST(o.frequency AS INTEGER) AS frequency,
             CAST(GREATEST(o.gross - COALESCE(u.refunded, 0), 0) AS DECIMAL(14,2)) AS monetary
      FROM ord o LEFT JOIN unlinked u ON u.member_id = o.member_id
      WHERE o.member_id ${live}
    )`;
}

/** Cut points: percentile_disc(k/5) of each dimension (the pure quintileCutPoints), or the configured thresholds. */
function cutsCte(p: Params, config: RfmConfig): string {
  const scoring = config.scoring;
  if (scoring === 'quintile') {
    // One ordered-set aggregate per dimension with all four fractions (an array on both engines): a third of the
    // work of twelve separate percentile_disc calls.
    const lists = DIMS.map(([d, col]) => `percentile_disc(${QUINTILES}) WITHIN GROUP (ORDER BY ${col}) AS ${d}`);
    const cols = DIMS.flatMap(([d]) => [1, 2, 3, 4].map((k) => `q.${d}[${k}] AS ${d}${k}`));
    return `cuts AS (SELECT ${cols.join(', ')} FROM (SELECT ${lists.join(', ')} FROM facts) q)`;
  }
  const cols = DIMS.flatMap(([d]) => scoring[d].map((v, i) => `${p.cast(v, 'DOUBLE PRECISION')} AS ${d}${i + 1}`));
  return `cuts AS (SELECT ${cols.join(', ')})`;
}

/** Score expressions: R = 5 − #cuts below, F and M = 1 + #cuts below (the pure scoreRecency / scoreAscending). */
const above = (col: string, d: string) => [1, 2, 3, 4].map((k) => `(CASE WHEN ${col} > c.${d}${k} THEN 1 ELSE 0 END)`);

/** The split line per dimension: mean or continuous median, of the scores or of the values. */
function splitCte(config: RfmConfig): string {
  const of = config.splitOn === 'score' ? { r: 'r_score', f: 'f_score', m: 'm_score' } : { r: 'recency_days', f: 'frequency', m: 'monetary' };
  const centre = (col: string) =>
    config.split === 'mean' ? `AVG(${col})` : `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${col})`;
  return `split AS (SELECT ${centre(of.r)} AS r, ${centre(of.f)} AS f, ${centre(of.m)} AS m FROM scored)`;
}

/** The segment CASE: high = strictly better than the split line (recency: fewer days when splitting on values). */
function segmentExpr(config: RfmConfig): string {
  const high =
    config.splitOn === 'score'
      ? ['s.r_score > p.r', 's.f_score > p.f', 's.m_score > p.m']
      : ['s.recency_days < p.r', 's.frequency > p.f', 's.monetary > p.m'];
  const bits = `(CASE WHEN ${high[0]} THEN 4 ELSE 0 END) + (CASE WHEN ${high[1]} THEN 2 ELSE 0 END) + (CASE WHEN ${high[2]} THEN 1 ELSE 0 END)`;
  const whens = RFM_SEGMENTS.map((s) => `WHEN ${(s.r ? 4 : 0) + (s.f ? 2 : 0) + (s.m ? 1 : 0)} THEN ${idLiteral(s.id)}`);
  return `CASE ${bits} ${whens.join(' ')} END`;
}

/**
 * The statement that writes one RFM run into member_rfm (rows tagged with the run id; the caller diffs and deletes
 * the previous run). No per-member work happens outside the store.
 */
export function rfmInsertSql(input: RfmRunSql): { sql: string; params: Params['values'] } {
  const p = new Params();
  const ws = p.add(input.workspaceId);
  const asOf = p.cast(input.config.asOf, 'DATE');
  const run = p.add(input.runId);
  const ctes = [
    rfmFactsCtes(p, ws, asOf, input.timezone, input.start, input.end, input.source, { asOf: input.config.asOf, oldest: input.oldestLastOrder ?? null }),
    cutsCte(p, input.config),
    `scored AS MATERIALIZED (
      SELECT f.member_id, f.recency_days, f.frequency, f.monetary,
             5 - ${above('f.recency_days', 'r').join(' - ')} AS r_score,
             1 + ${above('f.frequency', 'f').join(' + ')} AS f_score,
             1 + ${above('f.monetary', 'm').join(' + ')} AS m_score
      FROM facts f CROSS JOIN cuts c
    )`,
    splitCte(input.config),
  ];
  const sql = `
    INSERT INTO member_rfm (workspace_id, member_id, as_of, recency_days, frequency, monetary, r_score, f_score, m_score, segment, run_id)
    WITH ${ctes.join(',\n')}
    SELECT ${ws}, s.member_id, ${asOf}, s.recency_days, s.frequency, s.monetary, s.r_score, s.f_score, s.m_score, ${segmentExpr(input.config)}, ${run}
    FROM scored s CROSS JOIN split p`;
  return { sql, params: p.values };
}

/**
 * Thresholds of the stored run, recomputed from member_rfm for the run record: the quintile cut points (arrays
 * q_r, q_f, q_m) when scoring by quintiles, and the configured split line (split_r, split_f, split_m).
 */
export function rfmThresholdsSql({ quintile, split, splitOn }: { quintile: boolean; split: 'mean' | 'median'; splitOn: 'score' | 'value' }): string {
  const q = quintile ? DIMS.map(([d, col]) => `percentile_disc(${QUINTILES}) WITHIN GROUP (ORDER BY ${col}) AS q_${d}`) : [];
  const on = splitOn === 'score' ? ['r_score', 'f_score', 'm_score'] : ['recency_days', 'frequency', 'monetary'];
  const centres = on.map((c, i) =>
    split === 'mean' ? `AVG(${c}) AS split_${'rfm'[i]}` : `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${c}) AS split_${'rfm'[i]}`,
  );
  return `SELECT COUNT(*) AS n, ${[...q, ...centres].join(', ')} FROM member_rfm WHERE workspace_id = $1`;
}
