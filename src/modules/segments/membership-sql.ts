// Membership diffs in SQL: a member set (a compiled rule, or an uploaded list) against segment_members, written as
// 'entered'/'exited' rows of segment_membership_log and applied to segment_members, plus the run records.
import type { JsonColumn, SqlExecutor, SqlParam, Store } from '../../store/port.ts';

/** A SELECT returning one distinct column `member_id`, with its own `$1…$n` parameters. */
export interface MemberSource {
  sql: string;
  params: SqlParam[];
}

/** Which segment and run a diff belongs to; `now` is the instant recorded on every row. */
export interface DiffKey {
  ws: string;
  segmentId: string;
  runId: string;
  now: string;
}

const ID_COLUMNS: JsonColumn[] = [{ name: 'id', type: 'text' }];
const idsParam = (list: string[]) => JSON.stringify(list.map((id) => ({ id })));

/** Parameters after the source's own: `p(1)` is the first extra one. */
function bind(src: MemberSource, extra: SqlParam[]) {
  const base = src.params.length;
  return { params: [...src.params, ...extra], p: (i: number) => `$${base + i}` };
}

/** A member source over a list of ids (static uploads). */
export function idListSource(store: Pick<Store, 'jsonRows'>, memberIds: string[]): MemberSource {
  return { sql: `SELECT DISTINCT l.id AS member_id FROM ${store.jsonRows(1, ID_COLUMNS, 'l')}`, params: [idsParam(memberIds)] };
}

/**
 * A static segment's own members, with merged-away members replaced by the member they were merged into (a
 * recompute of a static list follows merges).
 */
export function staticSource(ws: string, segmentId: string): MemberSource {
  return {
    sql: `SELECT DISTINCT COALESCE(m.merged_into, m.id) AS member_id FROM segment_members sm
          JOIN members m ON m.workspace_id = sm.workspace_id AND m.id = sm.member_id
          WHERE sm.workspace_id = $1 AND sm.segment_id = $2`,
    params: [ws, segmentId],
  };
}

const LOG_INSERT = 'INSERT INTO segment_membership_log (workspace_id, segment_id, member_id, change, changed_at, run_id)';

/**
 * Takes the segment's row lock before its membership is read (PostgreSQL: concurrent recomputes of one segment,
 * even from another process, queue here; DuckDB: a concurrent writer conflicts and is retried).
 */
export async function lockSegment(tx: SqlExecutor, ws: string, segmentId: string): Promise<void> {
  await tx.exec('UPDATE segments SET member_count = member_count WHERE workspace_id = $1 AND id = $2', [ws, segmentId]);
}

/**
 * Full recompute: everything the source holds and the segment does not enters, everything the segment holds and
 * the source does not exits — anti-joins inside the store, no member list through JavaScript. Returns the counts.
 */
export async function fullDiff(tx: SqlExecutor, src: MemberSource, k: DiffKey): Promise<{ entered: number; exited: number; memberCount: number }> {
  const { params, p } = bind(src, [k.ws, k.segmentId, k.now, k.runId]);
  const ws = `CAST(${p(1)} AS VARCHAR)`;
  const seg = `CAST(${p(2)} AS VARCHAR)`;
  const now = `CAST(${p(3)} AS TIMESTAMPTZ)`;
  const run = `CAST(${p(4)} AS VARCHAR)`;
  await tx.exec(
    `${LOG_INSERT}
     SELECT ${ws}, ${seg}, r.member_id, 'entered', ${now}, ${run}
     FROM (${src.sql}) r
     LEFT JOIN segment_members sm ON sm.workspace_id = ${ws} AND sm.segment_id = ${seg} AND sm.member_id = r.member_id
     WHERE sm.member_id IS NULL AND r.member_id IS NOT NULL`,
    params,
  );
  await tx.exec(
    `${LOG_INSERT}
     SELECT ${ws}, ${seg}, sm.member_id, 'exited', ${now}, ${run}
     FROM segment_members sm
     LEFT JOIN (${src.sql}) r ON r.member_id = sm.member_id
     WHERE sm.workspace_id = ${ws} AND sm.segment_id = ${seg} AND r.member_id IS NULL`,
    params,
  );
  return applyRun(tx, k);
}

