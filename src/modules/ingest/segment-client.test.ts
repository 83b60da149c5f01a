// Wire compatibility: the real @segment/analytics-node client, pointed at a listening server, on both stores.
import { openPii } from '../pii/member-fields.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Analytics } from '@segment/analytics-node';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

forEachStore('segment analytics-node client', (ctx) => {
  let t: TestApp;
  let host: string;
  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    host = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => t?.app.close());

  it('delivers identify, track, page, group and alias; identities are resolved and merged', async () => {
    const analytics = new Analytics({ writeKey: t.writeKey, host, flushAt: 2, flushInterval: 50, maxRetries: 1 });
    const errors: unknown[] = [];
    const statuses: number[] = [];
    analytics.on('error', (e) => errors.push(e));
    analytics.on('http_response', (r) => statuses.push(r.status));

    // An anonymous visitor browses, then logs in: identify attaches identifiers, alias folds the visit in.
    analytics.page({ anonymousId: 'seg-anon-1', name: 'Menu', properties: { url: 'https://tea.example/menu' } });
    analytics.track({ anonymousId: 'seg-anon-1', event: 'Product Viewed', properties: { product_id: 'oolong', price: 18 }, context: { channel: 'miniprogram' } });
    analytics.identify({ userId: 'seg-u1', traits: { phone: '13800138001', email: 'seg-u1@example.com', name: '韩梅梅', city: '杭州' } });
    analytics.alias({ userId: 'seg-u1', previousId: 'seg-anon-1' });
    analytics.group({ userId: 'seg-u1', groupId: 'store-hz-1', traits: { name: '杭州一店', city: 'NOT-THE-MEMBER-CITY' } });
    analytics.track({ userId: 'seg-u1', event: 'Coupon Claimed', properties: { coupon: 'NEW10' }, timestamp: new Date('2024-06-01T12:00:00Z') });
    // A second device of the same person, known only by phone: identify merges it into the member.
    analytics.identify({ anonymousId: 'seg-anon-2', traits: { phone: '138-0013-8001' } });
    await analytics.closeAndFlush({ timeout: 20_000 });

    expect(errors).toEqual([]);
    expect(statuses.length).toBeGreaterThanOrEqual(4); // flushAt 2: several batches
    expect(statuses.every((s) => s === 200)).toBe(true);

    const rows = await ctx.store.query<{ type: string; name: string | null; member_id: string; channel: string | null; ts: string; context: any }>(
      'SELECT type, name, member_id, channel, ts, context FROM events WHERE workspace_id = $1 ORDER BY ts, type',
      [t.workspaceId],
    );
    expect(rows.map((r) => r.type).sort()).toEqual(['alias', 'group', 'identify', 'identify', 'page', 'track', 'track']);
    const member = await t.services.identity.findMember(ctx.store, t.workspaceId, 'user_id:seg-u1');
    expect(member).toMatch(/^mem_/);
    for (const ref of ['anonymous_id:seg-anon-1', 'anonymous_id:seg-anon-2', 'phone:13800138001', 'email:seg-u1@example.com']) {
      expect(await t.services.identity.findMember(ctx.store, t.workspaceId, ref), ref).toBe(member);
    }
    // Events stored before the merges now point at the surviving member.
    const memberIds = new Set(await Promise.all(rows.map((r) => t.services.identity.findMember(ctx.store, t.workspaceId, r.member_id))));
    expect([...memberIds]).toEqual([member]);
    const [m] = await ctx.store.query('SELECT name, city, phone FROM members WHERE workspace_id = $1 AND id = $2', [t.workspaceId, member]);
    expect(openPii(m)).toEqual({ name: '韩梅梅', city: '杭州', phone: '13800138001' }); // sealed at rest

    const viewed = rows.find((r) => r.name === 'Product Viewed')!;
    expect(viewed.channel).toBe('miniprogram');
    expect(viewed.context.library.name).toBe('@segment/analytics-node');
    const claimed = rows.find((r) => r.name === 'Coupon Claimed')!;
    // Clock-skew correction anchors on our receive time, so transit time (a few ms here) shifts it slightly.
    expect(Math.abs(Date.parse(claimed.ts) - Date.parse('2024-06-01T12:00:00Z'))).toBeLessThan(5000);
  });
});
