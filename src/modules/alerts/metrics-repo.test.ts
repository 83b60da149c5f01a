// Every catalogue metric's daily series on both stores, on a small hand-made data set in Asia/Shanghai local days.
import { beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { dailySeries } from './metrics-repo.ts';

const WS = 'ws_alert_metrics';
const TZ = 'Asia/Shanghai';
const [D1, D2, D3] = ['2024-06-03', '2024-06-04', '2024-06-05'];
const noon = (d: string) => `${d}T04:00:00.000Z`;

forEachStore('alert metric series', (ctx) => {
  const series = async (metric: string, params: Record<string, unknown> = {}) => dailySeries(ctx.store, WS, TZ, metric, params, D1, D3);
  const values = async (metric: string, params: Record<string, unknown> = {}) => (await series(metric, params)).map((p) => p.value);

  beforeAll(async () => {
    const s = ctx.store;
    const member = (id: string, created: string, merged: string | null = null, channel = 'miniprogram') =>
      s.exec(`INSERT INTO members (workspace_id, id, merged_into, source_channel, created_at, updated_at) VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ)`, [WS, id, merged, channel, created]);
    await member('m1', '2024-05-01T00:00:00Z');
    await member('m2', '2024-05-01T00:00:00Z');
    await member('m3', '2024-05-01T00:00:00Z');
    await member('m4', noon(D1));
    await member('m5', noon(D1), null, 'app');
    await member('m6', noon(D1), 'm5');
    const order = (id: string, memberId: string, amount: number, paid: string, status = 'paid', channel = 'miniprogram') =>
      s.exec(`INSERT INTO orders (workspace_id, id, member_id, status, amount, channel, paid_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7::TIMESTAMPTZ, $7::TIMESTAMPTZ, $7::TIMESTAMPTZ)`, [WS, id, memberId, status, amount, channel, paid]);
    await order('o1', 'm2', 100, noon(D1));
    await order('o2', 'm1', 50, '2024-06-03T10:00:00Z'); // 18:00 local
    await order('o3', 'm1', 999, noon(D1), 'cancelled');
    await order('o4', 'm3', 200, '2024-06-03T17:00:00Z', 'paid', 'app'); // 01:00 local on D2
    const refund = (id: string, orderId: string | null, amount: number, at: string) =>
      s.exec(`INSERT INTO refunds (workspace_id, id, order_id, member_id, amount, refunded_at, created_at) VALUES ($1, $2, $3, 'm2', $4, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ)`, [WS, id, orderId, amount, at]);
    await refund('r1', 'o1', 30, noon(D2));
    await refund('r2', null, 10, noon(D2));
    const consent = (id: string, memberId: string, status: string, at: string) =>
      s.exec(`INSERT INTO consent_history (workspace_id, id, member_id, channel, purpose, status, source, occurred_at, recorded_at) VALUES ($1, $2, $3, 'sms', 'marketing', $4, 'api', $5::TIMESTAMPTZ, $5::TIMESTAMPTZ)`, [WS, id, memberId, status, at]);
    await consent('c1', 'm1', 'revoked', noon(D2));
    await consent('c2', 'm2', 'granted', noon(D2));
    const send = (source: string, memberId: string, state: string, at: string) =>
      s.exec(`INSERT INTO message_sends (workspace_id, source_key, member_id, id, channel_id, channel_type, state, created_at, updated_at) VALUES ($1, $2, $3, $4, 'mch_1', 'sms', $5, $6::TIMESTAMPTZ, $6::TIMESTAMPTZ)`, [WS, source, memberId, `msg_${source}_${memberId}`, state, at]);
    for (const m of ['m1', 'm2', 'm3']) await send('b1', m, 'delivered', noon(D1));
    await send('b1', 'm4', 'failed', noon(D1));
    await send('b1', 'm5', 'pending', noon(D1));
    await send('alert:alrt_1:e1:mch_1', 'staff:s1', 'failed', noon(D1));
    const stage = (memberId: string, value: string) =>
      s.exec(`INSERT INTO member_score_history (workspace_id, member_id, kind, value, previous, as_of, run_id) VALUES ($1, $2, 'lifecycle_stage', $3, 'at_risk', $4::DATE, 'run1')`, [WS, memberId, value, D2]);
    await stage('m1', 'silent');
    await stage('m2', 'silent');
    await stage('m3', 'active');
    const event = (id: string, memberId: string, name: string, channel: string | null, props: unknown) =>
      s.exec(`INSERT INTO events (workspace_id, message_id, member_id, type, name, channel, properties, ts, received_at) VALUES ($1, $2, $3, 'track', $4, $5, CAST($6 AS JSON), $7::TIMESTAMPTZ, $7::TIMESTAMPTZ)`, [WS, id, memberId, name, channel, JSON.stringify(props), noon(D1)]);
    await event('e1', 'm1', 'review', 'app', { rating: 1 });
    await event('e2', 'm1', 'review', 'app', { rating: 5 });
    await event('e3', 'm3', 'tier_changed', 'system', {});
  });

  it('orders and GMV by local day, cancelled left out, channel filter', async () => {
    expect(await values('orders')).toEqual([2, 1, 0]);
    expect(await series('gmv')).toEqual([{ date: D1, value: 150, volume: 2 }, { date: D2, value: 200, volume: 1 }, { date: D3, value: 0, volume: 0 }]);
    expect(await values('orders', { channel: 'app' })).toEqual([0, 1, 0]);
  });

  it('refund rate by amount and by orders (null without orders)', async () => {
    expect(await series('refund_rate')).toEqual([{ date: D1, value: 0, volume: 2 }, { date: D2, value: 0.2, volume: 1 }, { date: D3, value: null, volume: 0 }]);
    expect(await values('refund_rate', { basis: 'orders' })).toEqual([0, 2, null]);
  });

  it('new members, DAU (system events left out), churn into silent', async () => {
    expect(await values('new_members')).toEqual([2, 0, 0]);
    expect(await values('dau')).toEqual([2, 1, 0]);
    expect(await values('churn_to_silent')).toEqual([0, 2, 0]);
  });

  it('unsubscribe rate over live members; delivery failure rate without alert sends', async () => {
    expect(await series('unsubscribe_rate')).toEqual([{ date: D1, value: 0, volume: 5 }, { date: D2, value: 0.2, volume: 5 }, { date: D3, value: 0, volume: 5 }]);
    expect(await series('delivery_failure_rate')).toEqual([{ date: D1, value: 0.25, volume: 4 }, { date: D2, value: null, volume: 0 }, { date: D3, value: null, volume: 0 }]);
    expect(await values('delivery_failure_rate', { channel_type: 'email' })).toEqual([null, null, null]);
  });

  it('event counts with property filters', async () => {
    expect(await values('event_count', { event: 'review' })).toEqual([2, 0, 0]);
    expect(await values('event_count', { event: 'review', filters: [{ property: 'rating', op: 'lte', value: 2 }] })).toEqual([1, 0, 0]);
  });
});
