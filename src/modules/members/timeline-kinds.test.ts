// Member timeline on both stores: message sends (one-off and from a journey step, with channel, template and
// source) and points entries sit in the same keyset-paged stream as events and orders; `kinds` filters it. Also the
// member's journeys as the 360 reads them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';

const FAST = { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 5000 };

forEachStore('member timeline kinds', (ctx) => {
  let t: TestApp;
  let sink: HttpSink;
  let memberId: string;
  let journeyId: string;
  const api = (method: string, url: string, payload?: unknown) => t.app.inject({ method: method as 'GET', url, headers: t.admin, ...(payload === undefined ? {} : { payload: payload as object }) });
  const ok = async (method: string, url: string, payload?: unknown, status?: number) => {
    const r = await api(method, url, payload);
    if (status) expect(r.statusCode, r.body).toBe(status);
    else expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json();
  };
  const timeline = (q = '') => ok('GET', `/api/members/user_id:tk-1/timeline${q}`);

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    sink = await startHttpSink();
    memberId = (await ok('POST', '/api/members', { user_id: 'tk-1', name: '时间线', phone: '13900000009' })).id;
    const tr = await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { userId: 'tk-1', event: 'Product Viewed', properties: { sku: 'A' } } });
    expect(tr.statusCode, tr.body).toBe(200);
    await ok('PUT', '/api/consent/guard', { quiet_hours: null, caps: [] });
    await ok('POST', '/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url + '/hook' }, options: FAST }, 201);
    await ok('POST', '/api/templates', { name: '欢迎', content: { webhook: { body: { text: '你好 {{ member.name }}' } } } }, 201);

    // A one-off send, then a journey whose send step uses the template, entered by hand (it runs at once).
    await ok('POST', '/api/messaging/send', { channel: 'hook', member: 'user_id:tk-1', content: { body: { text: 'one-off' } }, source_key: 'oneoff:tk-1' });
    const j = await ok('POST', '/api/journeys', {
      name: '欢迎旅程',
      definition: { trigger: { type: 'event', event: 'Never Happens' }, start: 'hello', steps: { hello: { type: 'send', channel: 'hook', template: '欢迎', purpose: 'service', next: 'done' }, done: { type: 'exit' } } },
    }, 201);
    journeyId = j.id;
    await ok('POST', `/api/journeys/${journeyId}/publish`, {});
    expect(await ok('POST', `/api/journeys/${journeyId}/enter`, { members: ['user_id:tk-1'] })).toMatchObject({ entered: 1 });
    await t.services.journeys.idle();

    await ok('POST', '/api/loyalty/adjust', { member: 'user_id:tk-1', delta: 50, reason: '客服补偿', operator: 'ops-1', idempotency_key: 'tk-adj-1' }, 201);
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
  });

  it('carries message sends with channel, template and source, and points entries with type, points and reason', async () => {
    const all = await timeline();
    expect(all.member_id).toBe(memberId);
    const kinds = all.data.map((e: { kind: string }) => e.kind);
    expect(kinds.filter((k: string) => k === 'message')).toHaveLength(2);
    expect(kinds).toContain('points');
    expect(kinds).toContain('event');
    const msgs = all.data.filter((e: { kind: string }) => e.kind === 'message');
    const oneoff = msgs.find((e: any) => e.properties.source === 'oneoff');
    expect(oneoff).toMatchObject({ name: 'Message Sent', type: 'webhook', channel: 'webhook', amount: null });
    expect(oneoff.properties).toMatchObject({ channel_name: 'hook', channel_type: 'webhook', source_key: 'oneoff:tk-1', template: null, source_id: null });
    expect(['sent', 'delivered']).toContain(oneoff.properties.state);
    const fromJourney = msgs.find((e: any) => e.properties.source === 'journey');
    expect(fromJourney.properties).toMatchObject({ source_id: journeyId, source_name: '欢迎旅程', step_id: 'hello', template: '欢迎', channel_name: 'hook' });
    expect(fromJourney.properties.source_key).toBe(`journey:${journeyId}:step:hello`);
    const points = all.data.find((e: { kind: string }) => e.kind === 'points');
    expect(points).toMatchObject({ name: 'Points Changed', type: 'adjust', amount: null, properties: { points: 50, reason: '客服补偿', operator: 'ops-1', order_id: null } });
    // Newest first across kinds.
    const ts = all.data.map((e: { ts: string }) => Date.parse(e.ts));
    expect([...ts].sort((a, b) => b - a)).toEqual(ts);
  });

  it('filters by kinds and pages a filtered stream without repeats', async () => {
    const pointsOnly = await timeline('?kinds=points');
    expect(pointsOnly.data.map((e: { kind: string }) => e.kind)).toEqual(['points']);
    const both = await timeline('?kinds=message,points');
    expect(new Set(both.data.map((e: { kind: string }) => e.kind))).toEqual(new Set(['message', 'points']));
    expect(both.data).toHaveLength(3);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const p: { data: { kind: string; id: string }[]; next_cursor: string | null } = await timeline(`?kinds=message,points&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.data.map((e) => `${e.kind}:${e.id}`));
      cursor = p.next_cursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual(both.data.map((e: { kind: string; id: string }) => `${e.kind}:${e.id}`));
    expect((await timeline('?kinds=event')).data.every((e: { kind: string }) => e.kind === 'event')).toBe(true);
    const bad = await api('GET', '/api/members/user_id:tk-1/timeline?kinds=message,bogus');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('kinds');
  });

  it("lists the member's journeys with name, version, state, step and times", async () => {
    const mine = await ok('GET', '/api/members/user_id:tk-1/journeys');
    expect(mine.member_id).toBe(memberId);
    expect(mine.data).toHaveLength(1);
    expect(mine.data[0]).toMatchObject({ journey_id: journeyId, journey_name: '欢迎旅程', version: 1, state: 'exited', step_id: 'done' }); // an exit step ends it as exited
    expect(typeof mine.data[0].entered_at).toBe('string');
    expect(typeof mine.data[0].ended_at).toBe('string');
  });
});
