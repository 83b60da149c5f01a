// Migration 5: loyalty — program config, member tiers and their history, the points ledger (accounts, append-only
// entries, lots, operations keyed by idempotency key, per-order facts for refunds) and the rewards catalogue.
import type { DialectTypes } from '../port.ts';

export const version = 5;
export const name = 'loyalty';

export function up(t: DialectTypes): string[] {
  return [...tables(t), ...(t.secondaryIndexes ? INDEXES : [])];
}

const INDEXES = [
  'CREATE INDEX points_entries_member ON points_entries (workspace_id, member_id, version)',
  'CREATE INDEX points_entries_kind_time ON points_entries (workspace_id, kind, created_at)',
  'CREATE INDEX points_lots_member ON points_lots (workspace_id, member_id) WHERE remaining > 0',
  'CREATE INDEX points_lots_expiry ON points_lots (workspace_id, expires_at) WHERE remaining > 0',
  "CREATE INDEX points_lots_pending ON points_lots (workspace_id, available_at) WHERE status = 'pending'",
  'CREATE INDEX loyalty_tier_history_member ON loyalty_tier_history (workspace_id, member_id, changed_at)',
  'CREATE INDEX loyalty_reward_redemptions_member ON loyalty_reward_redemptions (workspace_id, member_id, reward_id)',
];

function tables(t: DialectTypes): string[] {
  return [
    // One row per workspace; every part is JSON validated by the pure parsers of src/core/loyalty.
    `CREATE TABLE loyalty_programs (
      workspace_id VARCHAR PRIMARY KEY,
      program ${t.json},
      earn ${t.json},
      lots ${t.json},
      refunds ${t.json},
      transfers ${t.json},
      member_day ${t.json},
      birthday ${t.json},
      earn_since TIMESTAMPTZ,
      updated_at TIMESTAMPTZ NOT NULL
    )`,
    `CREATE TABLE loyalty_member_tiers (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      tier VARCHAR NOT NULL,
      since TIMESTAMPTZ NOT NULL,
      manual_tier VARCHAR,
      manual_reason VARCHAR,
      manual_operator VARCHAR,
      manual_assigned_at TIMESTAMPTZ,
      manual_expires_at TIMESTAMPTZ,
      last_review_at TIMESTAMPTZ,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, member_id)
    )`,
    `CREATE TABLE loyalty_tier_history (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      from_tier VARCHAR,
      to_tier VARCHAR NOT NULL,
      change VARCHAR NOT NULL,
      reason VARCHAR NOT NULL,
      operator VARCHAR,
      note VARCHAR,
      changed_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // The balance always equals the sum of the member's entries and of their lots' remainders; version counts
    // the operations that touched the account (entries carry it, so a member's entries sort by it).
    `CREATE TABLE points_accounts (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      balance BIGINT NOT NULL DEFAULT 0,
      available BIGINT NOT NULL DEFAULT 0,
      pending BIGINT NOT NULL DEFAULT 0,
      debt BIGINT NOT NULL DEFAULT 0,
      earned_total BIGINT NOT NULL DEFAULT 0,
      version BIGINT NOT NULL DEFAULT 0,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, member_id)
    )`,
    // One row per applied operation: the idempotency record (a retry with the same key returns `result`).
    `CREATE TABLE points_ops (
      workspace_id VARCHAR NOT NULL,
      idempotency_key VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      member_id VARCHAR,
      fingerprint VARCHAR NOT NULL,
      result ${t.json},
      created_at TIMESTAMPTZ NOT NULL,
      recorded_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, idempotency_key)
    )`,
    // Append-only: never updated or deleted. (member_id, version, line) orders a member's entries.
    `CREATE TABLE points_entries (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      version BIGINT NOT NULL,
      line INTEGER NOT NULL,
      idempotency_key VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      points BIGINT NOT NULL,
      lot_id VARCHAR,
      deductions ${t.json},
      order_id VARCHAR,
      reason VARCHAR,
      operator VARCHAR,
      created_at TIMESTAMPTZ NOT NULL,
      recorded_at TIMESTAMPTZ NOT NULL
    )`,
    `CREATE TABLE points_lots (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      points BIGINT NOT NULL,
      remaining BIGINT NOT NULL,
      earned_at TIMESTAMPTZ NOT NULL,
      available_at TIMESTAMPTZ,
      expires_at TIMESTAMPTZ,
      status VARCHAR NOT NULL,
      order_id VARCHAR,
      source VARCHAR NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // What the ledger did for each order so far: refunds plan against it (cumulative, so partial refunds add up).
    `CREATE TABLE points_orders (
      workspace_id VARCHAR NOT NULL,
      order_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      earned BIGINT NOT NULL DEFAULT 0,
      used BIGINT NOT NULL DEFAULT 0,
      refunded_amount DECIMAL(14,2) NOT NULL DEFAULT 0,
      clawed_back BIGINT NOT NULL DEFAULT 0,
      given_back BIGINT NOT NULL DEFAULT 0,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, order_id)
    )`,
    `CREATE TABLE loyalty_rewards (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      description VARCHAR,
      points_cost BIGINT NOT NULL,
      stock BIGINT,
      redeemed BIGINT NOT NULL DEFAULT 0,
      per_member_limit INTEGER,
      tiers ${t.json},
      starts_at TIMESTAMPTZ,
      ends_at TIMESTAMPTZ,
      active BOOLEAN NOT NULL DEFAULT true,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE loyalty_reward_redemptions (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      reward_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      quantity INTEGER NOT NULL,
      points BIGINT NOT NULL,
      idempotency_key VARCHAR NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
  ];
}
