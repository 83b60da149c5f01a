// Test helpers of the loyalty module: an app on a test store with a fresh workspace, members and a program.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import type { Store } from '../../store/port.ts';

/** A four-tier program on points earned over 365 days, in UTC so dates in tests read plainly. */
export const TEST_PROGRAM = {
  basis: { metric: 'points_earned', window: { type: 'rolling', days: 365 } },
  downgrade: { mode: 'never' },
  timezone: 'UTC',
  tiers: [
    { code: 'regular', name: { zh: '普通', en: 'Regular' }, threshold: 0 },
    { code: 'silver', name: { zh: '银卡', en: 'Silver' }, threshold: 1000, benefits: { pointsMultiplier: 1.5 } },
    { code: 'gold', name: { zh: '金卡', en: 'Gold' }, threshold: 5000, benefits: { pointsMultiplier: 2, birthdayGift: { points: 500 } } },
    { code: 'black', name: { zh: '黑金', en: 'Black Gold' }, threshold: 20000, benefits: { pointsMultiplier: 3 } },
  ],
};

export interface LoyaltyTestApp extends TestApp {
  /** Creates a member (user_id) and returns its ref `user_id:…`. */
  member(attrs?: Record<string, unknown>): Promise<string>;
  /** The member id of a ref. */
  idOf(ref: string): Promise<string>;
  api(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; body: any }>;
  /** PUT /api/loyalty/program with TEST_PROGRAM and the given parts. */
  program(parts?: Record<string, unknown>): Promise<void>;
  /** Ledger drift of the workspace must be zero. */
  noDrift(): Promise<void>;
}

export async function loyaltyApp(store: Store): Promise<LoyaltyTestApp> {
  const t = await createTestApp(store);
  const api = async (method: string, url: string, payload?: unknown) => {
    const r = await t.app.inject({ method: method as any, url, headers: t.admin, ...(payload !== undefined ? { payload: payload as any } : {}) });
    return { status: r.statusCode, body: r.body ? r.json() : null };
  };
  return {
    ...t,
    api,
    async member(attrs = {}) {
      const userId = 'u-' + randomUUID().slice(0, 12);
      const r = await api('POST', '/api/members', { user_id: userId, ...attrs });
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
      return `user_id:${userId}`;
    },
    idOf: (ref) => t.services.loyalty.member(t.workspaceId, ref),
    async program(parts = {}) {
      const r = await api('PUT', '/api/loyalty/program', { program: TEST_PROGRAM, ...parts });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    },
    async noDrift() {
      const d = await t.services.loyalty.ledger.drift(t.workspaceId);
      expect(d.mismatched, JSON.stringify(d.examples)).toBe(0);
    },
  };
}

/** Midnight UTC of day `d` of 2024 (day 0 = 1 January). */
export const day = (d: number, hours = 0) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000 + hours * 3_600_000).toISOString();
