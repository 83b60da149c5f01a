// Shared set-up of the journeys end-to-end tests: a test app with members j0…j59, a webhook channel at an HTTP sink,
// message and coupon templates, an injected clock moved by `advance`, and helpers to track events, run due steps and
// read instances and sent messages. Call it inside `forEachStore`; it registers its own hooks.
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { adminRequests, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';
import type { Store } from '../../store/port.ts';

const FAST = { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 5000 };
export const HOUR = 3_600_000;

/**
 * The journeys test app on `ctx.store`, made in `beforeAll` and closed in `afterAll`; the clock offset and test hooks
 * are reset before each test. `t` and `sink` are read after `beforeAll` has run.
 * @example const f = journeyFixture(ctx); it('…', async () => { const j = await f.journey('x', def); await f.track('j1', 'X') })
 */
export function journeyFixture(ctx: { store: Store }) {
  let t: TestApp;
  let sink: HttpSink;
  let offset = 0;
  const { api, ok } = adminRequests(() => t);
  const ws = () => t.workspaceId;
  const J = () => t.services.journeys;
  const ids = new Map<string, string>();
  const member = (u: string) => ids.get(u)!;
  const track = async (user: string, event: string, properties: Record<string, unknown> = {}) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { userId: user, event, properties } });
    expect(r.statusCode, r.body).toBe(200);
    await J().idle();
  };
  const advance = (ms: number) => (offset += ms);
  const runDue = () => J().engine.runDue(ws());
  /** Messages at the sink whose source key starts with `prefix`: one entry per message. */
  const sent = (prefix: string) => [...(sink.delivered.values() as Iterable<any>)].filter((m) => m.source_key.startsWith(prefix));
  const journey = async (name: string, definition: unknown) => {
    const j = await ok('POST', '/api/journeys', { name, definition }, 201);
    return ok('POST', `/api/journeys/${j.id}/publish`, {});
  };
  const instances = async (id: string, q = '') => (await ok('GET', `/api/journeys/${id}/instances${q}`)).data as any[];
  const send = (next?: string, template = 'hello') => ({ type: 'send', channel: 'hook', template, purpose: 'service', ...(next ? { next } : {}) });

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    sink = await startHttpSink();
    J().useClock(() => new Date(Date.now() + offset));
    const users = Array.from({ length: 60 }, (_, i) => ({ user_id: `j${i}`, name: `会员${i}` }));
    await ok('POST', '/api/members', { members: users });
    for (const u of users) ids.set(u.user_id, await t.services.members.resolve(ws(), `user_id:${u.user_id}`));
    await ok('POST', '/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url + '/hook' }, options: FAST }, 201);
    await ok('POST', '/api/templates', { name: 'hello', content: { webhook: { body: { text: '你好 {{ member.name }}' } } } }, 201);
    await ok('POST', '/api/templates', { name: 'hello-b', content: { webhook: { body: { text: 'B {{ member.name }}' } } } }, 201);
    await ok('POST', '/api/templates', { name: 'cart-remind', content: { webhook: { body: { text: '{{ member.name }},购物车还有商品' } } } }, 201);
    await ok('POST', '/api/templates', { name: 'with-coupon', content: { webhook: { body: { code: '{{ coupon.code }}' } } } }, 201);
    await ok('POST', '/api/coupons/templates', { name: '首单券', config: { benefit: { type: 'threshold', spend: 100, save: 20 }, validity: { type: 'after_claim', days: 7 } } }, 201);
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
  });
  beforeEach(() => {
    offset = 0;
    J().testHooks.beforePersist = undefined;
  });

  return {
    get t() { return t; },
    get sink() { return sink; },
    /** How far the injected clock is ahead of real time (ms). */
    get offset() { return offset; },
    api, ok, ws, J, member, track, advance, runDue, sent, journey, instances, send,
  };
}
