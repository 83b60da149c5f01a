// Pure parts of measurement: the holdout split (reproducible, share within binomial bounds), link tokens (signed,
// tamper-evident) and the report assembly from group sums.
import { describe, expect, it } from 'vitest';
import { splitHoldout, unitDraw } from './holdout-split.ts';
import { isTrackableUrl, signLink, verifyLink } from './link-token.ts';
import { buildReport } from './report.ts';

const ids = (n: number, prefix = 'mem_') => Array.from({ length: n }, (_, i) => `${prefix}${i.toString(36).toUpperCase()}`);

describe('holdout split', () => {
  it('is reproducible and independent of order and batching', () => {
    const members = ids(2000);
    const a = splitHoldout('salt-1234', 'broadcast:b1', members, 0.2);
    const b = splitHoldout('salt-1234', 'broadcast:b1', [...members].reverse(), 0.2);
    expect(new Set(b.holdout)).toEqual(new Set(a.holdout));
    const halves = [...splitHoldout('salt-1234', 'broadcast:b1', members.slice(0, 700), 0.2).holdout, ...splitHoldout('salt-1234', 'broadcast:b1', members.slice(700), 0.2).holdout];
    expect(new Set(halves)).toEqual(new Set(a.holdout));
    expect(a.holdout.length + a.treatment.length).toBe(2000);
    // Another salt or source gives another draw.
    expect(new Set(splitHoldout('salt-5678', 'broadcast:b1', members, 0.2).holdout)).not.toEqual(new Set(a.holdout));
    expect(unitDraw('s', 'k', 'm')).toBe(unitDraw('s', 'k', 'm'));
  });

  it('respects the share within binomial bounds (±4.5 σ)', () => {
    const n = 20_000;
    const members = ids(n);
    for (const [salt, share] of [['a1b2c3d4', 0.1], ['e5f6a7b8', 0.05], ['deadbeef', 0.5], ['0badcafe', 0.01]] as const) {
      const k = splitHoldout(salt, `broadcast:${salt}`, members, share).holdout.length;
      const sigma = Math.sqrt(n * share * (1 - share));
      expect(Math.abs(k - n * share)).toBeLessThan(4.5 * sigma);
    }
    expect(splitHoldout('a1b2c3d4', 'x', members, 0).holdout).toEqual([]);
  });

  it('raising the share only adds members to the holdout (nested draws)', () => {
    const members = ids(3000);
    const small = new Set(splitHoldout('nest-salt', 'journey:j1', members, 0.1).holdout);
    const big = new Set(splitHoldout('nest-salt', 'journey:j1', members, 0.2).holdout);
    for (const m of small) expect(big.has(m)).toBe(true);
  });

  it('draws are uniform: each decile holds about a tenth', () => {
    const counts = new Array(10).fill(0);
    for (const m of ids(10_000)) counts[Math.floor(unitDraw('u-salt', 'k', m) * 10)]++;
    // χ² with 9 df: 27.9 is the 0.999 quantile.
    const chi2 = counts.reduce((s, c) => s + (c - 1000) ** 2 / 1000, 0);
    expect(chi2).toBeLessThan(27.9);
  });
});

