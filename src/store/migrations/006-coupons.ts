// Migration 6: coupons — templates, code batches, codes, member coupons, issue runs, the redemption log, and the
// bookkeeping that links orders to coupons (per-order lock rows, processed order codes, the order-sync watermark).
import type { DialectTypes } from '../port.ts';

export const version = 6;
export const name = 'coupons';

export function up(t: DialectTypes): string[] {
  const tables = [
    // issued_count is the counter row every issue and claim of the template updates first: it serialises them, so
    // total_limit and per_member_limit hold under concurrency.
    `CREATE TABLE coupon_templates (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      description VARCHAR,
      status VARCHAR NOT NULL,
      config ${t.json} NOT NULL,
      code_format ${t.json} NOT NULL,
      total_limit BIGINT,
      per_member_limit INTEGER,
      return_on_refund BOOLEAN NOT NULL DEFAULT false,
      issued_count BIGINT NOT NULL DEFAULT 0,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, name)
    )`,
    `CREATE TABLE coupon_batches (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      template_id VARCHAR NOT NULL,
      name VARCHAR,
      kind VARCHAR NOT NULL,
      shared BOOLEAN NOT NULL DEFAULT false,
      code_format ${t.json},
      code_count BIGINT NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // Every code of the workspace, whatever made it (batch, upload, or a coupon issued straight to a member): one
    // key space, so a code always names one thing.
    `CREATE TABLE coupon_codes (
      workspace_id VARCHAR NOT NULL,
      code VARCHAR NOT NULL,
      template_id VARCHAR NOT NULL,
      batch_id VARCHAR,
      kind VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      claimed_at TIMESTAMPTZ,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, code)
    )`,
    `CREATE TABLE member_coupons (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      template_id VARCHAR NOT NULL,
      member_id VARCHAR,
      code VARCHAR NOT NULL,
      claim_code VARCHAR,
      status VARCHAR NOT NULL,
      source VARCHAR NOT NULL,
      issue_id VARCHAR,
      issued_at TIMESTAMPTZ NOT NULL,
      claimed_at TIMESTAMPTZ,
      valid_from TIMESTAMPTZ,
      valid_to TIMESTAMPTZ,
      used_at TIMESTAMPTZ,
      order_id VARCHAR,
      discount DECIMAL(14,2),
      redemption ${t.json},
      voided_at TIMESTAMPTZ,
      void_reason VARCHAR,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // One row per issue request; the idempotency key makes a retried request return the first answer.
    `CREATE TABLE coupon_issues (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      template_id VARCHAR NOT NULL,
      target VARCHAR NOT NULL,
      target_ref VARCHAR,
      idempotency_key VARCHAR,
      source VARCHAR NOT NULL,
      requested BIGINT NOT NULL,
      issued BIGINT NOT NULL,
      result ${t.json},
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, idempotency_key)
    )`,
    // Append-only: redeem, reject (an order's code that failed validation), void, restore (given back on refund).
    `CREATE TABLE coupon_redemptions (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      member_coupon_id VARCHAR,
      template_id VARCHAR,
      member_id VARCHAR,
      code VARCHAR NOT NULL,
      order_id VARCHAR,
      action VARCHAR NOT NULL,
      reason VARCHAR,
      discount DECIMAL(14,2),
      source VARCHAR NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // The row concurrent redemptions on one order lock first, so stacking is checked against settled state.
    `CREATE TABLE coupon_orders (
      workspace_id VARCHAR NOT NULL,
      order_id VARCHAR NOT NULL,
      redeemed INTEGER NOT NULL DEFAULT 0,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, order_id)
    )`,
    // Each (order, code) the order sync has handled, with its outcome: processing is once per pair, whatever
    // process or retry gets there.
    `CREATE TABLE coupon_order_codes (
      workspace_id VARCHAR NOT NULL,
      order_id VARCHAR NOT NULL,
      code VARCHAR NOT NULL,
      outcome VARCHAR NOT NULL,
      member_coupon_id VARCHAR,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, order_id, code)
    )`,
    `CREATE TABLE coupon_sync (
      workspace_id VARCHAR NOT NULL,
      orders_synced_until TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id)
    )`,
  ];
  const indexes = [
    // Codes are unique through coupon_codes (every coupon's code is inserted there first); this is the lookup by code.
    'CREATE UNIQUE INDEX member_coupons_code ON member_coupons (workspace_id, code)',
    'CREATE INDEX coupon_codes_batch ON coupon_codes (workspace_id, batch_id, code)',
    'CREATE INDEX member_coupons_member ON member_coupons (workspace_id, member_id, template_id)',
    'CREATE INDEX member_coupons_template ON member_coupons (workspace_id, template_id, status)',
    'CREATE INDEX member_coupons_order ON member_coupons (workspace_id, order_id) WHERE order_id IS NOT NULL',
    'CREATE INDEX member_coupons_claim_code ON member_coupons (workspace_id, claim_code, member_id) WHERE claim_code IS NOT NULL',
    "CREATE INDEX member_coupons_expiry ON member_coupons (workspace_id, valid_to) WHERE status IN ('issued', 'claimed')",
    'CREATE INDEX coupon_redemptions_order ON coupon_redemptions (workspace_id, order_id)',
    'CREATE INDEX coupon_redemptions_template ON coupon_redemptions (workspace_id, template_id, created_at)',
    // The order sync reads recently changed orders that carry a coupon code: a small partial index on PostgreSQL.
    'CREATE INDEX orders_coupon_updated ON orders (workspace_id, updated_at) WHERE coupon_code IS NOT NULL',
  ];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
