// Migration 21: the journeys' order-trigger sweep reads the orders changed since its watermark every minute; on
// PostgreSQL an index keeps that a range read instead of a scan of every order (DuckDB keeps no secondary indexes).
import type { DialectTypes } from '../port.ts';

export const version = 21;
export const name = 'orders-updated-index';

export function up(t: DialectTypes): string[] {
  return t.secondaryIndexes ? ['CREATE INDEX IF NOT EXISTS orders_updated ON orders (workspace_id, updated_at)'] : [];
}
