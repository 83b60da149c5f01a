// Migration 1: the customer data core (workspaces, keys, members, identities, events, orders, tags, imports).
import type { DialectTypes } from '../port.ts';

export const version = 1;
export const name = 'core';

export function up(t: DialectTypes): string[] {
  return [...tables(t), ...(t.secondaryIndexes ? INDEXES : [])];
}

const INDEXES = [
  'CREATE INDEX identities_member ON identities (workspace_id, member_id)',
  'CREATE INDEX events_member_ts ON events (workspace_id, member_id, ts)',
  'CREATE INDEX events_name_ts ON events (workspace_id, name, ts)',
  'CREATE INDEX orders_member_paid ON orders (workspace_id, member_id, paid_at)',
  'CREATE INDEX order_items_member ON order_items (workspace_id, member_id)',
  'CREATE INDEX refunds_member ON refunds (workspace_id, member_id)',
  'CREATE INDEX refunds_order ON refunds (workspace_id, order_id)',
  'CREATE INDEX members_phone ON members (workspace_id, phone)',
  'CREATE INDEX members_email ON members (workspace_id, email)',
  'CREATE INDEX member_tags_tag ON member_tags (workspace_id, tag_id)',
];

function tables(t: DialectTypes): string[] {
  return [
    `CREATE TABLE workspaces (
      id VARCHAR PRIMARY KEY,
      name VARCHAR NOT NULL,
      timezone VARCHAR NOT NULL DEFAULT 'Asia/Shanghai',
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`,
    `CREATE TABLE api_keys (
      id VARCHAR PRIMARY KEY,
      workspace_id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      name VARCHAR,
      secret_hash VARCHAR NOT NULL UNIQUE,
      prefix VARCHAR NOT NULL,
      channel VARCHAR,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      last_used_at TIMESTAMPTZ,
      revoked_at TIMESTAMPTZ
    )`,
    `CREATE TABLE channels (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE members (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      merged_into VARCHAR,
      source_channel VARCHAR,
      name VARCHAR,
      gender VARCHAR,
      birthday DATE,
      city VARCHAR,
      region VARCHAR,
      phone VARCHAR,
      email VARCHAR,
      attributes ${t.json},
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE identities (
      workspace_id VARCHAR NOT NULL,
      type VARCHAR NOT NULL,
      value VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      source_channel VARCHAR,
      app_id VARCHAR,
      first_seen_at TIMESTAMPTZ NOT NULL,
      last_seen_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, type, value)
    )`,
    `CREATE TABLE member_merges (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      from_member_id VARCHAR NOT NULL,
      into_member_id VARCHAR NOT NULL,
      reason VARCHAR NOT NULL,
      identity_type VARCHAR,
      identity_value VARCHAR,
      moved ${t.json},
      merged_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE events (
      workspace_id VARCHAR NOT NULL,
      message_id VARCHAR NOT NULL,
      member_id VARCHAR,
      user_id VARCHAR,
      anonymous_id VARCHAR,
      type VARCHAR NOT NULL,
      name VARCHAR,
      channel VARCHAR,
      properties ${t.json},
      context ${t.json},
      ts TIMESTAMPTZ NOT NULL,
      received_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, message_id)
    )`,
    `CREATE TABLE products (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR,
      category VARCHAR,
      price DECIMAL(14,2),
      attributes ${t.json},
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE orders (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      member_id VARCHAR,
      status VARCHAR NOT NULL,
      amount DECIMAL(14,2) NOT NULL,
      discount DECIMAL(14,2) NOT NULL DEFAULT 0,
      refunded_amount DECIMAL(14,2) NOT NULL DEFAULT 0,
      currency VARCHAR NOT NULL DEFAULT 'CNY',
      coupon_code VARCHAR,
      points_used BIGINT NOT NULL DEFAULT 0,
      channel VARCHAR,
      store_id VARCHAR,
      item_count INTEGER NOT NULL DEFAULT 0,
      paid_at TIMESTAMPTZ NOT NULL,
      attributes ${t.json},
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE order_items (
      workspace_id VARCHAR NOT NULL,
      order_id VARCHAR NOT NULL,
      line_no INTEGER NOT NULL,
      member_id VARCHAR,
      product_id VARCHAR,
      name VARCHAR,
      category VARCHAR,
      quantity DECIMAL(14,3) NOT NULL,
      unit_price DECIMAL(14,2) NOT NULL,
      amount DECIMAL(14,2) NOT NULL,
      PRIMARY KEY (workspace_id, order_id, line_no)
    )`,
    `CREATE TABLE refunds (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      order_id VARCHAR,
      member_id VARCHAR,
      amount DECIMAL(14,2) NOT NULL,
      reason VARCHAR,
      items ${t.json},
      channel VARCHAR,
      refunded_at TIMESTAMPTZ NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE member_traits (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      first_order_at TIMESTAMPTZ,
      last_order_at TIMESTAMPTZ,
      order_count INTEGER NOT NULL DEFAULT 0,
      total_spend DECIMAL(14,2) NOT NULL DEFAULT 0,
      avg_spend DECIMAL(14,2),
      refund_total DECIMAL(14,2) NOT NULL DEFAULT 0,
      favourite_category VARCHAR,
      favourite_product VARCHAR,
      preferred_channel VARCHAR,
      first_seen_at TIMESTAMPTZ,
      last_seen_at TIMESTAMPTZ,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, member_id)
    )`,
    `CREATE TABLE tag_groups (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      description VARCHAR,
      exclusive BOOLEAN NOT NULL DEFAULT false,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE tags (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      group_id VARCHAR,
      kind VARCHAR NOT NULL DEFAULT 'manual',
      description VARCHAR,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, name)
    )`,
    `CREATE TABLE member_tags (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      tag_id VARCHAR NOT NULL,
      source VARCHAR NOT NULL DEFAULT 'manual',
      added_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, member_id, tag_id)
    )`,
    `CREATE TABLE mapping_templates (
      workspace_id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      mapping ${t.json} NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, name)
    )`,
    `CREATE TABLE import_runs (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      file_name VARCHAR NOT NULL,
      file_sha256 VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      rows_total BIGINT NOT NULL DEFAULT 0,
      rows_imported BIGINT NOT NULL DEFAULT 0,
      rows_rejected BIGINT NOT NULL DEFAULT 0,
      started_at TIMESTAMPTZ NOT NULL,
      finished_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, id)
    )`,
  ];
}
