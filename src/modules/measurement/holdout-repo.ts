// SQL of holdouts: per-source salts, the recorded group of every audience member, and the stored link secret.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';

export type Group = 'treatment' | 'holdout';

export interface SourceRow {
  source_key: string;
  salt: string;
  share: number;
  created_at: string;
  updated_at: string;
}

const ASSIGN_COLUMNS: JsonColumn[] = [
  { name: 'member_id', type: 'text' },
  { name: 'group_name', type: 'text' },
];
const MEMBER_COLUMNS: JsonColumn[] = [{ name: 'member_id', type: 'text' }];

export function holdoutRepo(store: Store) {
  return {
    async source(db: SqlExecutor, ws: string, sourceKey: string): Promise<SourceRow | null> {
      const rows = await db.query<SourceRow>('SELECT source_key, salt, share, created_at, updated_at FROM measurement_sources WHERE workspace_id = $1 AND source_key = $2', [ws, sourceKey]);
      return rows[0] ?? null;
    },

    /** Creates the source with this salt unless it exists (a concurrent first assignment keeps the first salt). */
    async ensureSource(db: SqlExecutor, ws: string, sourceKey: string, salt: string, share: number, now: string): Promise<void> {
      await db.exec(
        `INSERT INTO measurement_sources (workspace_id, source_key, salt, share, created_at, updated_at) VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ)
         ON CONFLICT (workspace_id, source_key) DO NOTHING`,
        [ws, sourceKey, salt, share, now],
      );
    },

    async setShare(db: SqlExecutor, ws: string, sourceKey: string, share: number, now: string): Promise<void> {
      await db.exec('UPDATE measurement_sources SET share = $3, updated_at = $4::TIMESTAMPTZ WHERE workspace_id = $1 AND source_key = $2 AND share <> $3', [ws, sourceKey, share, now]);
    },

    /** Records groups of members not yet assigned under this source (recorded rows never change); returns how many were new. */
    async insertAssignments(db: SqlExecutor, ws: string, sourceKey: string, at: string, rows: { member_id: string; group_name: Group }[]): Promise<number> {
      if (rows.length === 0) return 0;
      return db.execCount(
        `INSERT INTO measurement_holdouts (workspace_id, source_key, member_id, group_name, assigned_at)
         SELECT $1, $2, r.member_id, r.group_name, $3::TIMESTAMPTZ FROM ${store.jsonRows(4, ASSIGN_COLUMNS, 'r')}
         ON CONFLICT (workspace_id, source_key, member_id) DO NOTHING`,
        [ws, sourceKey, at, JSON.stringify(rows)],
      );
    },

    /** The members among `memberIds` recorded in the holdout of this source. */
    async holdoutAmong(db: SqlExecutor, ws: string, sourceKey: string, memberIds: string[]): Promise<string[]> {
      if (memberIds.length === 0) return [];
      const rows = await db.query<{ member_id: string }>(
        `SELECT member_id FROM measurement_holdouts
         WHERE workspace_id = $1 AND source_key = $2 AND group_name = 'holdout' AND member_id IN (SELECT member_id FROM ${store.jsonRows(3, MEMBER_COLUMNS, 'r')})`,
        [ws, sourceKey, JSON.stringify(memberIds.map((member_id) => ({ member_id })))],
      );
      return rows.map((r) => r.member_id);
    },

    async counts(db: SqlExecutor, ws: string, sourceKey: string): Promise<Record<Group, number>> {
      const rows = await db.query<{ group_name: Group; n: number }>(
        'SELECT group_name, count(*) AS n FROM measurement_holdouts WHERE workspace_id = $1 AND source_key = $2 GROUP BY group_name',
        [ws, sourceKey],
      );
      const out: Record<Group, number> = { treatment: 0, holdout: 0 };
      for (const r of rows) out[r.group_name] = Number(r.n);
      return out;
    },

    /** A page of assignments ordered by member id. */
    async page(db: SqlExecutor, ws: string, sourceKey: string, f: { group?: Group; after?: string; limit: number }) {
      const params: (string | number)[] = [ws, sourceKey];
      let where = 'workspace_id = $1 AND source_key = $2';
      if (f.group) {
        params.push(f.group);
        where += ` AND group_name = $${params.length}`;
      }
      if (f.after) {
        params.push(f.after);
        where += ` AND member_id > $${params.length}`;
      }
      params.push(f.limit);
      return db.query<{ member_id: string; group_name: Group; assigned_at: string }>(
        `SELECT member_id, group_name, assigned_at FROM measurement_holdouts WHERE ${where} ORDER BY member_id LIMIT $${params.length}`,
        params,
      );
    },

    async secret(db: SqlExecutor, name: string): Promise<string | null> {
      const rows = await db.query<{ secret: string }>('SELECT secret FROM measurement_secrets WHERE name = $1', [name]);
      return rows[0]?.secret ?? null;
    },

    /** Stores a secret unless one exists (the first writer wins; every process then reads the same one). */
    async ensureSecret(db: SqlExecutor, name: string, secret: string, now: string): Promise<void> {
      await db.exec('INSERT INTO measurement_secrets (name, secret, created_at) VALUES ($1, $2, $3::TIMESTAMPTZ) ON CONFLICT (name) DO NOTHING', [name, secret, now]);
    },
  };
}
