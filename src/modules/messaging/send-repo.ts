// SQL of the at-most-once send ledger (message_sends): insert-or-claim a batch, keep its lease alive, record the
// provider's answers, and read sends back. Every batch travels as one JSON parameter.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';

const CLAIM_COLUMNS: JsonColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'member_id', type: 'text' },
];
const MEMBER_COLUMNS: JsonColumn[] = [{ name: 'member_id', type: 'text' }];
const RESULT_COLUMNS: JsonColumn[] = [
  { name: 'member_id', type: 'text' },
  { name: 'state', type: 'text' },
  { name: 'provider_message_id', type: 'text' },
  { name: 'error_code', type: 'text' },
  { name: 'error_message', type: 'text' },
  { name: 'error_retryable', type: 'boolean' },
];

/** What one claim writes on every row it takes. */
export interface ClaimSpec {
  ws: string;
  sourceKey: string;
  channelId: string;
  channelType: string;
  token: string;
  leaseUntil: string;
  now: string;
  /** Also take rows that failed with a retryable error. */
  retryFailed: boolean;
}

export interface LedgerRow {
  id: string;
  member_id: string;
  state: string;
  claim_token: string | null;
  attempts: number;
  provider_message_id: string | null;
  error_code: string | null;
  error_message: string | null;
  error_retryable: boolean | null;
  lease_until: string | null;
}

export interface SendOutcomeRow {
  member_id: string;
  state: 'sent' | 'failed';
  provider_message_id: string | null;
  error_code: string | null;
  error_message: string | null;
  error_retryable: boolean | null;
}

/** Columns of a send as the API shows it. */
export const SEND_COLUMNS =
  'id, source_key, member_id, channel_id, channel_type, state, attempts, provider_message_id, error_code, error_message, error_retryable, created_at, updated_at, sent_at, delivered_at, opened_at, clicked_at, failed_at, lease_until';

