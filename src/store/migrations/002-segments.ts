// Migration 2: segments (rule or static list), current membership, membership history and recompute runs.
import type { DialectTypes } from '../port.ts';

export const version = 2;
export const name = 'segments';

export function up(t: DialectTypes): string[] {
  const tables = [
    `CREATE TABLE segments (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      description VARCHAR,
      kind VARCHAR NOT NULL,
      rule ${t.json},
      realtime BOOLEAN NOT NULL DEFAULT true,
      schedule VARCHAR,
      member_count BIGINT NOT NULL DEFAULT 0,
      version INTEGER NOT NULL DEFAULT 1,
      last_computed_at TIMESTAMPTZ,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, name)
    )`,
    `CREATE TABLE segment_members (
      workspace_id VARCHAR NOT NULL,
      segment_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      entered_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, segment_id, member_id)
    )`,
    // Append-only: one row per entry or exit; membership on a past date is the last change at or before it.
    `CREATE TABLE segment_membership_log (
      workspace_id VARCHAR NOT NULL,
      segment_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      change VARCHAR NOT NULL,
      changed_at TIMESTAMPTZ NOT NULL,
      run_id VARCHAR NOT NULL
    )`,
    `CREATE TABLE segment_runs (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      segment_id VARCHAR NOT NULL,
      trigger VARCHAR NOT NULL,
      started_at TIMESTAMPTZ NOT NULL,
      finished_at TIMESTAMPTZ,
      member_count BIGINT,
      entered BIGINT NOT NULL DEFAULT 0,
      exited BIGINT NOT NULL DEFAULT 0,
      duration_ms ${t.double},
      PRIMARY KEY (workspace_id, id)
    )`,
  ];
  const indexes = [
    'CREATE INDEX segment_members_member ON segment_members (workspace_id, member_id)',
    'CREATE INDEX segment_log_segment ON segment_membership_log (workspace_id, segment_id, changed_at)',
    'CREATE INDEX segment_log_member ON segment_membership_log (workspace_id, member_id, changed_at)',
    'CREATE INDEX segment_runs_segment ON segment_runs (workspace_id, segment_id, started_at)',
  ];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
