// SQL of the CLV module: fit inputs grouped in the store, predictions written set-based, fits, pages, histograms.
import type { JsonColumn, Row, SqlExecutor, Store } from '../../store/port.ts';
import type { BgNbdParams, GammaGammaParams } from '../../core/models/index.ts';
import type { PurchaseFactor } from './predict.ts';
import { COUNTED_STATUSES, Params, summaryCtes, type SummaryWindow } from './summary-sql.ts';
import { orderFactsCover } from '../activity/order-facts.ts';

/** `n` members sharing (x, tx_days, t_days): the BG/NBD input. */
export interface SummaryGroupRow {
  x: number;
  tx_days: number;
  t_days: number;
  n: number;
}

/** `n` repeaters sharing (x, repeat_value): the Gamma-Gamma input. */
export interface ValueGroupRow {
  x: number;
  repeat_value: number;
  n: number;
}

/** A clv_fits row as stored. */
export interface FitRow {
  id: string;
  calibration_end: string;
  time_unit: string;
  timezone: string;
  horizon: number;
  discount_rate: number;
  period_length: number;
  margin: number;
  bgnbd: any;
  gamma_gamma: any;
  members: number;
  repeaters: number;
  fit_ms: number | null;
  timings: any;
  created_at: string;
}

/** Everything the prediction statement needs besides the summary window. */
export interface PredictionInput {
  fitId: string;
  unitDays: number;
  margin: number;
  bgnbd: BgNbdParams;
  gammaGamma: GammaGammaParams | null;
  factors: PurchaseFactor[];
}

export const SORTS = ['member_id', 'clv', 'p_alive', 'expected_purchases', 'expected_avg_value'] as const;
export type SortColumn = (typeof SORTS)[number];

const FACTOR_COLUMNS: JsonColumn[] = [
  { name: 'x', type: 'bigint' },
  { name: 't_days', type: 'bigint' },
  { name: 'expected', type: 'double' },
  { name: 'discounted', type: 'double' },
];
const FIT_COLUMNS = `id, CAST(calibration_end AS VARCHAR) AS calibration_end, time_unit, timezone, horizon, discount_rate,
  period_length, margin, bgnbd, gamma_gamma, members, repeaters, fit_ms, timings, created_at`;
const MEMBER_COLUMNS = `member_id, fit_id, frequency, recency, t, monetary_value, p_alive, expected_purchases, expected_avg_value, clv`;

