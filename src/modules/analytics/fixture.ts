// Test data for analytics: a small brand in Asia/Shanghai whose every figure can be checked by hand (see
// analytics.test.ts), and a seeded random brand for comparing the two engines. Rows go straight into the tables
// so that creation dates, statuses and refunds are exactly as written.
import type { JsonColumn, Store } from '../../store/port.ts';
import { rebuildEventMonths } from '../activity/event-months.ts';
import { recomputeOrderFactsAll } from '../activity/order-facts.ts';

/** A local Shanghai wall time `YYYY-MM-DD HH:MM` as a UTC ISO instant. */
export const sh = (local: string) => new Date(`${local.replace(' ', 'T')}:00+08:00`).toISOString();

type Rows = Record<string, unknown>[];
const c = (name: string, type: JsonColumn['type']): JsonColumn => ({ name, type });

/** Inserts members, orders, refunds and events rows for workspace `ws`, then rebuilds its activity facts. */
export async function insertRows(store: Store, ws: string, d: { members?: Rows; orders?: Rows; refunds?: Rows; events?: Rows }): Promise<void> {
  if (d.members?.length) {
    const src = store.jsonRows(2, [c('id', 'text'), c('merged_into', 'text'), c('source_channel', 'text'), c('created_at', 'timestamptz')], 'r');
    await store.exec(
      `INSERT INTO members (workspace_id, id, merged_into, source_channel, created_at, updated_at)
       SELECT $1, r.id, r.merged_into, r.source_channel, r.created_at, r.created_at FROM ${src}`,
      [ws, JSON.stringify(d.members)],
    );
  }
  if (d.orders?.length) {
    const src = store.jsonRows(2, [c('id', 'text'), c('member_id', 'text'), c('status', 'text'), c('amount', 'numeric'), c('refunded_amount', 'numeric'), c('channel', 'text'), c('paid_at', 'timestamptz')], 'r');
    await store.exec(
      `INSERT INTO orders (workspace_id, id, member_id, status, amount, refunded_amount, channel, paid_at, created_at, updated_at)
       SELECT $1, r.id, r.member_id, r.status, r.amount, r.refunded_amount, r.channel, r.paid_at, r.paid_at, r.paid_at FROM ${src}`,
      [ws, JSON.stringify(d.orders.map((o) => ({ refunded_amount: 0, status: 'paid', channel: null, ...o })))],
    );
  }
  if (d.refunds?.length) {
    const src = store.jsonRows(2, [c('id', 'text'), c('order_id', 'text'), c('member_id', 'text'), c('amount', 'numeric'), c('refunded_at', 'timestamptz')], 'r');
    await store.exec(
      `INSERT INTO refunds (workspace_id, id, order_id, member_id, amount, refunded_at, created_at)
       SELECT $1, r.id, r.order_id, r.member_id, r.amount, r.refunded_at, r.refunded_at FROM ${src}`,
      [ws, JSON.stringify(d.refunds)],
    );
  }
  if (d.events?.length) {
    const src = store.jsonRows(2, [c('id', 'text'), c('member_id', 'text'), c('type', 'text'), c('name', 'text'), c('properties', 'json'), c('ts', 'timestamptz')], 'r');
    await store.exec(
      `INSERT INTO events (workspace_id, message_id, member_id, type, name, properties, ts, received_at)
       SELECT $1, r.id, r.member_id, r.type, r.name, r.properties, r.ts, r.ts FROM ${src}`,
      [ws, JSON.stringify(d.events.map((e) => ({ type: 'track', properties: {}, ...e })))],
    );
  }
  // As the demo loader does after writing around the services: the activity facts follow (cohorts read them).
  await store.transaction(async (tx) => {
    await recomputeOrderFactsAll(tx, ws);
    await rebuildEventMonths(tx, ws);
  });
}

/**
 * The hand-checkable brand (times are Shanghai local). Members A…H (G merged into C), twelve orders over January to
 * April 2024 (one cancelled, one guest, one fully and one partly refunded), three refunds (one without an order) and
 * seventeen events. Records at local midnight ± minutes sit on the other side of the UTC date line on purpose.
 */
