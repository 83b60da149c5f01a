// SQL of privacy_requests: one row per export or erase, with who asked, why and what it changed.
import type { SqlExecutor } from '../../store/port.ts';
import type { PrivacyRequestRow } from './schema.ts';

export type { PrivacyRequestRow };

const SELECT = 'id, kind, member_id, member_ref, actor_type, actor_id, actor_name, reason, status, counts, created_at, finished_at';

export const requestsRepo = {
  async insert(db: SqlExecutor, ws: string, r: PrivacyRequestRow): Promise<void> {
    await db.exec(
      `INSERT INTO privacy_requests (workspace_id, ${SELECT})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::JSON, $12::TIMESTAMPTZ, $13::TIMESTAMPTZ)`,
      [ws, r.id, r.kind, r.member_id, r.member_ref, r.actor_type, r.actor_id, r.actor_name, r.reason, r.status, r.counts ? JSON.stringify(r.counts) : null, r.created_at, r.finished_at],
    );
  },

  /** The member's completed erase, if any. */
  async lastErase(db: SqlExecutor, ws: string, memberId: string): Promise<PrivacyRequestRow | null> {
    const [r] = await db.query<PrivacyRequestRow>(
      `SELECT ${SELECT} FROM privacy_requests WHERE workspace_id = $1 AND member_id = $2 AND kind = 'erase' AND status = 'done' ORDER BY created_at DESC LIMIT 1`,
      [ws, memberId],
    );
    return r ?? null;
  },

  /** Requests, newest first, optionally of one kind or member; keyset paged by id. */
  list(db: SqlExecutor, ws: string, q: { kind?: string; memberId?: string; beforeId?: string; limit: number }): Promise<PrivacyRequestRow[]> {
    return db.query<PrivacyRequestRow>(
      `SELECT ${SELECT} FROM privacy_requests
       WHERE workspace_id = $1 AND ($2::VARCHAR IS NULL OR kind = $2) AND ($3::VARCHAR IS NULL OR member_id = $3) AND ($4::VARCHAR IS NULL OR id < $4)
       ORDER BY id DESC LIMIT $5`,
      [ws, q.kind ?? null, q.memberId ?? null, q.beforeId ?? null, q.limit],
    );
  },
};
