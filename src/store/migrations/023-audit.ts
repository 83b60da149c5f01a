// Migration 23: the audit log — one append-only, hash-chained row per change made through the API (who, what,
// when, from where, before/after snapshots of settings) and one summarised row per ingest key per minute.
import type { DialectTypes } from '../port.ts';

export const version = 23;
export const name = 'audit';

export function up(t: DialectTypes): string[] {
  // Snapshots and details are stored as the exact JSON text that was hashed (VARCHAR, not JSON), so the chain can
  // be re-verified byte for byte on either engine.
  const tables = [
    `CREATE TABLE audit_log (
      workspace_id VARCHAR NOT NULL,
      seq BIGINT NOT NULL,
      id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      occurred_at TIMESTAMPTZ NOT NULL,
      actor_type VARCHAR,
      actor_id VARCHAR,
      actor_name VARCHAR,
      action VARCHAR NOT NULL,
      route VARCHAR,
      resource_id VARCHAR,
      status INTEGER,
      ip VARCHAR,
      user_agent VARCHAR,
      request_id VARCHAR,
      before_json VARCHAR,
      after_json VARCHAR,
      detail_json VARCHAR,
      prev_hash VARCHAR NOT NULL,
      hash VARCHAR NOT NULL,
      PRIMARY KEY (workspace_id, seq)
    )`,
  ];
  const indexes = ['CREATE INDEX audit_log_time ON audit_log (workspace_id, occurred_at)'];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
