// The compiled rules on both stores: exact member sets for every node type, nesting, NOT, windows, time zones,
// zero-event members, sequences, refunds, member restriction, and injection attempts that must stay data.
import { beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../../test/support/stores.ts';
import { compileRule, parseRule, type CompileOptions } from './index.ts';
import { ago, INJECTION, NOW, seedRulesFixture, TZ } from './rules-fixture.ts';

const WS = 'ws_rules';
const ALL = ['m1', 'm2', 'm3', 'm4', 'm6', 'm7', 'm8'];
const except = (...out: string[]) => ALL.filter((m) => !out.includes(m));

forEachStore('segment rules', (ctx) => {
  beforeAll(async () => {
    await seedRulesFixture(ctx.store, WS);
  });

  const members = async (raw: unknown, opts: Partial<CompileOptions> = {}) => {
    const rule = parseRule(raw);
    const c = compileRule(ctx.store, rule, { workspaceId: WS, now: NOW, timezone: TZ, ...opts });
    const rows = await ctx.store.query<{ member_id: string }>(c.sql, c.params);
    const ids = rows.map((r) => r.member_id).sort();
    const [{ n }] = await ctx.store.query<{ n: number }>(`SELECT count(*) AS n FROM (${c.sql}) q`, c.params);
    expect(n).toBe(ids.length);
    return ids;
  };
  const attr = (attribute: string, op: string, value?: unknown) => ({ attribute, op, ...(value === undefined ? {} : { value }) });

  it('compares member columns', async () => {
    expect(await members(attr('city', '=', '上海'))).toEqual(['m1', 'm3']);
    expect(await members(attr('city', '!=', '上海'))).toEqual(['m2', 'm6', 'm7', 'm8']);
    expect(await members({ not: attr('city', '=', '上海') })).toEqual(except('m1', 'm3'));
    expect(await members(attr('city', 'in', ['北京', '广州']))).toEqual(['m2', 'm6']);
    expect(await members(attr('city', 'not_in', ['上海']))).toEqual(['m2', 'm6', 'm7', 'm8']);
    expect(await members(attr('city', 'contains', '上海'))).toEqual(['m1', 'm3', 'm7']);
    expect(await members(attr('city', 'exists'))).toEqual(['m1', 'm2', 'm3', 'm6', 'm7']);
    expect(await members(attr('city', 'not_exists'))).toEqual(['m4', 'm8']);
    expect(await members(attr('gender', '=', 'female'))).toEqual(['m1']);
    // sealed personal data: equality and existence through the lookup hash only
    expect(await members(attr('email', '=', 'A@X.CN'))).toEqual(['m1']);
    expect(await members(attr('email', 'exists'))).toEqual(['m1']);
    expect(await members(attr('name', 'in', ['name-m2', 'NAME-M6']))).toEqual(['m2', 'm6']);
    expect(await members(attr('source_channel', 'in', ['store', 'miniapp']))).toEqual(['m1', 'm2']);
  });

  it('compares timestamps with relative days and local calendar dates', async () => {
    expect(await members(attr('created_at', 'within_last_days', 30))).toEqual(['m1', 'm7']);
    expect(await members(attr('created_at', 'more_than_days_ago', 365))).toEqual(['m2', 'm4', 'm6']);
    // 2025-01-01T00:00Z is 08:00 on 2025-01-01 in Shanghai
    expect(await members(attr('created_at', 'between', ['2025-01-01', '2025-01-01']))).toEqual(['m2']);
    expect(await members(attr('created_at', '=', '2025-01-01'))).toEqual(['m2']);
    expect(await members(attr('created_at', '<', '2025-01-01'))).toEqual(['m4']);
    expect(await members(attr('created_at', '<=', '2025-01-01'))).toEqual(['m2', 'm4']);
    expect(await members(attr('created_at', '>=', '2026-03-01'))).toEqual(['m1']);
    expect(await members(attr('created_at', '<', '2025-01-01T00:00:00Z'))).toEqual(['m4']);
    expect(await members(attr('created_at', 'between', ['2024-12-31T23:00:00Z', '2025-01-01T00:00:00Z']))).toEqual(['m2']);
  });

  it('finds birthdays within the next N days in the workspace time zone', async () => {
    expect(await members(attr('birthday', 'anniversary_within_days', 7))).toEqual(['m1', 'm2', 'm7', 'm8']);
    expect(await members(attr('birthday', 'anniversary_within_days', 0))).toEqual(['m2']);
    // 17:00 UTC on 03-10 is already 03-11 in Shanghai
    const late = '2026-03-10T17:00:00Z';
    expect(await members(attr('birthday', 'anniversary_within_days', 0), { now: late })).toEqual(['m8']);
    expect(await members(attr('birthday', 'anniversary_within_days', 0), { now: late, timezone: 'UTC' })).toEqual(['m2']);
    // 29 February is celebrated on 28 February in common years, on the day itself in leap years
    expect(await members(attr('birthday', 'anniversary_within_days', 0), { now: '2027-02-28T04:00:00Z' })).toEqual(['m3']);
    expect(await members(attr('birthday', 'anniversary_within_days', 0), { now: '2028-02-28T04:00:00Z' })).toEqual([]);
    expect(await members(attr('birthday', 'anniversary_within_days', 1), { now: '2028-02-28T04:00:00Z' })).toEqual(['m3']);
    // a window across the new year
    expect(await members(attr('birthday', 'anniversary_within_days', 66), { now: '2026-12-25T04:00:00Z' })).toEqual(['m3']);
    expect(await members(attr('created_at', 'anniversary_within_days', 0), { now: '2026-01-01T04:00:00Z' })).toEqual(['m2']);
    expect(await members(attr('birthday', 'between', ['1990-01-01', '1995-12-31']))).toEqual(['m1', 'm6', 'm7', 'm8']);
    expect(await members(attr('birthday', '<', '1990-01-01'))).toEqual(['m2']);
    expect(await members(attr('birthday', 'in', ['1985-03-10', '2000-02-29']))).toEqual(['m2', 'm3']);
  });

  it('compares custom attributes numerically when the value is a number', async () => {
    expect(await members(attr('attributes.level', '=', 'gold'))).toEqual(['m1']);
    expect(await members(attr('attributes.score', '>', 9.5))).toEqual(['m1', 'm3', 'm7']);
    expect(await members(attr('attributes.score', '=', '100'))).toEqual(['m3']);
    expect(await members(attr('attributes.score', 'in', [10, '100']))).toEqual(['m1', 'm3']);
    expect(await members(attr('attributes.score', 'not_in', [10, '100']))).toEqual(['m2', 'm7', 'm8']);
    expect(await members(attr('attributes.score', 'between', [9, 10]))).toEqual(['m1', 'm2']);
    expect(await members(attr('attributes.vip', '=', true))).toEqual(['m1']);
    expect(await members(attr('attributes.a.b', '=', 'dot'))).toEqual(['m1']);
    expect(await members(attr('attributes.$x', '=', 'dollar'))).toEqual(['m1']);
    expect(await members(attr('attributes.城市', '=', '杭州'))).toEqual(['m1']);
    expect(await members(attr('attributes.level', 'exists'))).toEqual(['m1', 'm2', 'm6']);
    expect(await members(attr('attributes.level', 'not_exists'))).toEqual(['m3', 'm4', 'm7', 'm8']);
    expect(await members(attr('attributes.level', '!=', 'gold'))).toEqual(['m2', 'm6']);
    expect(await members(attr('attributes.note', 'contains', 'coffee'))).toEqual(['m6']);
  });

  it('keeps injection attempts in values and keys as data', async () => {
    expect(await members(attr('attributes.level', '=', INJECTION))).toEqual(['m6']);
    expect(await members(attr(`attributes.${INJECTION}`, 'exists'))).toEqual([]);
    expect(await members(attr('city', 'in', [INJECTION, "'; DELETE FROM members; --"]))).toEqual([]);
    expect(await members({ has_tag: INJECTION })).toEqual([]);
    expect(await members({ event: { name: 'Product Viewed', where: [{ property: INJECTION, op: '=', value: INJECTION }] } })).toEqual(['m8']);
    const [{ n }] = await ctx.store.query<{ n: number }>('SELECT count(*) AS n FROM members WHERE workspace_id = $1', [WS]);
    expect(n).toBe(8);
  });

  it('tests tags by name or id', async () => {
    expect(await members({ has_tag: 'VIP' })).toEqual(['m1', 'm3']);
    expect(await members({ has_tag: 'tag_vip' })).toEqual(['m1', 'm3']);
    expect(await members({ lacks_tag: 'VIP' })).toEqual(except('m1', 'm3'));
    expect(await members({ has_tag: ['VIP', '流失风险'] })).toEqual(['m1', 'm2', 'm3']);
    expect(await members({ has_tag: 'no such tag' })).toEqual([]);
    expect(await members({ lacks_tag: 'no such tag' })).toEqual(ALL);
  });

  it('compares computed traits, counting members without a traits row as zero', async () => {
    expect(await members({ trait: 'total_spend', op: '>=', value: 100 })).toEqual(['m1']);
    expect(await members({ trait: 'order_count', op: '<', value: 1 })).toEqual(['m4', 'm6', 'm7', 'm8']);
    expect(await members({ trait: 'order_count', op: '=', value: 0 })).toEqual(['m4', 'm6', 'm7', 'm8']);
    expect(await members({ trait: 'order_count', op: 'between', value: [1, 2] })).toEqual(['m1', 'm2', 'm3']);
    expect(await members({ trait: 'favourite_category', op: '=', value: '咖啡' })).toEqual(['m1', 'm2']);
    expect(await members({ trait: 'last_order_at', op: 'more_than_days_ago', value: 90 })).toEqual(['m2']);
    expect(await members({ trait: 'last_seen_at', op: 'within_last_days', value: 7 })).toEqual(['m1', 'm2']);
    expect(await members({ trait: 'avg_spend', op: 'not_exists' })).toEqual(['m4', 'm6', 'm7', 'm8']);
    expect(await members({ trait: 'avg_spend', op: 'exists' })).toEqual(['m1', 'm2', 'm3']);
  });

  it('counts events in a window with property filters, including members with no events', async () => {
    const pv = (extra: object) => ({ event: { name: 'Product Viewed', within_days: 30, ...extra } });
    expect(await members(pv({}))).toEqual(['m1', 'm2', 'm8']);
    expect(await members(pv({ count: { op: '>=', value: 3 } }))).toEqual(['m1', 'm8']);
    expect(await members(pv({ count: { op: '>', value: 3 } }))).toEqual(['m8']);
    expect(await members(pv({ count: { op: '=', value: 1 } }))).toEqual(['m2']);
    expect(await members(pv({ count: { op: '=', value: 0 } }))).toEqual(['m3', 'm4', 'm6', 'm7']);
    expect(await members(pv({ count: { op: '<=', value: 1 } }))).toEqual(['m2', 'm3', 'm4', 'm6', 'm7']);
    expect(await members(pv({ count: { op: '<', value: 4 } }))).toEqual(except('m8'));
    expect(await members(pv({ count: { op: '!=', value: 0 } }))).toEqual(['m1', 'm2', 'm8']);
    expect(await members({ event: { name: 'Product Viewed', where: [{ property: 'category', op: '=', value: '咖啡' }], count: { op: '>=', value: 3 } } })).toEqual(['m1']);
    expect(await members(pv({ where: [{ property: 'price', op: '>', value: 29 }] }))).toEqual(['m1', 'm2']);
    expect(await members(pv({ where: [{ property: 'category', op: 'in', value: ['茶'] }], count: { op: '>=', value: 4 } }))).toEqual(['m8']);
    expect(await members({ event: { name: 'Signed In', within_days: 30 } })).toEqual(['m3']);
    expect(await members({ not: { event: { name: 'Signed In', within_days: 30 } } })).toEqual(except('m3'));
  });

  it('takes between dates as whole local days', async () => {
    expect(await members({ event: { name: 'Signed In', between: ['2026-02-02', '2026-02-02'] } })).toEqual(['m2']);
    expect(await members({ event: { name: 'Signed In', between: ['2026-02-01', '2026-02-01'] } })).toEqual(['m6']);
    expect(await members({ event: { name: 'Signed In', between: ['2026-02-01T15:00:00Z', '2026-02-01T16:00:00Z'] } })).toEqual(['m6']);
    expect(await members({ orders: { measure: 'count', op: '>=', value: 1, between: ['2026-02-28', '2026-03-01'] } })).toEqual(['m1']);
  });

  it('matches event sequences in order, within hours and windows, with step filters', async () => {
    const seq = (extra: object, steps: object[] = [{ name: 'Product Added' }, { name: 'Order Completed' }]) => ({ sequence: { steps, ...extra } });
    expect(await members(seq({ within_hours: 24 }))).toEqual(['m1', 'm6', 'm7']);
    expect(await members(seq({ within_hours: 24, within_days: 30 }))).toEqual(['m1', 'm6']);
    expect(await members(seq({}))).toEqual(['m1', 'm2', 'm6', 'm7']);
    expect(await members(seq({ within_hours: 3 }))).toEqual(['m1', 'm7']);
    const latte = [{ name: 'Product Added', where: [{ property: 'sku', op: '=', value: 'latte' }] }, { name: 'Order Completed' }];
    expect(await members(seq({ within_hours: 24 }, latte))).toEqual(['m1', 'm6', 'm7']);
    const mocha = [{ name: 'Product Added', where: [{ property: 'sku', op: '=', value: 'mocha' }] }, { name: 'Order Completed' }];
    expect(await members(seq({ within_hours: 24 }, mocha))).toEqual([]);
    expect(await members(seq({ within_hours: 48 }, mocha))).toEqual(['m6']);
    // a repeated step needs a later event
    const twice = [{ name: 'Product Added' }, { name: 'Product Added' }, { name: 'Order Completed' }];
    expect(await members(seq({ within_hours: 24 }, twice))).toEqual([]);
    expect(await members(seq({ within_hours: 30 }, twice))).toEqual(['m6']);
  });

  it('aggregates orders net of refunds with product, category and channel filters', async () => {
    const o = (extra: object) => ({ orders: { within_days: 90, ...extra } });
    expect(await members(o({ measure: 'sum', op: '>=', value: 500 }))).toEqual(['m1']); // 500 + (100 - 40)
    expect(await members(o({ measure: 'sum', op: '>=', value: 560 }))).toEqual(['m1']);
    expect(await members(o({ measure: 'sum', op: '>', value: 560 }))).toEqual([]);
    expect(await members(o({ measure: 'sum', op: '>=', value: 60 }))).toEqual(['m1', 'm3']);
    expect(await members(o({ measure: 'count', op: '>=', value: 2 }))).toEqual(['m1', 'm7']);
    expect(await members(o({ measure: 'count', op: '=', value: 0 }))).toEqual(['m2', 'm4', 'm6', 'm8']);
    expect(await members(o({ measure: 'sum', op: '<', value: 60 }))).toEqual(['m2', 'm4', 'm6', 'm7', 'm8']);
    expect(await members(o({ measure: 'avg', op: '>=', value: 100 }))).toEqual(['m1']);
    expect(await members({ orders: { measure: 'avg', op: '<=', value: 100 } })).toEqual(['m2', 'm3', 'm7']);
    expect(await members(o({ measure: 'sum', op: '>=', value: 400, categories: ['咖啡'] }))).toEqual(['m1']);
    expect(await members(o({ measure: 'sum', op: '>', value: 400, categories: ['咖啡'] }))).toEqual([]);
    expect(await members(o({ measure: 'count', op: '>=', value: 2, categories: ['咖啡'] }))).toEqual(['m1']);
    expect(await members({ orders: { measure: 'count', op: '>=', value: 1, categories: ['茶'] } })).toEqual(['m1', 'm3']);
    expect(await members({ orders: { measure: 'count', op: '>=', value: 1, products: ['摩卡'] } })).toEqual(['m1']);
    expect(await members({ orders: { measure: 'count', op: '>=', value: 1, products: ['latte'] } })).toEqual(['m1', 'm2']);
    expect(await members({ orders: { measure: 'count', op: '>=', value: 1, products: ['latte'], categories: ['茶'] } })).toEqual([]);
    expect(await members(o({ measure: 'count', op: '>=', value: 1, channels: ['store'] }))).toEqual(['m1', 'm3']);
  });

  it('reads segments, identities, scores and CLV', async () => {
    expect(await members({ in_segment: 'seg_big' })).toEqual(['m1', 'm7']);
    expect(await members({ in_segment: 'Big Spenders' }, { segmentIds: { 'Big Spenders': 'seg_big' } })).toEqual(['m1', 'm7']);
    expect(await members({ not_in_segment: 'seg_big' })).toEqual(except('m1', 'm7'));
    expect(await members({ has_identity: 'wecom' })).toEqual(['m1']);
    expect(await members({ has_identity: 'wecom_external_userid' })).toEqual(['m1']);
    expect(await members({ has_identity: 'phone' })).toEqual(['m2', 'm3']);
    expect(await members({ has_identity: 'device_id' })).toEqual([]);
    expect(await members({ rfm_segment: ['important_value', 'general_winback'] })).toEqual(['m1', 'm2']);
    expect(await members({ lifecycle_stage: 'new' })).toEqual(['m3']);
    expect(await members({ value_tier: ['high_value'] })).toEqual(['m1']);
    expect(await members({ clv: { field: 'p_alive', op: '<', value: 0.3 } })).toEqual(['m2']);
    expect(await members({ clv: { field: 'expected_avg_value', op: 'not_exists' } })).toEqual(except('m1'));
    expect(await members({ and: [{ clv: { field: 'p_alive', op: '>', value: 0.5 } }, { clv: { field: 'clv', op: '>', value: 500 } }] })).toEqual(['m1']);
    expect(await members({ and: [{ clv: { field: 'p_alive', op: '<', value: 0.3 } }, { clv: { field: 'clv', op: '>', value: 500 } }] })).toEqual([]);
  });

  it('nests AND, OR and NOT', async () => {
    expect(await members({ and: [attr('city', '=', '上海'), { has_tag: 'VIP' }, { or: [
      { event: { name: 'Product Viewed', within_days: 30, count: { op: '>=', value: 3 } } },
      { orders: { measure: 'sum', op: '>=', value: 1000 } },
    ] }] })).toEqual(['m1']);
    expect(await members({ or: [{ not: { has_tag: 'VIP' } }, attr('attributes.level', '=', 'gold')] })).toEqual(except('m3'));
    expect(await members({ not: { and: [attr('city', '=', '上海'), { not: { has_tag: 'VIP' } }] } })).toEqual(ALL);
    expect(await members({ not: { or: [attr('city', '=', '上海'), attr('city', '=', '北京')] } })).toEqual(['m4', 'm6', 'm7', 'm8']);
    let deep: unknown = { has_tag: 'VIP' };
    for (let i = 0; i < 18; i++) deep = { not: deep };
    expect(await members(deep)).toEqual(['m1', 'm3']);
  });

  it('narrows costly conditions to the candidates of cheap ones without changing results', async () => {
    const pv3 = { event: { name: 'Product Viewed', within_days: 30, count: { op: '>=', value: 3 } } };
    expect(await members({ and: [{ lacks_tag: 'VIP' }, { or: [attr('city', '=', '北京'), pv3] }] })).toEqual(['m2', 'm8']);
    expect(await members({ and: [attr('city', '=', '上海'), { event: { name: 'Product Viewed', within_days: 30, count: { op: '=', value: 0 } } }] })).toEqual(['m3']);
    expect(await members({ and: [{ trait: 'order_count', op: '>=', value: 1 }, { orders: { measure: 'count', op: '=', value: 0, within_days: 90 } }] })).toEqual(['m2']);
    expect(await members({ and: [attr('city', '=', '上海'), { not: pv3 }] })).toEqual(['m3']);
    expect(await members({ and: [{ or: [{ has_tag: 'VIP' }, attr('city', '=', '北京')] }, { event: { name: 'Product Viewed', within_days: 30 } }] })).toEqual(['m1', 'm2']);
    expect(await members({ and: [{ not: { has_tag: 'VIP' } }, { or: [pv3, { orders: { measure: 'count', op: '>=', value: 2, within_days: 90 } }] }] })).toEqual(['m7', 'm8']);
    const sh60 = { and: [attr('city', '=', '上海'), { orders: { measure: 'sum', op: '>=', value: 60, within_days: 90 } }] };
    expect(await members(sh60)).toEqual(['m1', 'm3']);
    expect(await members(sh60, { memberIds: ['m1', 'm3', 'm5'] })).toEqual(['m1', 'm3']);
    expect(await members(sh60, { memberIds: ['m3'] })).toEqual(['m3']);
  });

  it('chains several costly conditions, each over the members the earlier ones kept, and agrees with each alone', async () => {
    const pv = { event: { name: 'Product Viewed', within_days: 30 } };
    const buy60 = { orders: { measure: 'sum', op: '>=', value: 60, within_days: 90 } };
    const seq = { sequence: { steps: [{ name: 'Product Added' }, { name: 'Order Completed' }], within_hours: 24 } };
    const noPv3 = { event: { name: 'Product Viewed', within_days: 30, count: { op: '<', value: 3 } } };
    const all = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'];
    const meet = async (...rules: unknown[]) => {
      let left = all;
      for (const r of rules) {
        const ids = new Set(await members(r as any));
        left = left.filter((m) => ids.has(m));
      }
      return left;
    };
    const sizes: number[] = [];
    for (const conjuncts of [
      [{ lacks_tag: 'x' }, pv, buy60],
      [{ lacks_tag: 'x' }, buy60, seq, pv],
      [{ lacks_tag: 'x' }, pv, noPv3, { not: buy60 }],
      [attr('city', 'in', ['上海', '北京']), buy60, pv, { or: [seq, { has_tag: 'VIP' }] }],
    ]) {
      const want = await meet(...conjuncts);
      expect(await members({ and: conjuncts } as any), JSON.stringify(conjuncts)).toEqual(want);
      sizes.push(want.length);
    }
    expect(sizes.some((n) => n > 0)).toBe(true);
  });

  it('answers the four-condition audience', async () => {
    expect(await members({ and: [
      attr('city', '=', '上海'),
      { event: { name: 'Product Viewed', count: { op: '>=', value: 1 }, within_days: 30 } },
      { orders: { measure: 'sum', op: '>=', value: 100, within_days: 90 } },
      { has_tag: 'VIP' },
    ] })).toEqual(['m1']);
  });

  it('restricts evaluation to the given members', async () => {
    expect(await members({ has_tag: 'VIP' }, { memberIds: ['m1', 'm2', 'm5'] })).toEqual(['m1']);
    expect(await members({ event: { name: 'Product Viewed', within_days: 30, count: { op: '=', value: 0 } } }, { memberIds: ['m1', 'm3', 'm5'] })).toEqual(['m3']);
    expect(await members({ orders: { measure: 'sum', op: '<', value: 60, within_days: 90 } }, { memberIds: ['m2', 'm7', 'm1'] })).toEqual(['m2', 'm7']);
    expect(await members({ not: attr('city', '=', '上海') }, { memberIds: ['m1', 'm4'] })).toEqual(['m4']);
    expect(await members({ sequence: { steps: [{ name: 'Product Added' }, { name: 'Order Completed' }], within_hours: 24 } }, { memberIds: ['m6'] })).toEqual(['m6']);
    expect(await members({ has_tag: 'VIP' }, { memberIds: [] })).toEqual([]);
  });

  it('puts every value in parameters, none in the SQL text', () => {
    const lits = ['LIT上海1', 'LITgold2', 'LITkey3', 'LITtag4', 'LITevent5', 'LITprop6', 'LITval7', 'LITcat8', 'LITsku9', 'LITch10', 'LITseg11', 'LITseg12'];
    const rule = parseRule({ or: [
      attr('city', 'in', [lits[0], INJECTION]),
      attr(`attributes.${lits[2]}`, '=', lits[1]),
      attr('attributes.n', 'between', [987654.25, 987655.5]),
      { has_tag: lits[3] }, { lacks_tag: [lits[3], 'x'] },
      { event: { name: lits[4], where: [{ property: lits[5], op: 'contains', value: lits[6] }], count: { op: '<=', value: 876543 }, within_days: 30 } },
      { sequence: { steps: [{ name: lits[4] }, { name: lits[4], where: [{ property: lits[5], op: '>', value: 765432 }] }], within_hours: 5 } },
      { orders: { measure: 'sum', op: '>=', value: 654321, categories: [lits[7]], products: [lits[8]], channels: [lits[9]], between: ['2026-01-01', '2026-02-01'] } },
      { in_segment: lits[10] }, { not_in_segment: lits[11] },
      { trait: 'total_spend', op: '>', value: 543210 },
      { clv: { field: 'clv', op: '<', value: 432109 } },
      attr('birthday', 'anniversary_within_days', 7),
      attr('created_at', '>=', '2026-01-01'),
      { rfm_segment: 'important_value' }, { lifecycle_stage: 'at_risk' }, { value_tier: 'silent' }, { has_identity: 'wecom' },
    ] });
    const c = compileRule(ctx.store, rule, { workspaceId: 'LITws', now: NOW, timezone: TZ, memberIds: ['LITmember'], segmentIds: { [lits[10]]: 'LITsegid' } });
    for (const v of [...lits, INJECTION, '987654', '876543', '765432', '654321', '543210', '432109', 'LITws', 'LITmember', 'LITsegid',
      'important_value', 'at_risk', 'silent', 'wecom', '2026-01', 'Asia/Shanghai']) {
      expect(c.sql).not.toContain(v);
    }
    expect(c.params).toContain('LITws');
    expect(c.params).toContain(INJECTION);
    expect(c.params).toContain('LITsegid');
    expect(c.params.some((p) => typeof p === 'string' && p.includes('LITmember'))).toBe(true);
  });

  it('evaluates windows against the given now', async () => {
    expect(await members({ event: { name: 'Product Viewed', within_days: 30, count: { op: '>=', value: 3 } } }, { now: ago(-20) })).toEqual(['m8']);
    expect(await members({ event: { name: 'Product Viewed', within_days: 1 } }, { now: ago(59, 12) })).toEqual(['m1']);
  });
});
