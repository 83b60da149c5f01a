import { expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp } from '../../../test/support/app.ts';

forEachStore('measurement perf', (ctx) => {
  it('100k audience', async () => {
    const t = await createTestApp(ctx.store);
    const ws = t.workspaceId;
    const N = 100_000;
    const members = Array.from({ length: N }, (_, i) => `mem_P${i}`);
    const T0 = Date.parse('2025-01-01T00:00:00Z');
    let s = Date.now();
    const held = await t.services.measurement.assignHoldout(ws, { sourceKey: 'broadcast:big', share: 0.1, memberIds: members, at: new Date(T0).toISOString() });
    console.log(ctx.engine, 'assign', Date.now() - s, 'ms', held.size);
    s = Date.now();
    const again = await t.services.measurement.assignHoldout(ws, { sourceKey: 'broadcast:big', share: 0.1, memberIds: members });
    console.log(ctx.engine, 'reassign', Date.now() - s, 'ms', again.size);
    const cols = [{ name: 'source_key', type: 'text' }, { name: 'member_id', type: 'text' }, { name: 'id', type: 'text' }, { name: 'sent_at', type: 'timestamptz' }] as any;
    const sends: any[] = [];
    members.forEach((m, i) => { if (!held.has(m)) sends.push({ source_key: 'broadcast:big', member_id: m, id: `msg_b${i}`, sent_at: new Date(T0 + 3600_000).toISOString() }); });
    for (let k = 0; k < 5; k++) for (let i = k; i < N; i += 2) sends.push({ source_key: `broadcast:o${k}`, member_id: members[i], id: `msg_o${k}_${i}`, sent_at: new Date(T0 + (k + 1) * 86400_000 * 1.3).toISOString() });
    for (let i = 0; i < sends.length; i += 50000) {
      await ctx.store.exec(`INSERT INTO message_sends (workspace_id, source_key, member_id, id, channel_id, channel_type, state, created_at, updated_at, sent_at)
        SELECT $1, r.source_key, r.member_id, r.id, 'mch_x', 'webhook', 'sent', r.sent_at, r.sent_at, r.sent_at FROM ${ctx.store.jsonRows(2, cols, 'r')}`, [ws, JSON.stringify(sends.slice(i, i + 50000))]);
    }
    const ocols = [{ name: 'id', type: 'text' }, { name: 'member_id', type: 'text' }, { name: 'amount', type: 'double' }, { name: 'paid_at', type: 'timestamptz' }] as any;
    const orders: any[] = [];
    for (let i = 0; i < 300_000; i++) orders.push({ id: `o${i}`, member_id: members[(i * 7919) % N], amount: 10 + (i % 90), paid_at: new Date(T0 + ((i * 104729) % (30 * 86400)) * 1000).toISOString() });
    for (let i = 0; i < orders.length; i += 50000) {
      await ctx.store.exec(`INSERT INTO orders (workspace_id, id, member_id, status, amount, paid_at, created_at, updated_at)
        SELECT $1, r.id, r.member_id, 'paid', r.amount, r.paid_at, r.paid_at, r.paid_at FROM ${ctx.store.jsonRows(2, ocols, 'r')}`, [ws, JSON.stringify(orders.slice(i, i + 50000))]);
    }
    for (let k = 0; k < 2; k++) {
      s = Date.now();
      const r = await t.services.measurement.report(ws, 'broadcast:big');
      console.log(ctx.engine, 'report', Date.now() - s, 'ms', r.audience, r.conversions, r.groups.holdout.conversions, r.lift.conversion_rate.absolute);
    }
    s = Date.now();
    const l = await t.services.measurement.list(ws, { window_days: 7, limit: 20 } as any);
    console.log(ctx.engine, 'list', Date.now() - s, 'ms', l.data.length);
    expect(true).toBe(true);
    await t.app.close();
  }, 600_000);
});
