// Hourly series on both stores: rows at chosen UTC instants land in the right local hour (Asia/Shanghai, and across a
// daylight-saving change in New York); every metric with hours; DAU and churn into silent refuse hours.
import { beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { metricSeries } from './metrics-repo.ts';

const WS = 'ws_alert_hourly';
const TZ = 'Asia/Shanghai';
const FROM = '2024-06-03T00:00';
const TO = '2024-06-03T11:00';

forEachStore('alert metric series per hour', (ctx) => {
  const series = (metric: string, params: Record<string, unknown> = {}, tz = TZ, from = FROM, to = TO) => metricSeries(ctx.store, WS, tz, metric, params, from, to);
  /** The non-zero (or non-null) hours of a series as { hour: value }. */
  const hours = async (metric: string, params: Record<string, unknown> = {}) =>
    Object.fromEntries((await series(metric, params)).filter((p) => p.value !== 0 && p.value !== null).map((p) => [p.date.slice(11), p.value]));

  beforeAll(async () => {
    const s = ctx.store;
    const event = (id: string, ts: string) =>
      s.exec(`INSERT INTO events (workspace_id, message_id, type, name, ts, received_at) VALUES ($1, $2, 'track', 'complaint', $3::TIMESTAMPTZ, $3::TIMESTAMPTZ)`, [WS, id, ts]);
    await event('e1', '2024-06-03T02:30:00Z'); // 10:30 local
    await event('e2', '2024-06-03T02:59:59Z'); // 10:59:59
    await event('e3', '2024-06-03T03:00:00Z'); // 11:00
    await event('e4', '2024-06-02T16:00:00Z'); // 00:00 on the 3rd
    await event('e5', '2024-06-02T15:59:59Z'); // 23:59:59 on the 2nd: before the range
    await event('e6', '2024-03-10T06:30:00Z'); // New York 01:30 EST
    await event('e7', '2024-03-10T07:30:00Z'); // New York 03:30 EDT (02:00–03:00 does not exist that night)
    const member = (id: string, created: string) =>
      s.exec(`INSERT INTO members (workspace_id, id, source_channel, created_at, updated_at) VALUES ($1, $2, 'miniprogram', $3::TIMESTAMPTZ, $3::TIMESTAMPTZ)`, [WS, id, created]);
    for (const id of ['m1', 'm2', 'm3']) await member(id, '2024-05-01T00:00:00Z');
    await member('m4', '2024-06-03T01:15:00Z'); // 09:15
    const order = (id: string, amount: number, paid: string, status = 'paid') =>
      s.exec(`INSERT INTO orders (workspace_id, id, member_id, status, amount, paid_at, created_at, updated_at) VALUES ($1, $2, 'm1', $3, $4, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ)`, [WS, id, status, amount, paid]);
    await order('o1', 100, '2024-06-03T02:10:00Z'); // 10:10
    await order('o2', 60, '2024-06-03T02:50:00Z'); // 10:50
    await order('o3', 999, '2024-06-03T02:20:00Z', 'cancelled');
    await order('o4', 40, '2024-06-03T03:05:00Z'); // 11:05
    await s.exec(`INSERT INTO refunds (workspace_id, id, order_id, member_id, amount, refunded_at, created_at) VALUES ($1, 'r1', 'o4', 'm1', 10, $2::TIMESTAMPTZ, $2::TIMESTAMPTZ)`, [WS, '2024-06-03T03:30:00Z']);
    await s.exec(
      `INSERT INTO consent_history (workspace_id, id, member_id, channel, purpose, status, source, occurred_at, recorded_at) VALUES ($1, 'c1', 'm1', 'sms', 'marketing', 'revoked', 'api', $2::TIMESTAMPTZ, $2::TIMESTAMPTZ)`,
      [WS, '2024-06-03T03:20:00Z'],
    );
    const send = (memberId: string, state: string, at: string) =>
      s.exec(`INSERT INTO message_sends (workspace_id, source_key, member_id, id, channel_id, channel_type, state, created_at, updated_at) VALUES ($1, 'b1', $2, $3, 'mch_1', 'sms', $4, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ)`, [WS, memberId, `msg_${memberId}`, state, at]);
    await send('m1', 'delivered', '2024-06-03T02:05:00Z');
    await send('m2', 'failed', '2024-06-03T02:06:00Z');
  });

  it('events at UTC instants land in their Asia/Shanghai local hour; hours without rows are 0', async () => {
    const s = await series('event_count', { event: 'complaint' });
    expect(s).toHaveLength(12);
    expect(s[0]).toEqual({ date: '2024-06-03T00:00', value: 1, volume: 1 });
    expect(s[10]).toEqual({ date: '2024-06-03T10:00', value: 2, volume: 2 }); // 2024-06-03T02:30Z → 10:00 local
    expect(s[11]).toEqual({ date: '2024-06-03T11:00', value: 1, volume: 1 });
    expect(s.slice(1, 10).every((p) => p.value === 0)).toBe(true);
  });

  it('hours across a daylight-saving change (New York, 2024-03-10): the missing 02:00 hour stays empty', async () => {
    const s = await series('event_count', { event: 'complaint' }, 'America/New_York', '2024-03-10T00:00', '2024-03-10T04:00');
    expect(s.map((p) => [p.date.slice(11), p.value])).toEqual([['00:00', 0], ['01:00', 1], ['02:00', 0], ['03:00', 1], ['04:00', 0]]);
  });

  it('orders, GMV, refund rate, new members, unsubscribe and delivery failure rates per hour', async () => {
    expect(await hours('orders')).toEqual({ '10:00': 2, '11:00': 1 });
    expect(await hours('gmv')).toEqual({ '10:00': 160, '11:00': 40 });
    expect(await hours('refund_rate')).toEqual({ '11:00': 0.25 });
    expect(await hours('new_members')).toEqual({ '09:00': 1 });
    const unsub = await series('unsubscribe_rate');
    expect(unsub[11]).toEqual({ date: TO, value: 0.25, volume: 4 }); // 1 of the 4 members live at 11:00
    expect(unsub[8]).toMatchObject({ value: 0, volume: 3 }); // 08:00: before m4 joined
    expect(await hours('delivery_failure_rate')).toEqual({ '10:00': 0.5 });
  });

  it('DAU and churn into silent have no hours', async () => {
    for (const metric of ['dau', 'churn_to_silent']) {
      await expect(series(metric)).rejects.toMatchObject({ code: 'alert.granularity_unsupported', field: 'granularity' });
    }
  });
});