describe('link tokens', () => {
  const key = 'k'.repeat(32);
  const claims = { kind: 'click' as const, workspaceId: 'ws_1', sourceKey: 'broadcast:brd_1', memberId: 'mem_1', url: 'https://shop.example/sale?x=1&y=中文' };

  it('round-trips and refuses tampering, other keys and other kinds', () => {
    const t = signLink(key, claims);
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyLink(key, t, 'click')).toEqual(claims);
    expect(verifyLink('x'.repeat(32), t, 'click')).toBeNull();
    expect(verifyLink(key, t, 'open')).toBeNull();
    const [payload, sig] = t.split('.');
    const forged = Buffer.from(JSON.stringify([1, 'c', 'ws_1', 'broadcast:brd_1', 'mem_1', 'https://evil.example/'])).toString('base64url');
    expect(verifyLink(key, `${forged}.${sig}`, 'click')).toBeNull();
    expect(verifyLink(key, `${payload}.${sig.slice(0, -2)}AA`, 'click')).toBeNull();
    expect(verifyLink(key, payload, 'click')).toBeNull();
    expect(verifyLink(key, `${payload}.${sig}.x`, 'click')).toBeNull();
    const open = signLink(key, { kind: 'open', workspaceId: 'ws_1', sourceKey: 'broadcast:brd_1', memberId: 'mem_1' });
    expect(verifyLink(key, open, 'open')).toEqual({ kind: 'open', workspaceId: 'ws_1', sourceKey: 'broadcast:brd_1', memberId: 'mem_1' });
  });

  it('tracks only absolute http(s) URLs', () => {
    expect(isTrackableUrl('https://a.example/x')).toBe(true);
    expect(isTrackableUrl('http://a.example')).toBe(true);
    for (const bad of ['javascript:alert(1)', '/relative', 'weixin://dl/business', '', 42, null]) expect(isTrackableUrl(bad)).toBe(false);
  });
});

describe('report assembly', () => {
  it('computes rates, lift, incremental figures and the window from group sums', () => {
    const now = new Date('2025-06-20T00:00:00Z');
    const r = buildReport({
      sourceKey: 'broadcast:b1',
      windowDays: 7,
      share: 0.5,
      now,
      aggregates: [
        { grp: 'treatment', members: 1000, messages: 1000, sent: 990, delivered: 950, failed: 10, opened: 400, clicked: 150, converted: 120, orders: 130, revenue: 12000, revenue_sq: 2_000_000, first_touch_at: '2025-06-01T02:00:00.000Z', last_touch_at: '2025-06-01T03:00:00.000Z' },
        { grp: 'holdout', members: 1000, messages: 0, sent: 0, delivered: 0, failed: 0, opened: 0, clicked: 0, converted: 90, orders: 95, revenue: 9000, revenue_sq: 1_500_000, first_touch_at: '2025-06-01T02:00:00.000Z', last_touch_at: '2025-06-01T02:00:00.000Z' },
      ],
    });
    expect(r).toMatchObject({ audience: 2000, treatment_size: 1000, holdout_size: 1000, reach: 990, conversions: 120, orders: 130, revenue: 12000, holdout_contacted: 0 });
    expect(r.groups.treatment.conversion_rate).toBeCloseTo(0.12, 12);
    expect(r.groups.holdout.conversion_rate).toBeCloseTo(0.09, 12);
    expect(r.lift.conversion_rate.absolute).toBeCloseTo(0.03, 12);
    expect(r.lift.conversion_rate.absolute_ci![0]).toBeCloseTo(0.0030960486785798214, 10);
    expect(r.lift.conversion_rate.relative).toBeCloseTo(1 / 3, 12);
    expect(r.lift.conversion_rate.significant).toBe(true);
    expect(r.lift.incremental_conversions).toBeCloseTo(30, 9);
    expect(r.lift.revenue_per_member.absolute).toBeCloseTo(3, 12);
    expect(r.lift.incremental_revenue).toBe(3000);
    expect(r.window_closes_at).toBe('2025-06-08T03:00:00.000Z');
    expect(r.window_complete).toBe(true);
  });

  it('without a holdout reports the funnel and no lift', () => {
    const r = buildReport({
      sourceKey: 'broadcast:b2', windowDays: 3, share: null, now: new Date('2025-06-02T00:00:00Z'),
      aggregates: [{ grp: 'treatment', members: 10, messages: 10, sent: 10, delivered: 9, failed: 1, opened: 0, clicked: 0, converted: 1, orders: 1, revenue: 50, revenue_sq: 2500, first_touch_at: '2025-06-01T00:00:00.000Z', last_touch_at: '2025-06-01T00:00:00.000Z' }],
    });
    expect(r).toMatchObject({ holdout_size: 0, reach: 10, window_complete: false, lift: { conversion_rate: { absolute: null, significant: null }, incremental_conversions: null } });
    expect(r.groups.holdout.conversion_rate).toBeNull();
  });
});
