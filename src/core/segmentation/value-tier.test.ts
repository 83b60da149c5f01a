// Unit tests of the pure value-tier model: tier rules and boundaries, data-derived spend thresholds, validation.
import { describe, expect, it } from 'vitest';
import { SiyuError } from '../errors.ts';
import { VALUE_TIER_NAMES, classifyValueTier, parseValueTierConfig, spendThresholdsFromValues } from './value-tier.ts';

const defaults = parseValueTierConfig();
const tier = (spend: number, orderCount: number, daysSinceLastActivity: number | null, c = defaults) =>
  classifyValueTier({ spend, orderCount, daysSinceLastActivity }, c);

describe('classifyValueTier (defaults: active 90 days, high 2000 & 2 orders, potential 500 or 2 orders)', () => {
  it('has the documented defaults', () => {
    expect(defaults).toEqual({ activeDays: 90, highValueMinSpend: 2000, highValueMinOrders: 2, potentialMinSpend: 500, potentialMinOrders: 2 });
  });
  it('is silent when never active or inactive beyond activeDays, whatever the spend', () => {
    expect(tier(0, 0, null)).toBe('silent');
    expect(tier(9999, 10, 91)).toBe('silent');
    expect(tier(9999, 10, 90)).toBe('high_value');
  });
  it('applies inclusive spend and order bounds in rule order', () => {
    expect(tier(2000, 2, 4)).toBe('high_value');
    expect(tier(2500, 1, 4)).toBe('potential'); // big single order: spend qualifies for potential only
    expect(tier(1999.99, 5, 4)).toBe('potential');
    expect(tier(500, 1, 4)).toBe('potential');
    expect(tier(100, 2, 4)).toBe('potential');
    expect(tier(100, 1, 4)).toBe('ordinary');
    expect(tier(0, 0, 0)).toBe('ordinary'); // active through events, never bought
  });
  it('uses custom thresholds', () => {
    const c = parseValueTierConfig({ activeDays: 30, highValueMinSpend: 300, highValueMinOrders: 1, potentialMinSpend: 100, potentialMinOrders: 3 });
    expect([tier(300, 1, 30, c), tier(299, 2, 30, c), tier(50, 3, 30, c), tier(50, 2, 30, c), tier(300, 1, 31, c)])
      .toEqual(['high_value', 'potential', 'potential', 'ordinary', 'silent']);
  });
  it('names every tier in Chinese and English', () => expect(VALUE_TIER_NAMES.high_value).toEqual({ zh: '高价值', en: 'High value' }));
});

describe('spendThresholdsFromValues (percentile_disc on descending spend)', () => {
  it('puts exactly the top shares at or above the thresholds without ties', () => {
    const spends = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
    expect(spendThresholdsFromValues(spends, 0.2, 0.5)).toEqual({ highValueMinSpend: 900, potentialMinSpend: 600 });
    // n = 7, share 0.2 → rank ceil(1.4) = 2 from the top
    expect(spendThresholdsFromValues([10, 20, 30, 40, 50, 60, 70], 0.2, 0.5)).toEqual({ highValueMinSpend: 60, potentialMinSpend: 40 });
  });
  it('lets ties at a threshold all qualify, ignores zero spend and is null when nobody spent', () => {
    expect(spendThresholdsFromValues([100, 100, 100, 100, 100])).toEqual({ highValueMinSpend: 100, potentialMinSpend: 100 });
    expect(spendThresholdsFromValues([0, 0, 50])).toEqual({ highValueMinSpend: 50, potentialMinSpend: 50 });
    expect(spendThresholdsFromValues([0, 0])).toBeNull();
  });
  it('refuses shares out of order, naming the field', () => {
    const err = (fn: () => unknown) => { try { fn(); } catch (e) { return e as SiyuError; } throw new Error('no error'); };
    expect(err(() => spendThresholdsFromValues([1], 0, 0.5))).toMatchObject({ code: 'value_tier.invalid_config', field: 'highShare' });
    expect(err(() => spendThresholdsFromValues([1], 0.5, 0.2))).toMatchObject({ code: 'value_tier.invalid_config', field: 'potentialShare' });
  });
});

describe('config validation', () => {
  it.each([
    [{ potentialMinSpend: 3000 }, 'value_tier.invalid_config', 'potentialMinSpend'],
    [{ highValueMinSpend: -1 }, 'value_tier.invalid_config', 'highValueMinSpend'],
    [{ activeDays: 'ninety' }, 'value_tier.invalid_config', 'activeDays'],
    [{ minSpend: 1 }, 'value_tier.unknown_field', 'minSpend'],
  ])('refuses %j with %s on %s', (raw, code, field) => {
    let e: SiyuError | undefined;
    try { parseValueTierConfig(raw); } catch (err) { e = err as SiyuError; }
    expect(e).toBeInstanceOf(SiyuError);
    expect([e!.code, e!.field]).toEqual([code, field]);
  });
});
