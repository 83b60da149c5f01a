// SQL of the segments module: definitions, member pages and counts, runs, and membership on past dates.
import type { SqlExecutor } from '../../store/port.ts';

export interface SegmentRow {
  id: string;
  name: string;
  description: string | null;
  kind: 'dynamic' | 'static';
  /** The rule JSON as stored (dynamic segments), parsed by the adapter. */
  rule: unknown;
  realtime: boolean;
  schedule: string | null;
  member_count: number;
  version: number;
  last_computed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface RunRow {
  id: string;
  segment_id: string;
  trigger: string;
  started_at: string;
  finished_at: string | null;
  member_count: number | null;
  entered: number;
  exited: number;
  duration_ms: number | null;
}

export interface TrendRow {
  date: string;
  runs: number;
  entered: number;
  exited: number;
  member_count: number;
}

const COLUMNS = 'id, name, description, kind, rule, realtime, schedule, member_count, version, last_computed_at, created_at, updated_at';
const RUN_COLUMNS = 'id, segment_id, trigger, started_at, finished_at, member_count, entered, exited, duration_ms';

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const segmentOf = (r: SegmentRow): SegmentRow => ({
  ...r,
  rule: typeof r.rule === 'string' ? JSON.parse(r.rule) : r.rule,
  realtime: Boolean(r.realtime),
  member_count: num(r.member_count),
  version: num(r.version),
});
const runOf = (r: RunRow): RunRow => ({
  ...r,
  member_count: r.member_count === null ? null : num(r.member_count),
  entered: num(r.entered),
  exited: num(r.exited),
  duration_ms: r.duration_ms === null ? null : num(r.duration_ms),
});

/**
 * Members of a segment at the end of a local date: the last logged change of each member at or before that day
 * is an entry. `$1` workspace, `$2` segment, `$3` time zone, `$4` date.
 */
const MEMBERS_ON = `SELECT member_id FROM (
    SELECT member_id, change, row_number() OVER (PARTITION BY member_id ORDER BY changed_at DESC, CASE WHEN change = 'exited' THEN 0 ELSE 1 END) AS rn
    FROM segment_membership_log
    WHERE workspace_id = $1 AND segment_id = $2 AND CAST((changed_at AT TIME ZONE $3) AS DATE) <= CAST($4 AS DATE)) x
  WHERE rn = 1 AND change = 'entered'`;

export const segmentsRepo = {
  async list(db: SqlExecutor, ws: string): Promise<SegmentRow[]> {
    return (await db.query<SegmentRow>(`SELECT ${COLUMNS} FROM segments WHERE workspace_id = $1 ORDER BY name`, [ws])).map(segmentOf);
  },

  /** A segment by id or by name (id wins). */
  async get(db: SqlExecutor, ws: string, ref: string): Promise<SegmentRow | undefined> {
    const rows = await db.query<SegmentRow>(
      `SELECT ${COLUMNS} FROM segments WHERE workspace_id = $1 AND (id = $2 OR name = $2) ORDER BY CASE WHEN id = $2 THEN 0 ELSE 1 END`,
      [ws, ref],
    );
    return rows[0] && segmentOf(rows[0]);
  },

  /** Workspaces that have dynamic segments (what the scheduler looks at). */
  async workspacesWithDynamic(db: SqlExecutor): Promise<string[]> {
    return (await db.query<{ workspace_id: string }>("SELECT DISTINCT workspace_id FROM segments WHERE kind = 'dynamic'")).map((r) => r.workspace_id);
  },

  async insert(db: SqlExecutor, ws: string, s: { id: string; name: string; description: string | null; kind: string; rule: unknown; realtime: boolean; schedule: string | null; now: string }) {
    await db.exec(
      `INSERT INTO segments (workspace_id, id, name, description, kind, rule, realtime, schedule, member_count, version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, CAST($6 AS JSON), $7, $8, 0, 1, CAST($9 AS TIMESTAMPTZ), CAST($9 AS TIMESTAMPTZ))`,
      [ws, s.id, s.name, s.description, s.kind, s.rule === null ? null : JSON.stringify(s.rule), s.realtime, s.schedule, s.now],
    );
  },

  /** Saves an edited definition and bumps its version. */
  async update(db: SqlExecutor, ws: string, s: { id: string; name: string; description: string | null; rule: unknown; realtime: boolean; schedule: string | null; now: string }, rename: boolean) {
    // DuckDB rewrites an update of an indexed column (name is UNIQUE) as delete+insert: only touch it on rename.
    if (rename) await db.exec('UPDATE segments SET name = $3 WHERE workspace_id = $1 AND id = $2', [ws, s.id, s.name]);
    await db.exec(
      `UPDATE segments SET description = $3, rule = CAST($4 AS JSON), realtime = $5, schedule = $6, version = version + 1, updated_at = CAST($7 AS TIMESTAMPTZ)
       WHERE workspace_id = $1 AND id = $2`,
      [ws, s.id, s.description, s.rule === null ? null : JSON.stringify(s.rule), s.realtime, s.schedule, s.now],
    );
  },

  /** Deletes a segment with its membership, history and runs. */
  async remove(db: SqlExecutor, ws: string, id: string) {
    for (const table of ['segment_members', 'segment_membership_log', 'segment_runs']) {
      await db.exec(`DELETE FROM ${table} WHERE workspace_id = $1 AND segment_id = $2`, [ws, id]);
    }
    await db.exec('DELETE FROM segments WHERE workspace_id = $1 AND id = $2', [ws, id]);
  },

  /** Member ids of a page, newest member first; `limit + 1` rows so the caller knows whether more follow. */
  async memberIds(db: SqlExecutor, ws: string, segmentId: string, limit: number, before?: string): Promise<string[]> {
    const rows = await db.query<{ member_id: string }>(
      `SELECT member_id FROM segment_members WHERE workspace_id = $1 AND segment_id = $2 ${before ? 'AND member_id < $4' : ''}
       ORDER BY member_id DESC LIMIT $3`,
      before ? [ws, segmentId, limit + 1, before] : [ws, segmentId, limit + 1],
    );
    return rows.map((r) => r.member_id);
  },

  async count(db: SqlExecutor, ws: string, segmentId: string): Promise<number> {
    const r = await db.query<{ n: number }>('SELECT count(*) AS n FROM segment_members WHERE workspace_id = $1 AND segment_id = $2', [ws, segmentId]);
    return num(r[0]?.n);
  },

  /** The segments a member is in, with when it entered. */
  async ofMember(db: SqlExecutor, ws: string, memberId: string) {
    return db.query<{ id: string; name: string; kind: string; entered_at: string }>(
      `SELECT s.id, s.name, s.kind, sm.entered_at FROM segment_members sm
       JOIN segments s ON s.workspace_id = sm.workspace_id AND s.id = sm.segment_id
       WHERE sm.workspace_id = $1 AND sm.member_id = $2 ORDER BY s.name`,
      [ws, memberId],
    );
  },

  async runs(db: SqlExecutor, ws: string, segmentId: string, limit: number): Promise<RunRow[]> {
    const rows = await db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM segment_runs WHERE workspace_id = $1 AND segment_id = $2 ORDER BY started_at DESC, id DESC LIMIT $3`,
      [ws, segmentId, limit],
    );
    return rows.map(runOf);
  },

  /** Size per local day since `since`: the member count after the day's last run, runs, entries and exits. */
  async trend(db: SqlExecutor, ws: string, segmentId: string, tz: string, since: string): Promise<TrendRow[]> {
    const rows = await db.query<TrendRow>(
      `WITH r AS (
         SELECT CAST((finished_at AT TIME ZONE $3) AS DATE) AS run_date, finished_at, member_count, entered, exited
         FROM segment_runs WHERE workspace_id = $1 AND segment_id = $2 AND finished_at IS NOT NULL AND finished_at >= CAST($4 AS TIMESTAMPTZ)),
       last_run AS (
         SELECT run_date, member_count, row_number() OVER (PARTITION BY run_date ORDER BY finished_at DESC) AS rn FROM r)
       SELECT CAST(r.run_date AS VARCHAR) AS date, count(*) AS runs, sum(r.entered) AS entered, sum(r.exited) AS exited, max(l.member_count) AS member_count
       FROM r JOIN last_run l ON l.run_date = r.run_date AND l.rn = 1
       GROUP BY r.run_date ORDER BY r.run_date`,
      [ws, segmentId, tz, since],
    );
    return rows.map((r) => ({ date: String(r.date).slice(0, 10), runs: num(r.runs), entered: num(r.entered), exited: num(r.exited), member_count: num(r.member_count) }));
  },

  /** How many members the segment had at the end of a local date. */
  async countOn(db: SqlExecutor, ws: string, segmentId: string, tz: string, date: string): Promise<number> {
    const r = await db.query<{ n: number }>(`SELECT count(*) AS n FROM (${MEMBERS_ON}) m`, [ws, segmentId, tz, date]);
    return num(r[0]?.n);
  },

  /** A page of the members at the end of a local date, newest member first (`limit + 1` rows). */
  async memberIdsOn(db: SqlExecutor, ws: string, segmentId: string, tz: string, date: string, limit: number, before?: string): Promise<string[]> {
    const rows = await db.query<{ member_id: string }>(
      `SELECT member_id FROM (${MEMBERS_ON}) m ${before ? 'WHERE member_id < $6' : ''} ORDER BY member_id DESC LIMIT $5`,
      before ? [ws, segmentId, tz, date, limit + 1, before] : [ws, segmentId, tz, date, limit + 1],
    );
    return rows.map((r) => r.member_id);
  },
};
