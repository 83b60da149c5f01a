// Measurement on both stores: holdouts recorded and reproducible, tracked links that redirect and record clicks (and
// refuse altered tokens), open pixels, last-touch conversions within the window, and a report on a small
// constructed dataset equal to hand-computed figures (the intervals from scipy, see stats.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';

const T0 = Date.parse('2025-03-01T00:00:00Z');
const H = 3_600_000;
const D = 24 * H;
const at = (ms: number) => new Date(T0 + ms).toISOString();

forEachStore('measurement', (ctx) => {
  let t: TestApp;
  let sink: HttpSink;
  let channelId: string;
  const ids = new Map<string, string>();
  const ws = () => t.workspaceId;
  const api = (method: string, url: string, payload?: unknown, headers: Record<string, string> = t.admin) =>
    t.app.inject({ method: method as any, url, headers, payload: payload as any });

  /** A message_sends row as messaging would leave it (the fixture controls the times). */
  const insertSend = (sourceKey: string, user: string, state: string, sentAt: number | null, more: { delivered?: number; opened?: number; clicked?: number } = {}) =>
    ctx.store.exec(
      `INSERT INTO message_sends (workspace_id, source_key, member_id, id, channel_id, channel_type, state, attempts, created_at, updated_at, sent_at, delivered_at, opened_at, clicked_at, failed_at)
       VALUES ($1, $2, $3, $4, $5, 'webhook', $6, 1, $7::TIMESTAMPTZ, $7::TIMESTAMPTZ, $8::TIMESTAMPTZ, $9::TIMESTAMPTZ, $10::TIMESTAMPTZ, $11::TIMESTAMPTZ, $12::TIMESTAMPTZ)`,
      [
        ws(), sourceKey, ids.get(user)!, `msg_${user}_${sourceKey.replace(/\W/g, '')}`, channelId, state, at(0),
        sentAt === null ? null : at(sentAt),
        more.delivered === undefined ? null : at(more.delivered),
        more.opened === undefined ? null : at(more.opened),
        more.clicked === undefined ? null : at(more.clicked),
        state === 'failed' ? at(sentAt ?? 0) : null,
      ],
    );
  const insertAssignment = (sourceKey: string, user: string, group: 'treatment' | 'holdout', assigned: number) =>
    ctx.store.exec('INSERT INTO measurement_holdouts (workspace_id, source_key, member_id, group_name, assigned_at) VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ)', [ws(), sourceKey, ids.get(user)!, group, at(assigned)]);
  const order = (user: string, id: string, amount: number, paid: number, status: 'paid' | 'cancelled' = 'paid') => ({ order_id: id, user_id: user, amount, paid_at: at(paid), status });

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    sink = await startHttpSink({ secret: 'whsec_measure' });
    const users = ['t1', 't2', 't3', 't4', 't5', 't6', 'u1', 'h1', 'h2', 'h3', 'h4', 'c1', 'c2'];
    const r = await api('POST', '/api/members', { members: users.map((u) => ({ user_id: u })) });
    expect(r.statusCode, r.body).toBe(200);
    for (const u of users) ids.set(u, await t.services.members.resolve(ws(), `user_id:${u}`));
    const c = await api('POST', '/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url + '/hook', secret: 'whsec_measure' }, options: { retries: 0, timeout_ms: 2000 } });
    expect(c.statusCode, c.body).toBe(201);
    channelId = c.json().id;
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
  });

  describe('holdouts', () => {
    const members = Array.from({ length: 400 }, (_, i) => `mem_SYNTH${String(i).padStart(4, '0')}`);

    it('records every member in one group, reproducibly, and answers a re-assignment the same', async () => {
      const m = t.services.measurement;
      const held = await m.assignHoldout(ws(), { sourceKey: 'broadcast:hold1', share: 0.25, memberIds: members });
      expect(held.size).toBeGreaterThan(100 - 4.5 * Math.sqrt(400 * 0.25 * 0.75));
      expect(held.size).toBeLessThan(100 + 4.5 * Math.sqrt(400 * 0.25 * 0.75));
      const rows = await ctx.store.query<{ group_name: string; n: number }>(
        'SELECT group_name, count(*) AS n FROM measurement_holdouts WHERE workspace_id = $1 AND source_key = $2 GROUP BY group_name ORDER BY group_name',
        [ws(), 'broadcast:hold1'],
      );
      expect(rows).toEqual([{ group_name: 'holdout', n: held.size }, { group_name: 'treatment', n: 400 - held.size }]);

      // Same call, a subset, a reordered list, even a changed share: recorded members keep their group.
      expect(await m.assignHoldout(ws(), { sourceKey: 'broadcast:hold1', share: 0.25, memberIds: [...members].reverse() })).toEqual(held);
      const again = await m.assignHoldout(ws(), { sourceKey: 'broadcast:hold1', share: 0.5, memberIds: members.slice(0, 200) });
      expect(again).toEqual(new Set(members.slice(0, 200).filter((id) => held.has(id))));
      const view = await api('GET', '/api/measurement/campaigns/broadcast:hold1/holdout?group=holdout&limit=5');
      expect(view.statusCode, view.body).toBe(200);
      expect(view.json()).toMatchObject({ share: 0.5, treatment_size: 400 - held.size, holdout_size: held.size, next_cursor: expect.any(String) });
      expect(view.json().data).toHaveLength(5);
      expect(view.json().data.every((r: any) => held.has(r.member_id) && r.group === 'holdout')).toBe(true);
    });

    it('is reproducible from the stored salt; a given salt fixes the draw, a different one later is refused', async () => {
      const m = t.services.measurement;
      const a = await m.assignHoldout(ws(), { sourceKey: 'journey:salted', share: 0.3, memberIds: members, salt: 'fixed-salt-01' });
      const { splitHoldout } = await import('./holdout-split.ts');
      expect(a).toEqual(new Set(splitHoldout('fixed-salt-01', 'journey:salted', members, 0.3).holdout));
      const bad = await api('POST', '/api/measurement/campaigns/journey:salted/holdout', { share: 0.3, members: [`${ids.get('t1')}`], salt: 'another-salt' });
      expect(bad.statusCode).toBe(409);
      expect(bad.json()).toMatchObject({ code: 'measurement.salt_mismatch', field: 'salt' });
      const badShare = await api('POST', '/api/measurement/campaigns/journey:salted/holdout', { share: 0.95, members: ['user_id:t1'] });
      expect(badShare.statusCode).toBe(400);
      // The API takes member refs and reports the unknown ones.
      const ok = await api('POST', '/api/measurement/campaigns/journey:refs/holdout', { share: 0.5, members: ['user_id:t1', 'user_id:t2', 'user_id:nobody'] });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ assigned: 2, unknown: ['user_id:nobody'] });
      expect((await api('GET', '/api/measurement/campaigns/journey:none/holdout')).statusCode).toBe(404);
    });
  });

  describe('tracked links and opens', () => {
    it('the track filter signs links into sends; clicks and opens are recorded and redirect; altered tokens are refused', async () => {
      const tpl = await api('POST', '/api/templates', {
        name: 'tracked',
        content: { webhook: { body: { link: '{{ "https://shop.example/sale?a=1&b=2" | track }}', pixel: '{{ "" | open_pixel }}', plain: '{{ "weixin://x" | track }}' } } },
      });
      expect(tpl.statusCode, tpl.body).toBe(201);
      const compiled = await t.services.templates.compile(ws(), tpl.json().id);
      const member = ids.get('c1')!;
      const rendered = await t.services.templates.renderMany(ws(), compiled, [member], undefined, { sourceKey: 'broadcast:links' });
      const body = JSON.parse(rendered.get(member)!.body!);
      expect(body.link).toMatch(/^http:\/\/127\.0\.0\.1:7300\/r\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(body.pixel).toMatch(/\/o\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.gif$/);
      expect(body.plain).toBe('weixin://x');
      // Without a source key (previews), links stay as written.
      const preview = await t.services.templates.renderMany(ws(), compiled, [member]);
      expect(JSON.parse(preview.get(member)!.body!).link).toBe('https://shop.example/sale?a=1&b=2');

      const sent = await t.services.messaging.send(ws(), channelId, [{ memberId: member, to: {}, content: rendered.get(member)! }], 'broadcast:links');
      expect(sent.sent).toBe(1);
      const path = (u: string) => new URL(u).pathname;

      const open = await t.app.inject({ method: 'GET', url: path(body.pixel) });
      expect(open.statusCode).toBe(200);
      expect(open.headers['content-type']).toBe('image/gif');
      expect(open.headers['cache-control']).toContain('no-store');

      const click = await t.app.inject({ method: 'GET', url: path(body.link) });
      expect(click.statusCode).toBe(302);
      expect(click.headers.location).toBe('https://shop.example/sale?a=1&b=2');
      const send = await ctx.store.query<{ state: string; opened_at: string | null; clicked_at: string | null }>(
        'SELECT state, opened_at, clicked_at FROM message_sends WHERE workspace_id = $1 AND source_key = $2 AND member_id = $3',
        [ws(), 'broadcast:links', member],
      );
      expect(send[0]).toMatchObject({ state: 'clicked', opened_at: expect.any(String), clicked_at: expect.any(String) });
      const events = await ctx.store.query<{ type: string; url: string | null; member_id: string }>(
        `SELECT type, url, member_id FROM message_events WHERE workspace_id = $1 AND send_id = $2 ORDER BY type`,
        [ws(), sent.results[0].send_id],
      );
      expect(events).toEqual([
        { type: 'clicked', url: 'https://shop.example/sale?a=1&b=2', member_id: member },
        { type: 'opened', url: null, member_id: member },
      ]);

      // Altered: another target under the same signature, a cut signature, garbage.
      const token = path(body.link).slice(3);
      const [payload, sig] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      claims[5] = 'https://evil.example/';
      for (const bad of [`${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`, `${payload}.${sig.slice(1)}`, 'nonsense']) {
        const r = await t.app.inject({ method: 'GET', url: `/r/${bad}` });
        expect(r.statusCode).toBe(400);
        expect(r.headers['content-type']).toContain('text/html');
        expect(r.headers.location).toBeUndefined();
      }
      expect((await t.app.inject({ method: 'GET', url: '/o/nonsense.gif' })).statusCode).toBe(400);

      // A valid link whose send does not exist still redirects (nothing to record).
      const orphan = await t.services.measurement.trackedUrl(ws(), 'broadcast:never', member, 'https://shop.example/');
      const o = await t.app.inject({ method: 'GET', url: path(orphan) });
      expect(o.statusCode).toBe(302);
    });
  });

  describe('link configuration', () => {
    it('uses SIYU_PUBLIC_URL and SIYU_LINK_SECRET when they are set', async () => {
      const other = await createTestApp(ctx.store, { publicUrl: 'https://m.example.com/', linkSecret: 'l'.repeat(32) });
      try {
        const url = await other.services.measurement.trackedUrl(other.workspaceId, 'broadcast:cfg', 'mem_X', 'https://shop.example/');
        expect(url.startsWith('https://m.example.com/r/')).toBe(true);
        // Signed with the configured key: that app follows it, an app with the stored key refuses it.
        expect((await other.app.inject({ method: 'GET', url: new URL(url).pathname })).statusCode).toBe(302);
        expect((await t.app.inject({ method: 'GET', url: new URL(url).pathname })).statusCode).toBe(400);
        await expect(other.services.measurement.trackedUrl(other.workspaceId, 'broadcast:cfg', 'mem_X', 'javascript:alert(1)')).rejects.toMatchObject({ code: 'measurement.url_invalid' });
      } finally {
        await other.app.close();
      }
    });
  });

  describe('conversions and the campaign report', () => {
    const K = 'broadcast:rep1';

    beforeAll(async () => {
      // Groups recorded at T0: t1…t6 treatment, h1…h4 holdout; u1 is messaged without an assignment (treatment).
      for (const u of ['t1', 't2', 't3', 't4', 't5', 't6']) await insertAssignment(K, u, 'treatment', 0);
      for (const u of ['h1', 'h2', 'h3', 'h4']) await insertAssignment(K, u, 'holdout', 0);
      await ctx.store.exec('INSERT INTO measurement_sources (workspace_id, source_key, salt, share, created_at, updated_at) VALUES ($1, $2, $3, 0.4, $4::TIMESTAMPTZ, $4::TIMESTAMPTZ)', [ws(), K, 'fixture-salt', at(0)]);
      // The campaign's sends, handed to the provider at T0+1h.
      await insertSend(K, 't1', 'clicked', H, { delivered: H, opened: 2 * H, clicked: 3 * H });
      await insertSend(K, 't2', 'opened', H, { delivered: H, opened: 2 * H });
      await insertSend(`${K}:followup`, 't2', 'sent', 8 * D - H); // a later touch of the same campaign
      await insertSend(K, 't3', 'delivered', H, { delivered: H });
      await insertSend(K, 't4', 'sent', H);
      await insertSend(K, 't5', 'failed', H); // bounced after it was sent
      await insertSend(K, 't6', 'failed', null); // refused: never reached
      await insertSend(K, 'u1', 'delivered', H, { delivered: H });
      // Other sources' touches.
      await insertSend('broadcast:other', 't4', 'sent', D);
      await insertSend('broadcast:other', 'h4', 'sent', 12 * H);
      await insertSend('broadcast:other', 'h1', 'sent', -H); // before the anchor: no effect
      await insertSend('journey:x:step:1', 'h1', 'failed', null); // never reached: no effect
      await insertSend('broadcast:rep10', 'h2', 'sent', 7 * D); // not a key of rep1 (no colon)
      await insertAssignment('journey:j9', 't1', 'holdout', 4 * D); // another campaign's holdout touch
      const r = await api('POST', '/v1/orders', {
        orders: [
          order('t1', 'o1', 100, 2 * D), // converts
          order('t1', 'o2', 50, 3 * D), // converts (second order of t1)
          order('t1', 'o3', 15, 5 * D), // after journey:j9's touch: theirs
          order('t2', 'o4', 80, 8 * D), // within 7 days of the follow-up
          order('t3', 'o5', 30, H / 2), // before the send
          order('t4', 'o6', 60, 2 * D), // broadcast:other touched t4 in between
          order('t5', 'o7', 40, D), // converts
          order('t6', 'o8', 25, 6 * D), // never reached: anchored at assignment, converts
          order('u1', 'o9', 10, 7 * D + 2 * H), // one hour past the window of its send
          order('h1', 'o10', 70, D), // holdout converts
          order('h2', 'o11', 20, 8 * D), // past the holdout window
          order('h3', 'o12', 90, D, 'cancelled'), // cancelled
          order('h4', 'o13', 35, 2 * D), // broadcast:other touched h4 in between
          order('c2', 'o14', 999, D), // not in the audience
        ],
      }, t.write);
      expect(r.statusCode, r.body).toBe(200);
    });

    it('attributes conversions last-touch within the window and reports hand-computed figures', async () => {
      const res = await api('GET', `/api/measurement/campaigns/${encodeURIComponent(K)}/report`);
      expect(res.statusCode, res.body).toBe(200);
      const r = res.json();
      expect(r).toMatchObject({
        source_key: K, window_days: 7, attribution: 'last_touch', holdout_share: 0.4,
        audience: 11, treatment_size: 7, holdout_size: 4,
        reach: 6, delivered: 4, failed: 2, opened: 2, clicked: 1,
        conversions: 4, orders: 5, revenue: 295, holdout_contacted: 0,
        first_touch_at: at(0), last_touch_at: at(8 * D - H), window_closes_at: at(15 * D - H), window_complete: true,
      });
      expect(r.groups.treatment).toMatchObject({ members: 7, messages: 8, sent: 6, conversions: 4, orders: 5, revenue: 295 });
      expect(r.groups.holdout).toMatchObject({ members: 4, messages: 0, sent: 0, delivered: 0, conversions: 1, orders: 1, revenue: 70 });
      expect(r.groups.treatment.conversion_rate).toBeCloseTo(4 / 7, 12);
      expect(r.groups.holdout.conversion_rate).toBeCloseTo(0.25, 12);
      expect(r.groups.treatment.revenue_per_member).toBeCloseTo(295 / 7, 10);
      expect(r.groups.holdout.revenue_per_member).toBeCloseTo(17.5, 10);
      const c = r.lift.conversion_rate;
      expect(c.absolute).toBeCloseTo(4 / 7 - 1 / 4, 12);
      expect(c.absolute_ci[0]).toBeCloseTo(-0.23078934511865057, 9);
      expect(c.absolute_ci[1]).toBeCloseTo(0.6603600411091817, 9);
      expect(c.relative).toBeCloseTo(1.2857142857142856, 9);
      expect(c.relative_ci[0]).toBeCloseTo(-0.6276404944189686, 9);
      expect(c.relative_ci[1]).toBeCloseTo(13.030767893963262, 7);
      expect(c).toMatchObject({ method: 'newcombe_hybrid_score', significant: false });
      const m = r.lift.revenue_per_member;
      // Per member: treatment [150, 80, 0, 0, 40, 25, 0], holdout [70, 0, 0, 0] → scipy ttest_ind(equal_var=False).
      expect(m.absolute).toBeCloseTo(24.642857142857146, 9);
      expect(m.absolute_ci[0]).toBeCloseTo(-37.59877966069443, 7);
      expect(m.absolute_ci[1]).toBeCloseTo(86.88449394640872, 7);
      expect(m.df).toBeCloseTo(8.781933321078403, 7);
      expect(r.lift.incremental_conversions).toBeCloseTo((4 / 7 - 1 / 4) * 7, 9);
    });

    it('a longer window takes in the later orders; the window is validated', async () => {
      const r = (await api('GET', `/api/measurement/campaigns/${K}/report?window_days=10`)).json();
      // u1 (+7d2h) now counts; t4 and h4 stay with broadcast:other, o3 with journey:j9, and h2's o11 (+8d) with
      // broadcast:rep10, which touched h2 at +7d.
      expect(r).toMatchObject({ window_days: 10, conversions: 5, orders: 6, revenue: 305 });
      expect(r.groups.holdout).toMatchObject({ conversions: 1, orders: 1, revenue: 70 });
      expect((await api('GET', '/api/measurement/campaigns/broadcast:rep10/report?window_days=10')).json()).toMatchObject({ audience: 1, conversions: 1, revenue: 20 });
      const short = (await api('GET', `/api/measurement/campaigns/${K}/report?window_days=1`)).json();
      // 1 day: t1's o1 (+2d from +1h) is out; t5 (+1d, sent +1h) and t2 (1 h after the follow-up) in; t6 (+6d) out;
      // h1's order at exactly T0 + 1 day is at the edge of the window, which excludes its end: out.
      expect(short).toMatchObject({ conversions: 2, orders: 2, revenue: 120 });
      expect(short.groups.holdout.conversions).toBe(0);
      const bad = await api('GET', `/api/measurement/campaigns/${K}/report?window_days=0`);
      expect(bad.statusCode).toBe(400);
      expect((await api('GET', '/api/measurement/campaigns/broadcast:nothing/report')).statusCode).toBe(404);
    });

    it('the competing source gets the orders it stole', async () => {
      const r = (await api('GET', '/api/measurement/campaigns/broadcast:other/report')).json();
      // t4's o6 (+2d after its +1d touch) and h4's o13 (+2d after +12h); h1's o10 falls after rep1's holdout anchor.
      expect(r).toMatchObject({ audience: 3, treatment_size: 3, holdout_size: 0, reach: 3, conversions: 2, orders: 2, revenue: 95 });
      expect(r.lift.conversion_rate.absolute).toBeNull();
    });

    it('lists campaigns with their headline figures, newest first, page by page', async () => {
      const list = await api('GET', '/api/measurement/campaigns?prefix=broadcast:rep&limit=1');
      expect(list.statusCode, list.body).toBe(200);
      const first = list.json();
      expect(first.data).toHaveLength(1);
      const second = (await api('GET', `/api/measurement/campaigns?prefix=broadcast:rep&limit=5&cursor=${first.next_cursor}`)).json();
      const rows = [...first.data, ...second.data];
      expect(rows.map((x: any) => x.source_key).sort()).toEqual(['broadcast:rep1', 'broadcast:rep10']);
      expect(rows.find((x: any) => x.source_key === K)).toMatchObject({ audience: 11, conversions: 4, revenue: 295, holdout_size: 4 });
      const all = (await api('GET', '/api/measurement/campaigns?limit=100')).json().data.map((x: any) => x.source_key);
      expect(all).toEqual(expect.arrayContaining([K, 'broadcast:other', 'journey:x', 'broadcast:hold1', 'journey:salted']));
      expect(all.some((k: string) => k.startsWith('oneoff:'))).toBe(false);
    });
  });

});
