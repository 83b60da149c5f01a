// SQL for workspaces and API keys.
import type { SqlExecutor } from '../../store/port.ts';

export interface WorkspaceRow {
  id: string;
  name: string;
  timezone: string;
  created_at: string;
}

export interface ApiKeyRow {
  id: string;
  workspace_id: string;
  /** write (= ingest scope), read or admin. */
  kind: 'write' | 'read' | 'admin';
  name: string | null;
  prefix: string;
  channel: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export const workspacesRepo = {
  async insert(db: SqlExecutor, w: { id: string; name: string; timezone: string }) {
    await db.exec('INSERT INTO workspaces (id, name, timezone) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [w.id, w.name, w.timezone]);
  },
  async get(db: SqlExecutor, id: string): Promise<WorkspaceRow | undefined> {
    return (await db.query<WorkspaceRow>('SELECT * FROM workspaces WHERE id = $1', [id]))[0];
  },
  async list(db: SqlExecutor): Promise<WorkspaceRow[]> {
    return db.query<WorkspaceRow>('SELECT * FROM workspaces ORDER BY created_at');
  },
  async insertKey(db: SqlExecutor, k: { id: string; workspaceId: string; kind: string; name: string | null; hash: string; prefix: string; channel: string | null }) {
    await db.exec(
      'INSERT INTO api_keys (id, workspace_id, kind, name, secret_hash, prefix, channel) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING',
      [k.id, k.workspaceId, k.kind, k.name, k.hash, k.prefix, k.channel],
    );
  },
  async keyByHash(db: SqlExecutor, hash: string): Promise<ApiKeyRow | undefined> {
    return (await db.query<ApiKeyRow>('SELECT id, workspace_id, kind, name, prefix, channel, created_at, last_used_at, revoked_at FROM api_keys WHERE secret_hash = $1', [hash]))[0];
  },
  async listKeys(db: SqlExecutor, workspaceId: string): Promise<ApiKeyRow[]> {
    return db.query<ApiKeyRow>(
      'SELECT id, workspace_id, kind, name, prefix, channel, created_at, last_used_at, revoked_at FROM api_keys WHERE workspace_id = $1 ORDER BY created_at',
      [workspaceId],
    );
  },
  async revokeKey(db: SqlExecutor, workspaceId: string, id: string) {
    await db.exec('UPDATE api_keys SET revoked_at = now() WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL', [workspaceId, id]);
  },
  async revokeByName(db: SqlExecutor, name: string) {
    await db.exec('UPDATE api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL', [name]);
  },
  async touchKey(db: SqlExecutor, id: string) {
    await db.exec('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [id]);
  },
};
