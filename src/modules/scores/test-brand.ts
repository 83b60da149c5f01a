// A small hand-checked brand for the score tests (Asia/Shanghai, as of 2024-03-31), seeded through the API.
import { expect } from 'vitest';
import type { TestApp } from '../../../test/support/app.ts';

/**
 * Orders (paid_at in UTC; the workspace day is UTC+8):
 * u1  o1 03-30 500, o2 03-01 300, o3 01-15 200                       → R 1,   F 3, M 1000
 * u2  o4 2024-03-30T17:00Z = 03-31 01:00 local, 100, refunded 40     → R 0,   F 1, M 60
 * u3  o5 2023-12-31T16:30Z = 01-01 local, 50; o6 02-10 80 fully refunded (left out) → R 90, F 1, M 50
 * u4  o7 2023-06-30 2000, o8 2023-07-01 1000, return of 500 without order (02-01) → R 274, F 2, M 2500
 * u5  o9 2024-03-31T16:00Z = 04-01 local (after as-of), o10 2024-03-31T15:59:59Z = 03-31 23:59 local, 10 → R 0, F 1, M 10
 * u6  no orders, an event on 03-20; u7 only a cancelled order (03-25); u8 signed up 2024-02-15, nothing else
 * a guest order (no member) is ignored.
 */
export const ORDERS = [
  { order_id: 'o1', user_id: 'u1', amount: 500, paid_at: '2024-03-30T10:00:00Z' },
  { order_id: 'o2', user_id: 'u1', amount: 300, paid_at: '2024-03-01T02:00:00Z' },
  { order_id: 'o3', user_id: 'u1', amount: 200, paid_at: '2024-01-15T02:00:00Z' },
  { order_id: 'o4', user_id: 'u2', amount: 100, paid_at: '2024-03-30T17:00:00Z' },
  { order_id: 'o5', user_id: 'u3', amount: 50, paid_at: '2023-12-31T16:30:00Z' },
  { order_id: 'o6', user_id: 'u3', amount: 80, paid_at: '2024-02-10T02:00:00Z' },
  { order_id: 'o7', user_id: 'u4', amount: 2000, paid_at: '2023-06-30T00:00:00Z' },
  { order_id: 'o8', user_id: 'u4', amount: 1000, paid_at: '2023-07-01T00:00:00Z' },
  { order_id: 'o9', user_id: 'u5', amount: 999, paid_at: '2024-03-31T16:00:00Z' },
  { order_id: 'o10', user_id: 'u5', amount: 10, paid_at: '2024-03-31T15:59:59Z' },
  { order_id: 'o11', user_id: 'u7', amount: 70, paid_at: '2024-03-25T02:00:00Z', status: 'cancelled' },
  { order_id: 'o12', guest: true, amount: 5000, paid_at: '2024-03-30T02:00:00Z' },
];
export const REFUNDS = [
  { refund_id: 'r1', order_id: 'o4', amount: 40, refunded_at: '2024-03-31T01:00:00Z' },
  { refund_id: 'r2', order_id: 'o6', amount: 80, refunded_at: '2024-02-11T01:00:00Z' },
  { refund_id: 'r3', user_id: 'u4', amount: 500, refunded_at: '2024-02-01T01:00:00Z' },
];

/** Seeds the brand above into the test workspace; returns member ids by user id. */
export async function seedBrand(t: Pick<TestApp, 'app' | 'services' | 'workspaceId' | 'admin' | 'write'>): Promise<Record<string, string>> {
  const post = async (url: string, payload: unknown, headers = t.write) => {
    const r = await t.app.inject({ method: 'POST', url, headers, payload: payload as any });
    expect(r.statusCode, r.body).toBeLessThan(300);
  };
  await post('/v1/orders', { orders: ORDERS });
  await post('/v1/refunds', { refunds: REFUNDS });
  await post('/api/members', { members: [{ user_id: 'u6' }, { user_id: 'u8' }] }, t.admin);
  await post('/v1/track', { userId: 'u6', event: 'Product Viewed', messageId: 'e1', timestamp: '2024-03-20T02:00:00Z' });
  const store = t.services.store;
  const ids: Record<string, string> = {};
  for (const u of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8']) ids[u] = await t.services.members.resolve(t.workspaceId, `user_id:${u}`);
  // Sign-up dates decide who existed on a past date; pin them (ingest stamps the first message's time).
  await store.exec(`UPDATE members SET created_at = CAST('2023-01-01T00:00:00Z' AS TIMESTAMPTZ) WHERE workspace_id = $1`, [t.workspaceId]);
  await store.exec(`UPDATE members SET created_at = CAST('2024-02-15T00:00:00Z' AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2`, [t.workspaceId, ids.u8]);
  return ids;
}