export function clvRepo(store: Store) {
  return {
    /** Earliest counted purchase before `endBefore` (ISO), or null: the start of the time-zone offset range. */
    async firstPurchaseAt(db: SqlExecutor, ws: string, endBefore: string): Promise<string | null> {
      const rows = await db.query<{ first: string | null }>(
        `SELECT MIN(paid_at) AS first FROM orders WHERE workspace_id = $1 AND member_id IS NOT NULL
           AND status IN ${COUNTED_STATUSES} AND paid_at < CAST($2 AS TIMESTAMPTZ)`,
        [ws, endBefore],
      );
      return rows[0]?.first ?? null;
    },

    /**
     * Computes the calibration summary once into the temporary table clv_stage (member_id, x, tx_days, t_days,
     * repeat_value) of this transaction's connection; {@link writePredictions} reads it and drops it. Returns the
     * number of members.
     */
    async stageSummary(tx: SqlExecutor, ws: string, w: SummaryWindow): Promise<number> {
      await tx.exec('DROP TABLE IF EXISTS clv_stage');
      const p = new Params([ws]);
      await tx.exec(`CREATE TEMPORARY TABLE clv_stage AS WITH ${summaryCtes(w, p)} SELECT member_id, x, tx_days, t_days, repeat_value FROM clv_summary`, p.values);
      const n = await tx.query<{ n: number }>('SELECT count(*) AS n FROM clv_stage');
      return Number(n[0]?.n ?? 0);
    },

    /**
     * Whether the summary can come from member_purchase_facts (kept at write time, src/modules/activity): the facts
     * cover every order, and every paid order lies before `endBefore` (then "all history" is the calibration
     * period). Returns the number of buying members then, else null.
     */
    async factsUsable(db: SqlExecutor, ws: string, endBefore: string): Promise<number | null> {
      if (!(await orderFactsCover(db, ws))) return null;
      const [r] = await db.query<{ last: string | null; n: number }>(
        'SELECT MAX(paid_last_at) AS last, COUNT(*) AS n FROM member_purchase_facts WHERE workspace_id = $1 AND paid_days > 0',
        [ws],
      );
      return r.last !== null && Date.parse(r.last) < Date.parse(endBefore) ? Number(r.n) : null;
    },

    /**
     * As {@link stageSummary}, from member_purchase_facts when {@link factsUsable} said yes: the facts hold each
     * member's paid days (same-day orders merged, workspace zone), first and last day and values, so the summary
     * is one scan of a row per member instead of grouping every order by member and day.
     */
    async stageSummaryFromFacts(tx: SqlExecutor, ws: string, endDay: number): Promise<number> {
      await tx.exec('DROP TABLE IF EXISTS clv_stage');
      await tx.exec(
        `CREATE TEMPORARY TABLE clv_stage AS
         SELECT member_id, CAST(paid_days - 1 AS BIGINT) AS x, CAST(paid_last_day - paid_first_day AS BIGINT) AS tx_days,
                CAST($2 AS BIGINT) - paid_first_day AS t_days, paid_value - paid_first_day_value AS repeat_value
         FROM member_purchase_facts WHERE workspace_id = $1 AND paid_days > 0`,
        [ws, endDay],
      );
      const n = await tx.query<{ n: number }>('SELECT count(*) AS n FROM clv_stage');
      return Number(n[0]?.n ?? 0);
    },

    /**
     * The model inputs from the staged summary in one pass: BG/NBD groups by (x, tx_days, t_days) and Gamma-Gamma
     * groups by (x, repeat value) of repeaters, both with member counts (GROUPING SETS). Ordered: the likelihood is
     * summed in this order, and a plan-dependent order made the optimiser's path (and, on flat likelihoods, whether
     * it converged) differ between runs.
     */
    async stagedInputs(tx: SqlExecutor): Promise<{ summary: SummaryGroupRow[]; values: ValueGroupRow[] }> {
      const rows = await tx.query<Row>(
        // INTEGER, not BIGINT: ~600k groups at 1M members, and BIGINT values cross the driver as BigInt (twice the cost).
        `SELECT CAST(x AS INTEGER) AS x, CAST(tx_days AS INTEGER) AS tx_days, CAST(t_days AS INTEGER) AS t_days,
                CAST(repeat_value AS DOUBLE PRECISION) AS repeat_value, CAST(count(*) AS INTEGER) AS n, CAST(GROUPING(t_days) AS INTEGER) AS value_set
         FROM clv_stage GROUP BY GROUPING SETS ((x, tx_days, t_days), (x, repeat_value))
         ORDER BY value_set, x, tx_days, t_days, repeat_value`,
      );
      const summary: SummaryGroupRow[] = [];
      const values: ValueGroupRow[] = [];
      for (const r of rows) {
        if (Number(r.value_set) === 0) summary.push({ x: Number(r.x), tx_days: Number(r.tx_days), t_days: Number(r.t_days), n: Number(r.n) });
        else if (Number(r.x) > 0) values.push({ x: Number(r.x), repeat_value: Number(r.repeat_value), n: Number(r.n) });
      }
      return { summary, values };
    },

    /**
     * Replaces the workspace's member_clv rows with predictions computed in SQL from the staged summary and the
     * purchase factors per (x, T): P(alive) (FHL 2005: 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)), 1 when x = 0),
     * expected purchases = P(alive) · factor, the Gamma-Gamma expected value p(γ + x·zbar)/(px + q − 1) (the
     * population mean pγ/(q−1) when x = 0) and CLV = margin · value · P(alive) · discounted factor. A fresh INSERT,
     * not an UPDATE: DuckDB updated 1M rows it had just inserted in ~5 minutes. Drops clv_stage.
     */
    async writePredictions(tx: SqlExecutor, ws: string, m: PredictionInput): Promise<number> {
      await tx.exec('DELETE FROM member_clv WHERE workspace_id = $1', [ws]);
      const p = new Params([ws]);
      const fit = p.add(m.fitId);
      const unit = p.addDouble(m.unitDays);
      const [r, alpha, a, b] = [m.bgnbd.r, m.bgnbd.alpha, m.bgnbd.a, m.bgnbd.b].map(p.addDouble);
      const gg = m.gammaGamma;
      const [gp, gq, gGamma] = [gg?.p ?? null, gg?.q ?? null, gg?.gamma ?? null].map(p.addDouble);
      const margin = p.addDouble(m.margin);
      const factors = store.jsonRows(p.values.length + 1, FACTOR_COLUMNS, 'f');
      p.add(JSON.stringify(m.factors));
      // exp() is clamped: PostgreSQL raises on float overflow and underflow where DuckDB returns inf / 0.
      await tx.exec(
        `INSERT INTO member_clv (workspace_id, member_id, fit_id, frequency, recency, t, monetary_value, p_alive,
                                 expected_purchases, expected_avg_value, clv)
         SELECT $1, s2.member_id, ${fit}, s2.x, s2.tx, s2.t, s2.zbar, s2.pa, s2.expected * s2.pa, s2.ev, ${margin} * s2.ev * s2.pa * s2.discounted
         FROM (
           SELECT s1.*,
                  CASE WHEN x = 0 THEN 1.0
                       ELSE 1.0 / (1.0 + EXP(LEAST(700.0, GREATEST(-700.0,
                              LN(${a} / (${b} + x - 1)) + (${r} + x) * LN((${alpha} + t) / (${alpha} + tx)))))) END AS pa,
                  CASE WHEN x > 0 THEN ${gp} * (${gGamma} + repeat_value) / (${gp} * x + ${gq} - 1)
                       WHEN ${gq} > 1 THEN ${gp} * ${gGamma} / (${gq} - 1) END AS ev
           FROM (
             SELECT s.member_id, s.x, CAST(s.tx_days AS DOUBLE PRECISION) / ${unit} AS tx, CAST(s.t_days AS DOUBLE PRECISION) / ${unit} AS t,
                    CAST(s.repeat_value AS DOUBLE PRECISION) AS repeat_value,
                    CASE WHEN s.x > 0 THEN CAST(s.repeat_value AS DOUBLE PRECISION) / s.x ELSE 0 END AS zbar,
                    f.expected, f.discounted
             FROM clv_stage s JOIN ${factors} ON f.x = s.x AND f.t_days = s.t_days
           ) s1
         ) s2`,
        p.values,
      );
      await tx.exec('DROP TABLE clv_stage');
      const n = await tx.query<{ n: number }>('SELECT count(*) AS n FROM member_clv WHERE workspace_id = $1', [ws]);
      return Number(n[0]?.n ?? 0);
    },

    async insertFit(tx: SqlExecutor, ws: string, f: FitRow): Promise<void> {
      await tx.exec(
        `INSERT INTO clv_fits (workspace_id, id, calibration_end, time_unit, timezone, horizon, discount_rate, period_length, margin,
                               bgnbd, gamma_gamma, members, repeaters, fit_ms, timings, created_at)
         VALUES ($1, $2, CAST($3 AS DATE), $4, $5, $6, $7, $8, $9, CAST($10 AS JSON), CAST($11 AS JSON), $12, $13, $14, CAST($15 AS JSON),
                 CAST($16 AS TIMESTAMPTZ))`,
        [ws, f.id, f.calibration_end, f.time_unit, f.timezone, f.horizon, f.discount_rate, f.period_length, f.margin,
          JSON.stringify(f.bgnbd), f.gamma_gamma ? JSON.stringify(f.gamma_gamma) : null, f.members, f.repeaters, f.fit_ms,
          JSON.stringify(f.timings), f.created_at],
      );
    },

    /** Fits, newest first. */
    async fits(db: SqlExecutor, ws: string, limit: number): Promise<FitRow[]> {
      return db.query<FitRow>(`SELECT ${FIT_COLUMNS} FROM clv_fits WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [ws, limit]);
    },

    async fit(db: SqlExecutor, ws: string, id: string): Promise<FitRow | undefined> {
      return (await db.query<FitRow>(`SELECT ${FIT_COLUMNS} FROM clv_fits WHERE workspace_id = $1 AND id = $2`, [ws, id]))[0];
    },

    /** Removes a merged-away member's prediction (the survivor keeps its own until the next fit). */
    async deleteMember(tx: SqlExecutor, ws: string, memberId: string): Promise<void> {
      await tx.exec('DELETE FROM member_clv WHERE workspace_id = $1 AND member_id = $2', [ws, memberId]);
    },

    async member(db: SqlExecutor, ws: string, memberId: string): Promise<Row | undefined> {
      return (await db.query(`SELECT ${MEMBER_COLUMNS} FROM member_clv WHERE workspace_id = $1 AND member_id = $2`, [ws, memberId]))[0];
    },

    /**
     * One page of member_clv with user ids, ordered by `sort` (NULLs last) then member_id, after the keyset
     * `after` = [value of sort column, member_id]. Returns up to `limit + 1` rows (the extra one means "more").
     */
    async page(db: SqlExecutor, ws: string, q: { sort: SortColumn; desc: boolean; limit: number; after?: [number | string | null, string] }): Promise<Row[]> {
      const p = new Params([ws]);
      const col = q.sort;
      const cmp = q.desc ? '<' : '>';
      const dir = q.desc ? 'DESC' : 'ASC';
      const where = ['workspace_id = $1'];
      if (q.after) {
        const [v, id] = q.after;
        const idParam = p.add(id);
        if (col === 'member_id') where.push(`member_id ${cmp} ${idParam}`);
        else if (v === null) where.push(`(${col} IS NULL AND member_id ${cmp} ${idParam})`);
        else {
          const vParam = typeof v === 'number' ? p.addDouble(v) : p.add(v);
          where.push(`(${col} ${cmp} ${vParam} OR (${col} = ${vParam} AND member_id ${cmp} ${idParam}) OR ${col} IS NULL)`);
        }
      }
      const order = col === 'member_id' ? `member_id ${dir}` : `${col} ${dir} NULLS LAST, member_id ${dir}`;
      const limit = p.add(q.limit + 1);
      return db.query(
        `WITH page AS MATERIALIZED (
           SELECT ${MEMBER_COLUMNS} FROM member_clv WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit}
         ),
         uid AS (
           SELECT member_id, MIN(value) AS user_id FROM identities
           WHERE workspace_id = $1 AND type = 'user_id' AND member_id IN (SELECT member_id FROM page) GROUP BY member_id
         )
         SELECT page.*, uid.user_id FROM page LEFT JOIN uid ON uid.member_id = page.member_id ORDER BY ${order.replace(/member_id/g, 'page.member_id')}`,
        p.values,
      );
    },

    /** Counts of P(alive) in `buckets` equal bins over [0, 1]. */
    async pAliveHistogram(db: SqlExecutor, ws: string, buckets: number): Promise<{ b: number; n: number }[]> {
      return db.query(
        `SELECT LEAST(CAST(FLOOR(p_alive * CAST($2 AS DOUBLE PRECISION)) AS BIGINT), CAST($2 AS BIGINT) - 1) AS b, count(*) AS n
         FROM member_clv WHERE workspace_id = $1 GROUP BY 1 ORDER BY 1`,
        [ws, buckets],
      );
    },

    /** Count, mean, sum, 99th percentile and maximum of CLV and the mean P(alive). */
    async stats(db: SqlExecutor, ws: string): Promise<Row> {
      return (
        await db.query(
          `SELECT count(*) AS members, count(clv) AS valued, AVG(p_alive) AS mean_p_alive, AVG(clv) AS mean_clv, SUM(clv) AS total_clv,
                  MAX(clv) AS max_clv, percentile_cont(0.99) WITHIN GROUP (ORDER BY clv) AS p99_clv,
                  SUM(expected_purchases) AS total_expected_purchases
           FROM member_clv WHERE workspace_id = $1`,
          [ws],
        )
      )[0];
    },

    /** Counts of CLV in `buckets` bins of `width` from 0; values at or above buckets·width share the last bin. */
    async clvHistogram(db: SqlExecutor, ws: string, buckets: number, width: number): Promise<{ b: number; n: number }[]> {
      return db.query(
        `SELECT LEAST(CAST(FLOOR(clv / CAST($3 AS DOUBLE PRECISION)) AS BIGINT), CAST($2 AS BIGINT)) AS b, count(*) AS n
         FROM member_clv WHERE workspace_id = $1 AND clv IS NOT NULL GROUP BY 1 ORDER BY 1`,
        [ws, buckets, String(width)],
      );
    },
  };
}

export type ClvRepo = ReturnType<typeof clvRepo>;
