// Hourly monitors end to end on both stores: a complaint wave within one morning opens an alert at 10:00 local, is
// de-duplicated, re-notified once the cool-down has passed, escalated, and resolved after two normal hours; a lunch
// peak every day is normal for the same weekday-and-hour baseline; defaults (schedule, as_of, series window) and the
// refusals (daily-only metrics, as_of of the wrong granularity).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { adminRequests, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';
import { shiftDays, shiftPeriod } from '../../core/alerts/periods.ts';
import { localHourOf, localHourUtc } from '../analytics/calendar.ts';
import type { Store } from '../../store/port.ts';
import { insertTrackEvents } from './testing.ts';

const TZ = 'Asia/Shanghai';
const H = (hh: number) => `2024-06-03T${String(hh).padStart(2, '0')}:00`; // a Monday, local hours

/** Inserts `n` events named `name` spread over the local hour `hour` (Asia/Shanghai). */
async function events(store: Store, ws: string, hour: string, name: string, n: number) {
  const start = Date.parse(localHourUtc(hour, TZ));
  const rows = Array.from({ length: n }, (_, i) => ({ id: `${name}-${hour}-${Math.random().toString(36).slice(2)}-${i}`, ts: new Date(start + ((i * 997) % 3600) * 1000).toISOString() }));
  await insertTrackEvents(store, ws, name, rows);
}