/** Moves a run's logged entries and exits into segment_members; returns the counts and the new size. */
async function applyRun(tx: SqlExecutor, k: DiffKey): Promise<{ entered: number; exited: number; memberCount: number }> {
  // The log is filtered by its (workspace, segment, changed_at) index on PostgreSQL, by zone maps on DuckDB.
  const ofRun = `SELECT member_id FROM segment_membership_log
    WHERE workspace_id = $1 AND segment_id = $2 AND changed_at = CAST($3 AS TIMESTAMPTZ) AND run_id = $4 AND change = $5`;
  const key = [k.ws, k.segmentId, k.now, k.runId];
  await tx.exec(`DELETE FROM segment_members WHERE workspace_id = $1 AND segment_id = $2 AND member_id IN (${ofRun})`, [...key, 'exited']);
  await tx.exec(
    `INSERT INTO segment_members (workspace_id, segment_id, member_id, entered_at)
     SELECT $1, $2, member_id, CAST($3 AS TIMESTAMPTZ) FROM (${ofRun}) e`,
    [...key, 'entered'],
  );
  const counts = await tx.query<{ change: string; n: number }>(
    `SELECT change, count(*) AS n FROM segment_membership_log
     WHERE workspace_id = $1 AND segment_id = $2 AND changed_at = CAST($3 AS TIMESTAMPTZ) AND run_id = $4 GROUP BY change`,
    key,
  );
  const size = await tx.query<{ n: number }>('SELECT count(*) AS n FROM segment_members WHERE workspace_id = $1 AND segment_id = $2', [k.ws, k.segmentId]);
  const of = (c: string) => Number(counts.find((r) => r.change === c)?.n ?? 0);
  const memberCount = Number(size[0]?.n ?? 0);
  await tx.exec('UPDATE segments SET member_count = $3 WHERE workspace_id = $1 AND id = $2', [k.ws, k.segmentId, memberCount]);
  return { entered: of('entered'), exited: of('exited'), memberCount };
}

/**
 * Where some members stand (realtime re-evaluation, uploads): for each of `memberIds`, whether the source selects
 * it and whether the segment holds it — one query; the caller diffs the two small lists.
 */
export async function standing(
  db: SqlExecutor,
  store: Pick<Store, 'jsonRows'>,
  src: MemberSource,
  ws: string,
  segmentId: string,
  memberIds: string[],
): Promise<{ entering: string[]; exiting: string[] }> {
  if (memberIds.length === 0) return { entering: [], exiting: [] };
  const { params, p } = bind(src, [ws, segmentId, idsParam(memberIds)]);
  const ids = store.jsonRows(src.params.length + 3, ID_COLUMNS, 'c');
  const rows = await db.query<{ member_id: string; selected: boolean; held: boolean }>(
    `SELECT c.id AS member_id, r.member_id IS NOT NULL AS selected, sm.member_id IS NOT NULL AS held
     FROM (SELECT DISTINCT id FROM ${ids}) c
     LEFT JOIN (${src.sql}) r ON r.member_id = c.id
     LEFT JOIN segment_members sm ON sm.workspace_id = CAST(${p(1)} AS VARCHAR) AND sm.segment_id = CAST(${p(2)} AS VARCHAR) AND sm.member_id = c.id`,
    params,
  );
  const entering: string[] = [];
  const exiting: string[] = [];
  for (const r of rows) {
    if (r.selected && !r.held) entering.push(r.member_id);
    else if (!r.selected && r.held) exiting.push(r.member_id);
  }
  return { entering, exiting };
}

const CHANGE_COLUMNS: JsonColumn[] = [
  { name: 'member_id', type: 'text' },
  { name: 'change', type: 'text' },
];

/**
 * Writes known entries and exits of one segment inside `tx`: log rows, segment_members, and member_count kept
 * current incrementally. Returns the new member_count.
 */