export const HAND = {
  members: [
    { id: 'mA', source_channel: 'miniprogram', created_at: sh('2023-12-15 10:00') },
    { id: 'mB', source_channel: 'app', created_at: sh('2024-01-20 10:00') },
    { id: 'mC', source_channel: 'miniprogram', created_at: sh('2024-02-10 10:00') },
    { id: 'mD', source_channel: 'wecom', created_at: sh('2024-03-01 00:30') },
    { id: 'mE', source_channel: 'app', created_at: sh('2024-03-31 23:30') },
    { id: 'mF', source_channel: 'store', created_at: sh('2024-04-01 00:10') },
    { id: 'mG', source_channel: 'miniprogram', created_at: sh('2024-02-20 10:00'), merged_into: 'mC' },
    { id: 'mH', source_channel: null, created_at: sh('2024-01-05 10:00') },
  ],
  orders: [
    { id: 'o1', member_id: 'mA', amount: 100, channel: 'miniprogram', paid_at: sh('2024-01-10 12:00') },
    { id: 'o2', member_id: 'mB', amount: 50, channel: 'app', paid_at: sh('2024-01-25 12:00') },
    { id: 'o3', member_id: 'mA', amount: 80, channel: 'miniprogram', paid_at: sh('2024-02-05 12:00') },
    { id: 'o4', member_id: 'mC', amount: 60, channel: 'store', paid_at: sh('2024-02-12 12:00') },
    { id: 'o5', member_id: 'mC', amount: 40, status: 'partially_refunded', refunded_amount: 10, channel: 'store', paid_at: sh('2024-02-28 12:00') },
    { id: 'o6', member_id: 'mA', amount: 120, channel: 'miniprogram', paid_at: sh('2024-03-02 12:00') },
    { id: 'o7', member_id: 'mA', amount: 30, status: 'refunded', refunded_amount: 30, channel: 'app', paid_at: sh('2024-03-20 12:00') },
    { id: 'o8', member_id: 'mD', amount: 200, channel: 'wecom', paid_at: sh('2024-03-01 00:40') },
    { id: 'o9', member_id: 'mB', amount: 70, status: 'cancelled', channel: 'app', paid_at: sh('2024-03-15 12:00') },
    { id: 'o10', member_id: 'mC', amount: 90, channel: 'miniprogram', paid_at: sh('2024-03-10 12:00') },
    { id: 'o11', member_id: null, amount: 999, channel: 'store', paid_at: sh('2024-03-05 12:00') },
    { id: 'o12', member_id: 'mE', amount: 55, channel: 'app', paid_at: sh('2024-04-01 00:20') },
  ],
  refunds: [
    { id: 'r1', order_id: 'o5', member_id: 'mC', amount: 10, refunded_at: sh('2024-03-01 12:00') },
    { id: 'r2', order_id: 'o7', member_id: 'mA', amount: 30, refunded_at: sh('2024-03-22 12:00') },
    { id: 'r3', order_id: null, member_id: 'mC', amount: 15, refunded_at: sh('2024-03-25 12:00') },
  ],
  events: [
    { id: 'e1', member_id: 'mA', name: 'view', properties: { category: 'tea', price: 20 }, ts: sh('2024-03-02 11:50') },
    { id: 'e2', member_id: 'mA', name: 'add_to_cart', properties: { category: 'tea' }, ts: sh('2024-03-02 11:55') },
    { id: 'e3', member_id: 'mC', name: 'view', properties: { category: 'tea', price: 30 }, ts: sh('2024-03-10 11:00') },
    { id: 'e4', member_id: 'mC', name: 'add_to_cart', properties: { category: 'tea' }, ts: sh('2024-03-10 11:30') },
    { id: 'e5', member_id: 'mC', name: 'checkout', properties: {}, ts: sh('2024-03-10 11:45') },
    { id: 'e6', member_id: 'mB', name: 'view', properties: { category: 'coffee', price: 35 }, ts: sh('2024-03-29 09:00') },
    { id: 'e7', member_id: 'mB', name: 'add_to_cart', properties: { category: 'coffee' }, ts: sh('2024-03-30 09:00') },
    { id: 'e8', member_id: 'mE', name: 'view', properties: { category: 'tea', price: 18 }, ts: sh('2024-03-31 23:40') },
    { id: 'e9', member_id: 'mH', name: 'view', properties: { category: 'tea', price: 25 }, ts: sh('2024-02-15 10:00') },
    { id: 'e10', member_id: 'mH', name: 'view', properties: { category: 'tea', price: 25 }, ts: sh('2024-03-05 10:00') },
    { id: 'e11', member_id: 'mH', name: 'add_to_cart', properties: { category: 'tea' }, ts: sh('2024-03-13 10:00') },
    { id: 'e12', member_id: 'mF', name: 'view', properties: { category: 'tea' }, ts: sh('2024-04-01 00:30') },
    { id: 'e13', member_id: 'mA', name: 'view', properties: { category: 'coffee', price: 40 }, ts: sh('2024-03-25 10:00') },
    { id: 'e14', member_id: 'mD', name: 'view', properties: { category: 'tea', price: 22 }, ts: sh('2024-03-01 00:35') },
    { id: 'e15', member_id: 'mD', name: 'add_to_cart', properties: { category: 'tea' }, ts: sh('2024-03-01 00:38') },
    { id: 'e16', member_id: 'mA', name: 'view', properties: {}, ts: sh('2024-01-10 11:00') },
    { id: 'e17', member_id: 'mB', name: 'view', properties: {}, ts: sh('2024-01-25 11:00') },
  ],
};

