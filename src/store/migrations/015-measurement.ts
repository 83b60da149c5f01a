// Migration 15: measurement — holdout (control) assignments per campaign source, with the per-source salt that makes
// the random split reproducible, and the install's link-signing secret (used when SIYU_LINK_SECRET is not set).
import type { DialectTypes } from '../port.ts';

export const version = 15;
export const name = 'measurement';

export function up(t: DialectTypes): string[] {
  const tables = [
    // One row per campaign source (`broadcast:<id>`, `journey:<id>`): the salt of its hash split (fixed at the first
    // assignment, so a re-assignment gives the same answer) and the share last asked for.
    `CREATE TABLE measurement_sources (
      workspace_id VARCHAR NOT NULL,
      source_key VARCHAR NOT NULL,
      salt VARCHAR NOT NULL,
      share ${t.double} NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, source_key)
    )`,
    // Every member of a source's audience in exactly one group ('treatment' | 'holdout'): the lift compares both.
    // A recorded row never changes. assigned_at is the holdout's attribution anchor (treatment: the send).
    `CREATE TABLE measurement_holdouts (
      workspace_id VARCHAR NOT NULL,
      source_key VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      group_name VARCHAR NOT NULL,
      assigned_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, source_key, member_id)
    )`,
    // Secrets generated on first use (name 'links': HMAC key of tracked links and open pixels) when none is configured.
    `CREATE TABLE measurement_secrets (
      name VARCHAR NOT NULL,
      secret VARCHAR NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (name)
    )`,
  ];
  // Competing touches of other sources are looked up by member (last-touch attribution).
  const indexes = ['CREATE INDEX measurement_holdouts_member ON measurement_holdouts (workspace_id, member_id)'];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
