// Orders into journeys: the entry candidates an order trigger makes of orders (one per order, keyed by its id, so
// the change-feed listener and the sweep seeing the same order enter it once), and which instances an order goal
// ends (a matching paid order after the entry, other than the one that entered the member).
import { propertyAt } from '../../core/loyalty/tracked-events.ts';
import type { Store } from '../../store/port.ts';
import type { Candidate } from './entry.ts';
import type { InstanceRow } from './instance-repo.ts';
import { instanceKeyOf } from './keys.ts';
import type { LiveJourney } from './live.ts';
import { orderData } from './order-data.ts';
import { isStale, needsFirst, needsLines, orderEntryKey, orderMatches, orderProperties, type OrderFacts } from './order-filter.ts';
import type { Definition, OrderFilter } from './schema.ts';
import { EVENT_SKEW_MS } from './steps.ts';

/**
 * Fills the orders' lines (always for entries: they are entry properties; for goals when a filter reads them) and
 * returns the ids of those that are their member's first paid order when some filter asks.
 */
export async function prepareOrders(store: Store, ws: string, orders: OrderFacts[], filters: OrderFilter[], o: { lines: boolean }): Promise<Set<string>> {
  if (orders.length === 0) return new Set();
  if (o.lines || filters.some(needsLines)) await orderData.withLines(store, store, ws, orders);
  return filters.some(needsFirst) ? orderData.firstOrders(store, store, ws, orders.map((x) => x.order_id)) : new Set();
}

/** Entry candidates of an order-triggered journey, oldest write first. */
export function orderCandidates(j: LiveJourney, orders: OrderFacts[], firsts: Set<string>): Candidate[] {
  const t = j.def.trigger;
  if (t.type !== 'order') return [];
  return orders
    .filter((o) => o.created_at >= j.liveSince && !isStale(o) && orderMatches(t, o, firsts.has(o.order_id)))
    .sort((a, b) => (a.created_at === b.created_at ? (a.order_id < b.order_id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1))
    .map((o) => {
      const properties = orderProperties(o);
      return {
        memberId: o.member_id,
        entryKey: orderEntryKey(o.order_id),
        instanceKey: instanceKeyOf(j.def.entry.key, properties, propertyAt),
        anchorAt: o.paid_at < o.created_at ? o.paid_at : o.created_at,
        at: o.created_at,
        context: { entry: { source: 'order', order_id: o.order_id, properties, ts: o.paid_at } },
      };
    });
}

/** Instances whose order goal is met: a matching paid order since the entry (not the entering order itself). */
export async function orderGoalsMet(store: Store, ws: string, rows: InstanceRow[], defOf: (i: InstanceRow) => Definition): Promise<Set<string>> {
  const met = new Set<string>();
  const withGoal = rows.filter((i) => { const g = defOf(i).goal; return g !== undefined && 'order' in g; });
  if (withGoal.length === 0) return met;
  const filterOf = (i: InstanceRow) => (defOf(i).goal as { order: OrderFilter }).order;
  const sinceOf = (i: InstanceRow) => {
    const ts = i.context.entry?.ts;
    return ts && ts < i.entered_at ? ts : i.entered_at;
  };
  const since = new Date(Math.min(...withGoal.map((i) => Date.parse(sinceOf(i)))) - EVENT_SKEW_MS).toISOString();
  const orders = await orderData.ofMembers(store, store, ws, [...new Set(withGoal.map((i) => i.member_id))], since);
  const firsts = await prepareOrders(store, ws, orders, withGoal.map(filterOf), { lines: false });
  const byMember = new Map<string, OrderFacts[]>();
  for (const o of orders) byMember.set(o.member_id, [...(byMember.get(o.member_id) ?? []), o]);
  for (const i of withGoal) {
    const f = filterOf(i);
    const from = sinceOf(i);
    const entered = i.context.entry?.order_id;
    const hit = (byMember.get(i.member_id) ?? []).some((o) =>
      o.order_id !== entered && !isStale(o) && (o.paid_at >= from || o.created_at >= from) && orderMatches(f, o, firsts.has(o.order_id)));
    if (hit) met.add(i.id);
  }
  return met;
}
