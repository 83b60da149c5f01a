// SQL of the broadcast rows and their status moves, each guarded on the status it leaves, so racing cancels and
// starts cannot both win (the snapshot and chunks are in snapshot-repo.ts).
import type { SqlExecutor } from '../../store/port.ts';

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


const COLUMNS = 'workspace_id, id, name, description, status, segment_id, template_id, template_version, channel_id, channel_type, purpose, holdout_share, schedule, rate_limit_per_second, start_at, audience_count, holdout_count, chunk_count, error_code, error_message, created_at, updated_at, scheduled_at, started_at, finished_at';
const EDITABLE = ['name', 'description', 'segment_id', 'template_id', 'channel_id', 'channel_type', 'purpose', 'holdout_share', 'schedule', 'rate_limit_per_second'] as const;
export type Editable = Partial<Pick<BroadcastRow, (typeof EDITABLE)[number]>>;

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
};
