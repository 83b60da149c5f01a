import { expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp } from '../../../test/support/app.ts';
forEachStore('bench', (ctx) => {
  it('1M codes and a 100k segment issue', async () => {
    const t = await createTestApp(ctx.store);
    const api = (method: string, url: string, payload?: unknown) => t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
    const tpl = (await api('POST', '/api/coupons/templates', { name: 'b', config: { benefit: { type: 'fixed', amount: 1 }, validity: { type: 'after_claim', days: 3 } } })).json();
    let t0 = performance.now();
    const r = await api('POST', `/api/coupons/templates/${tpl.id}/batches`, { count: 1_000_000 });
    expect(r.statusCode, r.body).toBe(201);
    console.log(ctx.engine, 'generate 1M', Math.round(performance.now() - t0), 'ms');
    t0 = performance.now();
    let n = 0;
    for (let cursor: string | null = null; ; ) {
      const page: any = (await api('GET', `/api/coupons/batches/${r.json().id}/codes?limit=50000${cursor ? `&cursor=${cursor}` : ''}`)).json();
      n += page.data.length; cursor = page.next_cursor; if (!cursor) break;
    }
    console.log(ctx.engine, 'read 1M', n, Math.round(performance.now() - t0), 'ms');
    t0 = performance.now();
    await ctx.store.exec(`INSERT INTO members (workspace_id, id, created_at, updated_at) SELECT $1, 'mem_b' || lpad(CAST(i AS VARCHAR), 7, '0'), now(), now() FROM generate_series(1, 100000) g(i)`, [t.workspaceId]).catch((e) => console.log(String(e)));
    await ctx.store.exec(`INSERT INTO segments (workspace_id, id, name, kind, realtime, created_at, updated_at) VALUES ($1, 'seg_b', 'big', 'static', false, now(), now())`, [t.workspaceId]);
    await ctx.store.exec(`INSERT INTO segment_members (workspace_id, segment_id, member_id, entered_at) SELECT $1, 'seg_b', 'mem_b' || lpad(CAST(i AS VARCHAR), 7, '0'), now() FROM generate_series(1, 100000) g(i)`, [t.workspaceId]);
    t0 = performance.now();
    const iss = await api('POST', '/api/coupons/issue', { template: tpl.id, segment: 'seg_b' });
    console.log(ctx.engine, 'issue 100k', iss.json().issued, Math.round(performance.now() - t0), 'ms');
    t0 = performance.now();
    const f = await api('GET', `/api/coupons/templates/${tpl.id}/funnel`);
    console.log(ctx.engine, 'funnel', JSON.stringify(f.json()), Math.round(performance.now() - t0), 'ms');
    t0 = performance.now();
    const c = await api('POST', '/api/coupons/issue', { template: tpl.id, member: 'mem_b0000007' });
    console.log(ctx.engine, 'single issue', c.statusCode, Math.round(performance.now() - t0), 'ms');
    t0 = performance.now();
    for (let i = 0; i < 20; i++) await api('POST', '/api/coupons/issue', { template: tpl.id, member: `mem_b00000${10 + i}` });
    console.log(ctx.engine, '20 single issues', Math.round(performance.now() - t0), 'ms');
    t0 = performance.now();
    await api('POST', '/api/coupons/sync-orders');
    console.log(ctx.engine, 'sweep', Math.round(performance.now() - t0), 'ms');
    await t.app.close();
  }, 300_000);
});
