// Unit tests of order earn rules: rate and rounding, minimum, excluded lines, discount spread, multipliers, caps.
import { describe, expect, it } from 'vitest';
import { parseEarnRules, orderPoints, type EarnOrder } from './earn-rules.ts';
import { combineFactors } from './multipliers.ts';

const plain = { isMemberDay: false, tierMultiplier: 1 };
const order = (amount: number, items: EarnOrder['items'] = [], extra: Partial<EarnOrder> = {}): EarnOrder => ({ amount, paidAt: '2024-05-08T04:00:00Z', items, ...extra });
const line = (productId: string, category: string, amount: number) => ({ productId, category, amount });

describe('orderPoints: rate, rounding, minimum', () => {
  it('earns 1 point per ¥1 by default, flooring the total once', () => {
    const r = parseEarnRules().order;
    expect(orderPoints(r, order(99.99), plain)).toMatchObject({ points: 99, reason: 'earned', eligibleAmount: 99.99 });
  });
  it('rounds per the rule, and a total exactly on a whole point is not lost to float noise', () => {
    const rate = (rounding: string) => parseEarnRules({ order: { rate: { points: 3, per: 10 }, rounding } }).order;
    expect(orderPoints(rate('floor'), order(10.1), plain).points).toBe(3); // 3.03
    expect(orderPoints(rate('ceil'), order(10.1), plain).points).toBe(4);
    expect(orderPoints(rate('round'), order(11.5), plain).points).toBe(3); // 3.45
    expect(orderPoints(parseEarnRules({ order: { rate: { points: 1, per: 0.1 } } }).order, order(0.3), plain).points).toBe(3);
  });
  it('gives nothing below the minimum order amount, with the explanation', () => {
    const r = parseEarnRules({ order: { minOrderAmount: 50 } }).order;
    expect(orderPoints(r, order(49.99), plain)).toMatchObject({ points: 0, reason: 'below_minimum' });
    expect(orderPoints(r, order(50), plain).points).toBe(50);
  });
});

describe('orderPoints: lines', () => {
  const r = parseEarnRules({ order: { excludedCategories: ['gift_card'], excludedProducts: ['tobacco-1'] } }).order;
  it('excludes lines by category or product and spreads the order discount over lines', () => {
    // lines 60 + 30 + 10 = 100, paid 80 → shares 48, 24, 8; only the first earns
    const e = orderPoints(r, order(80, [line('tea', 'drinks', 60), line('gc', 'gift_card', 30), line('tobacco-1', 'other', 10)]), plain);
    expect(e.lines.map((l) => [l.paidAmount, l.excludedBy, l.points])).toEqual([[48, null, 48], [24, 'category', 0], [8, 'product', 0]]);
    expect(e).toMatchObject({ points: 48, eligibleAmount: 48 });
  });
  it('earns nothing when every line is excluded', () => {
    expect(orderPoints(r, order(30, [line('gc', 'gift_card', 30)]), plain)).toMatchObject({ points: 0, reason: 'nothing_eligible' });
  });
  it('spreads the rounded total over lines so line points sum to the order points', () => {
    const e = orderPoints(parseEarnRules().order, order(10, [line('a', 'x', 3.33), line('b', 'x', 3.33), line('c', 'x', 3.34)]), plain);
    expect(e.points).toBe(10);
    expect(e.lines.reduce((s, l) => s + l.points, 0)).toBe(10);
  });
});

describe('orderPoints: multipliers', () => {
  const campaign = { id: 'summer', factor: 3, startsAt: '2024-05-01T00:00:00Z', endsAt: '2024-06-01T00:00:00Z', categories: ['drinks'] };
  const rules = (combine: 'multiply' | 'max') => parseEarnRules({ order: { memberDayFactor: 2, campaigns: [campaign], combine } }).order;
  const o = order(100, [line('tea', 'drinks', 50), line('cup', 'merch', 50)]);
  it('multiplies member day, tier and a campaign window scoped to categories', () => {
    const e = orderPoints(rules('multiply'), o, { isMemberDay: true, tierMultiplier: 1.5 });
    expect(e.lines[0].multipliers.map((m) => m.source)).toEqual(['member_day', 'tier', 'campaign']);
    expect(e.lines.map((l) => l.factor)).toEqual([9, 3]);
    expect(e.points).toBe(600); // 50 × 9 + 50 × 3
  });
  it('takes the best single factor under max', () => {
    expect(orderPoints(rules('max'), o, { isMemberDay: true, tierMultiplier: 1.5 }).points).toBe(250); // 50 × 3 + 50 × 2
    expect(combineFactors([], 'max')).toBe(1);
  });
  it('applies a campaign only inside its window [startsAt, endsAt)', () => {
    expect(orderPoints(rules('multiply'), { ...o, paidAt: '2024-06-01T00:00:00Z' }, plain).points).toBe(100);
  });
  it('limits campaigns by channel and ignores the tier when the rule says so', () => {
    const r = parseEarnRules({ order: { tierMultiplier: false, campaigns: [{ ...campaign, categories: [], channels: ['mini_program'] }] } }).order;
    expect(orderPoints(r, { ...o, channel: 'pos' }, { isMemberDay: false, tierMultiplier: 2 }).points).toBe(100);
    expect(orderPoints(r, { ...o, channel: 'mini_program' }, plain).points).toBe(300);
  });
  it('caps the points of one order', () => {
    const r = parseEarnRules({ order: { maxPointsPerOrder: 500 } }).order;
    expect(orderPoints(r, order(1000), plain)).toMatchObject({ points: 500, capped: true });
  });
});

describe('parseEarnRules', () => {
  it('refuses a campaign ending before it starts and duplicate event rules', () => {
    expect(() => parseEarnRules({ order: { campaigns: [{ id: 'x', factor: 2, startsAt: '2024-06-01T00:00:00Z', endsAt: '2024-05-01T00:00:00Z' }] } }))
      .toThrow(expect.objectContaining({ code: 'loyalty.invalid_config', field: 'order.campaigns.0.endsAt' }));
    expect(() => parseEarnRules({ events: [{ event: 'sign_in', points: 1 }, { event: 'sign_in', points: 2 }] }))
      .toThrow(expect.objectContaining({ field: 'events.1.event' }));
  });
});
