// Realtime membership on both stores: ingest, tag, order and member writes move members in and out of realtime
// segments within seconds with no recompute call; dependent segments follow; scheduled recomputes; listeners.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import type { MembershipChange } from './engine.ts';

/** Polls `fn` until it returns true (at most `ms`); the membership follows the data asynchronously. */
async function until(fn: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

forEachStore('segments realtime', (ctx) => {
  let t: TestApp;
  const changes: MembershipChange[] = [];
  const api = (method: string, url: string, payload?: unknown, headers = t.admin) => t.app.inject({ method: method as any, url, headers, payload: payload as any });
  const create = async (body: Record<string, unknown>) => {
    const r = await api('POST', '/api/segments', body);
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; member_count: number };
  };
  const isIn = async (segment: string, userId: string) =>
    ((await api('GET', `/api/members/user_id:${userId}/segments`)).json().data ?? []).some((s: any) => s.id === segment);

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    t.services.segments.onMembershipChange((c) => changes.push(c));
    const members = Array.from({ length: 10 }, (_, i) => ({ user_id: `r-${i}`, city: i < 5 ? '上海' : '北京' }));
    expect((await api('POST', '/api/members', { members })).statusCode).toBe(200);
  });
  afterAll(async () => t?.app.close());

  it('a tracked event makes the member enter within seconds, without a recompute', async () => {
    const seg = await create({ name: 'signed-in-30d', rule: { event: { name: 'Signed In', count: { op: '>=', value: 1 }, within_days: 30 } } });
    expect(seg.member_count).toBe(0);
    const track = await api('POST', '/v1/track', { userId: 'r-1', event: 'Signed In', properties: { method: 'wechat' } }, t.write);
    expect(track.statusCode, track.body).toBe(200);
    expect(await until(() => isIn(seg.id, 'r-1'))).toBe(true);
    // Listeners are told after the membership commits, so the stored row can be visible a moment before the call.
    const findEntered = () => changes.find((c) => c.segmentId === seg.id && c.change === 'entered');
    expect(await until(async () => findEntered() !== undefined)).toBe(true);
    const entered = findEntered()!;
    expect(entered).toMatchObject({ workspaceId: t.workspaceId, trigger: 'realtime', memberIds: [expect.stringMatching(/^mem_/)] });
    expect(entered.latencyMs).toBeGreaterThanOrEqual(0);
    const runs = (await api('GET', `/api/segments/${seg.id}/runs`)).json().data;
    expect(runs[0]).toMatchObject({ trigger: 'realtime', entered: 1, exited: 0, member_count: 1 });
    expect((await api('GET', `/api/segments/${seg.id}/count`)).json().count).toBe(1);
    const metrics = await t.services.metrics.registry.getSingleMetricAsString('siyu_segment_realtime_latency_seconds');
    expect(metrics).toMatch(/siyu_segment_realtime_latency_seconds_count \d+/);
  });

  it('a tag removal makes the member exit, and segments reading that segment follow', async () => {
    const vip = await create({ name: 'vip-rt', rule: { has_tag: 'VIP' } });
    const reader = await create({ name: 'vip-rt-sh', rule: { and: [{ in_segment: 'vip-rt' }, { attribute: 'city', op: '=', value: '上海' }] } });
    expect((await api('POST', '/api/members/user_id:r-2/tags', { tags: ['VIP'], create_missing_tag: true })).statusCode).toBe(200);
    expect(await until(async () => (await isIn(vip.id, 'r-2')) && (await isIn(reader.id, 'r-2')))).toBe(true);
    expect((await api('DELETE', '/api/members/user_id:r-2/tags', { tags: ['VIP'] })).statusCode).toBe(200);
    expect(await until(async () => !(await isIn(vip.id, 'r-2')) && !(await isIn(reader.id, 'r-2')))).toBe(true);
    const log = await ctx.store.query<{ segment_id: string; change: string }>(
      'SELECT segment_id, change FROM segment_membership_log WHERE workspace_id = $1 AND segment_id IN ($2, $3) ORDER BY changed_at, segment_id',
      [t.workspaceId, vip.id, reader.id],
    );
    expect(log.map((r) => `${r.segment_id === vip.id ? 'vip' : 'reader'}:${r.change}`).sort()).toEqual(['reader:entered', 'reader:exited', 'vip:entered', 'vip:exited']);
    // Bulk tagging through /api/tags/{tag}/members publishes too.
    await api('POST', '/api/tags/VIP/members', { members: ['user_id:r-3', 'user_id:r-7'] });
    expect(await until(async () => (await isIn(reader.id, 'r-3')) && (await isIn(vip.id, 'r-7')) && !(await isIn(reader.id, 'r-7')))).toBe(true);
  });

  it('orders, member upserts and brand-new members reach realtime segments', async () => {
    const buyers = await create({ name: 'buyers', rule: { orders: { measure: 'count', op: '>=', value: 1 } } });
    const gz = await create({ name: '广州', rule: { attribute: 'city', op: '=', value: '广州' } });
    const untagged = await create({ name: 'no-vip', rule: { lacks_tag: 'VIP' } });
    const order = await api('POST', '/v1/orders', { order_id: 'rt-o1', user_id: 'r-4', amount: 99, paid_at: new Date().toISOString(), items: [{ product_id: 'p1', quantity: 1, unit_price: 99 }] }, t.write);
    expect(order.statusCode, order.body).toBe(200);
    expect((await api('POST', '/api/members', { user_id: 'r-5', city: '广州' })).statusCode).toBe(200);
    expect(await until(async () => (await isIn(buyers.id, 'r-4')) && (await isIn(gz.id, 'r-5')))).toBe(true);
    // A member created by ingest has no tags: it belongs to "no VIP" from its first event on.
    expect((await api('POST', '/v1/track', { userId: 'r-new', event: 'Page Viewed' }, t.write)).statusCode).toBe(200);
    expect(await until(() => isIn(untagged.id, 'r-new'))).toBe(true);
  });

  it('imported events reach realtime segments, and a merged-away member leaves its segments', async () => {
    const imported = await create({ name: 'imported-visit', rule: { event: { name: 'Store Visited' } } });
    const run = await api('POST', '/api/import-runs', { kind: 'events', file_name: 'visits.csv', file_sha256: 'a'.repeat(64) });
    const batch = await api('POST', '/api/imports/events/batch', { run_id: run.json().id, rows: [{ message_id: 'imp-1', event: 'Store Visited', user_id: 'r-6', timestamp: new Date().toISOString() }] });
    expect(batch.statusCode, batch.body).toBe(200);
    expect(await until(() => isIn(imported.id, 'r-6'))).toBe(true);

    const sz = await create({ name: '深圳', rule: { attribute: 'city', op: '=', value: '深圳' } });
    expect((await api('POST', '/v1/identify', { anonymousId: 'anon-merge', traits: { city: '深圳' } }, t.write)).statusCode).toBe(200);
    const anon = (await api('GET', '/api/members/anonymous_id:anon-merge')).json().id as string;
    const holds = async (id: string) => (await ctx.store.query('SELECT 1 FROM segment_members WHERE segment_id = $1 AND member_id = $2', [sz.id, id])).length === 1;
    expect(await until(() => holds(anon))).toBe(true);
    expect((await api('POST', '/v1/alias', { previousId: 'anon-merge', userId: 'r-8' }, t.write)).statusCode).toBe(200);
    expect(await until(async () => !(await holds(anon)))).toBe(true);
    const survivor = (await api('GET', '/api/members/user_id:r-8')).json();
    expect(survivor.merged_from).toContain(anon);
    expect(await holds(survivor.id)).toBe(survivor.attributes.city === '深圳');
  });

  it('recomputes due time-relative segments on schedule and tells listeners about full runs', async () => {
    const relative = await create({ name: 'recent-signin', rule: { event: { name: 'Signed In', within_days: 7 } } });
    const fixed = await create({ name: 'shanghai-rt', rule: { attribute: 'city', op: '=', value: '上海' } });
    expect((await api('GET', `/api/segments/${relative.id}`)).json()).toMatchObject({ time_relative: true, effective_schedule: '*/15 * * * *' });
    expect((await api('GET', `/api/segments/${fixed.id}`)).json().effective_schedule).toBeNull();
    expect(await t.services.segments.runScheduled(new Date())).toEqual([]); // just computed: nothing due yet
    const runs = await t.services.segments.runScheduled(new Date(Date.now() + 16 * 60_000));
    const ours = runs.filter((r) => [relative.id, fixed.id].includes(r.segmentId));
    expect(ours.map((r) => [r.segmentId, r.trigger])).toEqual([[relative.id, 'schedule']]);

    changes.length = 0;
    const r = await api('POST', `/api/segments/${fixed.id}/recompute`);
    expect(r.json().run).toMatchObject({ entered: 0, exited: 0 });
    await ctx.store.exec('DELETE FROM segment_members WHERE workspace_id = $1 AND segment_id = $2', [t.workspaceId, fixed.id]);
    await api('POST', `/api/segments/${fixed.id}/recompute`);
    const full = changes.filter((c) => c.segmentId === fixed.id);
    expect(full).toHaveLength(1);
    expect(full[0]).toMatchObject({ change: 'entered', trigger: 'manual', latencyMs: null });
    expect(full[0].memberIds).toHaveLength(5);
  });

  it('starts the scheduler only when asked, and closing the app stops it', async () => {
    const other = await createTestApp(ctx.store);
    expect(other.services.segments.schedulerRunning).toBe(false);
    other.services.segments.startScheduler();
    expect(other.services.segments.schedulerRunning).toBe(true);
    await other.app.close();
    expect(other.services.segments.schedulerRunning).toBe(false);
  });
});

