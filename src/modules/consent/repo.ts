// SQL of consent statements: the append-only history, the current state per (member, channel, purpose) where the
// latest statement wins, reads for the member 360 and exports, and the move of a merged member's statements.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';
import type { ConsentChannel, ConsentStatus, Purpose } from './schema.ts';

/** One statement as stored in consent_history. */
export interface StatementRow {
  id: string;
  member_id: string;
  channel: ConsentChannel;
  purpose: Purpose;
  status: ConsentStatus;
  source: string;
  source_detail: string | null;
  operator: string | null;
  ip: string | null;
  user_agent: string | null;
  occurred_at: string;
  recorded_at: string;
}

/** A member's current statement per channel and purpose. */
export interface CurrentRow {
  member_id: string;
  channel: ConsentChannel;
  purpose: Purpose;
  status: ConsentStatus;
  source: string;
  source_detail: string | null;
  operator: string | null;
  changed_at: string;
  updated_at: string;
}

const HISTORY_COLUMNS: JsonColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'member_id', type: 'text' },
  { name: 'channel', type: 'text' },
  { name: 'purpose', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'source', type: 'text' },
  { name: 'source_detail', type: 'text' },
  { name: 'operator', type: 'text' },
  { name: 'ip', type: 'text' },
  { name: 'user_agent', type: 'text' },
  { name: 'occurred_at', type: 'timestamptz' },
];

const CURRENT_COLUMNS: JsonColumn[] = [
  { name: 'member_id', type: 'text' },
  { name: 'channel', type: 'text' },
  { name: 'purpose', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'source', type: 'text' },
  { name: 'source_detail', type: 'text' },
  { name: 'operator', type: 'text' },
  { name: 'changed_at', type: 'timestamptz' },
];

const HISTORY_SELECT = 'id, member_id, channel, purpose, status, source, source_detail, operator, ip, user_agent, occurred_at, recorded_at';
const CURRENT_SELECT = 'member_id, channel, purpose, status, source, source_detail, operator, changed_at, updated_at';

/** Rows per statement: PostgreSQL caps a statement's JSON parameter well above this; DuckDB parses it in one go. */
const CHUNK = 5_000;

export function consentRepo(store: Store) {
  return {
    /** Appends statements to the history (`recorded_at` = now). */
    async appendHistory(db: SqlExecutor, ws: string, rows: Omit<StatementRow, 'recorded_at'>[], recordedAt: string): Promise<void> {
      for (let i = 0; i < rows.length; i += CHUNK) {
        await db.exec(
          `INSERT INTO consent_history (workspace_id, ${HISTORY_COLUMNS.map((c) => c.name).join(', ')}, recorded_at)
           SELECT $1, ${HISTORY_COLUMNS.map((c) => `r.${c.name}`).join(', ')}, $3::TIMESTAMPTZ FROM ${store.jsonRows(2, HISTORY_COLUMNS, 'r')}`,
          [ws, JSON.stringify(rows.slice(i, i + CHUNK)), recordedAt],
        );
      }
    },

    /**
     * Sets the current statement per (member, channel, purpose) unless the stored one is newer. Rows must be unique
     * per key (the caller keeps the latest of each).
     */
    async upsertCurrent(db: SqlExecutor, ws: string, rows: Omit<CurrentRow, 'updated_at'>[], updatedAt: string): Promise<void> {
      for (let i = 0; i < rows.length; i += CHUNK) {
        await db.exec(
          `INSERT INTO consents AS c (workspace_id, member_id, channel, purpose, status, source, source_detail, operator, changed_at, updated_at)
           SELECT $1, r.member_id, r.channel, r.purpose, r.status, r.source, r.source_detail, r.operator, r.changed_at, $3::TIMESTAMPTZ
           FROM ${store.jsonRows(2, CURRENT_COLUMNS, 'r')}
           ON CONFLICT (workspace_id, member_id, channel, purpose) DO UPDATE SET
             status = excluded.status, source = excluded.source, source_detail = excluded.source_detail,
             operator = excluded.operator, changed_at = excluded.changed_at, updated_at = excluded.updated_at
           WHERE c.changed_at <= excluded.changed_at`,
          [ws, JSON.stringify(rows.slice(i, i + CHUNK)), updatedAt],
        );
      }
    },

    /** A member's current statements. */
    current(db: SqlExecutor, ws: string, memberId: string): Promise<CurrentRow[]> {
      return db.query<CurrentRow>(`SELECT ${CURRENT_SELECT} FROM consents WHERE workspace_id = $1 AND member_id = $2 ORDER BY purpose, channel`, [ws, memberId]);
    },

    /** A member's statements, oldest first, optionally within [since, until). */
    history(db: SqlExecutor, ws: string, memberId: string, since?: string, until?: string): Promise<StatementRow[]> {
      return db.query<StatementRow>(
        `SELECT ${HISTORY_SELECT} FROM consent_history
         WHERE workspace_id = $1 AND member_id = $2
           AND ($3::TIMESTAMPTZ IS NULL OR occurred_at >= $3::TIMESTAMPTZ) AND ($4::TIMESTAMPTZ IS NULL OR occurred_at < $4::TIMESTAMPTZ)
         ORDER BY occurred_at, id`,
        [ws, memberId, since ?? null, until ?? null],
      );
    },

    /** One page of the workspace's history in id (≈ recording) order, after `afterId`, recorded within [since, until). */
    exportPage(db: SqlExecutor, ws: string, q: { since?: string; until?: string; memberId?: string; afterId?: string; limit: number }): Promise<StatementRow[]> {
      return db.query<StatementRow>(
        `SELECT ${HISTORY_SELECT} FROM consent_history
         WHERE workspace_id = $1 AND ($2::VARCHAR IS NULL OR member_id = $2) AND ($3::VARCHAR IS NULL OR id > $3)
           AND ($4::TIMESTAMPTZ IS NULL OR recorded_at >= $4::TIMESTAMPTZ) AND ($5::TIMESTAMPTZ IS NULL OR recorded_at < $5::TIMESTAMPTZ)
         ORDER BY id LIMIT $6`,
        [ws, q.memberId ?? null, q.afterId ?? null, q.since ?? null, q.until ?? null, q.limit],
      );
    },

    /**
     * Member merge: the loser's history now belongs to the survivor, and each of its current statements replaces
     * the survivor's when newer (the latest statement of either wins).
     */
    async moveOnMerge(tx: SqlExecutor, ws: string, from: string, into: string): Promise<number> {
      await tx.exec(
        `INSERT INTO consents AS c (workspace_id, member_id, channel, purpose, status, source, source_detail, operator, changed_at, updated_at)
         SELECT workspace_id, CAST($3 AS VARCHAR), channel, purpose, status, source, source_detail, operator, changed_at, updated_at
         FROM consents WHERE workspace_id = $1 AND member_id = $2
         ON CONFLICT (workspace_id, member_id, channel, purpose) DO UPDATE SET
           status = excluded.status, source = excluded.source, source_detail = excluded.source_detail,
           operator = excluded.operator, changed_at = excluded.changed_at, updated_at = excluded.updated_at
         WHERE c.changed_at < excluded.changed_at`,
        [ws, from, into],
      );
      const moved = await tx.execCount('DELETE FROM consents WHERE workspace_id = $1 AND member_id = $2', [ws, from]);
      await tx.exec('UPDATE consent_history SET member_id = $3 WHERE workspace_id = $1 AND member_id = $2', [ws, from, into]);
      return moved;
    },
  };
}

export type ConsentRepo = ReturnType<typeof consentRepo>;
