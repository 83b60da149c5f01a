// Migration 3: per-member RFM, lifecycle stage and value tier (current), their change history and score runs.
import type { DialectTypes } from '../port.ts';

export const version = 3;
export const name = 'scores';

/**
 * The current-score tables have no primary key on purpose: a recompute inserts the new run's rows next to the old
 * ones, diffs them into member_score_history, then deletes the old run — one INSERT … SELECT and one DELETE. With a
 * primary key DuckDB turns "delete 1M keys and insert them again" into a 25 s index rebuild (measured; the
 * key-free path takes about a second at 1M members). One row per member is kept by serialising recomputes of a kind
 * through `score_current` (the service upserts its row first in each recompute transaction).
 */
export function up(t: DialectTypes): string[] {
  const plain = t.storage?.plain ?? '';
  const dict = t.storage?.dictionary ?? '';
  const tables = [
    `CREATE TABLE score_runs (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      as_of DATE NOT NULL,
      config ${t.json},
      summary ${t.json},
      member_count BIGINT NOT NULL DEFAULT 0,
      changed_count BIGINT NOT NULL DEFAULT 0,
      duration_ms ${t.double},
      started_at TIMESTAMPTZ NOT NULL,
      finished_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, id)
    )`,
    // One row per (workspace, kind): the run whose rows are current, and the lock recomputes of that kind take.
    `CREATE TABLE score_current (
      workspace_id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      run_id VARCHAR NOT NULL,
      as_of DATE NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, kind)
    )`,
    // Buying members only (at least one counted order in the window).
    // Rewritten whole by every run: storage hints spare DuckDB's compression analysis (a third of the write).
    `CREATE TABLE member_rfm (
      workspace_id VARCHAR${dict} NOT NULL,
      member_id VARCHAR${plain} NOT NULL,
      as_of DATE NOT NULL,
      recency_days INTEGER NOT NULL,
      frequency INTEGER NOT NULL,
      monetary DECIMAL(14,2) NOT NULL,
      r_score INTEGER NOT NULL,
      f_score INTEGER NOT NULL,
      m_score INTEGER NOT NULL,
      segment VARCHAR${dict} NOT NULL,
      run_id VARCHAR${dict} NOT NULL
    )`,
    // Every live member (prospects included); the day counts are null without orders.
    `CREATE TABLE member_lifecycle (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      as_of DATE NOT NULL,
      stage VARCHAR NOT NULL,
      order_count INTEGER NOT NULL DEFAULT 0,
      days_since_first_order INTEGER,
      days_since_last_order INTEGER,
      run_id VARCHAR NOT NULL
    )`,
    // Every live member; spend and order_count over the run's window, activity = last order or event.
    `CREATE TABLE member_value_tier (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      as_of DATE NOT NULL,
      tier VARCHAR NOT NULL,
      spend DECIMAL(14,2) NOT NULL DEFAULT 0,
      order_count INTEGER NOT NULL DEFAULT 0,
      days_since_last_activity INTEGER,
      run_id VARCHAR NOT NULL
    )`,
    // Append-only, changes only (kind: rfm_segment | lifecycle_stage | value_tier): the value on a past date is
    // the last row at or before it; a member with no row then had none. value is null when the member left
    // (no longer a buyer in the RFM window, or merged away).
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
  const indexes = [
    'CREATE INDEX member_rfm_member ON member_rfm (workspace_id, member_id)',
    'CREATE INDEX member_lifecycle_member ON member_lifecycle (workspace_id, member_id)',
    'CREATE INDEX member_value_tier_member ON member_value_tier (workspace_id, member_id)',
    'CREATE INDEX member_score_history_member ON member_score_history (workspace_id, member_id, kind, as_of)',
    'CREATE INDEX member_score_history_run ON member_score_history (workspace_id, run_id)',
    'CREATE INDEX score_runs_kind ON score_runs (workspace_id, kind, started_at)',
  ];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
