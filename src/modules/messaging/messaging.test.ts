// Messaging on both stores: channel CRUD with secrets never echoed, at-most-once sends (and crash recovery under the
// same idempotency key), failures recorded, signed receipts moving states, listings, the member 360 section, metrics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import type { Store } from '../../store/port.ts';
import { MessagingService } from './service.ts';
import { signatureHeader } from './signature.ts';
import { startHttpSink, type HttpSink } from './testing/http-sink.ts';
import type { SendInput } from './sender.ts';

const SECRET = 'whsec_messaging_test';
const FAST = { retries: 2, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 2000 };

forEachStore('messaging', (ctx) => {
  let t: TestApp;
  let sink: HttpSink;
  /** Members by user id → member id. */
  const ids = new Map<string, string>();
  const api = (method: string, url: string, payload?: unknown, headers: Record<string, string> = t.admin) =>
    t.app.inject({ method: method as any, url, headers, payload: payload as any });
  const ws = () => t.workspaceId;
  const msgs = (users: string[], text = 'hello'): SendInput[] => users.map((u) => ({ memberId: ids.get(u)!, to: { phone: '138' + u }, content: { channel: 'webhook', text } }));
  const ledger = (sourceKey: string) =>
    ctx.store.query<{ id: string; member_id: string; state: string; attempts: number; error_code: string | null; error_retryable: boolean | null; provider_message_id: string | null }>(
      'SELECT id, member_id, state, attempts, error_code, error_retryable, provider_message_id FROM message_sends WHERE workspace_id = $1 AND source_key = $2 ORDER BY member_id',
      [ws(), sourceKey],
    );
  let hook: any;

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    // The sink refuses user u400's messages (400), fails u503's always (503), and returns a provider id otherwise.
    sink = await startHttpSink({
      secret: SECRET,
      reply: (r) => {
        const member = r.json?.member_id;
        if (member && member === ids.get('u400')) return { status: 400, body: { error: 'unknown member' } };
        if (member && member === ids.get('u503')) return { status: 503 };
        return { body: { provider_message_id: `prov_${r.json?.id}` } };
      },
    });
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u400', 'u503'];
    const r = await api('POST', '/api/members', { members: users.map((u, i) => ({ user_id: u, phone: `1390000${String(i).padStart(4, '0')}`, email: `${u}@example.com` })) });
    expect(r.statusCode, r.body).toBe(200);
    for (const u of users) ids.set(u, await t.services.members.resolve(ws(), `user_id:${u}`));
    const c = await api('POST', '/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url + '/hook', secret: SECRET }, options: FAST });
    expect(c.statusCode, c.body).toBe(201);
    hook = c.json();
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
  });

  describe('channels', () => {
    it('never returns secrets, keeps them when sent back masked, and validates per type', async () => {
      expect(hook).toMatchObject({ id: expect.stringMatching(/^mch_/), type: 'webhook', has_secret: true, config: { secret: '***', mode: 'single' }, options: { retries: 2 } });
      const list = await api('GET', '/api/messaging/channels');
      expect(list.body).not.toContain(SECRET);
      expect(list.json().data.map((c: any) => c.name)).toContain('hook');
      expect((await api('GET', '/api/messaging/channels/hook')).json().id).toBe(hook.id);

      const dup = await api('POST', '/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url } });
      expect(dup.statusCode).toBe(422);
      expect(dup.json()).toMatchObject({ code: 'messaging.channel_exists', field: 'name' });
      const bad = await api('POST', '/api/messaging/channels', { name: 'bad', type: 'webhook', config: { url: 'nope' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: 'messaging.config_invalid', field: 'config.url' });
      expect((await api('GET', '/api/messaging/channels', undefined, {})).statusCode).toBe(401);

      // PUT creates by name, then replaces: a masked secret keeps the stored one (the sink still verifies it).
      const created = await api('PUT', '/api/messaging/channels/hook2', { type: 'webhook', config: { url: sink.url, secret: SECRET } });
      expect(created.statusCode).toBe(201);
      const updated = await api('PUT', '/api/messaging/channels/hook2', { type: 'webhook', config: { ...created.json().config, url: sink.url + '/v2' }, options: { timeout_ms: 3000 } });
      expect(updated.statusCode, updated.body).toBe(200);
      expect(updated.json()).toMatchObject({ id: created.json().id, config: { url: sink.url + '/v2', secret: '***' }, options: { timeout_ms: 3000 } });
      const test = await api('POST', '/api/messaging/channels/hook2/test', {});
      expect(test.json()).toMatchObject({ ok: true, checked: 'ping' });
      expect(sink.requests.at(-1)).toMatchObject({ url: '/v2', signatureOk: true });

      expect((await api('DELETE', '/api/messaging/channels/hook2')).statusCode).toBe(204);
      expect((await api('GET', '/api/messaging/channels/hook2')).json().code).toBe('messaging.channel_not_found');
    });
  });

  describe('sends', () => {
    it('sends each (source, member) at most once and reports the rest as skipped', async () => {
      const before = sink.requests.length;
      const first = await t.services.messaging.send(ws(), 'hook', msgs(['u1', 'u2', 'u3', 'u1']), 'broadcast:b1');
      expect(first).toMatchObject({ sent: 3, failed: 0, skipped: 0, in_flight: 0 });
      expect(sink.requests.length - before).toBe(3);
      const rows = await ledger('broadcast:b1');
      expect(rows.map((r) => r.state)).toEqual(['sent', 'sent', 'sent']);
      expect(rows.every((r) => r.provider_message_id === `prov_${r.id}` && r.attempts === 1)).toBe(true);
      // Each request's Idempotency-Key is the row id; the sink got the envelope with the send id.
      for (const r of rows) expect(sink.delivered.has(r.id)).toBe(true);

      const again = await t.services.messaging.send(ws(), hook.id, msgs(['u1', 'u2', 'u3', 'u4']), 'broadcast:b1');
      expect(again).toMatchObject({ sent: 1, skipped: 3 });
      const u1 = rows.find((r) => r.member_id === ids.get('u1'))!;
      expect(again.results.find((r) => r.member_id === ids.get('u1'))).toMatchObject({ status: 'skipped', state: 'sent', send_id: u1.id });
      expect(sink.requests.length - before).toBe(4);
      // Another source is another message.
      expect((await t.services.messaging.send(ws(), 'hook', msgs(['u1']), 'journey:j1:step:s1')).sent).toBe(1);
    });

    it('records provider errors: 400 final, 503 retryable after retries; retryFailed re-sends only retryable ones', async () => {
      const r = await t.services.messaging.send(ws(), 'hook', msgs(['u400', 'u503', 'u5']), 'broadcast:errors');
      expect(r).toMatchObject({ sent: 1, failed: 2 });
      const rows = new Map((await ledger('broadcast:errors')).map((x) => [x.member_id, x]));
      expect(rows.get(ids.get('u400')!)).toMatchObject({ state: 'failed', error_code: 'http_400', error_retryable: false });
      expect(rows.get(ids.get('u503')!)).toMatchObject({ state: 'failed', error_code: 'http_503', error_retryable: true });
      const n503 = sink.requests.filter((q) => q.json?.member_id === ids.get('u503')).length;
      expect(n503).toBe(3); // first try + 2 retries
      const retry = await t.services.messaging.send(ws(), 'hook', msgs(['u400', 'u503', 'u5']), 'broadcast:errors', { retryFailed: true });
      expect(retry).toMatchObject({ failed: 1, skipped: 2 });
      const ids503 = sink.requests.filter((q) => q.json?.member_id === ids.get('u503')).map((q) => q.headers['idempotency-key']);
      expect(new Set(ids503)).toEqual(new Set([rows.get(ids.get('u503')!)!.id]));
      expect((await ledger('broadcast:errors')).find((x) => x.member_id === ids.get('u503'))!.attempts).toBe(2);
    });

    it('crash-safety: rows left `sending` by a dead worker are re-sent under the same key after the lease; the sink sees each once', async () => {
      // A second service on a store that "dies" right after the provider answered (before the results are written).
      let die: 'after_provider' | 'after_claim' | null = 'after_provider';
      const dying = new Proxy(ctx.store, {
        get(target, prop) {
          if (prop === 'execCount') {
            return async (sql: string, params?: any[]) => {
              if (die === 'after_provider' && sql.includes('claim_token = NULL')) throw new Error('worker killed');
              const n = await target.execCount(sql, params);
              if (die === 'after_claim' && sql.startsWith('INSERT INTO message_sends')) throw new Error('worker killed');
              return n;
            };
          }
          const v = (target as any)[prop];
          return typeof v === 'function' ? v.bind(target) : v;
        },
      }) as Store;
      const worker = new MessagingService({ store: dying, registry: new Registry(), resolveMember: async (_w, r) => r, addressesOf: async () => ({}) });

      const before = { requests: sink.requests.length, delivered: sink.delivered.size, duplicates: sink.duplicates };
      await expect(worker.send(ws(), 'hook', msgs(['u6', 'u7']), 'broadcast:crash', { leaseMs: 1 })).rejects.toThrow('worker killed');
      expect(sink.delivered.size - before.delivered).toBe(2);
      const stuck = await ledger('broadcast:crash');
      expect(stuck.map((r) => r.state)).toEqual(['sending', 'sending']);

      die = 'after_claim'; // this one dies before calling the provider at all
      await expect(worker.send(ws(), 'hook', msgs(['u8']), 'broadcast:crash', { leaseMs: 1 })).rejects.toThrow('worker killed');
      expect(sink.delivered.size - before.delivered).toBe(2);
      await new Promise((r) => setTimeout(r, 20)); // let the 1 ms leases lapse

      // Another worker runs the same batch again: every member is sent exactly once overall.
      const resumed = await t.services.messaging.send(ws(), 'hook', msgs(['u6', 'u7', 'u8']), 'broadcast:crash');
      expect(resumed).toMatchObject({ sent: 3, skipped: 0, in_flight: 0 });
      const rows = await ledger('broadcast:crash');
      expect(rows.map((r) => [r.state, r.attempts])).toEqual([['sent', 2], ['sent', 2], ['sent', 2]]);
      for (const st of stuck) expect(rows.find((r) => r.member_id === st.member_id)!.id).toBe(st.id); // same ids, same keys
      // The sink saw u6 and u7 twice under the same Idempotency-Key (deduped) and u8 once: three messages.
      expect(sink.delivered.size - before.delivered).toBe(3);
      expect(sink.duplicates - before.duplicates).toBe(2);
      for (const r of rows) {
        const keys = sink.requests.slice(before.requests).filter((q) => q.json?.member_id === r.member_id).map((q) => q.headers['idempotency-key']);
        expect(new Set(keys)).toEqual(new Set([r.id]));
      }
      await worker.close();
    });

    it('claims a planned (pending) audience and counts progress by state', async () => {
      expect(await t.services.messaging.prepare(ws(), 'hook', 'broadcast:planned', [ids.get('u1')!, ids.get('u2')!, ids.get('u1')!])).toBe(2);
      expect(await t.services.messaging.prepare(ws(), 'hook', 'broadcast:planned', [ids.get('u1')!])).toBe(0);
      expect(await t.services.messaging.progress(ws(), 'broadcast:planned')).toEqual({ pending: 2 });
      const planned = await ledger('broadcast:planned');
      const r = await t.services.messaging.send(ws(), 'hook', msgs(['u1']), 'broadcast:planned');
      expect(r.results[0]).toMatchObject({ status: 'sent', send_id: planned.find((p) => p.member_id === ids.get('u1'))!.id, attempt: 1 });
      expect(await t.services.messaging.progress(ws(), 'broadcast:planned')).toEqual({ pending: 1, sent: 1 });
    });

    it('reports a live claim of another worker as in_flight instead of sending', async () => {
      const gate = await startHttpSink({ reply: () => ({ hang: true }) });
      await api('PUT', '/api/messaging/channels/slow', { type: 'webhook', config: { url: gate.url }, options: { timeout_ms: 1000, retries: 0 } });
      const slow = t.services.messaging.send(ws(), 'slow', msgs(['u1']), 'broadcast:race');
      while (gate.requests.length === 0) await new Promise((r) => setTimeout(r, 5)); // the first claim is committed
      const second = await t.services.messaging.send(ws(), 'slow', msgs(['u1']), 'broadcast:race');
      expect(second).toMatchObject({ in_flight: 1, sent: 0 });
      expect(second.results[0].lease_until).toBeTruthy();
      expect((await slow).failed).toBe(1);
      expect(gate.requests).toHaveLength(1);
      await gate.close();
    });
  });

  describe('receipts', () => {
    const post = (channelId: string, body: unknown, opts: { secret?: string; t?: number; header?: string } = {}) => {
      const raw = JSON.stringify(body);
      const header = opts.header ?? signatureHeader(opts.secret ?? SECRET, raw, opts.t);
      return t.app.inject({ method: 'POST', url: `/api/messaging/receipts/${channelId}`, headers: { 'content-type': 'application/json', 'x-siyu-signature': header }, payload: raw });
    };

    it('takes signed receipts once, moves states forward, and refuses unsigned or stale ones', async () => {
      await t.services.messaging.send(ws(), 'hook', msgs(['u1', 'u2', 'u3']), 'broadcast:receipts');
      const [a, b, c] = await ledger('broadcast:receipts');
      const events = {
        events: [
          { type: 'delivered', send_id: a.id, time: '2024-05-01T10:00:00Z' },
          { type: 'opened', provider_message_id: a.provider_message_id, time: '2024-05-01T10:05:00Z' },
          { type: 'clicked', send_id: b.id, url: 'https://shop.example/x', time: '2024-05-01T11:00:00Z' },
          { type: 'bounced', send_id: c.id, error: { code: '550', message: 'mailbox full' } },
          { type: 'delivered', send_id: 'msg_UNKNOWN' },
        ],
      };
      const r = await post(hook.id, events);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toEqual({ received: 5, recorded: 5, duplicates: 0, unmatched: ['msg_UNKNOWN'] });
      const again = await post(hook.id, events);
      expect(again.json()).toMatchObject({ recorded: 0, duplicates: 5 });
      const states = await ledger('broadcast:receipts');
      expect(states.map((x) => [x.state, x.error_code])).toEqual([['opened', null], ['clicked', null], ['failed', '550']]);
      // A late "delivered" never moves an opened message back.
      await post(hook.id, { type: 'delivered', send_id: a.id, time: '2024-05-01T12:00:00Z' });
      const one = await api('GET', `/api/messaging/sends/${a.id}`);
      expect(one.json()).toMatchObject({ state: 'opened', delivered_at: expect.stringMatching(/^2024-05-01T10:00:00/), opened_at: expect.stringMatching(/^2024-05-01T10:05/) });
      expect(one.json().events.map((e: any) => e.type)).toEqual(['delivered', 'opened', 'delivered']);

      const refused = [
        await post(hook.id, events, { header: '' }),
        await post(hook.id, events, { secret: 'whsec_wrong_secret' }),
        await post(hook.id, events, { t: Math.floor(Date.now() / 1000) - 3600 }),
        await post('mch_DOESNOTEXIST', events),
      ];
      for (const x of refused) {
        expect(x.statusCode).toBe(401);
        expect(x.json().code).toBe('messaging.receipt_signature_invalid');
      }
      // Signed but malformed: 400 after the signature check.
      expect((await post(hook.id, { events: [{ type: 'teleported', send_id: a.id }] })).statusCode).toBe(400);
    });

    it('an unsubscribed receipt revokes the member\'s marketing consent on that channel type', async () => {
      await t.services.messaging.send(ws(), 'hook', msgs(['u2']), 'broadcast:unsub');
      const [s] = await ledger('broadcast:unsub');
      expect((await post(hook.id, { type: 'unsubscribed', send_id: s.id })).statusCode).toBe(200);
      let consents: any = null;
      for (let i = 0; i < 50; i++) {
        consents = (await api('GET', `/api/consent/members/${s.member_id}`)).json();
        if (JSON.stringify(consents).includes('revoked')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(JSON.stringify(consents)).toContain('revoked');
      expect(JSON.stringify(consents)).toContain('webhook');
    });
  });

  describe('views', () => {
    it('lists sends with filters and cursors, a member’s messages with receipts, the 360 section and metrics', async () => {
      const page1 = await api('GET', '/api/messaging/sends?source_key=broadcast:b1&limit=2');
      expect(page1.json().data).toHaveLength(2);
      const page2 = await api('GET', `/api/messaging/sends?source_key=broadcast:b1&limit=2&cursor=${page1.json().next_cursor}`);
      expect(page2.json().data).toHaveLength(2);
      expect(page2.json().next_cursor).toBeNull();
      const all = [...page1.json().data, ...page2.json().data];
      expect(new Set(all.map((s: any) => s.id)).size).toBe(4);
      expect(all.every((s: any) => s.source_key === 'broadcast:b1' && s.state === 'sent')).toBe(true);
      expect((await api('GET', '/api/messaging/sends?state=failed&channel=hook')).json().data.length).toBeGreaterThanOrEqual(2);
      expect((await api('GET', '/api/messaging/sends?member=user_id:u2')).json().data.every((s: any) => s.member_id === ids.get('u2'))).toBe(true);
      expect((await api('GET', '/api/messaging/sends?cursor=garbage')).json().code).toBe('messaging.invalid_cursor');

      const mine = await api('GET', '/api/messaging/members/user_id:u1/messages');
      expect(mine.statusCode).toBe(200);
      expect(mine.json().member_id).toBe(ids.get('u1'));
      const opened = mine.json().data.find((s: any) => s.source_key === 'broadcast:receipts');
      expect(opened.events.map((e: any) => e.type)).toEqual(['delivered', 'opened', 'delivered']);

      const m360 = await api('GET', '/api/members/user_id:u1');
      // u1: broadcast:b1, journey:j1 and broadcast:planned sent, broadcast:receipts opened, broadcast:race timed out.
      expect(m360.json().messages).toMatchObject({ total: 5, sent: 4, delivered: 1, opened: 1, failed: 1, in_progress: 0, by_channel_type: { webhook: 5 }, last_sent_at: expect.any(String) });

      const metrics = await t.app.inject({ url: '/metrics' });
      expect(metrics.body).toMatch(new RegExp(`siyu_messaging_sends_total\\{channel="${hook.id}",channel_type="webhook",outcome="sent"\\} \\d+`));
      expect(metrics.body).toMatch(/siyu_messaging_errors_total\{[^}]*code="http_400"/);
      expect(metrics.body).toMatch(/siyu_messaging_receipts_total\{[^}]*type="opened"/);
    });

    it('one-off sends through the API use the member profile addresses', async () => {
      const sms = await startHttpSink({ reply: () => ({ body: { code: 0, id: 'sms_1' } }) });
      const c = await api('POST', '/api/messaging/channels', {
        name: 'sms',
        type: 'sms',
        config: { url: sms.url, api_key: 'sk_x', signature_name: '思域茶饮', response: { success_path: 'code', message_id_path: 'id' } },
        options: FAST,
      });
      expect(c.statusCode, c.body).toBe(201);
      const r = await api('POST', '/api/messaging/send', { channel: 'sms', member: 'user_id:u2', content: { text: '您的会员日礼券已到账' }, source_key: 'oneoff:test-1' });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ status: 'sent', member_id: ids.get('u2'), provider_message_id: 'sms_1', source_key: 'oneoff:test-1' });
      expect(sms.requests[0].json).toMatchObject({ phone: '13900000001', content: '【思域茶饮】您的会员日礼券已到账', out_id: r.json().send_id });
      const dup = await api('POST', '/api/messaging/send', { channel: 'sms', member: 'user_id:u2', content: { text: 'again' }, source_key: 'oneoff:test-1' });
      expect(dup.json()).toMatchObject({ status: 'skipped', state: 'sent', send_id: r.json().send_id });
      expect(sms.requests).toHaveLength(1);
      const disabled = await api('PUT', '/api/messaging/channels/sms', { type: 'sms', config: c.json().config, enabled: false });
      expect(disabled.json().enabled).toBe(false);
      expect((await api('POST', '/api/messaging/send', { channel: 'sms', member: 'user_id:u3', content: { text: 'x' } })).json().code).toBe('messaging.channel_disabled');
      await sms.close();
    });
  });
});
