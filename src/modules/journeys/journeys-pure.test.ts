// Pure parts of journeys: definition validation pointing at nodes, the standard plays, keys, splits, time.
import { describe, expect, it } from 'vitest';
import { parseDefinition } from './definition.ts';
import { effectKey, keyPart, pickBranch, sendSourceKey } from './keys.ts';
import { buildPlay, PLAYS } from './plays.ts';
import { eventMatches } from './steps.ts';
import { isStale, orderEntryKey, orderMatches, orderProperties, type OrderFacts } from './order-filter.ts';
import { addDays, dailyCron, durationMs, localDateOf, nextLocalTime, zonedMs } from './time.ts';

const base = { trigger: { type: 'event', event: 'X' }, start: 'a' };
const fieldOf = (raw: unknown, publish = false) => {
  try {
    parseDefinition(raw, { publish });
    return null;
  } catch (e) {
    return (e as { field?: string; code?: string }).field ?? (e as Error).message;
  }
};

describe('journey definitions', () => {
  it('accepts a full graph and fills defaults', () => {
    const d = parseDefinition({
      trigger: { type: 'event', event: 'Product Added', where: [{ property: 'cart_id', op: 'exists' }] },
      entry: { key: 'cart_id' },
      goal: { event: 'Order Completed', match: ['cart_id'] },
      start: 'w',
      steps: {
        w: { type: 'wait_event', event: 'Order Completed', timeout: '2h', on_timeout: 'r', on_event: 'x' },
        r: { type: 'send', channel: 'hook', template: 't' },
        x: { type: 'exit' },
      },
    }, { publish: true });
    expect(d.entry).toEqual({ reentry: 'after_exit', key: 'cart_id' });
    expect(d.holdout).toBe(0);
    expect(d.steps.r).toMatchObject({ purpose: 'marketing' });
  });

  it('points errors at the node', () => {
    expect(fieldOf({ ...base, steps: { a: { type: 'wait', duration: '1h', next: 'nope' } } })).toBe('definition.steps.a.next');
    expect(fieldOf({ ...base, steps: { a: { type: 'wait' } } })).toBe('definition.steps.a.duration');
    expect(fieldOf({ ...base, steps: { a: { type: 'send', channel: 'c' } } })).toBe('definition.steps.a.template');
    expect(fieldOf({ ...base, steps: { a: { type: 'exit', extra: 1 } } })).toBe('definition.steps.a.extra');
    expect(fieldOf({ ...base, steps: { a: { type: 'condition', rule: { and: [{ has_tag: 'x' }, { attribute: 'nope', op: '=', value: 1 }] } } } })).toBe('definition.steps.a.rule.and[1].attribute');
    expect(fieldOf({ ...base, steps: { a: { type: 'wait', duration: '1h', next: 'b' }, b: { type: 'wait', duration: '1h', next: 'a' } } })).toBe('definition.steps.b.next');
    expect(fieldOf({ ...base, start: 'zz', steps: { a: { type: 'exit' } } })).toBe('definition.start');
    expect(fieldOf({ ...base, steps: { 'bad id!': { type: 'exit' } } })).toBe('definition.steps.bad id!');
    expect(fieldOf({ trigger: { type: 'whenever' }, start: 'a', steps: { a: { type: 'exit' } } })).toBe('definition.trigger.type');
    expect(fieldOf({ ...base, holdout: 0.95, steps: { a: { type: 'exit' } } })).toBe('definition.holdout');
    expect(fieldOf({ ...base, steps: { a: { type: 'exit' }, b: { type: 'exit' } } })).toBeNull();
    expect(fieldOf({ ...base, steps: { a: { type: 'exit' }, b: { type: 'exit' } } }, true)).toBe('definition.steps.b');
    expect(fieldOf({ ...base, goal: { rule: { has_tagz: 1 } }, steps: { a: { type: 'exit' } } })).toBe('definition.goal.rule.has_tagz');
  });

  it('builds every standard play into a valid definition', () => {
    for (const p of PLAYS) {
      const params = Object.fromEntries(p.params.map((x) => [x.name, x.name === 'points' ? 10 : x.default ?? `<${x.name}>`]));
      expect(() => parseDefinition(buildPlay(p.id, params).definition, { publish: true }), p.id).not.toThrow();
      const required = Object.fromEntries(p.params.filter((x) => x.required).map((x) => [x.name, 'x']));
      expect(() => parseDefinition(buildPlay(p.id, required).definition, { publish: true }), p.id).not.toThrow();
    }
    expect(() => buildPlay('abandoned_cart', {})).toThrow(/params.channel/);
    expect(() => buildPlay('abandoned_cart', { channel: 'c', template: 't', colour: 'red' })).toThrow(/params.colour/);
    const cart = buildPlay('abandoned_cart', { channel: 'c', template: 't' }).definition as any;
    expect(cart.steps.wait_order).toMatchObject({ event: 'Order Completed', match: ['cart_id'], timeout: '2h' });
    expect((buildPlay('tier_upgrade', { channel: 'c', template: 't' }).definition as any).trigger.where).toEqual([{ property: 'change', op: 'eq', value: 'upgrade' }]);
  });
});

