// Migration 18: community (社群) — WeCom customer groups with owner, positioning and value tier, their members (one
// row per stint: a member who leaves and rejoins has two), and scheduled SOP content per group.
import type { DialectTypes } from '../port.ts';

export const version = 18;
export const name = 'community';

export function up(t: DialectTypes): string[] {
  const tables = [
    `CREATE TABLE community_groups (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      chat_id VARCHAR NOT NULL,
      channel_id VARCHAR,
      name VARCHAR,
      owner_userid VARCHAR,
      positioning VARCHAR,
      value_tier VARCHAR,
      tags ${t.json} NOT NULL,
      notice VARCHAR,
      status VARCHAR NOT NULL,
      member_count INTEGER NOT NULL DEFAULT 0,
      member_version VARCHAR,
      wecom_created_at TIMESTAMPTZ,
      synced_at TIMESTAMPTZ,
      dismissed_at TIMESTAMPTZ,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, chat_id)
    )`,
    // userid is the external_userid of customers (member_type 2) or the employee's userid (member_type 1).
    `CREATE TABLE community_group_members (
      workspace_id VARCHAR NOT NULL,
      group_id VARCHAR NOT NULL,
      userid VARCHAR NOT NULL,
      joined_at TIMESTAMPTZ NOT NULL,
      member_type INTEGER NOT NULL,
      member_id VARCHAR,
      unionid VARCHAR,
      name VARCHAR,
      join_scene INTEGER,
      invitor VARCHAR,
      state VARCHAR,
      left_at TIMESTAMPTZ,
      quit_scene INTEGER,
      PRIMARY KEY (workspace_id, group_id, userid, joined_at)
    )`,
    // A recurring post to groups: cron in a time zone, content (or a saved template's wecom part), a WeCom messaging
    // channel, and which groups (ids, positioning, value tier, tag). Runs as the jobs schedule `community-sop:<id>`.
    `CREATE TABLE community_sops (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      cron VARCHAR NOT NULL,
      timezone VARCHAR NOT NULL,
      channel VARCHAR NOT NULL,
      content ${t.json},
      template VARCHAR,
      targets ${t.json} NOT NULL,
      enabled BOOLEAN NOT NULL DEFAULT true,
      last_tick TIMESTAMPTZ,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, name)
    )`,
  ];
  const indexes = [
    'CREATE INDEX community_members_member ON community_group_members (workspace_id, member_id)',
    'CREATE INDEX community_members_active ON community_group_members (workspace_id, group_id, left_at)',
  ];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
