// SQL of the audit log: append a batch at the tail of a workspace's chain, read pages with filters, walk the chain.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';
import type { ChainedFields } from './chain.ts';

/** A stored audit row. */
export interface AuditRow extends ChainedFields {
  workspace_id: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS: JsonColumn[] = [
  { name: 'seq', type: 'bigint' },
  { name: 'id', type: 'text' },
  { name: 'kind', type: 'text' },
  { name: 'occurred_at', type: 'timestamptz' },
  { name: 'actor_type', type: 'text' },
  { name: 'actor_id', type: 'text' },
  { name: 'actor_name', type: 'text' },
  { name: 'action', type: 'text' },
  { name: 'route', type: 'text' },
  { name: 'resource_id', type: 'text' },
  { name: 'status', type: 'bigint' },
  { name: 'ip', type: 'text' },
  { name: 'user_agent', type: 'text' },
  { name: 'request_id', type: 'text' },
  { name: 'before_json', type: 'text' },
  { name: 'after_json', type: 'text' },
  { name: 'detail_json', type: 'text' },
  { name: 'prev_hash', type: 'text' },
  { name: 'hash', type: 'text' },
];

export const AUDIT_SELECT = `workspace_id, seq, id, kind, occurred_at, actor_type, actor_id, actor_name, action, route, resource_id, status,
  ip, user_agent, request_id, before_json, after_json, detail_json, prev_hash, hash`;

/** Filters of a list or export: every one optional. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  resource?: string;
  from?: string;
  to?: string;
  /** Rows with seq below this (keyset cursor, newest first). */
  beforeSeq?: number;
}

export function auditRepo(store: Store) {
  return {
    /** The last row of a workspace's chain (seq and hash), or null when it is empty. */
    async tail(db: SqlExecutor, ws: string): Promise<{ seq: number; hash: string } | null> {
      const [r] = await db.query<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM audit_log WHERE workspace_id = $1 AND seq = (SELECT max(seq) FROM audit_log WHERE workspace_id = $1)',
        [ws],
      );
      return r ? { seq: Number(r.seq), hash: r.hash } : null;
    },

    /** Appends rows (already chained) in one statement; the primary key rejects a concurrent writer's duplicate seq. */
    async append(db: SqlExecutor, ws: string, rows: Omit<AuditRow, 'workspace_id'>[]): Promise<void> {
      await db.exec(
        `INSERT INTO audit_log (workspace_id, ${COLUMNS.map((c) => c.name).join(', ')})
         SELECT $1, ${COLUMNS.map((c) => `r.${c.name}`).join(', ')} FROM ${store.jsonRows(2, COLUMNS, 'r')}`,
        [ws, JSON.stringify(rows)],
      );
    },

    /** A page of rows matching the filter, newest first. */
    list(db: SqlExecutor, ws: string, f: AuditFilter, limit: number): Promise<AuditRow[]> {
      return db.query<AuditRow>(
        `SELECT ${AUDIT_SELECT} FROM audit_log
         WHERE workspace_id = $1
           AND ($2::VARCHAR IS NULL OR actor_id = $2 OR actor_type || ':' || actor_id = $2 OR actor_name = $2)
           AND ($3::VARCHAR IS NULL OR starts_with(action, $3) OR starts_with(route, $3))
           AND ($4::VARCHAR IS NULL OR resource_id = $4 OR starts_with(route, $4))
           AND ($5::TIMESTAMPTZ IS NULL OR occurred_at >= $5::TIMESTAMPTZ)
           AND ($6::TIMESTAMPTZ IS NULL OR occurred_at < $6::TIMESTAMPTZ)
           AND ($7::BIGINT IS NULL OR seq < $7::BIGINT)
         ORDER BY seq DESC LIMIT $8`,
        [ws, f.actor ?? null, f.action ?? null, f.resource ?? null, f.from ?? null, f.to ?? null, f.beforeSeq ?? null, limit],
      );
    },

    /** Rows in chain order after `afterSeq`, for verification. */
    chainPage(db: SqlExecutor, ws: string, afterSeq: number, limit: number): Promise<AuditRow[]> {
      return db.query<AuditRow>(`SELECT ${AUDIT_SELECT} FROM audit_log WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [ws, afterSeq, limit]);
    },
  };
}
