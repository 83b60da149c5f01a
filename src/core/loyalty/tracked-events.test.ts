// Unit tests of tracked-event mapping: event rules' `track` and `where`, property filters, backward compatibility.
import { describe, expect, it } from 'vitest';
import { parseEarnRules } from './earn-rules.ts';
import { matchesFilters, propertyAt, rulesForTrack, trackedRuleNames } from './tracked-events.ts';

const rules = parseEarnRules({
  timezone: 'UTC',
  events: [
    { event: 'sign_in', points: 5, caps: { day: 1 }, track: 'Signed In' },
    { event: 'review', points: 20, track: ['Product Reviewed', 'Review Posted'], where: [{ property: 'rating', op: 'exists' }] },
    { event: 'photo_review', points: 50, track: 'Product Reviewed', where: [{ property: 'rating', op: 'gte', value: 4 }, { property: 'media.photos', op: 'gt', value: 0 }] },
    { event: 'share', points: 2 },
  ],
}).events;

describe('event rules with track', () => {
  it('keeps configs without track as they were (API-only rules) and normalises track to a list', () => {
    const share = rules.find((r) => r.event === 'share')!;
    expect(share.track).toBeUndefined();
    expect(share.where).toEqual([]);
    expect(rules.find((r) => r.event === 'sign_in')!.track).toEqual(['Signed In']);
    expect(trackedRuleNames(rules)).toEqual([
      { name: 'Signed In', rule: 'sign_in' }, { name: 'Product Reviewed', rule: 'review' }, { name: 'Review Posted', rule: 'review' },
      { name: 'Product Reviewed', rule: 'photo_review' },
    ]);
  });

  it('refuses where without track and filters whose value does not fit the op, naming the field', () => {
    expect(() => parseEarnRules({ timezone: 'UTC', events: [{ event: 'x', points: 1, where: [{ property: 'a' }] }] })).toThrow(/events\.0\.where/);
    expect(() => parseEarnRules({ timezone: 'UTC', events: [{ event: 'x', points: 1, track: 'X', where: [{ property: 'a', op: 'gt', value: 'big' }] }] })).toThrow(
      expect.objectContaining({ field: 'events.0.where.0.value' }),
    );
    expect(() => parseEarnRules({ timezone: 'UTC', events: [{ event: 'x', points: 1, track: 'X', where: [{ property: 'a', op: 'in', value: 3 }] }] })).toThrow(/a list of values/);
    expect(() => parseEarnRules({ timezone: 'UTC', events: [{ event: 'x', points: 1, track: '' }] })).toThrow(/events\.0\.track/);
  });

  it('finds the rules a tracked event awards, filters included', () => {
    const codes = (name: string, props: Record<string, unknown> | null) => rulesForTrack(rules, name, props).map((r) => r.event);
    expect(codes('Signed In', null)).toEqual(['sign_in']);
    expect(codes('Product Reviewed', { text: 'ok' })).toEqual([]);
    expect(codes('Product Reviewed', { rating: 3 })).toEqual(['review']);
    expect(codes('Product Reviewed', { rating: '5', media: { photos: 2 } })).toEqual(['review', 'photo_review']);
    expect(codes('Review Posted', { rating: 1 })).toEqual(['review']);
    expect(codes('Order Completed', { rating: 5 })).toEqual([]);
  });
});

describe('matchesFilters', () => {
  const props = { rating: 4, tier: 'gold', empty: '', nil: null, 'a.b': 'dotted key', nested: { n: 2 }, flag: true };
  it('reads dotted paths and dotted keys', () => {
    expect(propertyAt(props, 'nested.n')).toBe(2);
    expect(propertyAt(props, 'a.b')).toBe('dotted key');
    expect(propertyAt(props, 'nested.missing.x')).toBeUndefined();
    expect(propertyAt(null, 'x')).toBeUndefined();
  });
  it.each([
    [{ property: 'rating', op: 'exists' }, true],
    [{ property: 'empty', op: 'exists' }, false],
    [{ property: 'nil', op: 'missing' }, true],
    [{ property: 'tier', op: 'eq', value: 'gold' }, true],
    [{ property: 'rating', op: 'eq', value: '4' }, true],
    [{ property: 'tier', op: 'neq', value: 'gold' }, false],
    [{ property: 'nope', op: 'neq', value: 'gold' }, true],
    [{ property: 'tier', op: 'in', value: ['silver', 'gold'] }, true],
    [{ property: 'flag', op: 'eq', value: true }, true],
    [{ property: 'rating', op: 'gt', value: 4 }, false],
    [{ property: 'rating', op: 'gte', value: 4 }, true],
    [{ property: 'nested.n', op: 'lt', value: 3 }, true],
    [{ property: 'tier', op: 'lte', value: 3 }, false],
  ] as const)('%o → %s', (filter, expected) => {
    expect(matchesFilters([{ value: undefined, ...filter }] as never, props)).toBe(expected);
  });
  it('holds for no filters and needs every filter', () => {
    expect(matchesFilters([], null)).toBe(true);
    expect(matchesFilters([{ property: 'rating', op: 'exists' }, { property: 'tier', op: 'eq', value: 'silver' }], props)).toBe(false);
  });
});
