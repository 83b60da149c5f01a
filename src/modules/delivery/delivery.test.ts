// The delivery pipeline on both stores: addresses per channel type (no address, unknown member), guard skips and
// deferrals with reservations released for members that will not be sent, render failures, at-most-once re-runs.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';
import type { Guard } from './guard.ts';
import { DeliveryService } from './service.ts';

forEachStore('delivery pipeline', (ctx) => {
  let t: TestApp;
  let sink: HttpSink;
  let sms: { id: string; type: 'sms' };
  let hook: { id: string; type: 'webhook' };
  const ids = new Map<string, string>();
  const ws = () => t.workspaceId;
  const released: string[][] = [];
  const guard: Guard = {
    async admit(_ws, req) {
      const skipped = new Map<string, string>();
      const deferred = new Map<string, { retryAt: string; reason: string }>();
      for (const id of req.memberIds) {
        if (id === ids.get('d2')) skipped.set(id, 'capped');
        if (id === ids.get('d3')) deferred.set(id, { retryAt: '2030-01-01T01:00:00.000Z', reason: 'quiet_hours' });
      }
      return { admitted: req.memberIds.filter((id) => !skipped.has(id) && !deferred.has(id)), skipped, deferred };
    },
    async release(_ws, _key, memberIds) {
      released.push([...memberIds].sort());
      return memberIds.length;
    },
  };
  let delivery: DeliveryService;
  let down = true;

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    // The SMS provider refuses d5's message for good; r1's only while `down` (a 503: retryable).
    sink = await startHttpSink({
      reply: (r) => (r.json?.phone === '13900000005' ? { status: 400, body: { error: 'blacklisted' } } : r.json?.phone === '13900000091' && down ? { status: 503 } : {}),
    });
    const members = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'].map((u, i) => ({ user_id: u, name: `会员${i}`, ...(u === 'd4' ? {} : { phone: `1390000000${i}` }) }));
    const r = await t.app.inject({ method: 'POST', url: '/api/members', headers: t.admin, payload: { members } });
    expect(r.statusCode, r.body).toBe(200);
    for (const m of members) ids.set(m.user_id, await t.services.members.resolve(ws(), `user_id:${m.user_id}`));
    const fast = { retries: 0, timeout_ms: 5000 };
    sms = (await t.services.messaging.createChannel(ws(), { name: 'sms', type: 'sms', config: { url: sink.url + '/sms', signature_name: '思域' }, options: fast as any, enabled: true })) as any;
    hook = (await t.services.messaging.createChannel(ws(), { name: 'hook', type: 'webhook', config: { url: sink.url + '/hook' }, options: fast as any, enabled: true })) as any;
    await t.services.templates.create(ws(), { name: 'sms', content: { sms: { text: '【思域】{{ member.name }},您好' } } });
    await t.services.templates.create(ws(), { name: 'coupon', content: { webhook: { body: { code: '{{ coupon.code }}', to: '{{ member.name }}' } } } });
    delivery = new DeliveryService({ store: ctx.store, templates: t.services.templates, messaging: t.services.messaging, guard: () => guard });
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
  });

  it('resolves addresses, applies the guard, sends the rest once, and releases reservations it did not use', async () => {
    const template = await t.services.templates.compile(ws(), 'sms');
    const memberIds = [...ids.values(), 'mem_nobody'];
    const req = { sourceKey: 'test:delivery:1', channel: sms, template, purpose: 'marketing' as const, memberIds };
    const r = await delivery.deliver(ws(), req);
    const by = new Map(r.outcomes.map((o) => [o.member_id, o]));
    expect(by.get('mem_nobody')).toMatchObject({ status: 'skipped', reason: 'member_not_found' });
    expect(by.get(ids.get('d4')!)).toMatchObject({ status: 'skipped', reason: 'no_address', detail: 'phone' });
    expect(by.get(ids.get('d2')!)).toMatchObject({ status: 'skipped', reason: 'capped' });
    expect(by.get(ids.get('d3')!)).toMatchObject({ status: 'deferred', retry_at: '2030-01-01T01:00:00.000Z', reason: 'quiet_hours' });
    expect(by.get(ids.get('d5')!)).toMatchObject({ status: 'failed', code: 'http_400' });
    expect(r).toMatchObject({ sent: 2, failed: 1, skipped: 3, deferred: 1, in_flight: 0, retry_at: '2030-01-01T01:00:00.000Z', skipped_by_reason: { member_not_found: 1, no_address: 1, capped: 1 } });
    const texts = [...sink.delivered.values()].map((m: any) => m.content).sort();
    expect(texts).toEqual(['【思域】会员0,您好', '【思域】会员1,您好']);
    // Admitted but unknown or without a phone, or failed for good: their reservations go back.
    expect(released.at(-1)).toEqual([ids.get('d4'), ids.get('d5'), 'mem_nobody'].sort());
    expect(Object.keys(r.timings).sort()).toEqual(['addresses', 'guard', 'render', 'send']);

    // Again under the same source: nothing is sent twice; earlier outcomes come back as they were.
    const again = await delivery.deliver(ws(), req);
    expect(again).toMatchObject({ sent: 2, failed: 1 });
    expect(again.outcomes.filter((o) => o.status === 'sent').every((o: any) => o.earlier)).toBe(true);
    expect(sink.delivered.size).toBe(2);
  });

  it('keeps the reservation of a retryable failure (5xx) for its retry, and releases a permanent one (4xx)', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/members', headers: t.admin, payload: { members: [{ user_id: 'r1', name: '会员r1', phone: '13900000091' }] } });
    expect(r.statusCode, r.body).toBe(200);
    const r1 = await t.services.members.resolve(ws(), 'user_id:r1');
    const d5 = ids.get('d5')!;
    const template = await t.services.templates.compile(ws(), 'sms');
    const req = { sourceKey: 'test:delivery:retry', channel: sms, template, purpose: 'marketing' as const, memberIds: [r1, d5] };
    const before = released.length;
    const first = await delivery.deliver(ws(), req);
    const by = new Map(first.outcomes.map((o) => [o.member_id, o]));
    expect(by.get(r1)).toMatchObject({ status: 'failed', code: 'http_503', retryable: true });
    expect(by.get(d5)).toMatchObject({ status: 'failed', code: 'http_400', retryable: false });
    // Only the permanent failure gave its cap slot back.
    expect(released.slice(before)).toEqual([[d5]]);

    // The provider is back: a retry sends r1 under the same source (and the kept reservation); d5 stays failed.
    down = false;
    const retry = await delivery.deliver(ws(), { ...req, retryFailed: true });
    const again = new Map(retry.outcomes.map((o) => [o.member_id, o]));
    expect(again.get(r1)).toMatchObject({ status: 'sent' });
    expect(again.get(d5)).toMatchObject({ status: 'failed', code: 'http_400', retryable: false, earlier: true });
    expect([...sink.delivered.values()].map((m: any) => m.content)).toContain('【思域】会员r1,您好');
    // d5 was released once, by the first run; nothing new to give back.
    expect(released.slice(before)).toEqual([[d5]]);
  });

  it('renders extras per member; a member without the extra is skipped, never sent a blank', async () => {
    const template = await t.services.templates.compile(ws(), 'coupon');
    const extras = new Map([[ids.get('d0')!, { coupon: { code: 'C-0' } }]]);
    const r = await delivery.deliver(ws(), { sourceKey: 'test:delivery:2', channel: hook, template, purpose: 'service', memberIds: [ids.get('d0')!, ids.get('d1')!], extras, guard: false });
    expect(r).toMatchObject({ sent: 1, skipped: 1, skipped_by_reason: { render_failed: 1 } });
    expect(r.outcomes.find((o) => o.member_id === ids.get('d1'))).toMatchObject({ status: 'skipped', reason: 'render_failed', detail: 'template.extra_missing' });
    const got = [...sink.delivered.values()].find((m: any) => m.source_key === 'test:delivery:2') as any;
    expect(JSON.parse(got.content.body)).toEqual({ code: 'C-0', to: '会员0' });
    expect(got.to).toEqual({ phone: '13900000000' });
  });

  it('refuses a template compiled for another channel type', async () => {
    const template = await t.services.templates.compile(ws(), 'sms');
    await expect(delivery.deliver(ws(), { sourceKey: 'test:delivery:3', channel: hook, template, purpose: 'marketing', memberIds: [ids.get('d0')!] })).rejects.toMatchObject({ code: 'delivery.channel_mismatch' });
  });
});
