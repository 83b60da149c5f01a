// Unit tests of lots: expiry policies in local time, pending periods, first-to-expire consumption, expiry, summary.
import { describe, expect, it } from 'vitest';
import { expiringLots, lotDates, parseLotPolicy, planConsumption, pointsSummary, type Lot } from './lots.ts';

const dates = (expiry: unknown, earnedAt: string, pendingDays = 0) => lotDates(parseLotPolicy({ expiry, pendingDays }), earnedAt);

describe('lotDates', () => {
  const earned = '2024-05-31T20:00:00Z'; // 1 June 04:00 in Shanghai
  it('counts expiry in local days and months', () => {
    expect(dates({ type: 'never' }, earned).expiresAt).toBeNull();
    expect(dates({ type: 'days', days: 30 }, earned).expiresAt).toBe('2024-07-01T16:00:00.000Z'); // valid through 1 July
    expect(dates({ type: 'end_of_month' }, earned).expiresAt).toBe('2024-06-30T16:00:00.000Z');
    expect(dates({ type: 'end_of_month', monthsAfter: 7 }, earned).expiresAt).toBe('2025-01-31T16:00:00.000Z');
  });
  it('ends the year after N years: 1 = end of next year, 2 = the year after next', () => {
    expect(dates({ type: 'end_of_year', yearsAfter: 1 }, '2024-12-31T17:00:00Z').expiresAt).toBe('2026-12-31T16:00:00.000Z'); // 2025 locally
    expect(dates({ type: 'end_of_year', yearsAfter: 2 }, '2024-03-01T00:00:00Z').expiresAt).toBe('2026-12-31T16:00:00.000Z');
  });
  it('locks pending points for N × 24 h and counts expiry from when they unlock', () => {
    expect(dates({ type: 'end_of_month' }, '2024-05-28T00:00:00Z', 7)).toEqual({ availableAt: '2024-06-04T00:00:00.000Z', expiresAt: '2024-06-30T16:00:00.000Z' });
  });
  it('refuses unknown policies with the field path', () => {
    expect(() => parseLotPolicy({ expiry: { type: 'days' } })).toThrow(expect.objectContaining({ code: 'loyalty.invalid_config', field: 'expiry.days' }));
  });
});

const lot = (id: string, remaining: number, earnedAt: string, expiresAt: string | null, availableAt: string | null = null): Lot => ({ id, remaining, earnedAt, expiresAt, availableAt });
const now = '2024-06-15T00:00:00Z';
const lots = [
  lot('never', 100, '2024-01-01T00:00:00Z', null),
  lot('late', 50, '2024-02-01T00:00:00Z', '2024-12-31T16:00:00Z'),
  lot('soon-b', 30, '2024-03-02T00:00:00Z', '2024-06-30T16:00:00Z'),
  lot('soon-a', 20, '2024-03-01T00:00:00Z', '2024-06-30T16:00:00Z'),
  lot('pending', 500, '2024-06-14T00:00:00Z', '2025-06-30T16:00:00Z', '2024-06-21T00:00:00Z'),
  lot('gone', 40, '2023-01-01T00:00:00Z', '2024-06-01T00:00:00Z'),
  lot('empty', 0, '2024-01-01T00:00:00Z', '2024-06-20T00:00:00Z'),
];

describe('planConsumption', () => {
  it('consumes first-to-expire, ties by earliest earned, never-expiring last', () => {
    expect(planConsumption(lots, 120, now)).toEqual({ ok: true, deductions: [{ lotId: 'soon-a', points: 20 }, { lotId: 'soon-b', points: 30 }, { lotId: 'late', points: 50 }, { lotId: 'never', points: 20 }] });
  });
  it('never touches pending or expired lots, and says how much is missing', () => {
    const r = planConsumption(lots, 201, now);
    expect(r).toMatchObject({ ok: false, code: 'points.insufficient', details: { available: 200, needed: 201, shortBy: 1 } });
  });
  it('refuses non-positive or fractional amounts', () => {
    expect(() => planConsumption(lots, 0, now)).toThrow(expect.objectContaining({ code: 'points.invalid_amount' }));
    expect(() => planConsumption(lots, 1.5, now)).toThrow(expect.objectContaining({ field: 'points' }));
  });
});

describe('expiringLots and pointsSummary', () => {
  it('expires lots at or before t that still hold points', () => {
    expect(expiringLots(lots, now)).toEqual([{ lotId: 'gone', points: 40 }]);
    expect(expiringLots(lots, '2024-06-30T16:00:00Z').map((d) => d.lotId)).toEqual(['gone', 'soon-a', 'soon-b']);
  });
  it('splits points by state and counts those expiring before a date', () => {
    expect(pointsSummary(lots, now, '2024-07-15T00:00:00Z')).toEqual({ total: 740, spendable: 200, pending: 500, expired: 40, expiringSoon: 50 });
  });
});