forEachStore('hourly alerts', (ctx) => {
  let t: TestApp;
  let sink: HttpSink;
  const { api, ok } = adminRequests(() => t);
  const refusal = async (method: string, url: string, body: unknown) => {
    const r = await api(method, url, body);
    return { status: r.statusCode, code: r.json().code, field: r.json().field, message: r.json().message as string };
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    sink = await startHttpSink();
    const ws = t.workspaceId;
    // 08:00–15:00 on the Monday: 1, 2, 20, 25, 40, 2, 3, 1 complaints.
    for (const [hh, n] of [[8, 1], [9, 2], [10, 20], [11, 25], [12, 40], [13, 2], [14, 3], [15, 1]]) await events(ctx.store, ws, H(hh), 'complaint', n);
    await ok('POST', '/api/messaging/channels', { name: 'ops-hook', type: 'webhook', config: { url: sink.url + '/alerts' }, options: { retries: 0, timeout_ms: 3000 } }, 201);
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
  });

  it('opens at the breaching hour, re-notifies per cool-down, escalates and auto-resolves', async () => {
    const m = await ok('POST', '/api/alerts/monitors', {
      name: '客诉小时', metric: 'event_count', params: { event: 'complaint' }, granularity: 'hour', rule: { type: 'static', op: 'above', thresholds: { warning: 10, critical: 30 } },
      recovery_periods: 2, cooldown_minutes: 60, recipients: [{ name: '值班', email: 'duty@example.com' }], channels: ['ops-hook'],
    }, 201);
    expect(m).toMatchObject({ granularity: 'hour', schedule: '5 * * * *' });
    expect((await t.services.jobs.getSchedule(t.workspaceId, `alerts:${m.id}`)).cron).toBe('5 * * * *');
    const at = (as_of: string) => ok('POST', `/api/alerts/monitors/${m.id}/evaluate`, { as_of });

    expect(await at(H(9))).toMatchObject({ as_of: H(9), action: 'none', evaluation: { date: H(9), status: 'ok', value: 2 } });
    const opened = await at(H(10));
    expect(opened).toMatchObject({ action: 'opened', evaluation: { date: H(10), value: 20, severity: 'warning' }, alert: { state: 'open', first_period: H(10), last_period: H(10) } });
    expect(opened.notifications).toMatchObject([{ reason: 'opened', status: 'sent' }]);
    expect(sink.requests[0].json.content.data).toMatchObject({ period: H(10), value: 20 });
    expect(sink.requests[0].json.content.text).toContain('2024-06-03 10:00 为 20');
    const id = opened.alert.id;

    // 11:00 still above: the same alert, no reminder within the 60-minute cool-down …
    expect(await at(H(11))).toMatchObject({ action: 'repeated', alert: { id, occurrences: 2, last_period: H(11) }, notifications: [] });
    // … but once it has passed (the last notification moved back 61 minutes), a reminder goes out.
    await ctx.store.exec('UPDATE alerts SET last_notified_at = $2::TIMESTAMPTZ WHERE id = $1', [id, new Date(Date.now() - 61 * 60_000).toISOString()]);
    expect(await at(H(11))).toMatchObject({ action: 'repeated', alert: { id, occurrences: 3 }, notifications: [{ reason: 'reminder', status: 'sent' }] });
    expect(await at(H(12))).toMatchObject({ action: 'escalated', alert: { id, severity: 'critical', last_period: H(12) }, notifications: [{ reason: 'escalated' }] });
    // Back to normal: one hour is not enough (recovery 2), two are.
    expect(await at(H(13))).toMatchObject({ action: 'none', recovered: false, alert: { id, state: 'open' } });
    expect(await at(H(14))).toMatchObject({ action: 'resolved', recovered: true, alert: { id, state: 'resolved', resolution: 'auto' }, notifications: [{ reason: 'resolved' }] });
    expect(sink.requests).toHaveLength(4);

    const detail = await ok('GET', `/api/alerts/${id}`);
    expect(detail).toMatchObject({ first_period: H(10), last_period: H(12), monitor: { granularity: 'hour' } });
    expect(detail.events.filter((e: any) => e.period).map((e: any) => [e.type, e.period])).toEqual([
      ['opened', H(10)], ['repeated', H(11)], ['repeated', H(11)], ['escalated', H(12)], ['resolved', H(14)],
    ]);
    // The chart: two days of hours before the alert to a day after its last breach.
    expect(detail.chart.points[0].date).toBe(shiftPeriod(H(10), -48));
    expect(detail.chart.points.at(-1).date).toBe(shiftPeriod(H(12), 24));
    expect(detail.chart.points.filter((p: any) => p.status === 'breach').map((p: any) => p.date)).toEqual([H(10), H(11), H(12)]);
    expect((await ok('GET', '/api/alerts?state=resolved')).data[0]).toMatchObject({ id, first_period: H(10), last_period: H(12) });
  });

  it('series: days of hours (default 7 → 168 points) ending on as_of; defaults to the last complete hour', async () => {
    const m = (await ok('GET', '/api/alerts/monitors')).data.find((x: any) => x.name === '客诉小时');
    const week = await ok('GET', `/api/alerts/monitors/${m.id}/series?as_of=${encodeURIComponent(H(14))}`);
    expect(week).toMatchObject({ granularity: 'hour', unit: 'count', thresholds: { warning: 10, critical: 30 } });
    expect(week.points).toHaveLength(168);
    expect([week.points[0].date, week.points.at(-1).date]).toEqual([shiftPeriod(H(14), -167), H(14)]);
    const day = await ok('GET', `/api/alerts/monitors/${m.id}/series?as_of=${encodeURIComponent(H(23))}&days=1`);
    expect(day.points.map((p: any) => p.value).slice(8, 16)).toEqual([1, 2, 20, 25, 40, 2, 3, 1]);
    const before = shiftPeriod(localHourOf(TZ), -1);
    const dry = await ok('POST', `/api/alerts/monitors/${m.id}/evaluate`, { dry_run: true });
    expect([before, shiftPeriod(localHourOf(TZ), -1)]).toContain(dry.as_of);
  });

  it('a lunch peak every day is normal for the same weekday-and-hour baseline; the same hour doubled alerts', async () => {
    const ws = t.workspaceId;
    for (let d = 35; d >= 0; d--) {
      for (const hh of [11, 12, 13]) await events(ctx.store, ws, shiftDays(H(hh), -d), 'visit', hh === 12 ? 30 : 5);
    }
    const m = await ok('POST', '/api/alerts/monitors', { name: 'visits/h', metric: 'event_count', params: { event: 'visit' }, granularity: 'hour', rule: { type: 'anomaly', direction: 'up', weeks: 5 }, schedule: null }, 201);
    const dry = async (as_of: string) => (await ok('POST', `/api/alerts/monitors/${m.id}/evaluate`, { as_of, dry_run: true })).evaluation;
    for (const hh of [11, 12, 13, 14]) expect((await dry(H(hh))).status, H(hh)).toBe('ok');
    expect(await dry(H(12))).toMatchObject({ value: 30, baseline: { median: 30, history: [30, 30, 30, 30, 30] } });
    await events(ctx.store, ws, H(12), 'visit', 30);
    expect(await dry(H(12))).toMatchObject({ status: 'breach', severity: 'critical', value: 60, baseline: { median: 30 } });
    // Evaluating all: an hour evaluates the hourly monitors only, a date the daily ones.
    await ok('POST', '/api/alerts/monitors', { name: 'daily', metric: 'dau', rule: { type: 'anomaly' }, schedule: null }, 201);
    const byHour = (await ok('POST', '/api/alerts/evaluate', { as_of: H(12), dry_run: true })).data.map((r: any) => r.monitor).sort();
    expect(byHour).toEqual(['visits/h', '客诉小时']);
    expect((await ok('POST', '/api/alerts/evaluate', { as_of: '2024-06-03', dry_run: true })).data.map((r: any) => r.monitor)).toEqual(['daily']);
  });

  it('refuses daily-only metrics per hour and as_of of the wrong granularity; a granularity change moves a default schedule', async () => {
    const base = { name: 'dau/h', metric: 'dau', granularity: 'hour', rule: { type: 'anomaly' } };
    const dau = await refusal('POST', '/api/alerts/monitors', base);
    expect(dau).toMatchObject({ status: 400, code: 'alert.granularity_unsupported', field: 'granularity' });
    expect(dau.message).toContain('dau');
    expect(await refusal('POST', '/api/alerts/monitors', { ...base, metric: 'churn_to_silent' })).toMatchObject({ status: 400, code: 'alert.granularity_unsupported' });
    expect(await refusal('POST', '/api/alerts/monitors', { ...base, granularity: 'week' })).toMatchObject({ status: 400, code: 'request.invalid', field: 'body.granularity' });

    const daily = await ok('POST', '/api/alerts/monitors', { name: 'orders', metric: 'orders', rule: { type: 'anomaly' } }, 201);
    expect(daily).toMatchObject({ granularity: 'day', schedule: '5 9 * * *' });
    const hourAsOf = await refusal('POST', `/api/alerts/monitors/${daily.id}/evaluate`, { as_of: H(10) });
    expect(hourAsOf).toMatchObject({ status: 400, code: 'alert.as_of_invalid', field: 'as_of' });
    expect(hourAsOf.message).toContain('YYYY-MM-DD');
    expect(await refusal('POST', `/api/alerts/monitors/${daily.id}/evaluate`, { as_of: '2024-06-03T10:30' })).toMatchObject({ status: 400, field: 'body.as_of' });

    const hourly = await ok('PATCH', `/api/alerts/monitors/${daily.id}`, { granularity: 'hour' });
    expect(hourly).toMatchObject({ granularity: 'hour', schedule: '5 * * * *' });
    expect((await t.services.jobs.getSchedule(t.workspaceId, `alerts:${daily.id}`)).cron).toBe('5 * * * *');
    expect(await refusal('POST', `/api/alerts/monitors/${daily.id}/evaluate`, { as_of: '2024-06-03' })).toMatchObject({ status: 400, code: 'alert.as_of_invalid', field: 'as_of' });
    expect(await refusal('GET', `/api/alerts/monitors/${daily.id}/series?as_of=2024-06-03`, undefined)).toMatchObject({ status: 400, code: 'alert.as_of_invalid' });
    expect(await refusal('PATCH', `/api/alerts/monitors/${daily.id}`, { metric: 'dau' })).toMatchObject({ status: 400, code: 'alert.granularity_unsupported', field: 'granularity' });
    // A schedule someone chose stays when the granularity changes.
    await ok('PATCH', `/api/alerts/monitors/${daily.id}`, { schedule: '0 */2 * * *' });
    expect(await ok('PATCH', `/api/alerts/monitors/${daily.id}`, { granularity: 'day' })).toMatchObject({ granularity: 'day', schedule: '0 */2 * * *' });
  });
});
