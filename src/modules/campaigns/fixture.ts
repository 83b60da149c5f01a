// Test helpers of the campaigns module: an app on a test store with a fresh workspace, members, orders and calls.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import type { Store } from '../../store/port.ts';

export interface CampaignsTestApp extends TestApp {
  api(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; body: any }>;
  /** Creates a member (user_id, plus any identify traits) and returns its member id. */
  member(traits?: Record<string, unknown>): Promise<string>;
  /** A paid order for a member id. */
  order(memberId: string, amount: number, id?: string): Promise<string>;
  /** The member's points balance. */
  points(memberId: string): Promise<number>;
}

export async function campaignsApp(store: Store): Promise<CampaignsTestApp> {
  const t = await createTestApp(store);
  const api = async (method: string, url: string, payload?: unknown) => {
    const r = await t.app.inject({ method: method as any, url, headers: t.admin, ...(payload !== undefined ? { payload: payload as any } : {}) });
    return { status: r.statusCode, body: r.body ? r.json() : null };
  };
  return {
    ...t,
    api,
    async member(traits = {}) {
      const userId = 'u-' + randomUUID().slice(0, 12);
      const r = await api('POST', '/api/members', { user_id: userId, ...traits });
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
      return t.services.loyalty.member(t.workspaceId, `user_id:${userId}`);
    },
    async order(memberId, amount, id = 'o-' + randomUUID().slice(0, 12)) {
      const r = await t.app.inject({ method: 'POST', url: '/v1/orders', headers: t.write, payload: { order_id: id, member_id: memberId, amount, paid_at: new Date().toISOString() } });
      expect(r.statusCode, r.body).toBe(200);
      return id;
    },
    async points(memberId) {
      const r = await api('GET', `/api/loyalty/members/${memberId}/points?limit=1`);
      return r.status === 200 ? r.body.balance : 0;
    },
  };
}