describe('order triggers and goals', () => {
  const order = (o: Partial<OrderFacts> = {}): OrderFacts => ({
    order_id: 'o1', member_id: 'mem_1', status: 'paid', amount: 120, discount: 0, refunded_amount: 0, currency: 'CNY', coupon_code: null,
    points_used: 0, channel: 'pos', store_id: 's1', item_count: 1, paid_at: '2026-01-01T01:00:00.000Z', created_at: '2026-01-01T01:00:01.000Z',
    updated_at: '2026-01-01T01:00:01.000Z', properties: null, lines: [{ product_id: 'tea-1', name: '红茶', category: '茶叶', quantity: 1, amount: 120 }], ...o,
  });

  it('validates order triggers and goals, filling defaults, with the node in errors', () => {
    const d = parseDefinition({ trigger: { type: 'order', min_amount: 100 }, entry: { key: 'order_id' }, goal: { order: {} }, start: 'a', steps: { a: { type: 'exit' } } });
    expect(d.trigger).toEqual({ type: 'order', status: 'paid', min_amount: 100, first_order: false });
    expect(d.goal).toEqual({ order: { status: 'paid', first_order: false } });
    const one = { start: 'a', steps: { a: { type: 'exit' } } };
    expect(fieldOf({ ...one, trigger: { type: 'order', min_amount: -1 } })).toBe('definition.trigger.min_amount');
    expect(fieldOf({ ...one, trigger: { type: 'order', status: 'refunded' } })).toBe('definition.trigger.status');
    expect(fieldOf({ ...one, trigger: { type: 'order', channels: [] } })).toBe('definition.trigger.channels');
    expect(fieldOf({ ...one, trigger: { type: 'order', colour: 'red' } })).toBe('definition.trigger.colour');
    expect(fieldOf({ ...one, trigger: { type: 'order' }, goal: { order: { first_order: 'yes' } } })).toBe('definition.goal.order.first_order');
    expect(fieldOf({ ...one, trigger: { type: 'order' }, goal: { order: { products: [''] } } })).toBe('definition.goal.order.products[0]');
    expect(fieldOf({ ...one, trigger: { type: 'order' }, steps: { a: { type: 'wait_event', event: 'Review', match: ['order_id'], timeout: '7d' } } })).toBeNull();
    expect(fieldOf({ ...one, trigger: { type: 'segment', segment: 's' }, goal: { event: 'X', match: ['order_id'] } })).toBe('definition.goal.match');
  });

  it('matches orders on status, amount, channel, first order, categories and products', () => {
    const f = { status: 'paid' as const, first_order: false };
    expect(orderMatches(f, order(), false)).toBe(true);
    expect(orderMatches(f, order({ status: 'cancelled' }), false)).toBe(false);
    expect(orderMatches(f, order({ status: 'partially_refunded' }), false)).toBe(true);
    expect(orderMatches({ ...f, min_amount: 120 }, order(), false)).toBe(true);
    expect(orderMatches({ ...f, min_amount: 120.01 }, order(), false)).toBe(false);
    expect(orderMatches({ ...f, channels: ['app'] }, order(), false)).toBe(false);
    expect(orderMatches({ ...f, channels: ['app'] }, order({ channel: null }), false)).toBe(false);
    expect(orderMatches({ ...f, first_order: true }, order(), false)).toBe(false);
    expect(orderMatches({ ...f, first_order: true }, order(), true)).toBe(true);
    expect(orderMatches({ ...f, categories: ['茶叶', '器具'] }, order(), false)).toBe(true);
    expect(orderMatches({ ...f, products: ['cup-1'] }, order(), false)).toBe(false);
    expect(isStale(order())).toBe(false);
    expect(isStale(order({ paid_at: '2025-12-01T00:00:00.000Z' }))).toBe(true);
    expect(orderEntryKey('o1')).toBe('o:o1');
    expect(orderEntryKey('x'.repeat(200))).toMatch(/^o:h[0-9a-f]{40}$/);
    expect(orderProperties(order())).toMatchObject({ order_id: 'o1', amount: 120, channel: 'pos', products: ['tea-1'], categories: ['茶叶'], properties: {} });
  });

  it('post-purchase enters on orders; it waits for a repurchase (the order goal) only with a nudge', () => {
    const withNudge = buildPlay('post_purchase', { channel: 'c', template: 't', repurchase_template: 'r' }).definition as any;
    expect(withNudge).toMatchObject({ trigger: { type: 'order' }, entry: { reentry: 'every_time' }, goal: { order: {} } });
    expect((buildPlay('post_purchase', { channel: 'c', template: 't' }).definition as any).goal).toBeUndefined();
    expect((buildPlay('welcome_coupon', { channel: 'c', template: 't', coupon: 'x' }).definition as any).goal).toEqual({ order: {} });
    expect((buildPlay('silent_recall', { channel: 'c', template: 't', segment: 's' }).definition as any).goal).toEqual({ order: {} });
  });
});

