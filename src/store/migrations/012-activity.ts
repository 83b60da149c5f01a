// Migration 12: member activity facts kept at write time — local months with events and with orders, and per-member
// purchase facts — so cohort tables and CLV summaries read ~1M small rows instead of grouping 10M orders and
// 50M events. Backfilled here from the existing events and orders.
import type { DialectTypes } from '../port.ts';
import { eventMonthsSql } from '../../modules/activity/event-months.ts';
import { orderMonthsSql, purchaseFactsSql } from '../../modules/activity/order-facts.ts';

export const version = 12;
export const name = 'activity';

/**
 * No primary keys on DuckDB (PostgreSQL gets member indexes): events' months are appended by the ingest path
 * (a duplicate row is harmless, readers OR the bits), and the order tables are deleted and re-inserted per member
 * on every order write — DuckDB would report false duplicate keys for that, and its ON CONFLICT is slow at scale.
 * Local months and days are in the workspace's time zone (fixed when the workspace is created).
 */
export function up(t: DialectTypes): string[] {
  const tables = [
    // Bit m−1 of `months`: the member had an event in local month m of `year` (January = bit 0).
    `CREATE TABLE member_event_months (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      year INTEGER NOT NULL,
      months INTEGER NOT NULL
    )`,
    // Bits as above: months with any order (cancelled too), with a purchase (not cancelled), with two or more.
    `CREATE TABLE member_order_months (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      year INTEGER NOT NULL,
      ordered INTEGER NOT NULL,
      purchased INTEGER NOT NULL,
      repurchased INTEGER NOT NULL
    )`,
    // One row per member with orders; see src/modules/activity/order-facts.ts for the definitions.
    `CREATE TABLE member_purchase_facts (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      orders INTEGER NOT NULL,
      paid_orders INTEGER NOT NULL,
      first_purchase_at TIMESTAMPTZ,
      paid_first_day INTEGER,
      paid_last_day INTEGER,
      paid_days INTEGER NOT NULL,
      paid_value DECIMAL(18,2),
      paid_first_day_value DECIMAL(18,2),
      paid_last_at TIMESTAMPTZ
    )`,
  ];
  const indexes = [
    'CREATE INDEX member_event_months_member ON member_event_months (workspace_id, member_id)',
    'CREATE INDEX member_order_months_member ON member_order_months (workspace_id, member_id)',
    'CREATE INDEX member_purchase_facts_member ON member_purchase_facts (workspace_id, member_id)',
  ];
  const backfill = [eventMonthsSql('all'), purchaseFactsSql('all'), orderMonthsSql('all')];
  // Rows first, then the indexes (PostgreSQL builds an index faster than it maintains one during a bulk insert).
  return [...tables, ...backfill, ...(t.secondaryIndexes ? indexes : [])];
}
