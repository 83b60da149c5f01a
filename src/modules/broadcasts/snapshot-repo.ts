// SQL of a broadcast's audience snapshot (one row per member, written in one statement) and its chunks (one job
// each, with the counts it recorded), and the reads progress is made of. Batches travel as one JSON parameter.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';

export interface ChunkRow {
  chunk: number;
  member_count: number;
  run_at: string;
  state: string;
  runs: number;
  sent: number;
  failed: number;
  skipped: number;
  deferred: number;
  started_at: string | null;
  finished_at: string | null;
}

const ZONE_COLUMNS: JsonColumn[] = [
  { name: 'tz', type: 'text' },
  { name: 'send_at', type: 'timestamptz' },
];
const HOLDOUT_COLUMNS: JsonColumn[] = [{ name: 'm', type: 'text' }];
const CHUNK_COLUMNS: JsonColumn[] = [
  { name: 'chunk', type: 'bigint' },
  { name: 'member_count', type: 'bigint' },
  { name: 'run_at', type: 'timestamptz' },
];
const SKIP_COLUMNS: JsonColumn[] = [
  { name: 'member_id', type: 'text' },
  { name: 'reason', type: 'text' },
];

export const snapshotRepo = {
  // ---- the audience snapshot ----

  /** Member ids of the segment now (for a holdout draw, which needs them in hand). */
  async audienceIds(db: SqlExecutor, ws: string, segmentId: string): Promise<string[]> {
    // The segments module keeps current membership in segment_members (coupons read it the same way).
    const rows = await db.query<{ member_id: string }>('SELECT member_id FROM segment_members WHERE workspace_id = $1 AND segment_id = $2', [ws, segmentId]);
    return rows.map((r) => r.member_id);
  },

  /** The distinct `timezone` attributes of the segment's members (a local-time schedule's send times come per zone). */
  async audienceZones(db: Store, ws: string, segmentId: string): Promise<string[]> {
    const rows = await db.query<{ tz: string | null }>(
      `SELECT DISTINCT ${db.jsonText('m.attributes', '$3')} AS tz
       FROM segment_members s JOIN members m ON m.workspace_id = s.workspace_id AND m.id = s.member_id
       WHERE s.workspace_id = $1 AND s.segment_id = $2`,
      [ws, segmentId, 'timezone'],
    );
    return rows.map((r) => r.tz).filter((tz): tz is string => tz !== null);
  },

  async clearSnapshot(db: SqlExecutor, ws: string, id: string): Promise<void> {
    await db.exec('DELETE FROM broadcast_members WHERE workspace_id = $1 AND broadcast_id = $2', [ws, id]);
    await db.exec('DELETE FROM broadcast_chunks WHERE workspace_id = $1 AND broadcast_id = $2', [ws, id]);
  },

  /**
   * Writes the snapshot in one statement, in the store: the segment's members now, each with its send time (by
   * time zone, for a local-time schedule), the holdout flag, and a chunk number — `size` members per chunk in member
   * order, chunks of earlier send times first. One statement sees one state of the segment, so the chunk numbering
   * and the rows agree whatever changes concurrently. Returns nothing; read the chunks back with `snapshotChunks`.
   */
  async insertSnapshot(
    db: SqlExecutor,
    store: Store,
    s: { ws: string; id: string; segmentId: string; size: number; zones: { tz: string; send_at: string }[] | null; defaultSendAt: string | null; holdout: string[] | null },
  ): Promise<void> {
    const params: (string | number | null)[] = [s.ws, s.id, s.segmentId, s.size];
    const joins: string[] = [];
    let sendAt = 'CAST(NULL AS TIMESTAMPTZ)';
    if (s.zones) {
      const zones = params.push(JSON.stringify(s.zones));
      const key = params.push('timezone');
      const fallback = params.push(s.defaultSendAt);
      joins.push(`LEFT JOIN members m ON m.workspace_id = s.workspace_id AND m.id = s.member_id`);
      joins.push(`LEFT JOIN ${store.jsonRows(zones, ZONE_COLUMNS, 'z')} ON z.tz = ${store.jsonText('m.attributes', `$${key}`)}`);
      sendAt = `COALESCE(z.send_at, CAST($${fallback} AS TIMESTAMPTZ))`;
    }
    let held = 'false';
    if (s.holdout) {
      const h = params.push(JSON.stringify(s.holdout.map((m) => ({ m }))));
      joins.push(`LEFT JOIN (SELECT DISTINCT hr.m FROM ${store.jsonRows(h, HOLDOUT_COLUMNS, 'hr')}) h ON h.m = s.member_id`);
      held = '(h.m IS NOT NULL)';
    }
    const audience = `SELECT s.member_id, ${sendAt} AS send_at, ${held} AS held FROM segment_members s ${joins.join(' ')} WHERE s.workspace_id = $1 AND s.segment_id = $3`;
    await db.exec(
      `INSERT INTO broadcast_members (workspace_id, broadcast_id, member_id, chunk, send_at, holdout)
       SELECT $1, $2, a.member_id,
              CASE WHEN a.held THEN NULL ELSE CAST(f.first_chunk + FLOOR(CAST(a.rn - 1 AS DOUBLE PRECISION) / $4) AS INTEGER) END,
              CASE WHEN a.held THEN NULL ELSE a.send_at END, a.held
       FROM (SELECT x.member_id, x.send_at, x.held, row_number() OVER (PARTITION BY x.held, x.send_at ORDER BY x.member_id) AS rn FROM (${audience}) x) a
       LEFT JOIN (
         SELECT y.send_at, COALESCE(sum(y.chunks) OVER (ORDER BY y.send_at ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS first_chunk
         FROM (SELECT x.send_at, CAST(CEIL(CAST(count(*) AS DOUBLE PRECISION) / $4) AS INTEGER) AS chunks FROM (${audience}) x WHERE NOT x.held GROUP BY x.send_at) y
       ) f ON f.send_at IS NOT DISTINCT FROM a.send_at`,
      params,
    );
  },

  /** The snapshot's chunks (members and send time each) and its totals. */
  async snapshotChunks(db: SqlExecutor, ws: string, id: string) {
    const chunks = await db.query<{ chunk: number; n: number; send_at: string | null }>(
      `SELECT chunk, count(*) AS n, min(send_at) AS send_at FROM broadcast_members WHERE workspace_id = $1 AND broadcast_id = $2 AND chunk IS NOT NULL GROUP BY chunk ORDER BY chunk`,
      [ws, id],
    );
    const [t] = await db.query<{ audience: number; holdout: number }>(
      `SELECT count(*) AS audience, COALESCE(sum(CASE WHEN holdout THEN 1 ELSE 0 END), 0) AS holdout FROM broadcast_members WHERE workspace_id = $1 AND broadcast_id = $2`,
      [ws, id],
    );
    return { chunks: chunks.map((c) => ({ chunk: Number(c.chunk), n: Number(c.n), sendAt: c.send_at === null ? null : Date.parse(c.send_at) })), audience: Number(t.audience), holdout: Number(t.holdout) };
  },

  async insertChunks(db: SqlExecutor, store: Store, ws: string, id: string, rows: { chunk: number; member_count: number; run_at: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await db.exec(
      `INSERT INTO broadcast_chunks (workspace_id, broadcast_id, chunk, member_count, run_at, state)
       SELECT $1, $2, CAST(r.chunk AS INTEGER), CAST(r.member_count AS INTEGER), r.run_at, 'queued' FROM ${store.jsonRows(3, CHUNK_COLUMNS, 'r')}`,
      [ws, id, JSON.stringify(rows)],
    );
  },

  // ---- chunks ----

  async chunk(db: SqlExecutor, ws: string, id: string, chunk: number): Promise<ChunkRow | null> {
    const rows = await db.query<ChunkRow>(
      'SELECT chunk, member_count, run_at, state, runs, sent, failed, skipped, deferred, started_at, finished_at FROM broadcast_chunks WHERE workspace_id = $1 AND broadcast_id = $2 AND chunk = $3',
      [ws, id, chunk],
    );
    return rows[0] ?? null;
  },

  async chunks(db: SqlExecutor, ws: string, id: string): Promise<ChunkRow[]> {
    return db.query<ChunkRow>(
      'SELECT chunk, member_count, run_at, state, runs, sent, failed, skipped, deferred, started_at, finished_at FROM broadcast_chunks WHERE workspace_id = $1 AND broadcast_id = $2 ORDER BY chunk',
      [ws, id],
    );
  },

  async markChunkRunning(db: SqlExecutor, ws: string, id: string, chunk: number, now: string): Promise<number> {
    return db.execCount(
      `UPDATE broadcast_chunks SET state = 'running', runs = runs + 1, started_at = COALESCE(started_at, $4::TIMESTAMPTZ)
       WHERE workspace_id = $1 AND broadcast_id = $2 AND chunk = $3 AND state IN ('queued', 'running', 'waiting')`,
      [ws, id, chunk, now],
    );
  },

  /** Records a chunk's counts and its new state (done, waiting for deferred members, or cancelled). */
  async finishChunk(db: SqlExecutor, ws: string, id: string, chunk: number, v: { state: string; sent: number; failed: number; skipped: number; deferred: number; now: string }): Promise<void> {
    await db.exec(
      `UPDATE broadcast_chunks SET state = CAST($4 AS VARCHAR), sent = $5, failed = $6, skipped = $7, deferred = $8,
         finished_at = CASE WHEN CAST($4 AS VARCHAR) IN ('done', 'cancelled') THEN $9::TIMESTAMPTZ ELSE NULL END
       WHERE workspace_id = $1 AND broadcast_id = $2 AND chunk = $3 AND state <> 'done'`,
      [ws, id, chunk, v.state, v.sent, v.failed, v.skipped, v.deferred, v.now],
    );
  },

  /**
   * The chunk's members still to do. On a chunk's first run that is all of them; on a later run (a worker died, or
   * members were deferred) members already skipped or with a finished send of this source are left out.
   */
  async chunkMembers(db: SqlExecutor, ws: string, id: string, chunk: number, later: { sourceKey: string } | null): Promise<string[]> {
    // One text of newline-separated ids (member ids are generated: no newlines) instead of 50,000 rows: reading a
    // row per id cost DuckDB's client more than the query.
    const [row] = later
      ? await db.query<{ ids: string | null }>(
          `SELECT string_agg(b.member_id, chr(10) ORDER BY b.member_id) AS ids FROM broadcast_members b
           LEFT JOIN message_sends s ON s.workspace_id = b.workspace_id AND s.source_key = $4 AND s.member_id = b.member_id
           WHERE b.workspace_id = $1 AND b.broadcast_id = $2 AND b.chunk = $3 AND b.skip_reason IS NULL
             AND (s.state IS NULL OR s.state IN ('pending', 'sending'))`,
          [ws, id, chunk, later.sourceKey],
        )
      : await db.query<{ ids: string | null }>(
          'SELECT string_agg(member_id, chr(10) ORDER BY member_id) AS ids FROM broadcast_members WHERE workspace_id = $1 AND broadcast_id = $2 AND chunk = $3',
          [ws, id, chunk],
        );
    return row?.ids ? row.ids.split('\n') : [];
  },

  async recordSkips(db: SqlExecutor, store: Store, ws: string, id: string, rows: { member_id: string; reason: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await db.exec(
      `UPDATE broadcast_members SET skip_reason = r.reason FROM ${store.jsonRows(3, SKIP_COLUMNS, 'r')}
       WHERE broadcast_members.workspace_id = $1 AND broadcast_members.broadcast_id = $2 AND broadcast_members.member_id = r.member_id`,
      [ws, id, JSON.stringify(rows)],
    );
  },

  /** A chunk's counts from the records themselves (after a run that was not its first). */
  async chunkTruth(db: SqlExecutor, ws: string, id: string, chunk: number, sourceKey: string): Promise<{ state: string; n: number }[]> {
    return db.query(
      `SELECT CASE WHEN b.skip_reason IS NOT NULL THEN 'skipped' WHEN s.state IS NULL THEN 'pending' ELSE s.state END AS state, count(*) AS n
       FROM broadcast_members b
       LEFT JOIN message_sends s ON s.workspace_id = b.workspace_id AND s.source_key = $4 AND s.member_id = b.member_id
       WHERE b.workspace_id = $1 AND b.broadcast_id = $2 AND b.chunk = $3
       GROUP BY 1`,
      [ws, id, chunk, sourceKey],
    );
  },

  // ---- progress ----

  async chunkTotals(db: SqlExecutor, ws: string, id: string) {
    return db.query<{ state: string; chunks: number; members: number; sent: number; failed: number; skipped: number; deferred: number }>(
      `SELECT state, count(*) AS chunks, COALESCE(sum(member_count), 0) AS members, COALESCE(sum(sent), 0) AS sent, COALESCE(sum(failed), 0) AS failed,
              COALESCE(sum(skipped), 0) AS skipped, COALESCE(sum(deferred), 0) AS deferred
       FROM broadcast_chunks WHERE workspace_id = $1 AND broadcast_id = $2 GROUP BY state`,
      [ws, id],
    );
  },

  async skipReasons(db: SqlExecutor, ws: string, id: string) {
    return db.query<{ reason: string; n: number }>(
      'SELECT skip_reason AS reason, count(*) AS n FROM broadcast_members WHERE workspace_id = $1 AND broadcast_id = $2 AND skip_reason IS NOT NULL GROUP BY skip_reason',
      [ws, id],
    );
  },

  /** Earliest run time of chunks still queued or waiting (the "next" time for a local-time broadcast). */
  async nextRunAt(db: SqlExecutor, ws: string, id: string): Promise<string | null> {
    const [r] = await db.query<{ t: string | null }>(`SELECT min(run_at) AS t FROM broadcast_chunks WHERE workspace_id = $1 AND broadcast_id = $2 AND state IN ('queued', 'waiting')`, [ws, id]);
    return r?.t ?? null;
  },
};
