// Migration 11: messaging — messaging channel configs (webhook, email, SMS, app push, WeCom, WeChat…), one row per
// message send (the at-most-once ledger), delivery receipts, and a shared cache of provider access tokens.
import type { DialectTypes } from '../port.ts';

export const version = 11;
export const name = 'messaging';

export function up(t: DialectTypes): string[] {
  const tables = [
    // Ids are global (`mch_…`) so the receipts URL needs no workspace. config holds the provider settings with their
    // secrets as given (no key management yet: the API never returns them); options are the common send options.
    `CREATE TABLE messaging_channels (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      type VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      config ${t.json} NOT NULL,
      options ${t.json} NOT NULL,
      enabled BOOLEAN NOT NULL DEFAULT true,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (id)
    )`,
    // One row per (source, member): the primary key is the at-most-once rule. The row is written before the
    // provider is called, its id is the provider idempotency key, and state moves
    // pending → sending → sent | failed, then delivered → opened → clicked as receipts arrive. A row left `sending`
    // past lease_until (its worker died) is claimed again and re-sent under the same id.
    `CREATE TABLE message_sends (
      workspace_id VARCHAR NOT NULL,
      source_key VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      channel_id VARCHAR NOT NULL,
      channel_type VARCHAR NOT NULL,
      state VARCHAR NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      claim_token VARCHAR,
      lease_until TIMESTAMPTZ,
      provider_message_id VARCHAR,
      error_code VARCHAR,
      error_message VARCHAR,
      error_retryable BOOLEAN,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      sent_at TIMESTAMPTZ,
      delivered_at TIMESTAMPTZ,
      opened_at TIMESTAMPTZ,
      clicked_at TIMESTAMPTZ,
      failed_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, source_key, member_id)
    )`,
    // Receipts (delivered, failed, opened, clicked, bounced, unsubscribed) as the provider reported them. id is the
    // provider's event id or a hash of its content, so a re-posted receipt is stored once.
    `CREATE TABLE message_events (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      channel_id VARCHAR NOT NULL,
      send_id VARCHAR,
      member_id VARCHAR,
      provider_message_id VARCHAR,
      type VARCHAR NOT NULL,
      occurred_at TIMESTAMPTZ NOT NULL,
      received_at TIMESTAMPTZ NOT NULL,
      error_code VARCHAR,
      url VARCHAR,
      raw ${t.json},
      PRIMARY KEY (workspace_id, id)
    )`,
    // Provider access tokens shared by every process (WeChat asks for one central cache: fetching a new token
    // invalidates the previous one after a grace period).
    `CREATE TABLE messaging_tokens (
      cache_key VARCHAR NOT NULL,
      token VARCHAR NOT NULL,
      expires_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (cache_key)
    )`,
  ];
  const indexes = [
    'CREATE UNIQUE INDEX messaging_channels_name ON messaging_channels (workspace_id, name)',
    'CREATE UNIQUE INDEX message_sends_id ON message_sends (workspace_id, id)',
    'CREATE INDEX message_sends_member ON message_sends (workspace_id, member_id, id)',
    'CREATE INDEX message_sends_provider_id ON message_sends (workspace_id, provider_message_id) WHERE provider_message_id IS NOT NULL',
    'CREATE INDEX message_sends_claim ON message_sends (claim_token) WHERE claim_token IS NOT NULL',
    'CREATE INDEX message_events_send ON message_events (workspace_id, send_id)',
  ];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