export function sendRepo(store: Store) {
  return {
    /**
     * Inserts the rows that do not exist yet, already claimed (`sending`, this token, this lease); existing rows
     * are left alone (the primary key is the at-most-once rule). Returns how many were inserted.
     */
    async insertClaimed(db: SqlExecutor, c: ClaimSpec, rows: { id: string; member_id: string }[]): Promise<number> {
      const sql = `INSERT INTO message_sends (workspace_id, source_key, member_id, id, channel_id, channel_type, state, attempts, claim_token, lease_until, created_at, updated_at)
         SELECT $1, $2, r.member_id, r.id, $3, $4, 'sending', 1, $5, $6::TIMESTAMPTZ, $7::TIMESTAMPTZ, $7::TIMESTAMPTZ
         FROM ${store.jsonRows(8, CLAIM_COLUMNS, 'r')}`;
      const params = [c.ws, c.sourceKey, c.channelId, c.channelType, c.token, c.leaseUntil, c.now, JSON.stringify(rows)];
      try {
        // A first send of these members (the usual case) inserts them all; a plain INSERT costs DuckDB about half
        // of one with ON CONFLICT. Any clash fails the whole statement, and the conflict-aware one runs instead.
        return await db.execCount(sql, params);
      } catch {
        return db.execCount(`${sql} ON CONFLICT (workspace_id, source_key, member_id) DO NOTHING`, params);
      }
    },

    /** Inserts `pending` rows for members that have none under this source (a planned audience); returns how many. */
    async insertPending(db: SqlExecutor, c: Omit<ClaimSpec, 'token' | 'leaseUntil' | 'retryFailed'>, rows: { id: string; member_id: string }[]): Promise<number> {
      return db.execCount(
        `INSERT INTO message_sends (workspace_id, source_key, member_id, id, channel_id, channel_type, state, attempts, created_at, updated_at)
         SELECT $1, $2, r.member_id, r.id, $3, $4, 'pending', 0, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ
         FROM ${store.jsonRows(6, CLAIM_COLUMNS, 'r')}
         ON CONFLICT (workspace_id, source_key, member_id) DO NOTHING`,
        [c.ws, c.sourceKey, c.channelId, c.channelType, c.now, JSON.stringify(rows)],
      );
    },

    /** Claims existing rows of these members that are `pending`, or `sending` past their lease (a dead worker's). */
    async claimExisting(db: SqlExecutor, c: ClaimSpec, memberIds: string[]): Promise<number> {
      return db.execCount(
        `UPDATE message_sends SET state = 'sending', attempts = attempts + 1, claim_token = $5, lease_until = $6::TIMESTAMPTZ,
           channel_id = $3, channel_type = $4, updated_at = $7::TIMESTAMPTZ
         WHERE workspace_id = $1 AND source_key = $2
           AND member_id IN (SELECT member_id FROM ${store.jsonRows(8, MEMBER_COLUMNS, 'r')})
           AND (state = 'pending' OR (state = 'sending' AND lease_until < $7::TIMESTAMPTZ)
                OR ($9 AND state = 'failed' AND error_retryable))`,
        [c.ws, c.sourceKey, c.channelId, c.channelType, c.token, c.leaseUntil, c.now, JSON.stringify(memberIds.map((member_id) => ({ member_id }))), c.retryFailed],
      );
    },

    /** The ledger rows of these members under one source. */
    async rowsOf(db: SqlExecutor, ws: string, sourceKey: string, memberIds: string[]): Promise<LedgerRow[]> {
      return db.query<LedgerRow>(
        `SELECT id, member_id, state, claim_token, attempts, provider_message_id, error_code, error_message, error_retryable, lease_until
         FROM message_sends
         WHERE workspace_id = $1 AND source_key = $2 AND member_id IN (SELECT member_id FROM ${store.jsonRows(3, MEMBER_COLUMNS, 'r')})`,
        [ws, sourceKey, JSON.stringify(memberIds.map((member_id) => ({ member_id })))],
      );
    },

    /** Pushes the lease of this claim forward while its provider calls run. */
    async extendLease(db: SqlExecutor, ws: string, sourceKey: string, token: string, leaseUntil: string): Promise<void> {
      await db.exec(`UPDATE message_sends SET lease_until = $4::TIMESTAMPTZ WHERE workspace_id = $1 AND source_key = $2 AND claim_token = $3`, [ws, sourceKey, token, leaseUntil]);
    },

    /**
     * Records the provider's answers for rows this claim still holds. A receipt that already moved a row past
     * `sent` (fast providers report delivery before we write) keeps its state.
     */
    async complete(db: SqlExecutor, ws: string, sourceKey: string, token: string, now: string, rows: SendOutcomeRow[]): Promise<number> {
      // Plain successes (no provider id, no error: webhook batches) need no per-row values: one filtered UPDATE of
      // the claim, instead of a join, after the rows that carry values are written.
      const plain = rows.filter((r) => r.state === 'sent' && r.provider_message_id === null);
      const special = plain.length === rows.length ? [] : rows.filter((r) => !(r.state === 'sent' && r.provider_message_id === null));
      let n = special.length > 0 ? await this.completeRows(db, ws, sourceKey, token, now, special) : 0;
      if (plain.length > 0) {
        n += await db.execCount(
          `UPDATE message_sends SET
             state = CASE WHEN state IN ('delivered', 'opened', 'clicked') THEN state ELSE 'sent' END,
             error_code = NULL, error_message = NULL, error_retryable = NULL, sent_at = $4::TIMESTAMPTZ,
             claim_token = NULL, lease_until = NULL, updated_at = $4::TIMESTAMPTZ
           WHERE workspace_id = $1 AND source_key = $2 AND claim_token = $3`,
          [ws, sourceKey, token, now],
        );
      }
      return n;
    },

    /** Writes per-row answers (provider ids, errors) of rows this claim still holds. */
    async completeRows(db: SqlExecutor, ws: string, sourceKey: string, token: string, now: string, rows: SendOutcomeRow[]): Promise<number> {
      return db.execCount(
        `UPDATE message_sends AS s SET
           state = CASE WHEN s.state IN ('delivered', 'opened', 'clicked') THEN s.state ELSE r.state END,
           provider_message_id = COALESCE(r.provider_message_id, s.provider_message_id),
           error_code = r.error_code, error_message = r.error_message, error_retryable = r.error_retryable,
           sent_at = CASE WHEN r.state = 'sent' THEN $4::TIMESTAMPTZ ELSE s.sent_at END,
           failed_at = CASE WHEN r.state = 'failed' THEN $4::TIMESTAMPTZ ELSE s.failed_at END,
           claim_token = NULL, lease_until = NULL, updated_at = $4::TIMESTAMPTZ
         FROM ${store.jsonRows(5, RESULT_COLUMNS, 'r')}
         WHERE s.workspace_id = $1 AND s.source_key = $2 AND s.member_id = r.member_id AND s.claim_token = $3`,
        [ws, sourceKey, token, now, JSON.stringify(rows)],
      );
    },

    /** One page of sends, newest first (ids sort by creation time). */
    async page(
      db: SqlExecutor,
      ws: string,
      f: { sourceKey?: string; memberId?: string; state?: string; channelId?: string; before?: string; limit: number },
    ): Promise<Record<string, any>[]> {
      const where = ['workspace_id = $1'];
      const params: (string | number)[] = [ws];
      const add = (sql: string, v: string | undefined) => {
        if (v === undefined) return;
        params.push(v);
        where.push(sql.replace('?', `$${params.length}`));
      };
      add('source_key = ?', f.sourceKey);
      add('member_id = ?', f.memberId);
      add('state = ?', f.state);
      add('channel_id = ?', f.channelId);
      add('id < ?', f.before);
      params.push(f.limit);
      return db.query(`SELECT ${SEND_COLUMNS} FROM message_sends WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`, params);
    },

    async byId(db: SqlExecutor, ws: string, id: string): Promise<Record<string, any> | null> {
      const rows = await db.query(`SELECT ${SEND_COLUMNS} FROM message_sends WHERE workspace_id = $1 AND id = $2`, [ws, id]);
      return rows[0] ?? null;
    },

    /** Per-member counts by state and the last send time (the member 360 `messages` section). */
    async memberSummary(db: SqlExecutor, ws: string, memberId: string) {
      return db.query<{ state: string; channel_type: string; n: number; last_sent_at: string | null; last_created_at: string }>(
        `SELECT state, channel_type, count(*) AS n, max(sent_at) AS last_sent_at, max(created_at) AS last_created_at
         FROM message_sends WHERE workspace_id = $1 AND member_id = $2 GROUP BY state, channel_type`,
        [ws, memberId],
      );
    },
  };
}
