// Unit tests of the pure lifecycle model: stage boundaries, precedence, facts from orders, transitions, validation.
import { describe, expect, it } from 'vitest';
import { SiyuError } from '../errors.ts';
import {
  LIFECYCLE_STAGES,
  LIFECYCLE_STAGE_NAMES,
  classifyLifecycle,
  lifecycleFactsFromOrders,
  parseLifecycleConfig,
  transitionMatrix,
  type LifecycleStage,
} from './lifecycle.ts';

const defaults = parseLifecycleConfig();
const stage = (orderCount: number, first: number | null, last: number | null, c = defaults) =>
  classifyLifecycle({ orderCount, daysSinceFirstOrder: first, daysSinceLastOrder: last }, c);

describe('classifyLifecycle with default thresholds (new 30, active 90, at-risk 180, churn 365)', () => {
  it('has the documented defaults', () => {
    expect(defaults).toEqual({ newDays: 30, activeDays: 90, atRiskDays: 180, churnDays: 365, repeatMinOrders: 2 });
  });
  it('is prospect without orders', () => expect(stage(0, null, null)).toBe('prospect'));
  it('is new when the first order is within newDays (inclusive), even with several orders', () => {
    expect(stage(1, 0, 0)).toBe('new');
    expect(stage(1, 30, 30)).toBe('new');
    expect(stage(3, 20, 2)).toBe('new');
  });
  it('is active or repeat once past newDays and still within activeDays', () => {
    expect(stage(1, 31, 0)).toBe('active');
    expect(stage(1, 200, 90)).toBe('active');
    expect(stage(2, 100, 10)).toBe('repeat');
  });
  it('moves through at-risk, silent and churned at the exact boundaries', () => {
    expect([91, 180, 181, 365, 366].map((d) => stage(4, 400, d))).toEqual(['at_risk', 'at_risk', 'silent', 'silent', 'churned']);
  });
  it('uses custom thresholds and repeatMinOrders', () => {
    const c = parseLifecycleConfig({ newDays: 7, activeDays: 30, atRiskDays: 60, churnDays: 120, repeatMinOrders: 3 });
    expect([stage(1, 8, 8, c), stage(2, 50, 20, c), stage(3, 50, 20, c), stage(3, 50, 45, c), stage(3, 150, 100, c), stage(3, 150, 121, c)])
      .toEqual(['active', 'active', 'repeat', 'at_risk', 'silent', 'churned']);
  });
  it('names every stage in Chinese and English', () => {
    expect(Object.keys(LIFECYCLE_STAGE_NAMES)).toEqual([...LIFECYCLE_STAGES]);
    expect(LIFECYCLE_STAGE_NAMES.silent.zh).toBe('沉默');
    expect(LIFECYCLE_STAGE_NAMES.churned.zh).toBe('流失');
  });
});

describe('lifecycleFactsFromOrders', () => {
  it('counts UTC calendar days and ignores orders after the as-of date', () => {
    // 2024-01-01 → 2024-03-31 is 31 + 29 + 30 = 90 days (leap year); 2024-03-15 → 16 days
    expect(lifecycleFactsFromOrders(['2024-01-01', '2024-03-15T12:00:00Z', '2024-04-10'], '2024-03-31'))
      .toEqual({ orderCount: 2, daysSinceFirstOrder: 90, daysSinceLastOrder: 16 });
  });
  it('gives a prospect when the as-of date is before the first order', () => {
    const f = lifecycleFactsFromOrders(['2024-03-01'], '2024-02-01');
    expect(f).toEqual({ orderCount: 0, daysSinceFirstOrder: null, daysSinceLastOrder: null });
    expect(classifyLifecycle(f, defaults)).toBe('prospect');
  });
});

describe('transitionMatrix', () => {
  it('counts moves between two dates, with absent for members in only one map', () => {
    const from = new Map<string, LifecycleStage>([['m1', 'new'], ['m2', 'new'], ['m3', 'active'], ['m4', 'silent']]);
    const to = new Map<string, LifecycleStage>([['m1', 'repeat'], ['m2', 'at_risk'], ['m3', 'active'], ['m5', 'new']]);
    const t = transitionMatrix(from, to);
    expect(t.counts.new).toMatchObject({ repeat: 1, at_risk: 1, new: 0 });
    expect(t.counts.active.active).toBe(1);
    expect(t.counts.silent.absent).toBe(1);
    expect(t.counts.absent.new).toBe(1);
    expect(t.rowTotals).toMatchObject({ new: 2, active: 1, silent: 1, absent: 1, prospect: 0 });
    expect(t.rates.new.repeat).toBe(0.5);
    expect(t.rates.prospect.prospect).toBe(0);
    expect(t.total).toBe(5);
    expect(t.states).toHaveLength(8);
  });
  it('is all zeros for two empty maps', () => {
    const t = transitionMatrix(new Map(), new Map());
    expect(t.total).toBe(0);
    expect(Object.values(t.counts).every((row) => Object.values(row).every((v) => v === 0))).toBe(true);
  });
});

describe('config validation', () => {
  it.each([
    [{ newDays: 100 }, 'lifecycle.invalid_config', 'newDays'],
    [{ atRiskDays: 90 }, 'lifecycle.invalid_config', 'atRiskDays'],
    [{ churnDays: 100 }, 'lifecycle.invalid_config', 'churnDays'],
    [{ activeDays: -1 }, 'lifecycle.invalid_config', 'activeDays'],
    [{ activeDays: 1.5 }, 'lifecycle.invalid_config', 'activeDays'],
    [{ repeatMinOrders: 1 }, 'lifecycle.invalid_config', 'repeatMinOrders'],
    [{ dormantDays: 10 }, 'lifecycle.unknown_field', 'dormantDays'],
  ])('refuses %j with %s on %s', (raw, code, field) => {
    let e: SiyuError | undefined;
    try { parseLifecycleConfig(raw); } catch (err) { e = err as SiyuError; }
    expect(e).toBeInstanceOf(SiyuError);
    expect([e!.code, e!.field]).toEqual([code, field]);
  });
});
