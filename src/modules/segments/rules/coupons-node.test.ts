// The `coupons` rule node: validation with JSON paths (no store), and on both stores exact member sets over coupons
// issued, claimed, used and voided through the coupons API, with template filters, expiry windows and "now"; a
// realtime segment on unused coupons follows coupon writes (published with `coupons: true`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { forEachStore } from '../../../../test/support/stores.ts';
import { SiyuError } from '../../../core/errors.ts';
import { compileRule, parseRule } from './index.ts';

const fieldOf = (raw: unknown): string | undefined => {
  try {
    parseRule(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(SiyuError);
    expect((e as SiyuError).code).toBe('segment.rule_invalid');
    return (e as SiyuError).field;
  }
  throw new Error('expected parseRule to throw');
};

describe('coupons node: parsing', () => {
  it('accepts counts, template filters and an expiry window', () => {
    const rules = [
      { coupons: { op: '>=', value: 1 } },
      { coupons: { op: '=', value: 0, templates: '满100减20' } },
      { coupons: { op: '<=', value: 2, templates: ['cpt_1', '包邮'], expiring_within_days: 7 } },
      { and: [{ has_tag: 'VIP' }, { not: { coupons: { op: '>', value: 0, expiring_within_days: 3 } } }] },
    ];
    for (const r of rules) expect(parseRule(r)).toEqual(r);
  });

  it('names the bad field by JSON path', () => {
    expect(fieldOf({ coupons: { op: '>=', value: -1 } })).toBe('rule.coupons.value');
    expect(fieldOf({ coupons: { op: '>=', value: 1.5 } })).toBe('rule.coupons.value');
    expect(fieldOf({ coupons: { op: '>>', value: 1 } })).toBe('rule.coupons.op');
    expect(fieldOf({ coupons: { value: 1 } })).toBe('rule.coupons.op');
    expect(fieldOf({ and: [{ has_tag: 'x' }, { coupons: { op: '>=', value: 1, templates: [] } }] })).toBe('rule.and[1].coupons.templates');
    expect(fieldOf({ coupons: { op: '>=', value: 1, templates: 5 } })).toBe('rule.coupons.templates');
    expect(fieldOf({ coupons: { op: '>=', value: 1, expiring_within_days: 0 } })).toBe('rule.coupons.expiring_within_days');
    expect(fieldOf({ not: { coupons: { op: '>=', value: 1, template: 'x' } } })).toBe('rule.not.coupons.template');
    expect(fieldOf({ coupons: 3 })).toBe('rule.coupons');
  });
});

const DAY = 86_400_000;
const iso = (days: number) => new Date(Date.now() + days * DAY).toISOString();

forEachStore('coupons node', (ctx) => {
  let t: TestApp;
  const api = async (method: string, url: string, payload?: unknown) => {
    const r = await t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
    return { status: r.statusCode, body: r.body ? r.json() : null };
  };
  const ids: Record<string, string> = {};
  const tpl: Record<string, string> = {};
  const codes: Record<string, string> = {};
  /** Live members the rule selects, by their user ids, evaluated at `now`. */
  const members = async (raw: unknown, now = new Date().toISOString()) => {
    const c = compileRule(ctx.store, parseRule(raw), { workspaceId: t.workspaceId, now, timezone: 'Asia/Shanghai' });
    const rows = await ctx.store.query<{ member_id: string }>(c.sql, c.params);
    const byId = Object.fromEntries(Object.entries(ids).map(([u, id]) => [id, u]));
    return rows.map((r) => byId[r.member_id]).sort();
  };
  const issue = async (template: string, user: string, claimed = true) => {
    const r = await api('POST', '/api/coupons/issue', { template, member: `user_id:${user}`, claimed });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.coupon.code as string;
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    const users = ['c1', 'c2', 'c3', 'c4', 'c5'];
    expect((await api('POST', '/api/members', { members: users.map((user_id) => ({ user_id })) })).status).toBe(200);
    for (const u of users) ids[u] = (await api('GET', `/api/members/user_id:${u}`)).body.id;
    const create = async (name: string, validity: unknown) => {
      const r = await api('POST', '/api/coupons/templates', { name, config: { benefit: { type: 'fixed', amount: 10 }, validity } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as string;
    };
    tpl.month = await create('满减月券', { type: 'after_claim', days: 30 });
    tpl.week = await create('周末券', { type: 'window', startsAt: iso(-1), endsAt: iso(5) });
    // c1: two month coupons and a week coupon; c2: one month coupon waiting to be claimed (no window yet);
    // c3: a month coupon used on an order; c4: a week coupon voided; c5: none.
    await issue(tpl.month, 'c1');
    await issue(tpl.month, 'c1');
    codes.c1week = await issue(tpl.week, 'c1');
    await issue(tpl.month, 'c2', false);
    codes.c3 = await issue(tpl.month, 'c3');
    const used = await api('POST', '/api/coupons/redeem', { code: codes.c3, order: { order_id: 'o-c3', member: 'user_id:c3', items: [{ line_no: 1, product_id: 'p', category: 'x', amount: 50 }] } });
    expect(used.status, JSON.stringify(used.body)).toBe(200);
    codes.c4 = await issue(tpl.week, 'c4');
    expect((await api('POST', '/api/coupons/void', { code: codes.c4, reason: 'test' })).status).toBe(200);
  });
  afterAll(async () => t?.app.close());

  it('counts unused coupons: issued or claimed, not used or voided, window not past', async () => {
    expect(await members({ coupons: { op: '>=', value: 1 } })).toEqual(['c1', 'c2']);
    expect(await members({ coupons: { op: '>=', value: 3 } })).toEqual(['c1']);
    expect(await members({ coupons: { op: '=', value: 1 } })).toEqual(['c2']);
    // 0 holds for members without coupons: "exactly 0", "at most 1" and NOT include them.
    expect(await members({ coupons: { op: '=', value: 0 } })).toEqual(['c3', 'c4', 'c5']);
    expect(await members({ coupons: { op: '<=', value: 1 } })).toEqual(['c2', 'c3', 'c4', 'c5']);
    expect(await members({ not: { coupons: { op: '>', value: 0 } } })).toEqual(['c3', 'c4', 'c5']);
    expect(await members({ coupons: { op: '!=', value: 3 } })).toEqual(['c2', 'c3', 'c4', 'c5']);
  });

  it('filters by template id or name, and by expiry within D days', async () => {
    expect(await members({ coupons: { op: '>=', value: 1, templates: '周末券' } })).toEqual(['c1']);
    expect(await members({ coupons: { op: '>=', value: 1, templates: [tpl.week] } })).toEqual(['c1']);
    expect(await members({ coupons: { op: '=', value: 2, templates: ['满减月券'] } })).toEqual(['c1']);
    expect(await members({ coupons: { op: '>=', value: 1, templates: 'no such template' } })).toEqual([]);
    expect(await members({ coupons: { op: '=', value: 0, templates: 'no such template' } })).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    // The week coupon ends in 5 days; the month coupons in 30; the unclaimed one has no end yet.
    expect(await members({ coupons: { op: '>=', value: 1, expiring_within_days: 7 } })).toEqual(['c1']);
    expect(await members({ coupons: { op: '=', value: 1, expiring_within_days: 7 } })).toEqual(['c1']);
    expect(await members({ coupons: { op: '>=', value: 1, expiring_within_days: 3 } })).toEqual([]);
    expect(await members({ coupons: { op: '>=', value: 3, expiring_within_days: 40 } })).toEqual(['c1']);
  });

  it('stops counting a coupon once its window has ended', async () => {
    const later = iso(10);
    expect(await members({ coupons: { op: '>=', value: 1, templates: '周末券' } }, later)).toEqual([]);
    expect(await members({ coupons: { op: '>=', value: 3 } }, later)).toEqual([]);
    expect(await members({ coupons: { op: '=', value: 2 } }, later)).toEqual(['c1']);
    expect(await members({ coupons: { op: '>=', value: 1 } }, iso(40))).toEqual(['c2']); // month coupons ended too
  });

  it('a realtime segment on unused coupons follows issues, use and voids', async () => {
    const seg = await api('POST', '/api/segments', { name: 'holds-week-coupon', rule: { coupons: { op: '>=', value: 1, templates: '周末券' } } });
    expect(seg.status, JSON.stringify(seg.body)).toBe(201);
    const isIn = async (u: string) => ((await api('GET', `/api/members/user_id:${u}/segments`)).body.data ?? []).some((s: { id: string }) => s.id === seg.body.id);
    expect(await isIn('c1')).toBe(true);
    const code = await issue(tpl.week, 'c5');
    expect(await until(() => isIn('c5'))).toBe(true);
    expect((await api('POST', '/api/coupons/void', { code, reason: 'test' })).status).toBe(200);
    expect(await until(async () => !(await isIn('c5')))).toBe(true);
    const used = await api('POST', '/api/coupons/redeem', { code: codes.c1week, order: { order_id: 'o-c1', member: 'user_id:c1', items: [{ line_no: 1, product_id: 'p', category: 'x', amount: 50 }] } });
    expect(used.status, JSON.stringify(used.body)).toBe(200);
    expect(await until(async () => !(await isIn('c1')))).toBe(true);
  });
});

async function until(fn: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}
