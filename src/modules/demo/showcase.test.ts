// The demo's operations setup on a small generated brand, through the HTTP API, on both stores: everything it
// promises exists with members, the drafts never send, training runs on the worker, and a second run is a no-op.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { generateDemo } from './generator.ts';
import { INBOX_CHANNEL, SHOWCASE_SEGMENTS, connectInbox, injectApi, seedShowcase, type DemoApi } from './showcase.ts';
import { startDemoInbox, type DemoInbox } from './inbox.ts';

forEachStore('demo showcase', (ctx) => {
  let t: TestApp;
  let ws: string;
  let api: DemoApi;
  let inbox: DemoInbox;
  const endDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    ws = 'ws_showcase_' + randomBytes(3).toString('hex');
    await generateDemo(ctx.store, { workspaceId: ws, members: 600, seed: 'showcase', endDate });
    const key = await t.services.workspaces.createKey(ws, 'admin');
    api = injectApi(t.app, key.secret);
  }, 120_000);
  afterAll(async () => {
    await t?.app.close();
    await inbox?.close();
  });

  it('sets up scores, segments, coupons, programme, templates, draft journeys and a training, once', async () => {
    // marketing quiet hours (21:00–09:00 by default) would hold the broadcast back when this runs at night
    await api('PUT', '/api/consent/guard', { quiet_hours: null });
    inbox = await startDemoInbox();
    await connectInbox(api, inbox.url);
    await connectInbox(api, inbox.url); // every start repoints the channel; the second time it updates in place
    const first = await seedShowcase(api, endDate, new Date(), { inbox: true });
    expect(first.created).toBe(true);
    expect(first.segments.map((s) => s.name)).toEqual(SHOWCASE_SEGMENTS.map((s) => s.name));
    // a brand of 600 has champions, members at risk and recent female buyers
    for (const name of ['重要价值客户', '流失预警', '近 30 天活跃女性买家']) expect(first.segments.find((s) => s.name === name)!.members, name).toBeGreaterThan(0);
    expect(first).toMatchObject({ coupons: 3, templates: 3, journeys: 3 });

    expect((await api<{ members: number }>('GET', '/api/rfm/distribution')).members).toBeGreaterThan(0);
    expect((await api<{ data: Array<{ id: string }> }>('GET', '/api/clv/fits')).data).toHaveLength(1);
    const program = await api<{ program: { tiers: unknown[] }; earn_since: string }>('GET', '/api/loyalty/program');
    expect(program.program.tiers).toHaveLength(4);
    // the launch review placed the base by its spend: the tier counts add up to every member
    expect(first.tiered).toBeGreaterThan(0);
    const tiers = await api<{ data: Array<{ code: string; members: number }> }>('GET', '/api/loyalty/tiers');
    expect(tiers.data.filter((x) => x.code !== 'regular').reduce((n, x) => n + x.members, 0)).toBe(first.tiered);
    const journeys = await api<{ data: Array<{ status: string }> }>('GET', '/api/journeys');
    expect(journeys.data.map((j) => j.status)).toEqual(['draft', 'draft', 'draft']);
    const channels = await api<{ data: Array<{ name: string; type: string; enabled: boolean }> }>('GET', '/api/messaging/channels');
    expect(channels.data.map((c) => [c.name, c.type, c.enabled]).sort()).toEqual([['本机演示收件箱', 'webhook', true], ['短信（待配置）', 'sms', false]].sort());

    // the broadcast runs to the local inbox: everyone in the audience outside the holdout gets one message
    for (let i = 0; i < 100; i++) {
      await t.services.jobs.drain({ kinds: ['broadcast.start', 'broadcast.chunk', 'messaging.send_batch'] });
      if ((await api<{ status: string }>('GET', `/api/broadcasts/${first.broadcast}`)).status === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { counts } = await api<{ counts: Record<string, number> }>('GET', `/api/broadcasts/${first.broadcast}/progress`);
    expect((await api<{ status: string }>('GET', `/api/broadcasts/${first.broadcast}`)).status).toBe('completed');
    expect(counts.sent).toBeGreaterThan(0);
    expect(counts.holdout).toBeGreaterThan(0);
    expect(inbox.received()).toBe(counts.sent);
    expect(INBOX_CHANNEL).toBe('本机演示收件箱');

    // the worker trains; the coffee segment follows the training
    await t.services.jobs.drain({ kinds: ['recommendations.train'] });
    const schedules = await api<{ data: Array<{ name: string }> }>('GET', '/api/jobs/schedules');
    expect(schedules.data.map((s) => s.name)).toContain('recommendations.nightly');
    const [member] = await ctx.store.query<{ member_id: string }>('SELECT member_id FROM member_recommendations WHERE workspace_id = $1 LIMIT 1', [ws]);
    expect(member).toBeTruthy();
    const recs = await api<{ items: unknown[] }>('GET', `/api/members/${member!.member_id}/recommendations?n=5`);
    expect(recs.items.length).toBeGreaterThan(0);

    const again = await seedShowcase(api, endDate);
    expect(again.created).toBe(false);
    expect((await api<{ data: unknown[] }>('GET', '/api/segments')).data).toHaveLength(SHOWCASE_SEGMENTS.length);
  }, 120_000);
});
