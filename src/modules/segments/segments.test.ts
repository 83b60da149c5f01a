// Segments API on both stores: CRUD and validation, preview, count, member pages, CSV/XLSX export, in_segment
// references, static uploads, recompute diffs with their log, runs and membership on a past date.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

const SH = { attribute: 'city', op: '=', value: '上海' };
const VIP = { has_tag: 'VIP' };

forEachStore('segments', (ctx) => {
  let t: TestApp;
  const api = (method: string, url: string, payload?: unknown) => t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
  const create = async (body: Record<string, unknown>) => {
    const r = await api('POST', '/api/segments', body);
    expect(r.statusCode, r.body).toBe(201);
    return r.json();
  };
  const memberIdsOf = async (ref: string) => {
    const ids: string[] = [];
    for (let cursor: string | null = null; ; ) {
      const r = await api('GET', `/api/segments/${encodeURIComponent(ref)}/members?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.statusCode, r.body).toBe(200);
      ids.push(...r.json().data.map((m: any) => m.id));
      cursor = r.json().next_cursor;
      if (!cursor) return ids;
    }
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    const members = Array.from({ length: 30 }, (_, i) => ({ user_id: `s-${i}`, name: `会员${i}`, city: i % 2 === 0 ? '上海' : '北京' }));
    expect((await api('POST', '/api/members', { members })).statusCode).toBe(200);
    const tagged = await api('POST', '/api/tags/VIP/members', { members: Array.from({ length: 10 }, (_, i) => `user_id:s-${i}`), create_missing_tag: true });
    expect(tagged.json().added).toBe(10);
    await t.services.segments.flushRealtime();
  });
  afterAll(async () => t?.app.close());

  describe('definitions', () => {
    it('creates a dynamic segment, computes it at once and lists it with member_count and last_computed_at', async () => {
      const s = await create({ name: '上海会员', description: 'lives in Shanghai', rule: SH });
      expect(s).toMatchObject({ id: expect.stringMatching(/^seg_/), kind: 'dynamic', realtime: true, member_count: 15, version: 1, rule: SH, time_relative: false, effective_schedule: null });
      expect(s.last_computed_at).toEqual(expect.any(String));
      const list = (await api('GET', '/api/segments')).json().data;
      expect(list.find((x: any) => x.id === s.id)).toMatchObject({ name: '上海会员', member_count: 15, last_computed_at: s.last_computed_at });
      expect((await api('GET', `/api/segments/${encodeURIComponent('上海会员')}`)).json().id).toBe(s.id);
      expect((await api('GET', `/api/segments/${s.id}/count`)).json()).toMatchObject({ segment_id: s.id, count: 15 });
    });

    it('refuses bad input with 4xx naming the field', async () => {
      const dup = await api('POST', '/api/segments', { name: '上海会员', rule: SH });
      expect(dup.statusCode).toBe(422);
      expect(dup.json()).toMatchObject({ code: 'segment.duplicate', field: 'name' });
      const bad = await api('POST', '/api/segments', { name: 'bad', rule: { and: [SH, { event: { name: 'Signed In', count: { op: '>=', value: -1 } } }] } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: 'segment.rule_invalid', field: expect.stringMatching(/^rule\.and\[1\]\.event\.count/) });
      const noRule = await api('POST', '/api/segments', { name: 'x', kind: 'dynamic' });
      expect(noRule.json()).toMatchObject({ code: 'segment.rule_required', field: 'rule' });
      const cron = await api('POST', '/api/segments', { name: 'x', rule: SH, schedule: 'every day' });
      expect(cron.json()).toMatchObject({ code: 'segment.schedule_invalid', field: 'schedule' });
      const extra = await api('POST', '/api/segments', { name: 'x', rule: SH, colour: 'red' });
      expect(extra.statusCode).toBe(400);
      expect(extra.json().code).toBe('request.invalid');
      expect((await api('GET', '/api/segments/nope')).json()).toMatchObject({ code: 'segment.not_found', field: 'ref' });
      expect((await api('GET', '/api/segments/nope/members')).statusCode).toBe(404);
      expect((await api('GET', '/api/segments/上海会员/members?cursor=zzz'.replace('上海会员', encodeURIComponent('上海会员')))).json().code).toBe('segment.invalid_cursor');
    });

    it('updates: bumps the version, re-validates and recomputes the rule', async () => {
      const s = await create({ name: 'vip-sh', rule: SH });
      const bad = await api('PATCH', `/api/segments/${s.id}`, { rule: { and: [SH, { has_tag: '' }] } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toMatch(/^rule\.and\[1\]/);
      const r = await api('PATCH', `/api/segments/${s.id}`, { rule: { and: [SH, VIP] }, description: 'VIPs in Shanghai', name: 'vip-sh-2' });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ name: 'vip-sh-2', version: 2, member_count: 5, description: 'VIPs in Shanghai' });
      const runs = (await api('GET', `/api/segments/${s.id}/runs`)).json().data;
      expect(runs.map((x: any) => x.trigger)).toEqual(['update', 'create']);
      expect(runs[0]).toMatchObject({ entered: 0, exited: 10, member_count: 5 });
      expect((await api('PATCH', `/api/segments/${s.id}`, { realtime: false })).json()).toMatchObject({ version: 3, realtime: false, effective_schedule: '*/15 * * * *' });
      expect((await api('DELETE', `/api/segments/${s.id}`)).statusCode).toBe(204);
      expect((await api('GET', `/api/segments/${s.id}`)).statusCode).toBe(404);
      expect((await ctx.store.query('SELECT count(*) AS n FROM segment_membership_log WHERE segment_id = $1', [s.id]))[0].n).toBe(0);
    });
  });

  describe('reads', () => {
    it('previews a rule without saving it', async () => {
      const before = (await api('GET', '/api/segments')).json().data.length;
      const r = await api('POST', '/api/segments/preview', { rule: { and: [SH, VIP] }, sample: 3 });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().count).toBe(5);
      expect(r.json().sample).toHaveLength(3);
      expect(r.json().sample[0]).toMatchObject({ id: expect.stringMatching(/^mem_/), user_id: expect.stringMatching(/^s-/), tags: ['VIP'], city: '上海' });
      expect((await api('GET', '/api/segments')).json().data.length).toBe(before);
      const none = await api('POST', '/api/segments/preview', {});
      expect(none.statusCode).toBe(400);
      expect(none.json().field).toBe('body.rule');
      const bad = await api('POST', '/api/segments/preview', { rule: { or: [] } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().field).toMatch(/^rule/);
    });

    it('pages through members with a cursor, newest first, without repeats', async () => {
      const ids = await memberIdsOf('上海会员');
      expect(ids).toHaveLength(15);
      expect(new Set(ids).size).toBe(15);
      expect([...ids].sort().reverse()).toEqual(ids);
      const page = (await api('GET', `/api/segments/${encodeURIComponent('上海会员')}/members?limit=2`)).json();
      expect(page.data[0]).toMatchObject({ user_id: expect.any(String), name: expect.stringMatching(/^会员/), city: '上海', traits: { order_count: 0 } });
    });

    it('exports the members as CSV and as XLSX readable by exceljs', async () => {
      const csv = await api('GET', `/api/segments/${encodeURIComponent('上海会员')}/export?format=csv`);
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\n');
      expect(lines[0]).toBe('member_id,user_id,name,phone,email,gender,birthday,city,region,source_channel,created_at,order_count,total_spend,last_order_at,tags');
      expect(lines).toHaveLength(16);
      expect(lines.filter((l) => l.includes(',上海,'))).toHaveLength(15);

      const xlsx = await api('GET', `/api/segments/${encodeURIComponent('上海会员')}/export?format=xlsx`);
      expect(xlsx.statusCode).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx.rawPayload as any);
      const sheet = wb.worksheets[0];
      expect(sheet.rowCount).toBe(16);
      expect(sheet.getRow(1).getCell(1).value).toBe('member_id');
      expect(String(sheet.getRow(2).getCell(8).value)).toBe('上海');
      expect((await api('GET', '/api/segments/nope/export')).statusCode).toBe(404);
    });

    it("lists a member's segments", async () => {
      const r = await api('GET', '/api/members/user_id:s-2/segments');
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().data.map((s: any) => s.name)).toContain('上海会员');
      expect(r.json().data[0].entered_at).toEqual(expect.any(String));
      expect((await api('GET', '/api/members/user_id:s-1/segments')).json().data.map((s: any) => s.name)).not.toContain('上海会员');
      expect((await api('GET', '/api/members/user_id:ghost/segments')).statusCode).toBe(404);
    });
  });

  describe('segments reading segments', () => {
    it('validates references, refuses cycles and recomputes readers after what they read', async () => {
      const base = await create({ name: 'base-vip', rule: VIP, realtime: false });
      const missing = await api('POST', '/api/segments', { name: 'reader', rule: { and: [SH, { in_segment: 'no-such' }] } });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toMatchObject({ code: 'segment.reference_not_found', field: 'rule.and[1].in_segment' });
      const self = await api('POST', '/api/segments', { name: 'selfish', rule: { in_segment: 'selfish' } });
      expect(self.json()).toMatchObject({ code: 'segment.rule_cycle', field: 'rule.in_segment' });

      const reader = await create({ name: 'reader', rule: { and: [SH, { in_segment: base.id }] }, realtime: false });
      expect(reader.member_count).toBe(5);
      const outer = await create({ name: 'outer', rule: { not_in_segment: 'reader' }, realtime: false });
      expect(outer.member_count).toBe(25);
      const cycle = await api('PATCH', `/api/segments/${base.id}`, { rule: { or: [VIP, { in_segment: 'outer' }] } });
      expect(cycle.statusCode).toBe(400);
      expect(cycle.json()).toMatchObject({ code: 'segment.rule_cycle', field: 'rule.or[1].in_segment' });
      expect(cycle.json().message).toContain('base-vip → outer → reader → base-vip');

      const del = await api('DELETE', `/api/segments/${base.id}`);
      expect(del.statusCode).toBe(409);
      expect(del.json()).toMatchObject({ code: 'segment.in_use' });
      const rename = await api('PATCH', '/api/segments/reader', { name: 'reader-2' });
      expect(rename.json()).toMatchObject({ code: 'segment.in_use', field: 'name' });

      // base is not realtime: new VIPs reach it (and its readers) on recompute, readers after what they read.
      await api('POST', '/api/tags/VIP/members', { members: ['user_id:s-10', 'user_id:s-11'] });
      const r = await api('POST', `/api/segments/${base.id}/recompute`);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().run).toMatchObject({ trigger: 'manual', entered: 2, exited: 0, member_count: 12 });
      expect(r.json().dependents.map((x: any) => [x.segment_id, x.trigger, x.entered, x.exited])).toEqual([
        [reader.id, 'dependency', 1, 0],
        [outer.id, 'dependency', 0, 1],
      ]);
    });
  });

  describe('static segments', () => {
    it('uploads lists: replace, append and remove, with unknown refs in not_found', async () => {
      const s = await create({ name: '活动名单', members: ['user_id:s-0', 'user_id:s-1', 'user_id:ghost'] });
      expect(s).toMatchObject({ kind: 'static', realtime: false, member_count: 2, not_found: ['user_id:ghost'] });
      const append = await api('POST', `/api/segments/${s.id}/members`, { mode: 'append', members: ['user_id:s-1', 'user_id:s-2', 'user_id:s-3'] });
      expect(append.json()).toMatchObject({ mode: 'append', requested: 3, matched: 3, entered: 2, exited: 0, member_count: 4, not_found: [] });
      const replace = await api('POST', `/api/segments/${s.id}/members`, { mode: 'replace', members: ['user_id:s-3', 'user_id:s-4', 'bad ref'] });
      expect(replace.json()).toMatchObject({ mode: 'replace', matched: 2, entered: 1, exited: 3, member_count: 2, not_found: ['bad ref'] });
      const remove = await api('POST', `/api/segments/${s.id}/members`, { mode: 'remove', members: ['user_id:s-3', 'user_id:s-9'] });
      expect(remove.json()).toMatchObject({ mode: 'remove', entered: 0, exited: 1, member_count: 1 });
      expect((await memberIdsOf(s.id)).length).toBe(1);
      const runs = (await api('GET', `/api/segments/${s.id}/runs`)).json().data;
      expect(runs.map((r: any) => r.trigger)).toEqual(['upload', 'upload', 'upload', 'upload']);

      const dynamic = await api('POST', `/api/segments/${encodeURIComponent('上海会员')}/members`, { members: ['user_id:s-1'] });
      expect(dynamic.statusCode).toBe(409);
      expect(dynamic.json().code).toBe('segment.not_static');
      const withRule = await api('POST', '/api/segments', { name: 'x', kind: 'static', rule: SH });
      expect(withRule.json()).toMatchObject({ code: 'segment.rule_not_allowed', field: 'rule' });
    });
  });

  describe('recompute and history', () => {
    it('records entries and exits of each recompute and answers membership on a past date', async () => {
      const s = await create({ name: 'vip-history', rule: VIP, realtime: false });
      const first = s.member_count;
      expect(first).toBeGreaterThanOrEqual(10);
      // Pretend the first computation happened on 2026-01-10 (Shanghai time).
      await ctx.store.exec("UPDATE segment_membership_log SET changed_at = CAST('2026-01-10T04:00:00Z' AS TIMESTAMPTZ) WHERE workspace_id = $1 AND segment_id = $2", [t.workspaceId, s.id]);
      await ctx.store.exec("UPDATE segment_runs SET started_at = CAST('2026-01-10T04:00:00Z' AS TIMESTAMPTZ), finished_at = CAST('2026-01-10T04:00:01Z' AS TIMESTAMPTZ) WHERE workspace_id = $1 AND segment_id = $2", [t.workspaceId, s.id]);

      await api('DELETE', '/api/tags/VIP/members', { members: ['user_id:s-0', 'user_id:s-1'] });
      await api('POST', '/api/tags/VIP/members', { members: ['user_id:s-20'] });
      expect((await api('GET', `/api/segments/${s.id}/count`)).json().count).toBe(first); // not realtime: unchanged so far
      const r = (await api('POST', `/api/segments/${s.id}/recompute`)).json();
      expect(r.run).toMatchObject({ trigger: 'manual', entered: 1, exited: 2, member_count: first - 1 });
      const log = await ctx.store.query<{ change: string; n: number }>('SELECT change, count(*) AS n FROM segment_membership_log WHERE segment_id = $1 AND run_id = $2 GROUP BY change ORDER BY change', [s.id, r.run.id]);
      expect(log).toEqual([{ change: 'entered', n: 1 }, { change: 'exited', n: 2 }]);

      const past = (await api('GET', `/api/segments/${s.id}/history?date=2026-01-10&limit=100`)).json();
      expect(past).toMatchObject({ date: '2026-01-10', count: first });
      expect(past.data.map((m: any) => m.user_id)).toEqual(expect.arrayContaining(['s-0', 's-1']));
      expect((await api('GET', `/api/segments/${s.id}/history?date=2026-01-09`)).json().count).toBe(0);
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
      const now = (await api('GET', `/api/segments/${s.id}/history?date=${today}&limit=2`)).json();
      expect(now.count).toBe(first - 1);
      expect(now.data).toHaveLength(2);
      const next = (await api('GET', `/api/segments/${s.id}/history?date=${today}&limit=100&cursor=${now.next_cursor}`)).json();
      expect(next.data).toHaveLength(first - 3);
      expect((await api('GET', `/api/segments/${s.id}/history?date=2026-02-30`)).json()).toMatchObject({ code: 'segment.date_invalid', field: 'date' });

      const trend = (await api('GET', `/api/segments/${s.id}/history?days=366`)).json().trend;
      expect(trend[0]).toMatchObject({ date: '2026-01-10', runs: 1, entered: first, member_count: first });
      expect(trend[trend.length - 1]).toMatchObject({ date: today, member_count: first - 1, exited: 2 });
    });
  });
});
