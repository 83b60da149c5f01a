// Unit tests of the pure RFM model: cut points, tie rules, scores, segments, facts from orders and config validation.
import { describe, expect, it } from 'vitest';
import { SiyuError } from '../errors.ts';
import {
  RFM_SEGMENTS,
  computeRfm,
  parseRfmConfig,
  quintileCutPoints,
  rfmFactsFromOrders,
  rfmSegmentOf,
  scoreAscending,
  scoreRecency,
  type RfmFacts,
} from './rfm.ts';

const catchErr = (fn: () => unknown): SiyuError => {
  try { fn(); } catch (e) { return e as SiyuError; }
  throw new Error('expected an error');
};

describe('quintile cut points (percentile_disc rank ceil(n·k/5))', () => {
  it('splits 1..10 evenly', () => expect(quintileCutPoints([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual([2, 4, 6, 8]));
  it('uses ceil ranks when n is not a multiple of 5', () => {
    // n = 7: ranks ceil(1.4)=2, ceil(2.8)=3, ceil(4.2)=5, ceil(5.6)=6
    expect(quintileCutPoints([70, 10, 20, 30, 40, 50, 60])).toEqual([20, 30, 50, 60]);
  });
  it('is exact where floating point would round up (n = 15, 15·0.6 = 9)', () => {
    expect(quintileCutPoints(Array.from({ length: 15 }, (_, i) => i + 1))).toEqual([3, 6, 9, 12]);
  });
  it('returns null for no values and repeats a single value', () => {
    expect(quintileCutPoints([])).toBeNull();
    expect(quintileCutPoints([5])).toEqual([5, 5, 5, 5]);
  });
  it('gives tied values one score and puts ties on a cut point in the lower bucket', () => {
    const values = [1, 1, 1, 1, 1, 1, 2, 2, 3, 10];
    const cuts = quintileCutPoints(values)!;
    expect(cuts).toEqual([1, 1, 1, 2]);
    expect(values.map((v) => scoreAscending(v, cuts))).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
  });
});

describe('scores against custom thresholds', () => {
  it('recency: t_k is the largest day count still scoring 6 − k', () => {
    const cuts = [30, 60, 90, 180];
    expect([0, 30, 31, 60, 90, 91, 180, 181].map((d) => scoreRecency(d, cuts))).toEqual([5, 5, 4, 4, 3, 2, 2, 1]);
  });
  it('frequency / monetary: t_k is the largest value still scoring k', () => {
    const cuts = [1, 2, 3, 5];
    expect([0, 1, 2, 3, 4, 5, 6].map((v) => scoreAscending(v, cuts))).toEqual([1, 1, 2, 3, 4, 4, 5]);
  });
  it('scores a member with a custom config; a lone member sits on the split line and is low everywhere', () => {
    const { scores } = computeRfm(new Map([['m1', { recencyDays: 45, frequency: 4, monetary: 1000 }]]), {
      asOf: '2024-01-31',
      scoring: { r: [30, 60, 90, 180], f: [1, 2, 3, 5], m: [100, 200, 500, 1000] },
    });
    expect(scores.get('m1')).toMatchObject({ rScore: 4, fScore: 4, mScore: 4, segment: 'general_winback' });
  });
});

describe('segments', () => {
  const population = new Map<string, RfmFacts | null>([
    ['A', { recencyDays: 1, frequency: 5, monetary: 500 }],
    ['B', { recencyDays: 10, frequency: 3, monetary: 300 }],
    ['C', { recencyDays: 40, frequency: 1, monetary: 50 }],
    ['D', { recencyDays: 100, frequency: 2, monetary: 400 }],
    ['E', { recencyDays: 200, frequency: 1, monetary: 20 }],
    ['X', null],
  ]);

  it('scores by quintiles and splits on the mean score (hand-computed)', () => {
    const { thresholds, scores } = computeRfm(population, { asOf: '2024-01-31' });
    // n = 5 → cut points are the four smallest values of each dimension
    expect(thresholds!.cuts).toEqual({ r: [1, 10, 40, 100], f: [1, 1, 2, 3], m: [20, 50, 300, 400] });
    expect(thresholds!.split).toEqual({ r: 3, f: 2.8, m: 3 });
    const row = (id: string) => { const s = scores.get(id)!; return [s.rScore, s.fScore, s.mScore, s.segment]; };
    expect(row('A')).toEqual([5, 5, 5, 'important_value']);
    expect(row('B')).toEqual([4, 4, 3, 'general_value']); // M = 3 is on the mean → low
    expect(row('C')).toEqual([3, 1, 2, 'general_winback']);
    expect(row('D')).toEqual([2, 3, 4, 'important_retain']);
    expect(row('E')).toEqual([1, 1, 1, 'general_winback']);
    expect(scores.has('X')).toBe(false);
  });

  it('splits on the median score', () => {
    const { thresholds, scores } = computeRfm(population, { asOf: '2024-01-31', split: 'median' });
    expect(thresholds!.split).toEqual({ r: 3, f: 3, m: 3 });
    expect(scores.get('D')!.segment).toBe('important_winback'); // F = 3 no longer above the line
    expect(scores.get('B')!.segment).toBe('general_value');
  });

  it('splits on the mean of the raw values (recency: fewer days than the mean is high)', () => {
    const { thresholds, scores } = computeRfm(population, { asOf: '2024-01-31', splitOn: 'value' });
    expect(thresholds!.split).toEqual({ r: 70.2, f: 2.4, m: 254 });
    expect(Object.fromEntries([...scores].map(([id, s]) => [id, s.segment]))).toEqual({
      A: 'important_value', B: 'important_value', C: 'general_develop', D: 'important_winback', E: 'general_winback',
    });
  });

  it('has no thresholds when nobody bought', () => {
    expect(computeRfm(new Map([['X', null]]), { asOf: '2024-01-31' })).toEqual({ thresholds: null, scores: new Map() });
  });

  it('names all eight segments with unique ids and patterns', () => {
    expect(new Set(RFM_SEGMENTS.map((s) => s.id)).size).toBe(8);
    expect(new Set(RFM_SEGMENTS.map((s) => `${s.r}${s.f}${s.m}`)).size).toBe(8);
    expect(RFM_SEGMENTS.find((s) => s.id === rfmSegmentOf(true, true, true))).toMatchObject({ zh: '重要价值客户', en: 'Champions' });
    expect(RFM_SEGMENTS.find((s) => s.id === rfmSegmentOf(false, false, false))).toMatchObject({ zh: '一般挽留客户', en: 'Lost' });
    expect(rfmSegmentOf(true, false, true)).toBe('important_develop');
    expect(rfmSegmentOf(false, true, false)).toBe('general_retain');
  });
});

describe('facts from orders', () => {
  const orders = [
    { orderId: 'o1', orderedAt: '2024-01-01T10:00:00Z', netAmount: 50 },
    { orderId: 'o2', orderedAt: '2024-01-31T23:59:00Z', netAmount: 30 },
    { orderId: 'o3', orderedAt: '2024-01-31T23:30:00-02:00', netAmount: 100 }, // 2024-02-01 in UTC: after as-of
    { orderId: 'o4', orderedAt: '2024-02-01', netAmount: 70 },
  ];
  it('counts calendar days to the as-of date, distinct orders and net revenue', () => {
    expect(rfmFactsFromOrders(orders, parseRfmConfig({ asOf: '2024-01-31' }))).toEqual({ recencyDays: 0, frequency: 2, monetary: 80 });
    expect(rfmFactsFromOrders(orders.slice(0, 1), parseRfmConfig({ asOf: '2024-01-31' }))).toEqual({ recencyDays: 30, frequency: 1, monetary: 50 });
  });
  it('keeps only orders within windowDays ending on the as-of day', () => {
    // window 30 → dates 2024-01-02 .. 2024-01-31; o1 (30 days old) falls out
    expect(rfmFactsFromOrders(orders, parseRfmConfig({ asOf: '2024-01-31', windowDays: 30 }))).toEqual({ recencyDays: 0, frequency: 1, monetary: 30 });
    expect(rfmFactsFromOrders(orders, parseRfmConfig({ asOf: '2024-01-31', windowDays: 31 }))!.frequency).toBe(2);
  });
  it('returns null without orders or when the as-of date is before the first order', () => {
    expect(rfmFactsFromOrders([], parseRfmConfig({ asOf: '2024-01-31' }))).toBeNull();
    expect(rfmFactsFromOrders(orders, parseRfmConfig({ asOf: '2023-12-31' }))).toBeNull();
  });
});

describe('config validation', () => {
  it('fills defaults', () => {
    expect(parseRfmConfig({ asOf: '2024-01-31' })).toEqual({ asOf: '2024-01-31', scoring: 'quintile', split: 'mean', splitOn: 'score' });
  });
  it.each([
    [{}, 'rfm.invalid_config', 'asOf'],
    [{ asOf: '2024-02-30' }, 'rfm.invalid_config', 'asOf'],
    [{ asOf: '2024-01-31', windowDays: 0 }, 'rfm.invalid_config', 'windowDays'],
    [{ asOf: '2024-01-31', split: 'avg' }, 'rfm.invalid_config', 'split'],
    [{ asOf: '2024-01-31', scoring: 'deciles' }, 'rfm.invalid_config', 'scoring'],
    [{ asOf: '2024-01-31', scoring: { r: [1, 2, 3], f: [1, 2, 3, 4], m: [1, 2, 3, 4] } }, 'rfm.invalid_config', 'scoring.r'],
    [{ asOf: '2024-01-31', scoring: { r: [1, 2, 3, 4], f: [1, 1, 3, 4], m: [1, 2, 3, 4] } }, 'rfm.invalid_config', 'scoring.f'],
    [{ asOf: '2024-01-31', scoring: { r: [1, 2, 3, 4], f: [1, 2, 3, 4], m: [1, 2, 3, 'x'] } }, 'rfm.invalid_config', 'scoring.m.3'],
    [{ asOf: '2024-01-31', colour: 'red' }, 'rfm.unknown_field', 'colour'],
  ])('refuses %j with %s on %s', (raw, code, field) => {
    const e = catchErr(() => parseRfmConfig(raw));
    expect(e).toBeInstanceOf(SiyuError);
    expect([e.type, e.code, e.field]).toEqual(['invalid_data', code, field]);
  });
});
