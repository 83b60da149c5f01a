// Migration 19: inbound messages — what members sent to a messaging channel (an SMS reply, an official-account text,
// a WeCom 微信客服 message), stored once per provider message id so a platform's repeated push is acted on once
// (unsubscribe keywords → consent), and the read positions of providers that are pulled with a cursor (kf/sync_msg).
import type { DialectTypes } from '../port.ts';

export const version = 19;
export const name = 'messaging-inbound';

export function up(t: DialectTypes): string[] {
  const tables = [
    `CREATE TABLE message_inbound (
      workspace_id VARCHAR NOT NULL,
      channel_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      channel_type VARCHAR NOT NULL,
      sender VARCHAR NOT NULL,
      body VARCHAR NOT NULL,
      occurred_at TIMESTAMPTZ NOT NULL,
      received_at TIMESTAMPTZ NOT NULL,
      raw ${t.json},
      PRIMARY KEY (workspace_id, channel_id, id)
    )`,
    `CREATE TABLE messaging_cursors (
      workspace_id VARCHAR NOT NULL,
      channel_id VARCHAR NOT NULL,
      stream VARCHAR NOT NULL,
      cursor_value VARCHAR NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, channel_id, stream)
    )`,
  ];
  const indexes = ['CREATE INDEX message_inbound_time ON message_inbound (workspace_id, occurred_at)'];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
