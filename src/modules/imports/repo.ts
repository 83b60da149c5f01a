// SQL of the imports module: saved mapping templates, import runs, and the idempotent event insert for imports.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';
import { recordEventMonths } from '../activity/event-months.ts';

export interface MappingRow {
  name: string;
  kind: string;
  mapping: unknown;
  created_at: string;
}

export interface ImportRunRow {
  id: string;
  kind: string;
  file_name: string;
  file_sha256: string;
  status: 'running' | 'completed' | 'completed_with_rejections' | 'failed';
  rows_total: number;
  rows_imported: number;
  rows_rejected: number;
  started_at: string;
  finished_at: string | null;
}

/** One events row for an imported event (the events table is shared with ingest; same dedupe key). */
export interface ImportedEventRow {
  message_id: string;
  member_id: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  type: string;
  name: string | null;
  channel: string | null;
  properties: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  ts: string;
}

const EVENT_COLUMNS: JsonColumn[] = [
  { name: 'message_id', type: 'text' },
  { name: 'member_id', type: 'text' },
  { name: 'user_id', type: 'text' },
  { name: 'anonymous_id', type: 'text' },
  { name: 'type', type: 'text' },
  { name: 'name', type: 'text' },
  { name: 'channel', type: 'text' },
  { name: 'properties', type: 'json' },
  { name: 'context', type: 'json' },
  { name: 'ts', type: 'timestamptz' },
];
const RUN_COLUMNS = 'id, kind, file_name, file_sha256, status, rows_total, rows_imported, rows_rejected, started_at, finished_at';

export function importsRepo(store: Store) {
  const eventCols = EVENT_COLUMNS.map((c) => c.name).join(', ');
  const insertEventsSql = `INSERT INTO events (workspace_id, received_at, ${eventCols})
    SELECT $2, CAST($3 AS TIMESTAMPTZ), ${eventCols} FROM ${store.jsonRows(1, EVENT_COLUMNS, 'r')}
    ON CONFLICT (workspace_id, message_id) DO NOTHING RETURNING message_id`;
  return {
    async listMappings(db: SqlExecutor, ws: string): Promise<MappingRow[]> {
      return db.query<MappingRow>('SELECT name, kind, mapping, created_at FROM mapping_templates WHERE workspace_id = $1 ORDER BY name', [ws]);
    },
    async getMapping(db: SqlExecutor, ws: string, name: string): Promise<MappingRow | undefined> {
      return (await db.query<MappingRow>('SELECT name, kind, mapping, created_at FROM mapping_templates WHERE workspace_id = $1 AND name = $2', [ws, name]))[0];
    },
    /** Creates or replaces a template; `created_at` keeps the first save. */
    async putMapping(db: SqlExecutor, ws: string, name: string, kind: string, mapping: unknown, now: string): Promise<void> {
      await db.exec(
        `INSERT INTO mapping_templates (workspace_id, name, kind, mapping, created_at) VALUES ($1, $2, $3, CAST($4 AS JSON), CAST($5 AS TIMESTAMPTZ))
         ON CONFLICT (workspace_id, name) DO UPDATE SET kind = excluded.kind, mapping = excluded.mapping`,
        [ws, name, kind, JSON.stringify(mapping), now],
      );
    },
    async deleteMapping(db: SqlExecutor, ws: string, name: string): Promise<boolean> {
      const rows = await db.query('DELETE FROM mapping_templates WHERE workspace_id = $1 AND name = $2 RETURNING name', [ws, name]);
      return rows.length > 0;
    },
    async insertRun(db: SqlExecutor, ws: string, r: { id: string; kind: string; file_name: string; file_sha256: string; now: string }): Promise<void> {
      await db.exec(
        `INSERT INTO import_runs (workspace_id, id, kind, file_name, file_sha256, status, started_at) VALUES ($1, $2, $3, $4, $5, 'running', CAST($6 AS TIMESTAMPTZ))`,
        [ws, r.id, r.kind, r.file_name, r.file_sha256, r.now],
      );
    },
    async getRun(db: SqlExecutor, ws: string, id: string): Promise<ImportRunRow | undefined> {
      return (await db.query<ImportRunRow>(`SELECT ${RUN_COLUMNS} FROM import_runs WHERE workspace_id = $1 AND id = $2`, [ws, id]))[0];
    },
    async listRuns(db: SqlExecutor, ws: string, limit: number): Promise<ImportRunRow[]> {
      return db.query<ImportRunRow>(`SELECT ${RUN_COLUMNS} FROM import_runs WHERE workspace_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2`, [ws, limit]);
    },
    /** Adds a committed batch's rows to its run, inside the batch's transaction. */
    async addImported(db: SqlExecutor, ws: string, id: string, rows: number): Promise<void> {
      await db.exec('UPDATE import_runs SET rows_imported = rows_imported + $3 WHERE workspace_id = $1 AND id = $2', [ws, id, rows]);
    },
    async finishRun(db: SqlExecutor, ws: string, id: string, f: { status: string; rows_total: number; rows_rejected: number; now: string }): Promise<void> {
      await db.exec(
        `UPDATE import_runs SET status = $3, rows_total = $4, rows_rejected = $5, finished_at = CAST($6 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2`,
        [ws, id, f.status, f.rows_total, f.rows_rejected, f.now],
      );
    },
    /** Inserts events in one statement, skipping message ids the workspace already has; returns how many were new. */
    async insertEvents(db: SqlExecutor, ws: string, rows: ImportedEventRow[], receivedAt: string): Promise<number> {
      if (rows.length === 0) return 0;
      const inserted = await db.query<{ message_id: string }>(insertEventsSql, [JSON.stringify(rows), ws, receivedAt]);
      // Cohort activity (member_event_months) follows the events actually stored, in the same transaction.
      const fresh = new Set(inserted.map((r) => r.message_id));
      await recordEventMonths(store, db, ws, rows.filter((r) => fresh.has(r.message_id)));
      return inserted.length;
    },
  };
}
