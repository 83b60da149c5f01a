// SQL of the scores module: the run lock, swapping a run's rows in with change history, run records and the reads.
import type { SqlExecutor, SqlParam } from '../../store/port.ts';

export type ScoreKind = 'rfm' | 'lifecycle' | 'value_tier';

/** Where each kind keeps its current rows, which column holds its label, and its history kind. */
export const KIND_TABLES: Record<ScoreKind, { table: string; column: string; history: string }> = {
  rfm: { table: 'member_rfm', column: 'segment', history: 'rfm_segment' },
  lifecycle: { table: 'member_lifecycle', column: 'stage', history: 'lifecycle_stage' },
  value_tier: { table: 'member_value_tier', column: 'tier', history: 'value_tier' },
};

export interface ScoreRunRow {
  id: string;
  kind: ScoreKind;
  as_of: string;
  config: unknown;
  summary: unknown;
  member_count: number;
  changed_count: number;
  duration_ms: number | null;
  started_at: string;
  finished_at: string | null;
}

const RUN_FIELDS = 'id, kind, as_of, config, summary, member_count, changed_count, duration_ms, started_at, finished_at';

export const scoresRepo = {
  /**
   * Takes the per-workspace, per-kind lock for the rest of the transaction by upserting its score_current row:
   * PostgreSQL makes a concurrent recompute wait; DuckDB fails it with a write conflict and the store retries it.
   */
  async lock(tx: SqlExecutor, ws: string, kind: ScoreKind, runId: string, asOf: string, now: string): Promise<void> {
    await tx.exec(
      `INSERT INTO score_current (workspace_id, kind, run_id, as_of, updated_at) VALUES ($1, $2, $3, CAST($4 AS DATE), CAST($5 AS TIMESTAMPTZ))
       ON CONFLICT (workspace_id, kind) DO UPDATE SET run_id = excluded.run_id, as_of = excluded.as_of, updated_at = excluded.updated_at`,
      [ws, kind, runId, asOf, now],
    );
  },

  /**
   * After the new run's rows were inserted next to the previous ones: appends a history row for every member whose
   * label changed, appeared (previous null) or disappeared (value null), then deletes the previous rows.
   * Returns the number of history rows written.
   */
  async swapIn(tx: SqlExecutor, ws: string, kind: ScoreKind, runId: string, asOf: string): Promise<number> {
    const { table, column, history } = KIND_TABLES[kind];
    const changed = await tx.execCount(
      `INSERT INTO member_score_history (workspace_id, member_id, kind, value, previous, as_of, run_id)
       SELECT $1, COALESCE(n.member_id, o.member_id), $2, n.v, o.v, CAST($3 AS DATE), $4
       FROM (SELECT member_id, ${column} AS v FROM ${table} WHERE workspace_id = $1 AND run_id = $4) n
       FULL JOIN (SELECT member_id, ${column} AS v FROM ${table} WHERE workspace_id = $1 AND run_id <> $4) o ON o.member_id = n.member_id
       WHERE n.v IS DISTINCT FROM o.v`,
      [ws, history, asOf, runId],
    );
    await tx.exec(`DELETE FROM ${table} WHERE workspace_id = $1 AND run_id <> $2`, [ws, runId]);
    return changed;
  },

  async insertRun(tx: SqlExecutor, ws: string, r: Omit<ScoreRunRow, 'finished_at'> & { finished_at: string }): Promise<void> {
    await tx.exec(
      `INSERT INTO score_runs (workspace_id, id, kind, as_of, config, summary, member_count, changed_count, duration_ms, started_at, finished_at)
       VALUES ($1, $2, $3, CAST($4 AS DATE), CAST($5 AS JSON), CAST($6 AS JSON), $7, $8, $9, CAST($10 AS TIMESTAMPTZ), CAST($11 AS TIMESTAMPTZ))`,
      [ws, r.id, r.kind, r.as_of, JSON.stringify(r.config), JSON.stringify(r.summary), r.member_count, r.changed_count, r.duration_ms, r.started_at, r.finished_at],
    );
  },

  /** The run whose rows are current for a kind, or null before the first run. */
  async currentRun(db: SqlExecutor, ws: string, kind: ScoreKind): Promise<ScoreRunRow | null> {
    const rows = await db.query<ScoreRunRow>(
      `SELECT ${RUN_FIELDS.split(', ').map((f) => `r.${f}`).join(', ')} FROM score_current c
       JOIN score_runs r ON r.workspace_id = c.workspace_id AND r.id = c.run_id
       WHERE c.workspace_id = $1 AND c.kind = $2`,
      [ws, kind],
    );
    return rows[0] ?? null;
  },

  async runs(db: SqlExecutor, ws: string, opts: { kind?: ScoreKind; limit: number; before?: string }): Promise<ScoreRunRow[]> {
    const params: SqlParam[] = [ws];
    let where = 'workspace_id = $1';
    if (opts.kind) {
      params.push(opts.kind);
      where += ` AND kind = $${params.length}`;
    }
    if (opts.before) {
      params.push(opts.before);
      where += ` AND id < $${params.length}`;
    }
    params.push(opts.limit);
    return db.query<ScoreRunRow>(`SELECT ${RUN_FIELDS} FROM score_runs WHERE ${where} ORDER BY id DESC LIMIT $${params.length}`, params);
  },

  /** Members, total and revenue per label of the current rows (plus averages for RFM). */
  async labelCounts(db: SqlExecutor, ws: string, kind: ScoreKind): Promise<Array<Record<string, number | string>>> {
    const { table, column } = KIND_TABLES[kind];
    const extra =
      kind === 'rfm'
        ? `, SUM(monetary) AS revenue, AVG(recency_days) AS avg_recency_days, AVG(frequency) AS avg_frequency, AVG(monetary) AS avg_monetary,
             AVG(r_score) AS avg_r_score, AVG(f_score) AS avg_f_score, AVG(m_score) AS avg_m_score`
        : kind === 'value_tier'
          ? ', SUM(spend) AS revenue, AVG(spend) AS avg_spend, AVG(order_count) AS avg_order_count'
          : ', AVG(order_count) AS avg_order_count';
    return db.query(`SELECT ${column} AS label, COUNT(*) AS n${extra} FROM ${table} WHERE workspace_id = $1 GROUP BY ${column}`, [ws]);
  },

  /** Members and revenue per (r_score, f_score) of the current RFM rows. */
  async rfmGrid(db: SqlExecutor, ws: string): Promise<Array<{ r_score: number; f_score: number; n: number; revenue: number }>> {
    return db.query(
      'SELECT r_score, f_score, COUNT(*) AS n, SUM(monetary) AS revenue FROM member_rfm WHERE workspace_id = $1 GROUP BY r_score, f_score',
      [ws],
    );
  },

  /**
   * One page of current RFM rows by member id, with the member's user_id (the smallest when there are several),
   * optionally of one segment and/or score cell.
   */
  async rfmMembers(
    db: SqlExecutor,
    ws: string,
    opts: { segment?: string; r_score?: number; f_score?: number; m_score?: number; after?: string; limit: number },
  ) {
    const params: SqlParam[] = [ws];
    let where = 'r.workspace_id = $1';
    const add = (cond: string, v: SqlParam) => {
      params.push(v);
      where += ` AND ${cond.replace('?', `$${params.length}`)}`;
    };
    if (opts.segment) add('r.segment = ?', opts.segment);
    if (opts.r_score) add('r.r_score = ?', opts.r_score);
    if (opts.f_score) add('r.f_score = ?', opts.f_score);
    if (opts.m_score) add('r.m_score = ?', opts.m_score);
    if (opts.after) add('r.member_id > ?', opts.after);
    params.push(opts.limit);
    // Page first, then look up user ids for the page only.
    return db.query<RfmMemberRow>(
      `WITH page AS MATERIALIZED (
         SELECT r.member_id, r.recency_days, r.frequency, r.monetary, r.r_score, r.f_score, r.m_score, r.segment, r.as_of, r.run_id
         FROM member_rfm r WHERE ${where} ORDER BY r.member_id LIMIT $${params.length}
       )
       SELECT p.*, u.user_id FROM page p
       LEFT JOIN (SELECT i.member_id, MIN(i.value) AS user_id FROM identities i
                  WHERE i.workspace_id = $1 AND i.type = 'user_id' AND i.member_id IN (SELECT member_id FROM page) GROUP BY i.member_id) u
         ON u.member_id = p.member_id
       ORDER BY p.member_id`,
      params,
    );
  },

  /** The current row of each kind for one member, and the member's change history (newest first). */
  async memberScores(db: SqlExecutor, ws: string, memberId: string) {
    const [rfm, lifecycle, tier, history] = await Promise.all([
      db.query('SELECT as_of, recency_days, frequency, monetary, r_score, f_score, m_score, segment, run_id FROM member_rfm WHERE workspace_id = $1 AND member_id = $2', [ws, memberId]),
      db.query('SELECT as_of, stage, order_count, days_since_first_order, days_since_last_order, run_id FROM member_lifecycle WHERE workspace_id = $1 AND member_id = $2', [ws, memberId]),
      db.query('SELECT as_of, tier, spend, order_count, days_since_last_activity, run_id FROM member_value_tier WHERE workspace_id = $1 AND member_id = $2', [ws, memberId]),
      db.query<{ kind: string; value: string | null; previous: string | null; as_of: string; run_id: string }>(
        // Filter in a materialised CTE, sort outside: DuckDB would otherwise sort the whole table for the LIMIT.
        `WITH h AS MATERIALIZED (
           SELECT kind, value, previous, as_of, run_id FROM member_score_history WHERE workspace_id = $1 AND member_id = $2
         )
         SELECT * FROM h ORDER BY run_id DESC, kind LIMIT 500`,
        [ws, memberId],
      ),
    ]);
    return { rfm: rfm[0] ?? null, lifecycle: lifecycle[0] ?? null, tier: tier[0] ?? null, history };
  },
};

export interface RfmMemberRow {
  member_id: string;
  user_id: string | null;
  recency_days: number;
  frequency: number;
  monetary: number;
  r_score: number;
  f_score: number;
  m_score: number;
  segment: string;
  as_of: string;
  run_id: string;
}
