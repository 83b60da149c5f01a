// Broadcasts end to end on both stores, through the API and the job queue (drained in-process): a segment sent to a
// local webhook sink with personalised content, the holdout never sent, per-member local send times, the rate limit
// as chunk slots, cancel mid-run, guard skips and deferrals, test sends, and the status rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { adminRequests, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';
import type { Guard } from '../delivery/guard.ts';
import { CHUNK_KIND, START_KIND } from './runner.ts';

const FAST = { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 5000 };
const KINDS = [START_KIND, CHUNK_KIND];

forEachStore('broadcasts', (ctx) => {
  let t: TestApp;
  let sink: HttpSink;
  const { api, ok } = adminRequests(() => t);
  const ws = () => t.workspaceId;
  /**
   * Runs the due broadcast jobs until none is due or running: again while one is still running, was enqueued a
   * moment ahead of the drain's clock, or failed an attempt (a conflict on a loaded machine) and is due for its retry
   * within 3 s, so the assertions see the settled state; what is still pending after 20 rounds is printed.
   */
  const drain = async () => {
    for (let round = 0; ; round++) {
      await t.services.jobs.drain({ kinds: KINDS });
      const pending = await ctx.store.query<{ id: string; kind: string; state: string; attempt: number; last_error: string | null }>(
        `SELECT id, kind, state, attempt, last_error FROM jobs WHERE workspace_id = $1 AND kind IN ('broadcast.start', 'broadcast.chunk')
           AND (state = 'running' OR (state = 'queued' AND (run_at <= CAST($2 AS TIMESTAMPTZ) OR (attempt > 0 AND last_error IS NOT NULL AND run_at <= CAST($3 AS TIMESTAMPTZ)))))`,
        [ws(), new Date(Date.now() + 500).toISOString(), new Date(Date.now() + 3_000).toISOString()],
      );
      if (pending.length === 0) return;
      if (round >= 20) console.warn(`broadcast jobs still pending after drain ${round}:`, pending);
      if (round >= 20) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  /** Messages at the sink for one broadcast: member id → rendered body. */
  const atSink = (source: string) => {
    const out = new Map<string, any>();
    for (const m of sink.delivered.values() as Iterable<any>) if (m.source_key === source) {
      expect(out.has(m.member_id), `${m.member_id} received twice`).toBe(false);
      out.set(m.member_id, JSON.parse(m.content.body));
    }
    return out;
  };
  const memberIds = new Map<string, string>();
  const segment = async (name: string, users: string[]) => ok('POST', '/api/segments', { name, kind: 'static', members: users.map((u) => `user_id:${u}`) }, 201);
  const create = (name: string, seg: string, extra: Record<string, unknown> = {}) => ok('POST', '/api/broadcasts', { name, segment: seg, template: 'greeting', channel: 'hook', ...extra }, 201);

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    sink = await startHttpSink();
    const members = Array.from({ length: 60 }, (_, i) => ({
      user_id: `b${i}`, name: `会员${i}`, phone: `1380000${String(i).padStart(4, '0')}`,
      attributes: { timezone: i < 50 ? undefined : i < 55 ? 'Asia/Shanghai' : i < 58 ? 'America/Los_Angeles' : 'Mars/Olympus_Mons' },
    }));
    await ok('POST', '/api/members', { members });
    for (const m of members) memberIds.set(m.user_id, await t.services.members.resolve(ws(), `user_id:${m.user_id}`));
    await ok('POST', '/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url + '/hook' }, options: FAST }, 201);
    await ok('POST', '/api/messaging/channels', { name: 'sms-main', type: 'sms', config: { url: sink.url + '/sms', signature_name: '思域' }, options: FAST }, 201);
    await ok('POST', '/api/templates', { name: 'greeting', content: { webhook: { body: { text: '你好 {{ member.name }}', user: '{{ member.user_id }}' } } } }, 201);
    await ok('POST', '/api/templates', { name: 'sms-only', content: { sms: { text: '【思域】{{ member.name }} 回T退订' } } }, 201);
    await ok('POST', '/api/templates', { name: 'with-coupon', content: { webhook: { body: { code: '{{ coupon.code }}' } } } }, 201);
    // The same members get many broadcasts here, at any hour: no caps, no quiet hours (consent still applies).
    await ok('PUT', '/api/consent/guard', { quiet_hours: null, caps: [] });
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
  });

  it('sends a segment end to end: personalised, once each, progress by state, completed', async () => {
    await segment('all-30', Array.from({ length: 30 }, (_, i) => `b${i}`));
    const b = await create('开业问候', 'all-30');
    expect(b).toMatchObject({ status: 'draft', channel_type: 'webhook', purpose: 'marketing', holdout_share: 0, schedule: { type: 'now' }, progress: { audience: null } });
    const s = await ok('POST', `/api/broadcasts/${b.id}/schedule`, {});
    expect(s).toMatchObject({ status: 'scheduled', template_version: 1 });
    await drain();
    const done = await ok('GET', `/api/broadcasts/${b.id}`);
    expect(done).toMatchObject({ status: 'completed', audience_count: 30, holdout_count: 0, chunk_count: 1 });
    expect(done.progress.counts).toEqual({ pending: 0, sent: 30, failed: 0, skipped: 0, holdout: 0 });
    const got = atSink(`broadcast:${b.id}`);
    expect(got.size).toBe(30);
    expect(got.get(memberIds.get('b7')!)).toEqual({ text: '你好 会员7', user: 'b7' });
    // Running the start and chunk jobs again changes nothing (both are idempotent).
    await t.services.jobs.enqueue(ws(), { kind: START_KIND, payload: { broadcastId: b.id } });
    await t.services.jobs.enqueue(ws(), { kind: CHUNK_KIND, payload: { broadcastId: b.id, chunk: 0 } });
    await drain();
    expect(atSink(`broadcast:${b.id}`).size).toBe(30);
    expect((await ok('GET', `/api/broadcasts/${b.id}/progress`)).counts.sent).toBe(30);
    expect(sink.duplicates).toBe(0);
  });

  it('holds out a share of the audience: recorded, counted, never sent', async () => {
    await segment('all-50', Array.from({ length: 50 }, (_, i) => `b${i}`));
    const b = await create('holdout', 'all-50', { holdout_share: 0.4 });
    await ok('POST', `/api/broadcasts/${b.id}/schedule`);
    await drain();
    const p = await ok('GET', `/api/broadcasts/${b.id}/progress`);
    expect(p.counts.holdout).toBeGreaterThan(5);
    expect(p.counts.holdout).toBeLessThan(40);
    expect(p.counts.sent).toBe(50 - p.counts.holdout);
    const held = await ctx.store.query<{ member_id: string }>('SELECT member_id FROM broadcast_members WHERE workspace_id = $1 AND broadcast_id = $2 AND holdout', [ws(), b.id]);
    expect(held).toHaveLength(p.counts.holdout);
    const got = atSink(`broadcast:${b.id}`);
    expect(got.size).toBe(p.counts.sent);
    for (const h of held) expect(got.has(h.member_id)).toBe(false);
  });

  it('sends at a local time in each member time zone (unknown zones use the workspace one)', async () => {
    await segment('zones', ['b50', 'b51', 'b55', 'b56', 'b58', 'b0']);
    // An hour ago in Shanghai: due there (and for members without a valid zone), still ahead in Los Angeles.
    const wall = new Date(Date.now() - 3_600_000 + 8 * 3_600_000).toISOString();
    const schedule = { type: 'local_time', date: wall.slice(0, 10), time: wall.slice(11, 16) };
    const b = await create('local 10:00', 'zones', { schedule });
    await ok('POST', `/api/broadcasts/${b.id}/schedule`);
    await drain();
    const got = atSink(`broadcast:${b.id}`);
    expect([...got.values()].map((m) => m.user).sort()).toEqual(['b0', 'b50', 'b51', 'b58']);
    const p = await ok('GET', `/api/broadcasts/${b.id}/progress`);
    expect(p).toMatchObject({ status: 'running', counts: { sent: 4, pending: 2 }, chunks: { total: 2, done: 1, queued: 1 } });
    const shanghai = Date.parse(`${schedule.date}T${schedule.time}:00+08:00`);
    const la = Date.parse(p.next_run_at);
    expect(la - shanghai).toBeGreaterThanOrEqual(15 * 3_600_000);
    expect(la - shanghai).toBeLessThanOrEqual(16 * 3_600_000);
    const rows = await ctx.store.query<{ member_id: string; send_at: string }>('SELECT member_id, send_at FROM broadcast_members WHERE workspace_id = $1 AND broadcast_id = $2', [ws(), b.id]);
    expect(new Date(rows.find((r) => r.member_id === memberIds.get('b56'))!.send_at).getTime()).toBe(la);
    expect(new Date(rows.find((r) => r.member_id === memberIds.get('b51'))!.send_at).getTime()).toBe(shanghai);
    await ok('POST', `/api/broadcasts/${b.id}/cancel`);
  });

  it('throttles to the rate as one-second chunk slots, and cancel stops the chunks still to come', async () => {
    await segment('rate-25', Array.from({ length: 25 }, (_, i) => `b${i}`));
    const b = await create('throttled', 'rate-25', { rate_limit_per_second: 10 });
    await ok('POST', `/api/broadcasts/${b.id}/schedule`);
    await t.services.jobs.drain({ kinds: [START_KIND] });
    const { data: chunks } = await ok('GET', `/api/broadcasts/${b.id}/chunks`);
    expect(chunks.map((c: any) => c.member_count)).toEqual([10, 10, 5]);
    const at = chunks.map((c: any) => Date.parse(c.run_at));
    expect([at[1] - at[0], at[2] - at[1]]).toEqual([1000, 1000]);

    // The first slot goes out paced (a tenth every 100 ms); cancel while it runs: it finishes, nothing after it.
    const running = drain();
    const source = `broadcast:${b.id}`;
    while ([...sink.delivered.values()].filter((m: any) => m.source_key === source).length < 3) await new Promise((r) => setTimeout(r, 10));
    const c = await ok('POST', `/api/broadcasts/${b.id}/cancel`);
    expect(c.status).toBe('cancelled');
    await running;
    // Make the remaining chunk jobs due now: they find the broadcast cancelled and send nothing.
    for (const k of [1, 2]) {
      const { data } = await t.services.jobs.list(ws(), { key: `${source}:chunk:${k}`, limit: 5 } as any);
      if (data[0]?.state === 'queued') await t.services.jobs.retry(ws(), data[0].id);
    }
    await drain();
    expect(atSink(source).size).toBe(10);
    const p = await ok('GET', `/api/broadcasts/${b.id}`);
    expect(p).toMatchObject({ status: 'cancelled', progress: { counts: { sent: 10, pending: 15 }, chunks: { done: 1, cancelled: 2 } } });
    expect((await ok('POST', `/api/broadcasts/${b.id}/cancel`)).status).toBe('cancelled'); // twice is fine
  });

  it('skips members the guard refuses (by reason) and defers quiet-hour members to a later run', async () => {
    await segment('guarded', Array.from({ length: 12 }, (_, i) => `b${i}`));
    const refused = new Set([memberIds.get('b1'), memberIds.get('b2')]);
    let quiet = new Set([memberIds.get('b3')]);
    const guard: Guard = {
      async admit(_ws, req) {
        const skipped = new Map<string, string>();
        const deferred = new Map<string, { retryAt: string; reason: string }>();
        for (const id of req.memberIds) {
          if (refused.has(id)) skipped.set(id, 'no_consent');
          else if (quiet.has(id)) deferred.set(id, { retryAt: new Date(Date.now() + 3_600_000).toISOString(), reason: 'quiet_hours' });
        }
        return { admitted: req.memberIds.filter((id) => !skipped.has(id) && !deferred.has(id)), skipped, deferred };
      },
    };
    const real = t.services.consent;
    (t.services as any).consent = { guard };
    try {
      const b = await create('guarded', 'guarded');
      await ok('POST', `/api/broadcasts/${b.id}/schedule`);
      await drain();
      let p = await ok('GET', `/api/broadcasts/${b.id}/progress`);
      expect(p).toMatchObject({ status: 'running', counts: { sent: 9, skipped: 2, pending: 1 }, skipped_by_reason: { no_consent: 2 }, deferred: 1, chunks: { waiting: 1 } });
      // Quiet hours end: the waiting chunk runs again (made due now) and sends only the deferred member.
      quiet = new Set();
      const { data } = await t.services.jobs.list(ws(), { key: `broadcast:${b.id}:chunk:0`, limit: 5 } as any);
      await t.services.jobs.retry(ws(), data[0].id);
      await drain();
      p = await ok('GET', `/api/broadcasts/${b.id}/progress`);
      expect(p).toMatchObject({ status: 'completed', counts: { sent: 10, skipped: 2, pending: 0 }, deferred: 0 });
      const got = atSink(`broadcast:${b.id}`);
      expect(got.size).toBe(10);
      for (const id of refused) expect(got.has(id!)).toBe(false);
    } finally {
      (t.services as any).consent = real;
    }
  });

  it('goes through the consent guard: SMS marketing reaches only members who opted in', async () => {
    await segment('sms-6', ['b10', 'b11', 'b12', 'b13', 'b14', 'b15']);
    for (const u of ['b10', 'b11', 'b12']) await ok('PUT', `/api/consent/members/user_id:${u}`, { channel: 'sms', purpose: 'marketing', status: 'granted' });
    await ok('PUT', '/api/consent/members/user_id:b12', { channel: 'sms', purpose: 'marketing', status: 'revoked' });
    const b = await ok('POST', '/api/broadcasts', { name: 'sms marketing', segment: 'sms-6', template: 'sms-only', channel: 'sms-main' }, 201);
    await ok('POST', `/api/broadcasts/${b.id}/schedule`);
    await drain();
    const p = await ok('GET', `/api/broadcasts/${b.id}/progress`);
    expect(p).toMatchObject({ status: 'completed', counts: { sent: 2, skipped: 4, pending: 0 }, skipped_by_reason: { no_consent: 3, unsubscribed: 1 } });
    const phones = sink.requests.filter((r) => r.url === '/sms' && String(r.json?.content).includes('【思域】')).map((r) => r.json.phone).sort();
    expect(phones).toEqual(['13800000010', '13800000011']);
  });

  it('send-test renders for real members, ignores guard and holdout, and is not counted', async () => {
    const b = await create('test me', 'all-30', { holdout_share: 0.9 });
    const r = await ok('POST', `/api/broadcasts/${b.id}/send-test`, { members: ['user_id:b3', 'user_id:b4'], to: { email: 'staff@example.com' } });
    expect(r).toMatchObject({ sent: 2, failed: 0, skipped: 0, source_key: expect.stringMatching(new RegExp(`^broadcast-test:${b.id}:`)) });
    const got = [...sink.delivered.values()].filter((m: any) => m.source_key === r.source_key) as any[];
    expect(got.map((m) => m.to.email)).toEqual(['staff@example.com', 'staff@example.com']);
    expect(got.map((m) => JSON.parse(m.content.body).text).sort()).toEqual(['你好 会员3', '你好 会员4']);
    expect((await ok('GET', `/api/broadcasts/${b.id}`)).status).toBe('draft');
  });

  it('validates refs, channel content and status moves', async () => {
    expect((await api('POST', '/api/broadcasts', { name: 'x', segment: 'nope', template: 'greeting', channel: 'hook' })).json()).toMatchObject({ code: 'segment.not_found' });
    const mismatch = await api('POST', '/api/broadcasts', { name: 'x', segment: 'all-30', template: 'sms-only', channel: 'hook' });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json()).toMatchObject({ code: 'broadcast.template_channel_missing', field: 'template' });
    const bad = await api('POST', '/api/broadcasts', { name: 'x', segment: 'all-30', template: 'greeting', channel: 'hook', schedule: { type: 'local_time', date: '2026-02-30', time: '10:00' } });
    expect(bad.statusCode).toBe(400);

    const b = await create('to edit', 'all-30');
    expect(await ok('PATCH', `/api/broadcasts/${b.id}`, { name: 'edited', holdout_share: 0.2, rate_limit_per_second: 100 })).toMatchObject({ name: 'edited', holdout_share: 0.2, rate_limit_per_second: 100 });
    expect((await api('PATCH', `/api/broadcasts/${b.id}`, { channel: 'sms-main' })).json()).toMatchObject({ code: 'broadcast.template_channel_missing', field: 'channel' });
    expect((await api('POST', `/api/broadcasts/${b.id}/cancel`)).json()).toMatchObject({ code: 'broadcast.not_cancellable' });
    const past = await api('POST', `/api/broadcasts/${b.id}/schedule`, { schedule: { type: 'at', at: '2020-01-01T00:00:00Z' } });
    expect(past.json()).toMatchObject({ code: 'broadcast.schedule_in_past', field: 'schedule' });
    const later = new Date(Date.now() + 86_400_000).toISOString();
    expect(await ok('POST', `/api/broadcasts/${b.id}/schedule`, { schedule: { type: 'at', at: later } })).toMatchObject({ status: 'scheduled', start_at: later });
    expect((await api('PATCH', `/api/broadcasts/${b.id}`, { name: 'again' })).json()).toMatchObject({ code: 'broadcast.not_draft' });
    expect((await api('DELETE', `/api/broadcasts/${b.id}`)).json()).toMatchObject({ code: 'broadcast.not_deletable' });
    await drain(); // not due: nothing starts
    expect((await ok('GET', `/api/broadcasts/${b.id}`)).status).toBe('scheduled');
    expect((await ok('POST', `/api/broadcasts/${b.id}/cancel`)).status).toBe('cancelled');
    expect((await api('DELETE', `/api/broadcasts/${b.id}`)).statusCode).toBe(204);

    const coupon = await ok('POST', '/api/broadcasts', { name: 'coupon', segment: 'all-30', template: 'with-coupon', channel: 'hook' }, 201);
    expect((await api('POST', `/api/broadcasts/${coupon.id}/schedule`)).json()).toMatchObject({ code: 'broadcast.template_needs_extras' });
    const list = await ok('GET', '/api/broadcasts?status=completed');
    expect(list.data.length).toBeGreaterThanOrEqual(2);
    expect(list.data.every((x: any) => x.status === 'completed')).toBe(true);
  });
});
