// Migration 13: consent and guard rails — each member's current consent per channel and purpose, the append-only
// history of every statement, per-workspace guard settings (with the unsubscribe-link secret), and the per-member
// guard state that frequency caps, dedupe and reservations are swapped in atomically.
import type { DialectTypes } from '../port.ts';

export const version = 13;
export const name = 'consent';

export function up(t: DialectTypes): string[] {
  const tables = [
    // The latest statement per (member, channel, purpose); channel `all` covers every channel. changed_at is when
    // the member said so (an older statement arriving late never overrides a newer one).
    `CREATE TABLE consents (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      channel VARCHAR NOT NULL,
      purpose VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      source VARCHAR NOT NULL,
      source_detail VARCHAR,
      operator VARCHAR,
      changed_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, member_id, channel, purpose)
    )`,
    // Every statement ever recorded (never updated, except that a member merge re-points member_id).
    `CREATE TABLE consent_history (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      channel VARCHAR NOT NULL,
      purpose VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      source VARCHAR NOT NULL,
      source_detail VARCHAR,
      operator VARCHAR,
      ip VARCHAR,
      user_agent VARCHAR,
      occurred_at TIMESTAMPTZ NOT NULL,
      recorded_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // Guard config as a patch over the defaults, and the HMAC secret of unsubscribe links (never returned by the API).
    `CREATE TABLE consent_settings (
      workspace_id VARCHAR NOT NULL,
      config ${t.json},
      unsubscribe_secret VARCHAR NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id)
    )`,
    // One row per member the guard has admitted: counters per cap rule and local period, dedupe claims and held
    // reservations as JSON text. Writers swap it on ver (compare-and-set), so caps hold across processes.
    `CREATE TABLE guard_state (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      ver INTEGER NOT NULL,
      state VARCHAR NOT NULL,
      tok VARCHAR,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, member_id)
    )`,
  ];
  const indexes = [
    'CREATE INDEX consent_history_member ON consent_history (workspace_id, member_id, occurred_at)',
    'CREATE INDEX consent_history_recorded ON consent_history (workspace_id, recorded_at)',
  ];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
