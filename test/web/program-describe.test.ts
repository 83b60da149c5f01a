// The console's words for a loyalty programme: only benefits beyond the defaults, qualification and downgrade in
// the operator's language, and the order rule as labelled rows (zh strings; keys the dictionary lacks would show raw).
import { expect, it } from 'vitest';
import { basisLabel, benefitLabels, capsLabel, downgradeLabel, listLabel, orderRuleRows, whereLabel } from '../../web/src/pages/loyalty/program-describe.ts';
import { loyaltyFormZh } from '../../web/src/pages/loyalty/program-strings.ts';
import { shellZh } from '../../web/src/app-strings.ts';

const dict: Record<string, string> = { ...shellZh, ...loyaltyFormZh };
const t = (k: string) => {
  if (!(k in dict)) throw new Error(`missing string ${k}`);
  return dict[k]!;
};
const num = (n: number) => String(n);

it('lists only the benefits a tier adds', () => {
  expect(benefitLabels({ pointsMultiplier: 1, discountPercent: 0, birthdayGift: null, freeShipping: false }, t, num)).toEqual([]);
  expect(benefitLabels({ pointsMultiplier: 2, discountPercent: 10, freeShipping: true, birthdayGift: { couponTemplateId: 'cpt_1' } }, t, num))
    .toEqual(['积分倍数 ×2', '折扣 10%', '包邮', '生日礼 优惠券']);
  expect(benefitLabels({ birthdayGift: { points: 200 } }, t, num)).toEqual(['生日礼 200 积分']);
});

it('describes qualification and downgrade', () => {
  expect(basisLabel({ metric: 'spend', window: { type: 'rolling', days: 365 } }, t)).toBe('消费金额 · 最近 365 天');
  expect(basisLabel({ metric: 'points_earned', window: { type: 'calendar_year' } }, t)).toBe('累计获得积分 · 自然年');
  expect(downgradeLabel({ mode: 'never' }, t)).toBe('不降级');
  expect(downgradeLabel({ mode: 'periodic_review', period: 'year', graceDays: 30, steps: 'to_qualified' }, t)).toBe('定期复核 · 每年 · 宽限天数 30 · 降到达标等级');
});

it('labels the order earn rule', () => {
  const rows = orderRuleRows({ rate: { points: 1, per: 1 }, rounding: 'floor', minOrderAmount: 0, memberDayFactor: 2, tierMultiplier: true, maxPointsPerOrder: null, excludedCategories: ['周边'] }, t, num);
  expect(rows).toContainEqual(['每消费', '¥1 → 1 积分']);
  expect(rows).toContainEqual(['会员日倍数', '×2']);
  expect(rows).toContainEqual(['不积分的品类', '周边']);
});

it('describes event rules', () => {
  expect(capsLabel({ day: 1, week: 5 }, t)).toBe('每日 1 · 每周 5');
  expect(capsLabel({}, t)).toBe('—');
  expect(listLabel(['Signed In', 'App Opened'])).toBe('Signed In、App Opened');
  expect(listLabel('Signed In')).toBe('Signed In');
  expect(whereLabel([{ property: 'rating', op: 'exists' }, { property: 'channel', op: 'in', value: ['app', 'mp'] }])).toBe('rating exists · channel in app/mp');
  expect(whereLabel([])).toBe('—');
});
