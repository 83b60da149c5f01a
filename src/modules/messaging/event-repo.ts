// SQL of delivery receipts: match them to sends, store them once (message_events), move the sends' states.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';
import type { NormalisedReceipt, SendPatch } from './receipts.ts';

const VALUE: JsonColumn[] = [{ name: 'v', type: 'text' }];
const EVENT_COLUMNS: JsonColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'send_id', type: 'text' },
  { name: 'member_id', type: 'text' },
  { name: 'provider_message_id', type: 'text' },
  { name: 'type', type: 'text' },
  { name: 'occurred_at', type: 'timestamptz' },
  { name: 'error_code', type: 'text' },
  { name: 'url', type: 'text' },
  { name: 'raw', type: 'json' },
];
const PATCH_COLUMNS: JsonColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'progress', type: 'text' },
  { name: 'progress_rank', type: 'bigint' },
  { name: 'fail', type: 'boolean' },
  { name: 'error_code', type: 'text' },
  { name: 'error_message', type: 'text' },
  { name: 'delivered_at', type: 'timestamptz' },
  { name: 'opened_at', type: 'timestamptz' },
  { name: 'clicked_at', type: 'timestamptz' },
  { name: 'failed_at', type: 'timestamptz' },
];

export interface MatchedSend {
  id: string;
  member_id: string;
  provider_message_id: string | null;
}

const values = (vs: string[]) => JSON.stringify(vs.map((v) => ({ v })));

export function eventRepo(store: Store) {
  return {
    /** Sends of this channel by send id, then by provider message id (two index lookups on PostgreSQL, not an OR). */
    async matchSends(db: SqlExecutor, ws: string, channelId: string, sendIds: string[], providerIds: string[]): Promise<MatchedSend[]> {
      const out: MatchedSend[] = [];
      if (sendIds.length > 0) {
        out.push(
          ...(await db.query<MatchedSend>(
            `SELECT id, member_id, provider_message_id FROM message_sends
             WHERE workspace_id = $1 AND channel_id = $2 AND id IN (SELECT v FROM ${store.jsonRows(3, VALUE, 'r')})`,
            [ws, channelId, values(sendIds)],
          )),
        );
      }
      if (providerIds.length > 0) {
        out.push(
          ...(await db.query<MatchedSend>(
            `SELECT id, member_id, provider_message_id FROM message_sends
             WHERE workspace_id = $1 AND channel_id = $2 AND provider_message_id IN (SELECT v FROM ${store.jsonRows(3, VALUE, 'r')})`,
            [ws, channelId, values(providerIds)],
          )),
        );
      }
      return out;
    },

    /** Stores the receipts not stored before; returns how many were new. */
    async insertEvents(db: SqlExecutor, ws: string, channelId: string, receivedAt: string, rows: (NormalisedReceipt & { send_id: string | null; member_id: string | null })[]): Promise<number> {
      return db.execCount(
        `INSERT INTO message_events (workspace_id, id, channel_id, send_id, member_id, provider_message_id, type, occurred_at, received_at, error_code, url, raw)
         SELECT $1, r.id, $2, r.send_id, r.member_id, r.provider_message_id, r.type, r.occurred_at, $3::TIMESTAMPTZ, r.error_code, r.url, r.raw
         FROM ${store.jsonRows(4, EVENT_COLUMNS, 'r')}
         ON CONFLICT (workspace_id, id) DO NOTHING`,
        [ws, channelId, receivedAt, JSON.stringify(rows)],
      );
    },

    /** Applies folded receipts: progress only forwards, failures only before a message was opened. */
    async applyPatches(db: SqlExecutor, ws: string, now: string, patches: SendPatch[]): Promise<number> {
      if (patches.length === 0) return 0;
      const rank = `(CASE s.state WHEN 'delivered' THEN 4 WHEN 'opened' THEN 5 WHEN 'clicked' THEN 6 ELSE 0 END)`;
      const failing = `(r.fail AND s.state IN ('pending', 'sending', 'sent', 'delivered'))`;
      return db.execCount(
        `UPDATE message_sends AS s SET
           state = CASE WHEN ${failing} THEN 'failed' WHEN r.progress IS NOT NULL AND r.progress_rank > ${rank} THEN r.progress ELSE s.state END,
           error_code = CASE WHEN ${failing} THEN r.error_code ELSE s.error_code END,
           error_message = CASE WHEN ${failing} THEN r.error_message ELSE s.error_message END,
           error_retryable = CASE WHEN ${failing} THEN false ELSE s.error_retryable END,
           delivered_at = COALESCE(s.delivered_at, r.delivered_at),
           opened_at = COALESCE(s.opened_at, r.opened_at),
           clicked_at = COALESCE(s.clicked_at, r.clicked_at),
           failed_at = CASE WHEN ${failing} THEN COALESCE(s.failed_at, r.failed_at) ELSE s.failed_at END,
           updated_at = $2::TIMESTAMPTZ
         FROM ${store.jsonRows(3, PATCH_COLUMNS, 'r')}
         WHERE s.workspace_id = $1 AND s.id = r.id`,
        [ws, now, JSON.stringify(patches)],
      );
    },

    /** Receipts of some sends, oldest first. */
    async ofSends(db: SqlExecutor, ws: string, sendIds: string[]) {
      if (sendIds.length === 0) return [];
      return db.query<{ send_id: string; type: string; occurred_at: string; error_code: string | null; url: string | null }>(
        `SELECT send_id, type, occurred_at, error_code, url FROM message_events
         WHERE workspace_id = $1 AND send_id IN (SELECT v FROM ${store.jsonRows(2, VALUE, 'r')}) ORDER BY occurred_at, id`,
        [ws, values(sendIds)],
      );
    },
  };
}
