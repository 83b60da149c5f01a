// SQL of broadcasts: the broadcast rows and their status moves (each guarded on the status it leaves, so racing
// cancels and starts cannot both win), the audience snapshot, the chunks and their counts. Batches travel as one
// JSON parameter.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';

export interface BroadcastRow {
  workspace_id: string;
  id: string;
  name: string;
  description: string | null;
  status: string;
  segment_id: string;
  template_id: string;
  template_version: number | null;
  channel_id: string;
  channel_type: string;
  purpose: string;
  holdout_share: number;
  schedule: any;
  rate_limit_per_second: number | null;
  start_at: string | null;
  audience_count: number | null;
  holdout_count: number | null;
  chunk_count: number | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
  scheduled_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

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

const COLUMNS = 'workspace_id, id, name, description, status, segment_id, template_id, template_version, channel_id, channel_type, purpose, holdout_share, schedule, rate_limit_per_second, start_at, audience_count, holdout_count, chunk_count, error_code, error_message, created_at, updated_at, scheduled_at, started_at, finished_at';
const EDITABLE = ['name', 'description', 'segment_id', 'template_id', 'channel_id', 'channel_type', 'purpose', 'holdout_share', 'schedule', 'rate_limit_per_second'] as const;
export type Editable = Partial<Pick<BroadcastRow, (typeof EDITABLE)[number]>>;

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

export const broadcastsRepo = {
  async insert(db: SqlExecutor, r: BroadcastRow): Promise<void> {
    await db.exec(
      `INSERT INTO broadcasts (workspace_id, id, name, description, status, segment_id, template_id, channel_id, channel_type, purpose, holdout_share, schedule, rate_limit_per_second, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::TIMESTAMPTZ, $14::TIMESTAMPTZ)`,
      [r.workspace_id, r.id, r.name, r.description, r.status, r.segment_id, r.template_id, r.channel_id, r.channel_type, r.purpose, r.holdout_share, JSON.stringify(r.schedule), r.rate_limit_per_second, r.created_at],
    );
  },

  /** A broadcast by id, or the newest one with that name. */
  async find(db: SqlExecutor, ws: string, ref: string): Promise<BroadcastRow | null> {
    const rows = await db.query<BroadcastRow>(`SELECT ${COLUMNS} FROM broadcasts WHERE workspace_id = $1 AND (id = $2 OR name = $2) ORDER BY (id = $2) DESC, created_at DESC LIMIT 1`, [ws, ref]);
    return rows[0] ?? null;
  },

  async list(db: SqlExecutor, ws: string, f: { status?: string; before?: string; limit: number }): Promise<BroadcastRow[]> {
    const params: (string | number)[] = [ws];
    const where = ['workspace_id = $1'];
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    if (f.before) where.push(`id < $${params.push(f.before)}`);
    return db.query<BroadcastRow>(`SELECT ${COLUMNS} FROM broadcasts WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.push(f.limit)}`, params);
  },

  /** Changes the editable fields of a draft; 0 when it is no longer a draft. */
  async updateDraft(db: SqlExecutor, ws: string, id: string, patch: Editable, now: string): Promise<number> {
    const sets: string[] = [];
    const params: (string | number | null)[] = [ws, id, now];
    for (const k of EDITABLE) {
      if (patch[k] === undefined) continue;
      const v = patch[k];
      sets.push(`${k} = $${params.push(k === 'schedule' ? JSON.stringify(v) : (v as string | number | null))}`);
    }
    return db.execCount(`UPDATE broadcasts SET ${[...sets, 'updated_at = $3::TIMESTAMPTZ'].join(', ')} WHERE workspace_id = $1 AND id = $2 AND status = 'draft'`, params);
  },

  async delete(db: SqlExecutor, ws: string, id: string): Promise<number> {
    return db.execCount(`DELETE FROM broadcasts WHERE workspace_id = $1 AND id = $2 AND status IN ('draft', 'completed', 'cancelled', 'failed')`, [ws, id]);
  },

  /** draft → scheduled, pinning the template version and the start time. */
  async schedule(db: SqlExecutor, ws: string, id: string, v: { templateVersion: number; schedule: unknown; startAt: string; now: string }): Promise<number> {
    return db.execCount(
      `UPDATE broadcasts SET status = 'scheduled', template_version = $3, schedule = $4, start_at = $5::TIMESTAMPTZ, scheduled_at = $6::TIMESTAMPTZ, updated_at = $6::TIMESTAMPTZ
       WHERE workspace_id = $1 AND id = $2 AND status = 'draft'`,
      [ws, id, v.templateVersion, JSON.stringify(v.schedule), v.startAt, v.now],
    );
  },

  /** scheduled → running (or straight to completed for an empty audience), with the snapshot's counts. */
  async start(db: SqlExecutor, ws: string, id: string, v: { audience: number; holdout: number; chunks: number; now: string }): Promise<number> {
    return db.execCount(
      `UPDATE broadcasts SET status = CASE WHEN CAST($5 AS INTEGER) = 0 THEN 'completed' ELSE 'running' END, audience_count = $3, holdout_count = $4,
         chunk_count = CAST($5 AS INTEGER), started_at = $6::TIMESTAMPTZ, finished_at = CASE WHEN CAST($5 AS INTEGER) = 0 THEN $6::TIMESTAMPTZ ELSE NULL END, updated_at = $6::TIMESTAMPTZ
       WHERE workspace_id = $1 AND id = $2 AND status = 'scheduled'`,
      [ws, id, v.audience, v.holdout, v.chunks, v.now],
    );
  },

  async cancel(db: SqlExecutor, ws: string, id: string, now: string): Promise<number> {
    const n = await db.execCount(
      `UPDATE broadcasts SET status = 'cancelled', finished_at = $3::TIMESTAMPTZ, updated_at = $3::TIMESTAMPTZ WHERE workspace_id = $1 AND id = $2 AND status IN ('scheduled', 'running')`,
      [ws, id, now],
    );
    if (n > 0) await db.exec(`UPDATE broadcast_chunks SET state = 'cancelled', finished_at = $3::TIMESTAMPTZ WHERE workspace_id = $1 AND broadcast_id = $2 AND state IN ('queued', 'waiting')`, [ws, id, now]);
    return n;
  },

  async fail(db: SqlExecutor, ws: string, id: string, code: string, message: string, now: string): Promise<number> {
    return db.execCount(
      `UPDATE broadcasts SET status = 'failed', error_code = $3, error_message = $4, finished_at = $5::TIMESTAMPTZ, updated_at = $5::TIMESTAMPTZ
       WHERE workspace_id = $1 AND id = $2 AND status IN ('scheduled', 'running')`,
      [ws, id, code, message.slice(0, 2000), now],
    );
  },

  /** running → completed once no chunk is left to run (called after each chunk's last write commits). */
  async completeIfDone(db: SqlExecutor, ws: string, id: string, now: string): Promise<number> {
    return db.execCount(
      `UPDATE broadcasts SET status = 'completed', finished_at = $3::TIMESTAMPTZ, updated_at = $3::TIMESTAMPTZ
       WHERE workspace_id = $1 AND id = $2 AND status = 'running'
         AND NOT EXISTS (SELECT 1 FROM broadcast_chunks c WHERE c.workspace_id = $1 AND c.broadcast_id = $2 AND c.state NOT IN ('done', 'cancelled'))`,
      [ws, id, now],
    );
  },

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
    const rows = later
      ? await db.query<{ member_id: string }>(
          `SELECT b.member_id FROM broadcast_members b
           LEFT JOIN message_sends s ON s.workspace_id = b.workspace_id AND s.source_key = $4 AND s.member_id = b.member_id
           WHERE b.workspace_id = $1 AND b.broadcast_id = $2 AND b.chunk = $3 AND b.skip_reason IS NULL
             AND (s.state IS NULL OR s.state IN ('pending', 'sending'))
           ORDER BY b.member_id`,
          [ws, id, chunk, later.sourceKey],
        )
      : await db.query<{ member_id: string }>('SELECT member_id FROM broadcast_members WHERE workspace_id = $1 AND broadcast_id = $2 AND chunk = $3 ORDER BY member_id', [ws, id, chunk]);
    return rows.map((r) => r.member_id);
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
