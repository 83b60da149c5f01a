// Inbound messages: what members send to a messaging channel (SMS replies posted by a provider, official-account
// texts, WeCom 微信客服 messages). Each is stored once per (channel, provider message id) — platforms repeat pushes
// they think unanswered — and only newly stored ones go to the listeners (consent: unsubscribe keywords such as 退订).
// Also the read positions of providers pulled with a cursor.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';

/** One message a member sent, as a provider reports it. */
export interface InboundItem {
  /** The provider's message id (dedupes repeated pushes); default a hash of sender, time and text. */
  id?: string;
  /** The sender's address on the channel: phone (sms), `APPID:OPENID` (official account), external_userid (WeCom)… */
  from: string;
  text: string;
  /** When it was sent (ISO 8601); default when Siyu received it. */
  at?: string;
  raw?: unknown;
}

/** What the listeners get: the channel and the newly stored messages (repeats are left out). */
export interface InboundBatch {
  workspaceId: string;
  channelId: string;
  channelType: string;
  items: (InboundItem & { id: string; at: string })[];
}

export type InboundListener = (batch: InboundBatch) => Promise<unknown[]>;

/** POST /api/messaging/inbound/:channelId — one message or `{ messages: [...] }`, signed like receipts. */
export const InboundMessage = z
  .object({
    id: z.string().min(1).max(200).optional(),
    /** The sender: a phone number for SMS, a member ref or provider address for other channels. */
    from: z.string().trim().min(1).max(300),
    text: z.string().max(2000),
    time: z.string().datetime({ offset: true }).optional(),
  })
  .passthrough();
export type InboundMessage = z.infer<typeof InboundMessage>;
export const InboundRequest = z.union([z.object({ messages: z.array(InboundMessage).min(1).max(1000) }).passthrough(), InboundMessage]);

/** A stable id for a message the provider gave none. */
export function inboundId(i: Pick<InboundItem, 'from' | 'text' | 'at'>): string {
  return 'h_' + createHash('sha256').update(`${i.from}\u0000${i.at ?? ''}\u0000${i.text}`).digest('hex').slice(0, 32);
}

const COLUMNS: JsonColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'sender', type: 'text' },
  { name: 'body', type: 'text' },
  { name: 'occurred_at', type: 'timestamptz' },
  { name: 'raw', type: 'json' },
];

export function inboundRepo(store: Store) {
  return {
    /** Stores the messages not stored yet; returns the ids stored now. */
    async insertNew(db: SqlExecutor, ws: string, channelId: string, channelType: string, receivedAt: string, items: { id: string; from: string; text: string; at: string; raw?: unknown }[]): Promise<Set<string>> {
      if (items.length === 0) return new Set();
      const rows = await db.query<{ id: string }>(
        `INSERT INTO message_inbound (workspace_id, channel_id, id, channel_type, sender, body, occurred_at, received_at, raw)
         SELECT $1, $2, r.id, $3, r.sender, r.body, r.occurred_at, $4::TIMESTAMPTZ, r.raw FROM ${store.jsonRows(5, COLUMNS, 'r')}
         ON CONFLICT (workspace_id, channel_id, id) DO NOTHING RETURNING id`,
        [ws, channelId, channelType, receivedAt, JSON.stringify(items.map((i) => ({ id: i.id, sender: i.from, body: i.text, occurred_at: i.at, raw: i.raw ?? null })))],
      );
      return new Set(rows.map((r) => r.id));
    },

    async forget(db: SqlExecutor, ws: string, channelId: string, ids: string[]): Promise<void> {
      await db.exec(
        `DELETE FROM message_inbound WHERE workspace_id = $1 AND channel_id = $2 AND id IN (SELECT r.v FROM ${store.jsonRows(3, [{ name: 'v', type: 'text' }], 'r')})`,
        [ws, channelId, JSON.stringify(ids.map((v) => ({ v })))],
      );
    },

    async cursor(db: SqlExecutor, ws: string, channelId: string, stream: string): Promise<string | null> {
      const [r] = await db.query<{ cursor_value: string }>('SELECT cursor_value FROM messaging_cursors WHERE workspace_id = $1 AND channel_id = $2 AND stream = $3', [ws, channelId, stream]);
      return r?.cursor_value ?? null;
    },

    async saveCursor(db: SqlExecutor, ws: string, channelId: string, stream: string, cursor: string): Promise<void> {
      await db.exec(
        `INSERT INTO messaging_cursors (workspace_id, channel_id, stream, cursor_value, updated_at) VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ)
         ON CONFLICT (workspace_id, channel_id, stream) DO UPDATE SET cursor_value = excluded.cursor_value, updated_at = excluded.updated_at`,
        [ws, channelId, stream, cursor, new Date().toISOString()],
      );
    },
  };
}
