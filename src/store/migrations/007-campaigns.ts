// Migration 7: campaigns (裂变) — referral program config, invite codes, attributions; group-buy deals, groups and
// seats; share-assist and bargain campaigns, sessions and helps; and one log of refused attempts for the reports.
import type { DialectTypes } from '../port.ts';

export const version = 7;
export const name = 'campaigns';

export function up(t: DialectTypes): string[] {
  const tables = [
    // One row per workspace and kind ('referral'): the program as the pure parser accepts it.
    `CREATE TABLE campaign_configs (
      workspace_id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      config ${t.json} NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, kind)
    )`,
    // One invite code per member (rows are never updated, so the unique constraint costs DuckDB nothing).
    `CREATE TABLE referral_codes (
      workspace_id VARCHAR NOT NULL,
      code VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, code),
      UNIQUE (workspace_id, member_id)
    )`,
    // One attribution per invitee, ever: the primary key is the "one reward per invitee" rule. status moves
    // attributed → rewarding (claimed by one worker) → rewarded, or → refused.
    `CREATE TABLE referral_attributions (
      workspace_id VARCHAR NOT NULL,
      invitee_id VARCHAR NOT NULL,
      inviter_id VARCHAR NOT NULL,
      code VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      refusals ${t.json},
      client_facts ${t.json},
      opened_at TIMESTAMPTZ,
      attributed_at TIMESTAMPTZ NOT NULL,
      trigger_order_id VARCHAR,
      rewards ${t.json},
      rewarded_at TIMESTAMPTZ,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, invitee_id)
    )`,
    // Every refused attempt (referral, group join, help) with all its reasons: abuse shows in the reports.
    `CREATE TABLE campaign_refusals (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      campaign_id VARCHAR,
      subject_id VARCHAR,
      other_id VARCHAR,
      reasons ${t.json} NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE group_buy_deals (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      product_id VARCHAR,
      group_price DECIMAL(14,2) NOT NULL,
      original_price DECIMAL(14,2),
      config ${t.json} NOT NULL,
      coupon_template VARCHAR,
      status VARCHAR NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // seats_taken is the counter every join updates conditionally (status open, seats left, before the deadline):
    // the last seat is taken once, whatever the concurrency.
    `CREATE TABLE group_buy_groups (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      deal_id VARCHAR NOT NULL,
      leader_id VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      group_size INTEGER NOT NULL,
      seats_taken INTEGER NOT NULL,
      opened_at TIMESTAMPTZ NOT NULL,
      deadline TIMESTAMPTZ NOT NULL,
      closed_at TIMESTAMPTZ,
      close_reason VARCHAR,
      benefit_done BOOLEAN NOT NULL DEFAULT false,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE group_buy_members (
      workspace_id VARCHAR NOT NULL,
      group_id VARCHAR NOT NULL,
      deal_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      order_id VARCHAR,
      role VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      client_facts ${t.json},
      benefit ${t.json},
      joined_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, group_id, member_id)
    )`,
    // A member's live seat in a deal (open or successful group); deleted on release. The key is the rule
    // "one group per member per deal".
    `CREATE TABLE group_buy_seats (
      workspace_id VARCHAR NOT NULL,
      deal_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      group_id VARCHAR NOT NULL,
      PRIMARY KEY (workspace_id, deal_id, member_id)
    )`,
    `CREATE TABLE help_campaigns (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      config ${t.json} NOT NULL,
      reward ${t.json},
      status VARCHAR NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // One session per initiator per campaign (the key); help_count is the conditional counter helps update.
    `CREATE TABLE help_sessions (
      workspace_id VARCHAR NOT NULL,
      campaign_id VARCHAR NOT NULL,
      initiator_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      help_count INTEGER NOT NULL,
      price DECIMAL(14,2),
      client_facts ${t.json},
      started_at TIMESTAMPTZ NOT NULL,
      deadline TIMESTAMPTZ NOT NULL,
      completed_at TIMESTAMPTZ,
      reward ${t.json},
      reward_done BOOLEAN NOT NULL DEFAULT false,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, campaign_id, initiator_id)
    )`,
    // One help per person per campaign: the key.
    `CREATE TABLE help_records (
      workspace_id VARCHAR NOT NULL,
      campaign_id VARCHAR NOT NULL,
      helper_id VARCHAR NOT NULL,
      session_id VARCHAR NOT NULL,
      seq INTEGER NOT NULL,
      cut DECIMAL(14,2) NOT NULL,
      helped_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, campaign_id, helper_id)
    )`,
  ];
  const indexes = [
    'CREATE INDEX referral_attributions_inviter ON referral_attributions (workspace_id, inviter_id)',
    "CREATE INDEX referral_attributions_open ON referral_attributions (workspace_id, status) WHERE status IN ('attributed', 'rewarding')",
    'CREATE INDEX campaign_refusals_kind ON campaign_refusals (workspace_id, kind, campaign_id)',
    'CREATE INDEX group_buy_groups_deal ON group_buy_groups (workspace_id, deal_id, status)',
    "CREATE INDEX group_buy_groups_due ON group_buy_groups (workspace_id, deadline) WHERE status = 'open'",
    'CREATE INDEX group_buy_members_group ON group_buy_members (workspace_id, group_id)',
    'CREATE UNIQUE INDEX help_sessions_id ON help_sessions (workspace_id, id)',
    "CREATE INDEX help_sessions_due ON help_sessions (workspace_id, deadline) WHERE status = 'open'",
    'CREATE INDEX help_records_session ON help_records (workspace_id, session_id)',
  ];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