export async function applyChanges(tx: SqlExecutor, store: Pick<Store, 'jsonRows'>, k: DiffKey, entered: string[], exited: string[]): Promise<number | null> {
  if (entered.length === 0 && exited.length === 0) return null;
  const rows = [...entered.map((member_id) => ({ member_id, change: 'entered' })), ...exited.map((member_id) => ({ member_id, change: 'exited' }))];
  await tx.exec(
    `${LOG_INSERT}
     SELECT $1, $2, l.member_id, l.change, CAST($3 AS TIMESTAMPTZ), $4 FROM ${store.jsonRows(5, CHANGE_COLUMNS, 'l')}`,
    [k.ws, k.segmentId, k.now, k.runId, JSON.stringify(rows)],
  );
  const list = store.jsonRows(3, ID_COLUMNS, 'l');
  if (exited.length > 0) {
    await tx.exec(`DELETE FROM segment_members WHERE workspace_id = $1 AND segment_id = $2 AND member_id IN (SELECT id FROM ${list})`, [k.ws, k.segmentId, idsParam(exited)]);
  }
  if (entered.length > 0) {
    await tx.exec(
      `INSERT INTO segment_members (workspace_id, segment_id, member_id, entered_at) SELECT $1, $2, l.id, CAST($4 AS TIMESTAMPTZ) FROM ${list}`,
      [k.ws, k.segmentId, idsParam(entered), k.now],
    );
  }
  const size = await tx.query<{ member_count: number }>(
    'UPDATE segments SET member_count = member_count + $3 WHERE workspace_id = $1 AND id = $2 RETURNING member_count',
    [k.ws, k.segmentId, entered.length - exited.length],
  );
  return size[0] ? Number(size[0].member_count) : null;
}

export interface RunRecord {
  id: string;
  segmentId: string;
  trigger: string;
  startedAt: string;
  finishedAt: string;
  memberCount: number | null;
  entered: number;
  exited: number;
  durationMs: number;
}

const RUN_INSERT = `INSERT INTO segment_runs (workspace_id, id, segment_id, trigger, started_at, finished_at, member_count, entered, exited, duration_ms)
  VALUES ($1, $2, $3, $4, CAST($5 AS TIMESTAMPTZ), CAST($6 AS TIMESTAMPTZ), $7, $8, $9, $10)`;
const runParams = (ws: string, r: RunRecord): SqlParam[] => [ws, r.id, r.segmentId, r.trigger, r.startedAt, r.finishedAt, r.memberCount, r.entered, r.exited, r.durationMs];

/** Records one run (full recomputes and uploads). */
export async function insertRun(tx: SqlExecutor, ws: string, r: RunRecord): Promise<void> {
  await tx.exec(RUN_INSERT, runParams(ws, r));
}

/**
 * Adds a realtime evaluation to its aggregate run (one row per segment and minute, so a busy ingest stream does
 * not write a run row per evaluation).
 */
export async function addToRealtimeRun(tx: SqlExecutor, ws: string, r: RunRecord): Promise<void> {
  await tx.exec(
    `${RUN_INSERT}
     ON CONFLICT (workspace_id, id) DO UPDATE SET finished_at = excluded.finished_at,
       member_count = COALESCE(excluded.member_count, segment_runs.member_count),
       entered = segment_runs.entered + excluded.entered, exited = segment_runs.exited + excluded.exited,
       duration_ms = segment_runs.duration_ms + excluded.duration_ms`,
    runParams(ws, r),
  );
}

/** Entries or exits of a run, a page at a time by member id (to tell in-process listeners after a full recompute). */
export async function runChanges(db: SqlExecutor, k: DiffKey, change: 'entered' | 'exited', after: string, limit: number): Promise<string[]> {
  const rows = await db.query<{ member_id: string }>(
    `SELECT member_id FROM segment_membership_log
     WHERE workspace_id = $1 AND segment_id = $2 AND changed_at = CAST($3 AS TIMESTAMPTZ) AND run_id = $4 AND change = $5 AND member_id > $6
     ORDER BY member_id LIMIT $7`,
    [k.ws, k.segmentId, k.now, k.runId, change, after, limit],
  );
  return rows.map((r) => r.member_id);
}
