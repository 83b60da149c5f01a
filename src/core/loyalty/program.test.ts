// Unit tests of program validation and tier decisions: thresholds, upgrades, review/anniversary downgrades, manual holds.
import { describe, expect, it } from 'vitest';
import { SiyuError } from '../errors.ts';
import {
  EXAMPLE_PROGRAM, evaluateTier, nextReview, parseProgram, qualifyingWindow, tierByCode, tierForQualifying, type ProgramInput, type TierState,
} from './program.ts';

const base = parseProgram(EXAMPLE_PROGRAM);
const withMode = (downgrade: ProgramInput['downgrade']) => parseProgram({ ...EXAMPLE_PROGRAM, downgrade });
const state = (tier: string, since = '2023-06-01T00:00:00Z', extra: Partial<TierState> = {}): TierState => ({ tier, since, ...extra });

describe('parseProgram', () => {
  it('fills benefit defaults and keeps zh/en names', () => {
    expect(tierByCode(base, 'regular').benefits).toEqual({ pointsMultiplier: 1, discountPercent: 0, birthdayGift: null, freeShipping: false });
    expect(base.tiers.map((t) => t.name.zh)).toEqual(['普通', '银卡', '金卡', '黑金']);
    expect(base.timezone).toBe('Asia/Shanghai');
  });
  it('refuses unordered thresholds, a first tier above 0, duplicates and unknown fields with the field path', () => {
    const bad = (tiers: unknown[]) => () => parseProgram({ ...EXAMPLE_PROGRAM, tiers });
    const t = (code: string, threshold: number) => ({ code, name: { zh: code, en: code }, threshold });
    expect(bad([t('a', 0), t('b', 10), t('c', 10)])).toThrow(expect.objectContaining({ code: 'loyalty.invalid_config', field: 'tiers.2.threshold' }));
    expect(bad([t('a', 5)])).toThrow(expect.objectContaining({ field: 'tiers.0.threshold' }));
    expect(bad([t('a', 0), t('a', 1)])).toThrow(expect.objectContaining({ field: 'tiers.1.code' }));
    expect(() => parseProgram({ ...EXAMPLE_PROGRAM, colour: 'x' })).toThrow(expect.objectContaining({ code: 'loyalty.unknown_field', field: 'colour' }));
    expect(() => parseProgram({ ...EXAMPLE_PROGRAM, timezone: 'Mars/Base' })).toThrow(SiyuError);
  });
});

describe('tierForQualifying and the window', () => {
  it('picks the highest tier reached, thresholds inclusive', () => {
    expect([0, 999, 1000, 4999, 5000, 1e9].map((v) => tierForQualifying(base, v).code)).toEqual(['regular', 'regular', 'silver', 'silver', 'gold', 'black']);
  });
  it('counts a rolling window in local days and a calendar year from local 1 January', () => {
    expect(qualifyingWindow(base, '2024-03-10T02:00:00Z').from).toBe('2023-03-11T16:00:00.000Z'); // 365 local days incl. 2024-03-10
    const cal = parseProgram({ ...EXAMPLE_PROGRAM, basis: { metric: 'spend', window: { type: 'calendar_year' } } });
    expect(qualifyingWindow(cal, '2024-12-31T17:00:00Z').from).toBe('2024-12-31T16:00:00.000Z'); // already 2025 in Shanghai
  });
});

