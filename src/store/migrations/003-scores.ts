// Migration 3: per-member RFM, lifecycle stage and value tier (current), their change history and score runs.
import type { DialectTypes } from '../port.ts';

export const version = 3;
export const name = 'scores';

export function up(t: DialectTypes): string[] {
  const tables = [
    `CREATE TABLE score_runs (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      as_of DATE NOT NULL,
      config ${t.json},
      summary ${t.json},
      member_count BIGINT NOT NULL DEFAULT 0,
      started_at TIMESTAMPTZ NOT NULL,
      finished_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE member_rfm (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      as_of DATE NOT NULL,
      recency_days INTEGER NOT NULL,
      frequency INTEGER NOT NULL,
      monetary DECIMAL(14,2) NOT NULL,
      r_score INTEGER NOT NULL,
      f_score INTEGER NOT NULL,
      m_score INTEGER NOT NULL,
      segment VARCHAR NOT NULL,
      run_id VARCHAR NOT NULL,
      PRIMARY KEY (workspace_id, member_id)
    )`,
    `CREATE TABLE member_lifecycle (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      as_of DATE NOT NULL,
      stage VARCHAR NOT NULL,
      run_id VARCHAR NOT NULL,
      PRIMARY KEY (workspace_id, member_id)
    )`,
    `CREATE TABLE member_value_tier (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      as_of DATE NOT NULL,
      tier VARCHAR NOT NULL,
      run_id VARCHAR NOT NULL,
      PRIMARY KEY (workspace_id, member_id)
    )`,
    // Append-only, changes only (kind: rfm_segment | lifecycle_stage | value_tier): the value on a past date is
    // the last row at or before it; a member with no row then had none.
    `CREATE TABLE member_score_history (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      value VARCHAR,
      previous VARCHAR,
      as_of DATE NOT NULL,
      run_id VARCHAR NOT NULL
    )`,
  ];
  const indexes = ['CREATE INDEX member_score_history_member ON member_score_history (workspace_id, kind, member_id, as_of)'];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
