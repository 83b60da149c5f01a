// Order aggregates over a window: count, sum or average of counted orders, optionally of matching lines only.
import type { Clock } from '../compare.ts';
import type { OrdersRule } from '../schema.ts';
import { inSet, outsideSet, type Condition, type SqlBuilder } from '../sql-builder.ts';
import { windowSql } from '../window.ts';
import { countHolds, INVERSE, sqlOp } from './counts.ts';

// Orders that count, as for member_traits: paid or partially refunded (not cancelled, not fully refunded).
const COUNTED = `o.status IN ('paid', 'partially_refunded')`;

/**
 * Without item filters an order's value is what was paid net of refunds (`amount - refunded_amount`); with
 * `categories`/`products` only orders with a matching line count, valued at the sum of their matching lines
 * (gross: partial refunds are not attributed to lines). `channels` filters orders.channel. A member with no
 * counted order in the window has count 0 and sum 0 (so "sum < 100" includes them) and no average.
 */
export function ordersPredicate(b: SqlBuilder, node: OrdersRule['orders'], clock: Clock): Condition {
  const itemFilters: string[] = [];
  if (node.categories) itemFilters.push(`i.category IN (${b.bindList(node.categories, 'text')})`);
  if (node.products) {
    // a product is named by its id (sku) or by its name as sold
    itemFilters.push(`(i.product_id IN (${b.bindList(node.products, 'text')}) OR i.name IN (${b.bindList(node.products, 'text')}))`);
  }
  const channels = node.channels ? ` AND o.channel IN (${b.bindList(node.channels, 'text')})` : '';
  const where = `o.workspace_id = ${b.ws} AND o.member_id IS NOT NULL AND ${COUNTED}`
    + windowSql(b, 'o.paid_at', node, clock) + channels + b.scope('o.member_id');
  const zeroOk = node.measure !== 'avg' && countHolds(0, node.op, node.value);
  const op = sqlOp(zeroOk ? INVERSE[node.op] : node.op);
  const bound = b.bind(node.value, node.measure === 'count' ? 'bigint' : 'double');
  let sub: string;
  if (itemFilters.length === 0) {
    const value = '(o.amount - o.refunded_amount)';
    const agg = node.measure === 'count' ? 'COUNT(*)' : node.measure === 'sum' ? `SUM(${value})` : `AVG(${value})`;
    sub = `SELECT o.member_id FROM orders o WHERE ${where} GROUP BY o.member_id HAVING ${agg} ${op} ${bound}`;
  } else {
    // Matching lines per order first (join, then one group per order), then per member: cheaper than grouping
    // every matching line of all time by order before the window applies.
    const agg = node.measure === 'count' ? 'COUNT(*)' : node.measure === 'sum' ? 'SUM(x.amt)' : 'AVG(x.amt)';
    sub = `SELECT x.member_id FROM (SELECT o.member_id, o.id, SUM(i.amount) AS amt FROM orders o`
      + ` JOIN order_items i ON i.workspace_id = ${b.ws} AND i.order_id = o.id`
      + ` WHERE ${where} AND ${itemFilters.join(' AND ')} GROUP BY o.member_id, o.id) x`
      + ` GROUP BY x.member_id HAVING ${agg} ${op} ${bound}`;
  }
  return zeroOk ? outsideSet(sub, true) : inSet(sub, true);
}
