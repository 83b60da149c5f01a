// Migration 16: journeys — definitions with published versions, members' positions (instances), the step log that
// per-step counts and A/B splits are read from, and the watermarks of the trigger catch-up sweeps.
import type { DialectTypes } from '../port.ts';

export const version = 16;
export const name = 'journeys';

export function up(t: DialectTypes): string[] {
  const tables = [
    // `draft` is the editable definition; `version` the current published one (0: never published). Triggers count
    // what happens from `live_since` on (publish or resume). `entry_lock` is bumped to serialise entries per journey.
    `CREATE TABLE journeys (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      description VARCHAR,
      status VARCHAR NOT NULL,
      draft ${t.json} NOT NULL,
      version INTEGER NOT NULL DEFAULT 0,
      template VARCHAR,
      live_since TIMESTAMPTZ,
      entry_lock BIGINT NOT NULL DEFAULT 0,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      published_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, name)
    )`,
    // Published definitions never change: members in flight keep running on the version they entered.
    `CREATE TABLE journey_versions (
      workspace_id VARCHAR NOT NULL,
      journey_id VARCHAR NOT NULL,
      version INTEGER NOT NULL,
      definition ${t.json} NOT NULL,
      published_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, journey_id, version)
    )`,
    // One row per entry of a member (per instance key). `seq` counts the steps executed: (id, step, seq) keys every
    // side effect. `wake_at` is when it is processed next; `wait_until`/`wait_event` describe the wait it is in;
    // `anchor_at` is from when events count for that wait. Claimed under a lease (`locked_by`, `lease_until`).
    // entry_key names what entered it (an event's message id, a segment change, a date, a schedule tick): UNIQUE per
    // journey and member, so a listener and a sweep seeing the same trigger enter once.
    `CREATE TABLE journey_instances (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      journey_id VARCHAR NOT NULL,
      version INTEGER NOT NULL,
      member_id VARCHAR NOT NULL,
      instance_key VARCHAR NOT NULL,
      entry_key VARCHAR NOT NULL,
      entry_seq INTEGER NOT NULL,
      state VARCHAR NOT NULL,
      step_id VARCHAR,
      seq INTEGER NOT NULL DEFAULT 0,
      wake_at TIMESTAMPTZ,
      wait_until TIMESTAMPTZ,
      wait_event VARCHAR,
      anchor_at TIMESTAMPTZ NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error VARCHAR,
      context ${t.json},
      locked_by VARCHAR,
      lease_until TIMESTAMPTZ,
      entered_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      ended_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, journey_id, member_id, entry_key)
    )`,
    // One row per step an instance executed (or was at when a goal, exit or archive ended it), keyed by its seq.
    `CREATE TABLE journey_step_log (
      workspace_id VARCHAR NOT NULL,
      instance_id VARCHAR NOT NULL,
      seq INTEGER NOT NULL,
      journey_id VARCHAR NOT NULL,
      version INTEGER NOT NULL,
      member_id VARCHAR NOT NULL,
      step_id VARCHAR NOT NULL,
      step_type VARCHAR NOT NULL,
      outcome VARCHAR NOT NULL,
      detail ${t.json},
      logged_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, instance_id, seq)
    )`,
    `CREATE TABLE journey_watermarks (
      workspace_id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      swept_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, name)
    )`,
  ];
  const indexes = [
    `CREATE INDEX journey_instances_due ON journey_instances (workspace_id, wake_at) WHERE state = 'active'`,
    'CREATE INDEX journey_instances_member ON journey_instances (workspace_id, member_id)',
    'CREATE INDEX journey_instances_journey ON journey_instances (workspace_id, journey_id, state, step_id)',
    'CREATE INDEX journey_step_log_journey ON journey_step_log (workspace_id, journey_id, step_id)',
  ];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