describe('evaluateTier', () => {
  const now = '2024-05-20T04:00:00Z';
  it('upgrades as soon as the threshold is crossed, possibly several levels', () => {
    expect(evaluateTier(base, state('regular'), 5000, now)).toMatchObject({ tier: 'gold', change: 'upgrade', reason: 'threshold_crossed' });
  });
  it('never downgrades in the never mode', () => {
    expect(evaluateTier(base, state('gold'), 0, now)).toMatchObject({ tier: 'gold', change: 'none', reason: 'downgrade_disabled' });
  });

  describe('periodic review (yearly, 30 days grace)', () => {
    const p = withMode({ mode: 'periodic_review', period: 'year', graceDays: 30 });
    it('keeps the tier inside the grace after the review', () => {
      expect(evaluateTier(p, state('gold'), 100, '2024-01-20T00:00:00Z')).toMatchObject({ change: 'none', reason: 'in_grace' });
    });
    it('downgrades after the grace to the qualified tier and reports the review to record', () => {
      const d = evaluateTier(p, state('gold'), 1500, '2024-02-01T00:00:00Z');
      expect(d).toMatchObject({ tier: 'silver', change: 'downgrade', reason: 'review', reviewAt: '2023-12-31T16:00:00.000Z' });
      expect(evaluateTier(p, state('silver', '2024-02-01T00:00:00Z', { lastReviewAt: d.reviewAt }), 0, now).reason).toBe('reached_after_review');
    });
    it('does not review twice: a member who passed the review keeps the tier until the next one', () => {
      const passed = evaluateTier(p, state('gold'), 6000, '2024-02-01T00:00:00Z');
      expect(passed).toMatchObject({ change: 'none', reason: 'qualified', reviewAt: '2023-12-31T16:00:00.000Z' });
      expect(evaluateTier(p, state('gold', undefined, { lastReviewAt: passed.reviewAt }), 0, now)).toMatchObject({ change: 'none', reason: 'already_reviewed' });
    });
    it('does not review a tier reached after the latest review', () => {
      expect(evaluateTier(p, state('gold', '2024-01-05T00:00:00Z'), 0, now).reason).toBe('reached_after_review');
    });
    it('can drop one level at a time', () => {
      const one = withMode({ mode: 'periodic_review', period: 'quarter', steps: 'one_level' });
      expect(evaluateTier(one, state('black'), 0, now)).toMatchObject({ tier: 'gold', change: 'downgrade' });
      expect(nextReview(one, now)).toBe('2024-06-30T16:00:00.000Z');
    });
  });

  describe('anniversary', () => {
    const p = withMode({ mode: 'anniversary', graceDays: 0 });
    it('reviews on the join anniversary, not before the first one', () => {
      expect(evaluateTier(p, state('gold', '2024-01-01T00:00:00Z'), 0, now, { memberSince: '2023-09-01T00:00:00Z' }).reason).toBe('no_review_yet');
      expect(evaluateTier(p, state('gold', '2023-01-01T00:00:00Z'), 0, now, { memberSince: '2022-09-01T00:00:00Z' }))
        .toMatchObject({ tier: 'regular', change: 'downgrade', reviewAt: '2023-08-31T16:00:00.000Z' });
    });
    it('reviews a 29 February joiner on 28 February in common years', () => {
      const d = evaluateTier(p, state('gold', '2022-01-01T00:00:00Z'), 0, '2023-03-01T00:00:00Z', { memberSince: '2020-02-29T04:00:00Z' });
      expect(d.reviewAt).toBe('2023-02-27T16:00:00.000Z');
      expect(nextReview(p, '2023-03-01T00:00:00Z', { memberSince: '2020-02-29T04:00:00Z' })).toBe('2024-02-28T16:00:00.000Z');
    });
    it('needs the join date', () => {
      expect(() => evaluateTier(p, state('gold'), 0, now)).toThrow(expect.objectContaining({ code: 'loyalty.member_since_required' }));
    });
  });

  describe('manual assignment', () => {
    const p = withMode({ mode: 'periodic_review', period: 'month' });
    const manual = (tier: string, expiresAt: string | null) => ({ tier, reason: 'VIP partner', operator: 'ops@brand', assignedAt: '2024-05-01T00:00:00Z', expiresAt });
    it('raises the member at once and holds the tier as a floor until expiry', () => {
      expect(evaluateTier(p, state('regular', undefined, { manual: manual('gold', '2024-12-31T00:00:00Z') }), 0, now))
        .toMatchObject({ tier: 'gold', change: 'upgrade', reason: 'manual_assignment' });
      expect(evaluateTier(p, state('gold', undefined, { manual: manual('gold', null) }), 0, now)).toMatchObject({ change: 'none', reason: 'manual_hold' });
    });
    it('lets qualification upgrade above the manual tier', () => {
      expect(evaluateTier(p, state('gold', undefined, { manual: manual('gold', null) }), 30000, now)).toMatchObject({ tier: 'black', reason: 'threshold_crossed' });
    });
    it('drops to the qualified tier when the assignment expires, and says to clear it', () => {
      expect(evaluateTier(p, state('gold', '2024-05-01T00:00:00Z', { manual: manual('gold', '2024-05-10T00:00:00Z') }), 1200, now))
        .toMatchObject({ tier: 'silver', change: 'downgrade', reason: 'manual_expired', clearManual: true });
    });
    it('refuses an unknown tier code', () => {
      expect(() => evaluateTier(p, state('platinum'), 0, now)).toThrow(expect.objectContaining({ code: 'loyalty.tier_unknown' }));
    });
  });
});