/** A seeded random brand (mulberry32): `n` members over 2024 with orders, refunds and events near day boundaries. */
export function randomBrand(n: number, seed = 7) {
  let s = seed;
  const rnd = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const start = Date.parse('2024-01-01T00:00:00+08:00');
  const span = 200 * 86_400_000;
  // Minutes snap to a 20-minute grid so many records sit exactly on or next to local and UTC midnights.
  const at = (ms: number) => new Date(start + Math.floor(ms / 1_200_000) * 1_200_000).toISOString();
  const members: Rows = [];
  const orders: Rows = [];
  const refunds: Rows = [];
  const events: Rows = [];
  const channels = ['miniprogram', 'app', 'wecom', 'store', null];
  for (let i = 0; i < n; i++) {
    const id = `m${i}`;
    const born = rnd() * span;
    members.push({ id, source_channel: pick(channels), created_at: at(born), merged_into: i > 0 && rnd() < 0.03 ? `m${i - 1}` : null });
    const nOrders = Math.floor(rnd() ** 2 * 6);
    for (let k = 0; k < nOrders; k++) {
      const amount = Math.round(rnd() * 30000) / 100 + 1;
      const status = pick(['paid', 'paid', 'paid', 'cancelled', 'refunded', 'partially_refunded']);
      const refunded = status === 'refunded' ? amount : status === 'partially_refunded' ? Math.round(amount * 50) / 100 : 0;
      const oid = `${id}-o${k}`;
      const paid = born + rnd() * (span - born);
      orders.push({ id: oid, member_id: rnd() < 0.05 ? null : id, status, amount, refunded_amount: refunded, channel: pick(channels), paid_at: at(paid) });
      if (refunded > 0) refunds.push({ id: `${oid}-r`, order_id: oid, member_id: id, amount: refunded, refunded_at: at(paid + rnd() * 5 * 86_400_000) });
    }
    if (rnd() < 0.1) refunds.push({ id: `${id}-u`, order_id: null, member_id: id, amount: 5, refunded_at: at(born + rnd() * (span - born)) });
    const nEvents = Math.floor(rnd() * 12);
    let t = born;
    for (let k = 0; k < nEvents; k++) {
      t += rnd() * 6 * 86_400_000;
      if (t >= span) break;
      events.push({ id: `${id}-e${k}`, member_id: id, name: pick(['view', 'add_to_cart', 'checkout']), properties: { category: pick(['tea', 'coffee']), price: Math.floor(rnd() * 50) }, ts: at(t) });
    }
  }
  return { members, orders, refunds, events };
}
