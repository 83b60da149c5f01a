// SQL of journey definitions: the journeys row (draft, status, current version), published versions and the
// watermarks of the catch-up sweeps. One dialect for both engines.
import type { SqlExecutor } from '../../store/port.ts';

export type JourneyStatus = 'draft' | 'live' | 'paused' | 'archived';

export interface JourneyRow {
  workspace_id: string;
  id: string;
  name: string;
  description: string | null;
  status: JourneyStatus;
  draft: unknown;
  version: number;
  template: string | null;
  live_since: string | null;
  created_at: string;
  updated_at: string;
  published_at: string | null;
}

const COLS = 'workspace_id, id, name, description, status, draft, version, template, live_since, created_at, updated_at, published_at';

const norm = (r: JourneyRow): JourneyRow => ({ ...r, version: Number(r.version), draft: typeof r.draft === 'string' ? JSON.parse(r.draft) : r.draft });

export const journeysRepo = {
  async insert(db: SqlExecutor, ws: string, j: { id: string; name: string; description: string | null; draft: unknown; template: string | null; now: string }): Promise<void> {
    await db.exec(
      `INSERT INTO journeys (workspace_id, id, name, description, status, draft, version, template, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'draft', CAST($5 AS JSON), 0, $6, CAST($7 AS TIMESTAMPTZ), CAST($7 AS TIMESTAMPTZ))`,
      [ws, j.id, j.name, j.description, JSON.stringify(j.draft), j.template, j.now],
    );
  },

  /** By id, else by name. */
  async get(db: SqlExecutor, ws: string, ref: string): Promise<JourneyRow | null> {
    const rows = await db.query<JourneyRow>(`SELECT ${COLS} FROM journeys WHERE workspace_id = $1 AND (id = $2 OR name = $2) ORDER BY CASE WHEN id = $2 THEN 0 ELSE 1 END LIMIT 1`, [ws, ref]);
    return rows[0] ? norm(rows[0]) : null;
  },

  async byName(db: SqlExecutor, ws: string, name: string): Promise<JourneyRow | null> {
    const rows = await db.query<JourneyRow>(`SELECT ${COLS} FROM journeys WHERE workspace_id = $1 AND name = $2`, [ws, name]);
    return rows[0] ? norm(rows[0]) : null;
  },

  async list(db: SqlExecutor, ws: string, statuses: string[] | null): Promise<JourneyRow[]> {
    const rows = await db.query<JourneyRow>(`SELECT ${COLS} FROM journeys WHERE workspace_id = $1 ORDER BY created_at, id`, [ws]);
    return rows.map(norm).filter((r) => !statuses || statuses.includes(r.status));
  },

  /** Live journeys of a workspace with their current definitions (the triggers' view). */
  async live(db: SqlExecutor, ws: string): Promise<(JourneyRow & { definition: unknown })[]> {
    const rows = await db.query<JourneyRow & { definition: unknown }>(
      `SELECT j.workspace_id, j.id, j.name, j.description, j.status, j.draft, j.version, j.template, j.live_since, j.created_at, j.updated_at, j.published_at, v.definition
       FROM journeys j JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.version
       WHERE j.workspace_id = $1 AND j.status = 'live'`,
      [ws],
    );
    return rows.map((r) => ({ ...norm(r), definition: typeof r.definition === 'string' ? JSON.parse(r.definition) : r.definition }));
  },

  /** Workspaces with at least one live journey. */
  async liveWorkspaces(db: SqlExecutor): Promise<string[]> {
    return (await db.query<{ workspace_id: string }>(`SELECT DISTINCT workspace_id FROM journeys WHERE status = 'live'`)).map((r) => r.workspace_id);
  },

  async update(db: SqlExecutor, ws: string, id: string, f: { name: string; description: string | null; draft: unknown; now: string }): Promise<void> {
    await db.exec(
      `UPDATE journeys SET name = $3, description = $4, draft = CAST($5 AS JSON), updated_at = CAST($6 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2`,
      [ws, id, f.name, f.description, JSON.stringify(f.draft), f.now],
    );
  },

  /** Sets the status; `liveSince` moves when the journey (re)starts taking entries. Guarded on the expected status. */
  setStatus(db: SqlExecutor, ws: string, id: string, from: string[], to: string, now: string, liveSince: string | null): Promise<number> {
    const list = from.map((_, i) => `$${6 + i}`).join(', ');
    return db.execCount(
      `UPDATE journeys SET status = $3, updated_at = CAST($4 AS TIMESTAMPTZ), live_since = COALESCE(CAST($5 AS TIMESTAMPTZ), live_since)
       WHERE workspace_id = $1 AND id = $2 AND status IN (${list})`,
      [ws, id, to, now, liveSince, ...from],
    );
  },

  async publish(db: SqlExecutor, ws: string, id: string, v: { version: number; definition: unknown; status: string; now: string; liveSince: string | null }): Promise<void> {
    await db.exec(
      `INSERT INTO journey_versions (workspace_id, journey_id, version, definition, published_at) VALUES ($1, $2, $3, CAST($4 AS JSON), CAST($5 AS TIMESTAMPTZ))`,
      [ws, id, v.version, JSON.stringify(v.definition), v.now],
    );
    await db.exec(
      `UPDATE journeys SET version = $3, status = $4, published_at = CAST($5 AS TIMESTAMPTZ), updated_at = CAST($5 AS TIMESTAMPTZ),
         live_since = COALESCE(CAST($6 AS TIMESTAMPTZ), live_since)
       WHERE workspace_id = $1 AND id = $2`,
      [ws, id, v.version, v.status, v.now, v.liveSince],
    );
  },

  async version(db: SqlExecutor, ws: string, id: string, version: number): Promise<{ version: number; definition: unknown; published_at: string } | null> {
    const rows = await db.query<{ version: number; definition: unknown; published_at: string }>(
      'SELECT version, definition, published_at FROM journey_versions WHERE workspace_id = $1 AND journey_id = $2 AND version = $3',
      [ws, id, version],
    );
    const r = rows[0];
    return r ? { version: Number(r.version), definition: typeof r.definition === 'string' ? JSON.parse(r.definition) : r.definition, published_at: r.published_at } : null;
  },

  async versions(db: SqlExecutor, ws: string, id: string): Promise<{ version: number; published_at: string }[]> {
    const rows = await db.query<{ version: number; published_at: string }>(
      'SELECT version, published_at FROM journey_versions WHERE workspace_id = $1 AND journey_id = $2 ORDER BY version',
      [ws, id],
    );
    return rows.map((r) => ({ version: Number(r.version), published_at: r.published_at }));
  },

  async remove(db: SqlExecutor, ws: string, id: string): Promise<void> {
    await db.exec('DELETE FROM journey_versions WHERE workspace_id = $1 AND journey_id = $2', [ws, id]);
    await db.exec('DELETE FROM journeys WHERE workspace_id = $1 AND id = $2', [ws, id]);
  },

  /**
   * Takes the journey's entry lock for the rest of the transaction (PostgreSQL: a row lock other processes wait on;
   * DuckDB: a concurrent writer conflicts and is retried) and returns the current version and status.
   */
  async lockForEntry(db: SqlExecutor, ws: string, id: string): Promise<{ version: number; status: string; live_since: string | null } | null> {
    const rows = await db.query<{ version: number; status: string; live_since: string | null }>(
      'UPDATE journeys SET entry_lock = entry_lock + 1 WHERE workspace_id = $1 AND id = $2 RETURNING version, status, live_since',
      [ws, id],
    );
    return rows[0] ? { version: Number(rows[0].version), status: rows[0].status, live_since: rows[0].live_since } : null;
  },

  // ---- sweep watermarks ----

  async watermark(db: SqlExecutor, ws: string, name: string): Promise<string | null> {
    const rows = await db.query<{ swept_at: string }>('SELECT swept_at FROM journey_watermarks WHERE workspace_id = $1 AND name = $2', [ws, name]);
    return rows[0]?.swept_at ?? null;
  },

  async advance(db: SqlExecutor, ws: string, name: string, at: string): Promise<void> {
    await db.exec(
      `INSERT INTO journey_watermarks (workspace_id, name, swept_at, updated_at) VALUES ($1, $2, CAST($3 AS TIMESTAMPTZ), now())
       ON CONFLICT (workspace_id, name) DO UPDATE SET swept_at = GREATEST(journey_watermarks.swept_at, excluded.swept_at), updated_at = excluded.updated_at`,
      [ws, name, at],
    );
  },
};
