// Shared rate-limit counters on both stores: two counter sets on one database stand for two API processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { SharedRateCounters } from './shared-rate-counters.ts';

const W = 60_000;
const T0 = Math.floor(Date.UTC(2030, 0, 1) / W) * W + 1_000; // a second into a window

forEachStore('shared rate-limit counters', (ctx) => {
  it('adds each process\'s counts to the shared window and answers everyone\'s count at the last sync', async () => {
    const manual = { syncMs: 3_600_000 }; // synced by hand below
    const a = new SharedRateCounters(ctx.store, manual);
    const b = new SharedRateCounters(ctx.store, manual);
    try {
      for (let i = 1; i <= 6; i++) expect((await a.incr('api:key:k1', W, T0)).current).toBe(i);
      await a.sync(T0);
      // b's first request of the key in this window reads what everyone counted so far.
      expect((await b.incr('api:key:k1', W, T0 + 10)).current).toBe(7);
      await b.sync(T0 + 20);
      expect(b.read('api:key:k1', W, T0 + 20)).toEqual({ current: 7, ttl: W - 1_020 });
      expect((await b.incr('api:key:k1', W, T0 + 30)).current).toBe(8);
      await a.sync(T0 + 40); // a sends nothing new and learns b's one
      expect(a.read('api:key:k1', W, T0 + 40).current).toBe(7);
      // Counted while a sync is on its way: kept for the next one, not lost nor counted twice.
      const pending = a.sync(T0 + 50);
      await a.incr('api:key:k1', W, T0 + 50);
      await pending;
      await a.sync(T0 + 60);
      await b.sync(T0 + 60);
      expect(b.read('api:key:k1', W, T0 + 60).current).toBe(9);
      expect((await ctx.store.query<{ hits: number }>('SELECT hits FROM rate_limit_counters WHERE bucket_key = $1', ['api:key:k1'])).map((r) => Number(r.hits))).toEqual([9]);
      // Another key and the next window start from zero.
      expect((await a.incr('api:key:k2', W, T0 + 70)).current).toBe(1);
      expect((await a.incr('api:key:k1', W, T0 + W)).current).toBe(1);
      // Windows two lengths old are pruned.
      await a.sync(T0 + 5 * W);
      expect(await ctx.store.query('SELECT bucket_key FROM rate_limit_counters WHERE window_start < $1', [T0 + 3 * W])).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  describe('through the API', () => {
    let one: TestApp;
    let two: TestApp;
    beforeAll(async () => {
      // Two API processes on one database, syncing by hand (on DuckDB the counters stay per process).
      one = await createTestApp(ctx.store, { rateLimitApi: 5, rateLimitSyncMs: 60_000 });
      two = await createTestApp(ctx.store, { rateLimitApi: 5, rateLimitSyncMs: 60_000 });
    });
    afterAll(async () => {
      await one?.app.close();
      await two?.app.close();
    });

    it.runIf(ctx.engine === 'postgres')('spends one budget across two API processes on PostgreSQL', async () => {
      const key = await one.services.workspaces.createKey(one.workspaceId, 'admin');
      const headers = { authorization: `Bearer ${key.secret}` };
      const sync = (t: TestApp) => (t.app as unknown as { rateCounters: SharedRateCounters }).rateCounters.sync();
      for (let i = 0; i < 4; i++) expect((await one.app.inject({ url: '/api/workspace', headers })).statusCode).toBe(200);
      await sync(one);
      // two's first request of the key reads the four; the fifth is the budget's last.
      expect((await two.app.inject({ url: '/api/workspace', headers })).statusCode).toBe(200);
      const over = await two.app.inject({ url: '/api/workspace', headers });
      expect(over.statusCode).toBe(429);
      expect(over.headers['retry-after']).toBeDefined();
      expect(over.json()).toMatchObject({ code: 'rate_limited', details: { limit: 5 } });
      await sync(two);
      await sync(one);
      expect((await one.app.inject({ url: '/api/workspace', headers })).statusCode).toBe(429);
    });
  });
});
