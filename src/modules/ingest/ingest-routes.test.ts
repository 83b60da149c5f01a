// The Segment-compatible routes on both stores: every call type, validation, limits, idempotency, gzip, handlers.
import { openPii, openTraits } from '../pii/member-fields.ts';
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { SiyuError } from '../../core/errors.ts';
import type { TrackItem } from './service.ts';

forEachStore('ingest routes', (ctx) => {
  let t: TestApp;
  const handled: TrackItem[] = [];
  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    t.services.ingest.onTrack('Test Handled', async (tx, ws, items) => {
      await tx.query('SELECT count(*) AS n FROM events WHERE workspace_id = $1', [ws]); // runs inside the transaction
      handled.push(...items);
    });
    t.services.ingest.onTrack('Test Invalid', async () => {
      throw new SiyuError('invalid_data', 'test.invalid_order', 'order id missing', { field: 'properties.order_id' });
    });
    t.services.ingest.onTrack('Test Crash', async () => {
      throw new Error('handler bug');
    });
  });
  afterAll(async () => t?.app.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = t.write) =>
    t.app.inject({ method: 'POST', url, headers, payload: payload as any });
  const count = async (where = '', params: unknown[] = []) =>
    (await ctx.store.query(`SELECT count(*) AS n FROM events WHERE workspace_id = $1 ${where}`, [t.workspaceId, ...(params as any[])]))[0].n as number;
  const event = async (messageId: string) =>
    (await ctx.store.query('SELECT * FROM events WHERE workspace_id = $1 AND message_id = $2', [t.workspaceId, messageId]))[0];
  const mid = () => 'm-' + randomUUID();

  it('accepts every call type with the write key and stores one event each', async () => {
    const ids = { identify: mid(), track: mid(), page: mid(), screen: mid(), group: mid(), alias: mid() };
    const bodies: Record<string, object> = {
      identify: { userId: 'route-u1', traits: { email: 'route-u1@example.com', city: '上海' } },
      track: { userId: 'route-u1', event: 'Added to Cart', properties: { sku: 'latte', price: 28 } },
      page: { anonymousId: 'anon-r1', name: 'Home', category: 'Shop', properties: { url: 'https://x.cn/' } },
      screen: { userId: 'route-u1', name: 'Menu' },
      group: { userId: 'route-u1', groupId: 'store-7', traits: { name: 'Store 7', city: '北京' } },
      alias: { userId: 'route-u1', previousId: 'anon-r1' },
    };
    for (const [type, body] of Object.entries(bodies)) {
      const r = await post(`/v1/${type}`, { ...body, messageId: ids[type as keyof typeof ids] });
      expect(r.statusCode, `${type}: ${r.body}`).toBe(200);
      expect(r.json()).toEqual({ success: true });
    }
    const track = await event(ids.track);
    expect(track).toMatchObject({ type: 'track', name: 'Added to Cart', user_id: 'route-u1', properties: { sku: 'latte', price: 28 } });
    expect(track.member_id).toMatch(/^mem_/);
    expect(await event(ids.page)).toMatchObject({ type: 'page', name: 'Home', anonymous_id: 'anon-r1', properties: { url: 'https://x.cn/', category: 'Shop' } });
    expect(await event(ids.screen)).toMatchObject({ type: 'screen', name: 'Menu' });
    expect(await event(ids.group)).toMatchObject({ type: 'group', name: 'store-7', properties: { name: 'Store 7', city: '北京' } });
    // identify traits that are personal data are sealed in the stored event
    const identify = await event(ids.identify);
    expect(identify).toMatchObject({ type: 'identify', properties: { city: '上海' } });
    expect(openTraits(identify.properties)).toMatchObject({ email: 'route-u1@example.com' });
    expect(JSON.stringify(identify)).not.toContain('route-u1@example.com');
    expect(await event(ids.alias)).toMatchObject({ type: 'alias', properties: { previousId: 'anon-r1' } });

    // identify applied traits to the member; group traits did not; alias folded the anonymous page view in.
    const member = await t.services.identity.findMember(ctx.store, t.workspaceId, 'user_id:route-u1');
    expect(member).toBe(track.member_id);
    const m = openPii((await ctx.store.query('SELECT email, city FROM members WHERE workspace_id = $1 AND id = $2', [t.workspaceId, member]))[0]);
    expect(m).toEqual({ email: 'route-u1@example.com', city: '上海' });
    expect(await t.services.identity.findMember(ctx.store, t.workspaceId, 'anonymous_id:anon-r1')).toBe(member);
    expect((await event(ids.page)).member_id).toBe(member);
  });

  it('refuses missing and unknown keys, and write keys on admin routes', async () => {
    const none = await post('/v1/track', { userId: 'x', event: 'E' }, {});
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ success: false, code: 'auth.missing_key' });
    const bad = await post('/v1/track', { userId: 'x', event: 'E' }, { authorization: 'Basic ' + Buffer.from('wk_nope:').toString('base64') });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ success: false, code: 'auth.invalid_key' });
    const admin = await t.app.inject({ url: '/api/keys', headers: t.write });
    expect(admin.statusCode).toBe(403);
  });

  it('rejects bad input with 400, a Segment-shaped body naming the field, and stores nothing', async () => {
    const before = await count();
    const cases: Array<[string, unknown, string, string]> = [
      ['/v1/track', { event: 'E', properties: {} }, 'ingest.missing_identity', 'userId'],
      ['/v1/track', { userId: 'u', properties: {} }, 'ingest.missing_field', 'event'],
      ['/v1/track', { userId: 'u', event: 42 }, 'ingest.invalid_field', 'event'],
      ['/v1/track', { userId: { id: 1 }, event: 'E' }, 'ingest.invalid_field', 'userId'],
      ['/v1/track', { userId: 'u', event: 'E', properties: [1, 2] }, 'ingest.invalid_field', 'properties'],
      ['/v1/identify', { userId: 'u', timestamp: 'yesterday-ish' }, 'ingest.invalid_timestamp', 'timestamp'],
      ['/v1/alias', { userId: 'u' }, 'ingest.missing_field', 'previousId'],
      ['/v1/alias', { previousId: 'p', anonymousId: 'a' }, 'ingest.missing_field', 'userId'],
      ['/v1/group', { userId: 'u' }, 'ingest.missing_field', 'groupId'],
      ['/v1/track', [{ userId: 'u', event: 'E' }], 'ingest.invalid_body', 'body'],
      ['/v1/batch', { batch: [{ type: 'track', userId: 'u', event: 'ok' }, { type: 'track', event: 'E' }] }, 'ingest.missing_identity', 'batch[1].userId'],
      ['/v1/batch', { batch: [{ type: 'track', userId: 'u', event: 'ok' }, { type: 'purchase', userId: 'u' }] }, 'ingest.unknown_type', 'batch[1].type'],
      ['/v1/batch', { batch: [{ type: 'identify', userId: 'u', traits: 'vip' }] }, 'ingest.invalid_field', 'batch[0].traits'],
      ['/v1/batch', { batch: [] }, 'ingest.empty_batch', 'batch'],
      ['/v1/batch', { messages: [] }, 'ingest.missing_field', 'batch'],
      ['/v1/batch', { batch: [{ type: 'track', userId: 'u', event: 'ok' }], context: 'web' }, 'ingest.invalid_field', 'context'],
    ];
    for (const [url, body, code, field] of cases) {
      const r = await post(url, body);
      expect(r.statusCode, `${url} ${JSON.stringify(body)}: ${r.body}`).toBe(400);
      expect(r.json(), JSON.stringify(body)).toMatchObject({ success: false, code, field });
    }
    const malformed = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { ...t.write, 'content-type': 'application/json' }, payload: '{"userId": "u", "event": ' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ success: false, code: 'request.invalid_json', field: 'body' });
    expect(await count()).toBe(before);
  });

  it('enforces 32 KB per message and 500 KB per batch with 400', async () => {
    const before = await count();
    const big = 'x'.repeat(33 * 1024);
    const single = await post('/v1/track', { userId: 'u', event: 'Big', properties: { big } });
    expect(single.statusCode).toBe(400);
    expect(single.json()).toMatchObject({ success: false, type: 'payload_too_large', field: 'body' });
    // A 20 KB message is fine; a 33 KB one inside a batch under 500 KB is not, and takes the batch down with it.
    const ok = { type: 'track', userId: 'u', event: 'Mid', properties: { s: 'y'.repeat(20 * 1024) } };
    const inBatch = await post('/v1/batch', { batch: [ok, { type: 'track', userId: 'u', event: 'Big', properties: { big } }] });
    expect(inBatch.statusCode).toBe(400);
    expect(inBatch.json()).toMatchObject({ success: false, code: 'ingest.message_too_large', field: 'batch[1]' });
    // Multi-byte characters count in bytes: 12k CJK characters are 36 KB of UTF-8.
    const cjk = await post('/v1/batch', { batch: [ok, { type: 'track', userId: 'u', event: 'CJK', properties: { s: '茶'.repeat(12_000) } }] });
    expect(cjk.json()).toMatchObject({ code: 'ingest.message_too_large', field: 'batch[1]' });
    const huge = await post('/v1/batch', { batch: Array.from({ length: 30 }, () => ok) });
    expect(huge.statusCode).toBe(400);
    expect(huge.json()).toMatchObject({ success: false, type: 'payload_too_large' });
    const fits = await post('/v1/batch', { batch: Array.from({ length: 20 }, () => ({ ...ok, messageId: mid() })) });
    expect(fits.statusCode).toBe(200);
    expect(await count()).toBe(before + 20);
  });

  it('answers unknown /v1 routes with 404 in the Segment shape', async () => {
    const r = await post('/v1/purchase', { userId: 'u' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ success: false, code: 'route.not_found' });
  });

  it('stores a messageId once: within a batch, across batches and across call types', async () => {
    const a = mid();
    const b = mid();
    const batch = { batch: [
      { type: 'track', userId: 'idem-u', event: 'Viewed', messageId: a },
      { type: 'track', userId: 'idem-u', event: 'Viewed', messageId: b },
      { type: 'track', userId: 'idem-u', event: 'Viewed again', messageId: a },
    ] };
    expect((await post('/v1/batch', batch)).statusCode).toBe(200);
    expect((await post('/v1/batch', batch)).statusCode).toBe(200);
    expect((await post('/v1/import', batch)).statusCode).toBe(200);
    expect((await post('/v1/track', { userId: 'idem-u', event: 'Viewed', messageId: b })).statusCode).toBe(200);
    expect(await count('AND user_id = $2', ['idem-u'])).toBe(2);
    expect((await event(a)).name).toBe('Viewed');
  });

  it('generates missing messageIds and accepts gzip and text/plain bodies', async () => {
    const before = await count("AND user_id = 'gz-u'");
    expect((await post('/v1/track', { userId: 'gz-u', event: 'No Id' })).statusCode).toBe(200);
    expect((await post('/v1/track', { userId: 'gz-u', event: 'No Id' })).statusCode).toBe(200);
    const rows = await ctx.store.query("SELECT message_id FROM events WHERE workspace_id = $1 AND user_id = 'gz-u'", [t.workspaceId]);
    expect(rows.length).toBe(before + 2);
    expect(rows[0].message_id).toMatch(/^api-/);

    const gz = gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: 'gz-u', event: 'Zipped', messageId: mid() }] }));
    const r = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { ...t.write, 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gz });
    expect(r.statusCode, r.body).toBe(200);
    expect(await count("AND name = 'Zipped'")).toBe(1);
    // A gzip bomb: tiny on the wire, over the limit once inflated.
    const bomb = gzipSync(JSON.stringify({ userId: 'gz-u', event: 'Bomb', properties: { s: 'a'.repeat(100_000) } }));
    expect(bomb.length).toBeLessThan(32 * 1024);
    const rb = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { ...t.write, 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: bomb });
    expect(rb.statusCode).toBe(400);
    // A 50 MB bomb is cut off early, and the server carries on.
    const huge = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    const rh = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: { ...t.write, 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: huge });
    expect(rh.statusCode).toBe(400);
    const corrupt = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { ...t.write, 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: Buffer.from('not gzip at all') });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json()).toMatchObject({ success: false, code: 'ingest.invalid_gzip', field: 'body' });
    const brotli = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { ...t.write, 'content-type': 'application/json', 'content-encoding': 'br' }, payload: '{}' });
    expect(brotli.statusCode).toBe(400);
    expect(brotli.json()).toMatchObject({ success: false, code: 'ingest.unsupported_encoding', field: 'content-encoding' });
    const plain = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { ...t.write, 'content-type': 'text/plain' }, payload: JSON.stringify({ userId: 'gz-u', event: 'Beacon' }) });
    expect(plain.statusCode, plain.body).toBe(200);
    expect(await count("AND name IN ('Bomb', 'Beacon')")).toBe(1);
  });

  it('corrects clock skew, merges batch context and integrations, and derives the channel', async () => {
    const pos = await t.services.workspaces.createKey(t.workspaceId, 'write', { channel: 'store' });
    const posAuth = { authorization: 'Basic ' + Buffer.from(pos.secret + ':').toString('base64') };
    const [a, b, c, d] = [mid(), mid(), mid(), mid()];
    // The client's clock runs one hour ahead: both its timestamp and its sentAt say so.
    const skew = 3600_000;
    const happened = Date.now() - 60_000;
    const before = Date.now();
    const r = await post('/v1/batch', {
      sentAt: new Date(Date.now() + skew).toISOString(),
      context: { ip: '1.2.3.4', locale: 'zh-CN' },
      integrations: { All: true },
      batch: [
        { type: 'track', userId: 'skew-u', event: 'E', messageId: a, timestamp: new Date(happened + skew).toISOString(), context: { locale: 'en' }, channel: 'server' },
        { type: 'track', userId: 'skew-u', event: 'E', messageId: b, properties: { channel: 'wecom' }, context: { channel: 'app' } },
        { type: 'track', userId: 'skew-u', event: 'E', messageId: c, context: { channel: 'app' } },
        { type: 'track', userId: 'skew-u', event: 'E', messageId: d },
      ],
    }, posAuth);
    expect(r.statusCode, r.body).toBe(200);
    const ea = await event(a);
    expect(Math.abs(Date.parse(ea.ts) - happened)).toBeLessThan(Date.now() - before + 1000);
    expect(ea.context).toEqual({ ip: '1.2.3.4', locale: 'en', segmentChannel: 'server', integrations: { All: true } });
    expect(ea.channel).toBe('store');
    expect((await event(b)).channel).toBe('wecom');
    expect((await event(c)).channel).toBe('app');
    expect((await event(d)).channel).toBe('store');
    // Without sentAt the timestamp is taken as given (historical import).
    const e = mid();
    await post('/v1/track', { userId: 'skew-u', event: 'Old', messageId: e, timestamp: '2023-03-01T08:00:00+08:00' });
    expect((await event(e)).ts).toBe('2023-03-01T00:00:00.000Z');
    expect((await event(e)).channel).toBeNull();
  });

  it('runs track handlers in the transaction for new messages only; their errors fail only their request', async () => {
    handled.length = 0;
    const a = mid();
    const first = await post('/v1/batch', { batch: [
      { type: 'track', userId: 'h-u', event: 'Test Handled', messageId: a, properties: { n: 1 } },
      { type: 'track', userId: 'h-u', event: 'Other', messageId: mid() },
    ] });
    expect(first.statusCode).toBe(200);
    expect(handled).toHaveLength(1);
    expect(handled[0].message).toMatchObject({ messageId: a, properties: { n: 1 } });
    expect(handled[0].memberId).toMatch(/^mem_/);
    await post('/v1/track', { userId: 'h-u', event: 'Test Handled', messageId: a });
    expect(handled).toHaveLength(1); // duplicate: not handled twice

    // Concurrent requests share a group commit; the invalid one gets its 400, the crashing one a 503, the rest 200.
    const okIds = Array.from({ length: 8 }, mid);
    const [bad, crash, ...oks] = await Promise.all([
      post('/v1/track', { userId: 'h-u', event: 'Test Invalid', messageId: mid() }),
      post('/v1/track', { userId: 'h-u', event: 'Test Crash', messageId: mid() }),
      ...okIds.map((m) => post('/v1/track', { userId: 'h-u', event: 'Fine', messageId: m })),
    ]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ success: false, code: 'test.invalid_order', field: 'properties.order_id' });
    expect(crash.statusCode).toBe(503);
    expect(crash.json()).toMatchObject({ success: false, code: 'ingest.commit_failed' });
    for (const r of oks) expect(r.statusCode).toBe(200);
    expect(await count("AND name IN ('Test Invalid', 'Test Crash')")).toBe(0);
    expect(await count("AND name = 'Fine'")).toBe(8);
  });

  it('sheds load with 429 and Retry-After when the queue is full', async () => {
    const small = await createTestApp(ctx.store, { ingestMaxBatch: 2, ingestConcurrency: 1 }); // one commit slot; at most 10 messages may wait
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    small.services.ingest.onTrack('Test Slow', async () => gate);
    try {
      const send = (payload: unknown) => small.app.inject({ method: 'POST', url: '/v1/batch', headers: small.write, payload: payload as any });
      const slow = send({ batch: [{ type: 'track', userId: 'slow', event: 'Test Slow' }] });
      await new Promise((r) => setTimeout(r, 50)); // the slow commit is running now
      const queued = send({ batch: Array.from({ length: 10 }, () => ({ type: 'track', userId: 'slow', event: 'Queued' })) });
      await new Promise((r) => setTimeout(r, 20));
      const refused = await send({ batch: [{ type: 'track', userId: 'slow', event: 'Refused' }] });
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json()).toMatchObject({ success: false, code: 'ingest.overloaded' });
      release();
      expect((await slow).statusCode).toBe(200);
      expect((await queued).statusCode).toBe(200);
      const n = await ctx.store.query("SELECT count(*) AS n FROM events WHERE workspace_id = $1 AND user_id = 'slow'", [small.workspaceId]);
      expect(n[0].n).toBe(11);
    } finally {
      release();
      await small.app.close();
    }
  });

  it('documents the Segment routes in OpenAPI', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    for (const p of ['/v1/identify', '/v1/track', '/v1/page', '/v1/screen', '/v1/group', '/v1/alias', '/v1/batch', '/v1/import']) {
      expect(doc.paths[p]?.post, p).toBeDefined();
    }
    expect(doc.paths['/v1/batch'].post.security).toEqual([{ writeKey: [] }]);
  });

  it('counts stored, duplicate and rejected messages in the metrics', async () => {
    const text = await (await t.app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/siyu_ingest_messages_total\{type="track",outcome="stored"\} \d+/);
    expect(text).toMatch(/siyu_ingest_messages_total\{type="track",outcome="duplicate"\} \d+/);
    expect(text).toMatch(/siyu_ingest_messages_total\{type="batch",outcome="rejected"\} \d+/);
    expect(text).toMatch(/siyu_ingest_group_size_count \d+/);
  });
});
