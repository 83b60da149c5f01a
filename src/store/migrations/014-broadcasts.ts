// Migration 14: broadcasts — one message to a segment, now, at a time or at a local time per member, throttled,
// cancellable: the broadcast, its audience snapshot (one row per member, taken when it starts) and its chunks
// (one durable job each, with the counts it recorded).
import type { DialectTypes } from '../port.ts';

export const version = 14;
export const name = 'broadcasts';

export function up(t: DialectTypes): string[] {
  const tables = [
    // status: draft → scheduled → running → completed | cancelled | failed. template_version is pinned when the
    // broadcast is scheduled; schedule is {type: now | at | local_time, …}; start_at is when the audience is taken.
    `CREATE TABLE broadcasts (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      description VARCHAR,
      status VARCHAR NOT NULL,
      segment_id VARCHAR NOT NULL,
      template_id VARCHAR NOT NULL,
      template_version INTEGER,
      channel_id VARCHAR NOT NULL,
      channel_type VARCHAR NOT NULL,
      purpose VARCHAR NOT NULL,
      holdout_share ${t.double} NOT NULL DEFAULT 0,
      schedule ${t.json} NOT NULL,
      rate_limit_per_second INTEGER,
      start_at TIMESTAMPTZ,
      audience_count BIGINT,
      holdout_count BIGINT,
      chunk_count INTEGER,
      error_code VARCHAR,
      error_message VARCHAR,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      scheduled_at TIMESTAMPTZ,
      started_at TIMESTAMPTZ,
      finished_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, id)
    )`,
    // The audience as it was when the broadcast started. Holdout members have no chunk and are never sent.
    // skip_reason is set for members the pipeline skipped (no consent, capped, no address…); sent and failed
    // members are in message_sends under source_key 'broadcast:<id>'. No primary key: the snapshot is written
    // once, in one transaction, from distinct segment members (an ART index would only slow DuckDB's bulk insert).
    `CREATE TABLE broadcast_members (
      workspace_id VARCHAR NOT NULL,
      broadcast_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      chunk INTEGER,
      send_at TIMESTAMPTZ,
      holdout BOOLEAN NOT NULL,
      skip_reason VARCHAR
    )`,
    // One row per chunk job: when it may run, what it recorded. state: queued → running → done | cancelled.
    `CREATE TABLE broadcast_chunks (
      workspace_id VARCHAR NOT NULL,
      broadcast_id VARCHAR NOT NULL,
      chunk INTEGER NOT NULL,
      member_count INTEGER NOT NULL,
      run_at TIMESTAMPTZ NOT NULL,
      state VARCHAR NOT NULL,
      runs INTEGER NOT NULL DEFAULT 0,
      sent INTEGER NOT NULL DEFAULT 0,
      failed INTEGER NOT NULL DEFAULT 0,
      skipped INTEGER NOT NULL DEFAULT 0,
      deferred INTEGER NOT NULL DEFAULT 0,
      started_at TIMESTAMPTZ,
      finished_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, broadcast_id, chunk)
    )`,
  ];
  const indexes = [
    'CREATE INDEX broadcasts_status ON broadcasts (workspace_id, status)',
    'CREATE INDEX broadcast_members_chunk ON broadcast_members (workspace_id, broadcast_id, chunk)',
    'CREATE INDEX broadcast_members_skipped ON broadcast_members (workspace_id, broadcast_id, skip_reason) WHERE skip_reason IS NOT NULL',
  ];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
