// The alert lifecycle end to end on both stores: a complaint spike opens a critical alert and notifies named
// recipients through a webhook sink; a repeat is de-duplicated without a new notification; acknowledge; back to
// normal for the recovery periods → auto-resolve; a new spike → manual resolve; seasonality; bad input.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { adminRequests, asRole, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';
import { shiftDate } from '../../core/alerts/evaluate.ts';
import type { Store } from '../../store/port.ts';
import { insertTrackEvents } from './testing.ts';

const D = '2024-06-03'; // a Monday

/** Inserts `n` events named `name` at local noon (Asia/Shanghai) of `date`. */
async function events(store: Store, ws: string, date: string, name: string, n: number, properties: Record<string, unknown> = {}) {
  const ts = `${date}T04:00:00.000Z`;
  await insertTrackEvents(store, ws, name, Array.from({ length: n }, (_, i) => ({ id: `${name}-${date}-${Math.random().toString(36).slice(2)}-${i}`, ts, properties })));
}

forEachStore('alerts lifecycle', (ctx) => {
  let t: TestApp;
  let sink: HttpSink;
  const { api, ok } = adminRequests(() => t);

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    sink = await startHttpSink();
    const ws = t.workspaceId;
    // Six weeks of 5 quality complaints a day, then a spike of 40 on D; complaints of another kind do not count.
    for (let i = 42; i >= -9; i--) {
      const date = shiftDate(D, -i);
      const spike = date === D || date === shiftDate(D, 7);
      await events(ctx.store, ws, date, 'complaint', spike ? 40 : 5, { kind: 'quality' });
    }
    await events(ctx.store, ws, shiftDate(D, 1), 'complaint', 100, { kind: 'delivery' });
    await ok('POST', '/api/messaging/channels', { name: 'ops-hook', type: 'webhook', config: { url: sink.url + '/alerts' }, options: { retries: 0, timeout_ms: 3000 } }, 201);
    await t.services.staff.createStaff(ws, { name: '张三', userid: 'zhangsan', email: 'zs@example.com' } as any);
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
  });

  it('opens, de-duplicates, acknowledges, auto-resolves and notifies named recipients', async () => {
    const monitor = await ok('POST', '/api/alerts/monitors', {
      name: '投诉激增', metric: 'event_count', params: { event: 'complaint', filters: [{ property: 'kind', op: 'eq', value: 'quality' }] },
      rule: { type: 'anomaly', direction: 'up', weeks: 6, min_volume: 3 }, recovery_periods: 2, schedule: '0 9 * * *',
      recipients: [{ staff: 'zhangsan' }, { name: '值班经理', email: 'ops@example.com' }], channels: ['ops-hook'],
    }, 201);
    expect(monitor).toMatchObject({ id: expect.stringMatching(/^amon_/), metric_name: { zh: expect.any(String) }, unit: 'count', channels: [expect.stringMatching(/^mch_/)] });
    expect((await t.services.jobs.getSchedule(t.workspaceId, `alerts:${monitor.id}`)).kind).toBe('alerts.evaluate');

    // The spike: 40 against a same-weekday median of 5 (MAD 0, floor 1) → robust z 23.6 → critical.
    const first = await ok('POST', `/api/alerts/monitors/${monitor.id}/evaluate`, { as_of: D });
    expect(first).toMatchObject({ action: 'opened', evaluation: { status: 'breach', severity: 'critical', value: 40, baseline: { median: 5, mad: 0 } }, alert: { state: 'open', severity: 'critical', occurrences: 1 } });
    expect(first.evaluation.score).toBeCloseTo(0.6745 * 35, 6);
    expect(first.notifications).toHaveLength(2);
    expect(first.notifications.every((n: any) => n.status === 'sent' && n.reason === 'opened')).toBe(true);
    expect(sink.delivered.size).toBe(2);
    const bodies = sink.requests.map((r) => r.json);
    expect(bodies.map((b) => b.to.email).sort()).toEqual(['ops@example.com', 'zs@example.com']);
    expect(bodies[0].content.text).toContain('投诉激增');
    expect(bodies[0].content.data).toMatchObject({ severity: 'critical', period: D, value: 40 });
    const id = first.alert.id;

    // Evaluated again (the schedule firing twice): the same alert, counted, nobody notified again.
    const again = await ok('POST', `/api/alerts/monitors/${monitor.id}/evaluate`, { as_of: D });
    expect(again).toMatchObject({ action: 'repeated', alert: { id, occurrences: 2, state: 'open' }, notifications: [] });
    expect(sink.requests).toHaveLength(2);
    expect((await ok('GET', '/api/alerts?state=open')).data.map((a: any) => a.id)).toEqual([id]);

    const acked = await ok('POST', `/api/alerts/${id}/acknowledge`, { note: '质检在查' });
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledged_by: expect.stringContaining('key'), note: '质检在查' });
    const twice = await api('POST', `/api/alerts/${id}/acknowledge`, {});
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ code: 'alert.not_open' });

    // Back to normal: one normal day is not enough (recovery_periods 2), two are. 100 delivery complaints on D+1 are filtered out.
    expect(await ok('POST', `/api/alerts/monitors/${monitor.id}/evaluate`, { as_of: shiftDate(D, 1) })).toMatchObject({ action: 'none', recovered: false, evaluation: { status: 'ok', value: 5 }, alert: { state: 'acknowledged' } });
    const resolved = await ok('POST', `/api/alerts/monitors/${monitor.id}/evaluate`, { as_of: shiftDate(D, 2) });
    expect(resolved).toMatchObject({ action: 'resolved', recovered: true, alert: { id, state: 'resolved', resolution: 'auto', resolved_by: 'system' } });
    expect(resolved.notifications.map((n: any) => n.reason)).toEqual(['resolved', 'resolved']);
    expect(sink.delivered.size).toBe(4);

    const detail = await ok('GET', `/api/alerts/${id}`);
    expect(detail.events.map((e: any) => e.type)).toEqual(['opened', 'notified', 'repeated', 'acknowledged', 'resolved', 'notified']);
    expect(detail.notifications).toHaveLength(4);
    expect(detail.notifications[0]).toMatchObject({ recipient: expect.any(String), channel_type: 'webhook', status: 'sent', send_id: expect.stringMatching(/^msg_/) });
    expect(detail.monitor).toMatchObject({ id: monitor.id, name: '投诉激增' });
    const spikeDay = detail.chart.points.find((p: any) => p.date === D);
    expect(spikeDay).toMatchObject({ value: 40, status: 'breach', severity: 'critical', median: 5 });
    expect(spikeDay.upper).toBeCloseTo(5 + 3 / 0.6745, 6);

    // What the schedule enqueues: job alerts.evaluate, which evaluates yesterday (no complaints then: too little volume).
    const sched = await t.services.jobs.getSchedule(t.workspaceId, `alerts:${monitor.id}`);
    await t.services.jobs.enqueue(t.workspaceId, { kind: sched.kind, payload: sched.payload });
    expect(await t.services.jobs.drain({ kinds: ['alerts.evaluate'], schedules: false })).toBeGreaterThanOrEqual(1);
    expect(await ok('GET', `/api/alerts/monitors/${monitor.id}`)).toMatchObject({ last_status: 'low_volume', last_evaluated_at: expect.any(String) });

    // Alert messages are left out of the delivery failure rate's own data.
    const rate = await ok('POST', '/api/alerts/monitors', { name: 'fail-rate', metric: 'delivery_failure_rate', rule: { type: 'static', op: 'above', thresholds: { warning: 0.1 } }, schedule: null }, 201);
    const today = new Date().toISOString().slice(0, 10);
    expect((await ok('POST', `/api/alerts/monitors/${rate.id}/evaluate`, { as_of: today, dry_run: true })).evaluation.status).toBe('no_data');
  });

  it('a new spike opens a new alert that is resolved by hand with a note; dry runs change nothing', async () => {
    const [m] = (await ok('GET', '/api/alerts/monitors')).data.filter((x: any) => x.name === '投诉激增');
    const dry = await ok('POST', `/api/alerts/monitors/${m.id}/evaluate`, { as_of: D, dry_run: true });
    expect(dry).toMatchObject({ action: 'none', alert: null, evaluation: { status: 'breach' } });
    const opened = await ok('POST', '/api/alerts/evaluate', { as_of: shiftDate(D, 7), monitor: '投诉激增' });
    expect(opened.data[0]).toMatchObject({ action: 'opened', alert: { state: 'open' } });
    const id = opened.data[0].alert.id;
    const noNote = await api('POST', `/api/alerts/${id}/resolve`, {});
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json()).toMatchObject({ code: 'request.invalid', field: 'body.note' });
    expect(await ok('POST', `/api/alerts/${id}/resolve`, { note: '已联系供应商' })).toMatchObject({ state: 'resolved', resolution: 'manual', note: '已联系供应商' });
    expect((await api('POST', `/api/alerts/${id}/resolve`, { note: 'x' })).json()).toMatchObject({ code: 'alert.already_resolved' });
    // A viewer reads alerts but may not act on them; an operator may, and is named as the actor.
    const viewer = await asRole(t, 'viewer');
    expect((await t.app.inject({ method: 'GET', url: `/api/alerts/${id}`, headers: viewer })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: `/api/alerts/${id}/acknowledge`, headers: viewer, payload: {} })).statusCode).toBe(403);
    const operator = await asRole(t, 'operator');
    const again = await t.app.inject({ method: 'POST', url: `/api/alerts/monitors/${m.id}/evaluate`, headers: operator, payload: { as_of: shiftDate(D, 7) } });
    expect(again.json()).toMatchObject({ action: 'opened' });
    const opAck = await t.app.inject({ method: 'POST', url: `/api/alerts/${again.json().alert.id}/acknowledge`, headers: operator, payload: {} });
    expect(opAck.json()).toMatchObject({ state: 'acknowledged', acknowledged_by: expect.stringMatching(/^user:operator-/) });
    await ok('POST', `/api/alerts/${again.json().alert.id}/resolve`, { note: 'done' });
    const all = (await ok('GET', `/api/alerts?monitor=${encodeURIComponent('投诉激增')}&state=resolved`)).data;
    expect(all).toHaveLength(3);
    expect((await ok('GET', '/api/alerts?severity=info')).data).toHaveLength(0);
  });

  it('weekly seasonality: a Monday peak every week is normal, a doubled one alerts', async () => {
    const ws = t.workspaceId;
    for (let i = 49; i >= 0; i--) {
      const date = shiftDate(D, -i);
      await events(ctx.store, ws, date, 'visit', i % 7 === 0 ? 100 : 20);
    }
    const m = await ok('POST', '/api/alerts/monitors', { name: 'visits', metric: 'event_count', params: { event: 'visit' }, rule: { type: 'anomaly', direction: 'both' }, schedule: null }, 201);
    for (let i = 0; i < 7; i++) expect((await ok('POST', `/api/alerts/monitors/${m.id}/evaluate`, { as_of: shiftDate(D, -i), dry_run: true })).evaluation.status).toBe('ok');
    await events(ctx.store, ws, D, 'visit', 100);
    expect(await ok('POST', `/api/alerts/monitors/${m.id}/evaluate`, { as_of: D, dry_run: true })).toMatchObject({ evaluation: { status: 'breach', severity: 'critical', value: 200, baseline: { median: 100 } } });
    const series = await ok('GET', `/api/alerts/monitors/${m.id}/series?as_of=${D}&days=14`);
    expect(series.points).toHaveLength(14);
    expect(series.points.filter((p: any) => p.status === 'breach').map((p: any) => p.date)).toEqual([D]);
  });

  it('refuses bad input with codes and fields', async () => {
    const base = { name: 'bad', metric: 'event_count', params: { event: 'x' }, rule: { type: 'static', op: 'above', thresholds: { warning: 1 } } };
    const cases: Array<[unknown, number, string, string]> = [
      [{ ...base, params: {} }, 400, 'alert.params_invalid', 'params.event'],
      [{ ...base, metric: 'gmv', params: { event: 'x' } }, 400, 'alert.params_invalid', 'params.event'],
      [{ ...base, metric: 'nope' }, 400, 'request.invalid', 'body.metric'],
      [{ ...base, rule: { type: 'static', op: 'above', thresholds: { warning: 5, critical: 1 } } }, 400, 'request.invalid', 'body.rule.thresholds.critical'],
      [{ ...base, schedule: 'every day' }, 400, 'alert.schedule_invalid', 'schedule'],
      [{ ...base, channels: ['nope'] }, 400, 'alert.channel_not_found', 'channels.0'],
      [{ ...base, recipients: [{ staff: 'nobody' }] }, 400, 'alert.recipient_not_found', 'recipients.0.staff'],
      [{ ...base, recipients: [{ name: 'x' }] }, 400, 'request.invalid', 'body.recipients.0'],
      [{ ...base, name: '投诉激增' }, 422, 'alert.monitor_exists', 'name'],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await api('POST', '/api/alerts/monitors', body);
      expect([r.statusCode, r.json().code, r.json().field], JSON.stringify(body)).toEqual([status, code, field]);
    }
    const m = (await ok('GET', '/api/alerts/monitors')).data[0];
    const badDate = await api('POST', `/api/alerts/monitors/${m.id}/evaluate`, { as_of: '2024-02-30' });
    expect([badDate.statusCode, badDate.json().field]).toEqual([400, 'body.as_of']);
    expect((await api('GET', '/api/alerts/alrt_nope')).json()).toMatchObject({ code: 'alert.not_found' });
    expect((await api('POST', '/api/alerts/monitors/nope/evaluate', {})).statusCode).toBe(404);
    expect((await api('GET', '/api/alerts?from=2024-06-05&to=2024-06-01')).json()).toMatchObject({ code: 'alert.range_invalid', field: 'from' });
    // Disabling drops the schedule; enabling with a new cron brings it back; a patch is checked like a create.
    expect(await ok('PATCH', `/api/alerts/monitors/${m.id}`, { enabled: false, description: '停用' })).toMatchObject({ enabled: false, description: '停用' });
    await expect(t.services.jobs.getSchedule(t.workspaceId, `alerts:${m.id}`)).rejects.toMatchObject({ code: 'schedule.not_found' });
    await ok('PATCH', `/api/alerts/monitors/${m.id}`, { enabled: true, schedule: '0 * * * *' });
    expect((await t.services.jobs.getSchedule(t.workspaceId, `alerts:${m.id}`)).cron).toBe('0 * * * *');
    expect((await api('PATCH', `/api/alerts/monitors/${m.id}`, { metric: 'gmv', params: { event: 'x' } })).json()).toMatchObject({ code: 'alert.params_invalid', field: 'params.event' });
    expect(await ok('PATCH', `/api/alerts/monitors/${m.id}`, { metric: 'gmv' })).toMatchObject({ metric: 'gmv', params: {} });
    const del = await api('DELETE', `/api/alerts/monitors/${m.id}`);
    expect(del.statusCode).toBe(204);
    expect((await api('GET', `/api/alerts/monitors/${m.id}`)).statusCode).toBe(404);
    await expect(t.services.jobs.getSchedule(t.workspaceId, `alerts:${m.id}`)).rejects.toMatchObject({ code: 'schedule.not_found' });
  });
});