describe('keys and splits', () => {
  it('shares a send source key across first entries and separates keys, re-entries and revisits', () => {
    expect(sendSourceKey('jny_1', 'remind', { instanceKey: '', entrySeq: 1, visit: 1 })).toBe('journey:jny_1:step:remind');
    expect(sendSourceKey('jny_1', 'remind', { instanceKey: 'c2', entrySeq: 2, visit: 3 })).toBe('journey:jny_1:step:remind:k:c2:e2:v3');
    expect(keyPart('购物车 1')).toMatch(/^h[0-9a-f]{20}$/);
    expect(effectKey('jin_1', 'coupon', 4)).toBe('journey:jin_1:coupon:4');
  });

  it('splits by weight, deterministically', () => {
    const branches = [{ weight: 3 }, { weight: 1 }];
    const counts = [0, 0];
    for (let i = 0; i < 4000; i++) counts[pickBranch(branches, `jin_${i}:s:0`)]++;
    expect(counts[0] / 4000).toBeGreaterThan(0.7);
    expect(counts[0] / 4000).toBeLessThan(0.8);
    expect(pickBranch(branches, 'same')).toBe(pickBranch(branches, 'same'));
  });

  it('matches awaited events on name, filters, shared entry properties and time', () => {
    const e = { message_id: 'm2', member_id: 'x', name: 'Order Completed', properties: { cart_id: 'c1', total: '99' }, ts: '2026-01-01T01:00:00.000Z', received_at: '2026-01-01T01:00:01.000Z' };
    const o = { name: 'Order Completed', where: [], match: ['cart_id'], entry: { cart_id: 'c1' }, since: '2026-01-01T00:00:00.000Z' };
    expect(eventMatches(e, o)).toBe(true);
    expect(eventMatches(e, { ...o, entry: { cart_id: 'c2' } })).toBe(false);
    expect(eventMatches(e, { ...o, since: '2026-01-01T02:00:00.000Z' })).toBe(false);
    expect(eventMatches(e, { ...o, until: '2026-01-01T00:30:00.000Z' })).toBe(false);
    expect(eventMatches(e, { ...o, where: [{ property: 'total', op: 'gte', value: 100 }] })).toBe(false);
    expect(eventMatches(e, { ...o, exclude: 'm2' })).toBe(false);
  });
});

describe('journey time', () => {
  it('parses durations', () => {
    expect(durationMs('2h')).toBe(7_200_000);
    expect(durationMs('1d12h')).toBe(129_600_000);
    expect(durationMs('1w')).toBe(604_800_000);
    expect(durationMs('2 hours')).toBeNull();
  });

  it('finds the next local time of day in a zone, across midnight and DST', () => {
    const from = Date.parse('2026-03-01T03:00:00Z'); // 11:00 in Shanghai
    expect(new Date(nextLocalTime(from, '10:00', 'Asia/Shanghai')).toISOString()).toBe('2026-03-02T02:00:00.000Z');
    expect(new Date(nextLocalTime(from, '12:30', 'Asia/Shanghai')).toISOString()).toBe('2026-03-01T04:30:00.000Z');
    expect(new Date(zonedMs('2026-07-01', '09:00', 'America/New_York')).toISOString()).toBe('2026-07-01T13:00:00.000Z');
    expect(new Date(zonedMs('2026-01-01', '09:00', 'America/New_York')).toISOString()).toBe('2026-01-01T14:00:00.000Z');
    expect(localDateOf(Date.parse('2026-01-01T17:00:00Z'), 'Asia/Shanghai')).toBe('2026-01-02');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(dailyCron('09:05')).toBe('5 9 * * *');
  });
});
