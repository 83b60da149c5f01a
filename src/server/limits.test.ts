// Limits on both stores: per-key rate limits (429 + Retry-After), body limits (413 naming the limit), pagination caps,
// statement timeouts (503), and errors that never carry a stack, SQL or values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { loadConfig } from '../core/config.ts';
import { MAX_PAGE_LIMIT } from '../core/pagination.ts';
import { PostgresStore } from '../store/postgres/postgres-store.ts';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import { formatBytes, storeUnavailable } from './limits.ts';

const basic = (secret: string) => ({ authorization: 'Basic ' + Buffer.from(secret + ':').toString('base64') });
const track = (i: number) => ({ type: 'track', userId: `u${i}`, event: 'Viewed', messageId: `rl-${i}-${Math.random()}` });

/** No error body may carry a stack trace, SQL text or the value that broke the statement. */
function expectNoLeak(body: string, ...secrets: string[]) {
  expect(body).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(body).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE)\b/);
  for (const s of secrets) expect(body).not.toContain(s);
}

forEachStore('limits', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  describe('rate limits', () => {
    let low: TestApp;
    beforeAll(async () => {
      low = await createTestApp(ctx.store, { rateLimitApi: 3, rateLimitIngest: 2, rateLimitWindowMs: 60_000 });
    });
    afterAll(async () => low?.app.close());

    it('answers 429 with Retry-After and rate_limited once a key spends its /api budget, per key', async () => {
      for (let i = 0; i < 3; i++) expect((await low.app.inject({ url: '/api/workspace', headers: low.admin })).statusCode).toBe(200);
      const over = await low.app.inject({ url: '/api/workspace', headers: low.admin });
      expect(over.statusCode).toBe(429);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(over.json()).toMatchObject({ type: 'rate_limited', code: 'rate_limited', details: { limit: 3 } });
      // Another key of the same workspace has a budget of its own.
      const other = await low.services.workspaces.createKey(low.workspaceId, 'admin');
      expect((await low.app.inject({ url: '/api/workspace', headers: { authorization: `Bearer ${other.secret}` } })).statusCode).toBe(200);
    });

    it('keeps ingest and /api budgets apart and answers Segment-style on /v1', async () => {
      const k = await low.services.workspaces.createKey(low.workspaceId, 'write');
      for (let i = 0; i < 2; i++) {
        const r = await low.app.inject({ method: 'POST', url: '/v1/track', headers: basic(k.secret), payload: track(i) });
        expect(r.statusCode, r.body).toBe(200);
      }
      const over = await low.app.inject({ method: 'POST', url: '/v1/track', headers: basic(k.secret), payload: track(3) });
      expect(over.statusCode).toBe(429);
      expect(over.headers['retry-after']).toBeDefined();
      expect(over.json()).toMatchObject({ success: false, code: 'rate_limited' });
    });

    it('counts requests without a key per client IP and leaves health checks alone', async () => {
      for (let i = 0; i < 3; i++) expect((await low.app.inject({ url: '/api/workspace' })).statusCode).toBe(401);
      for (let i = 0; i < 5; i++) expect((await low.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    });

    it('is off when the budget is 0 and generous by default', () => {
      const c = loadConfig({}, {});
      expect(c.rateLimitIngest).toBeGreaterThanOrEqual(100_000);
      expect(c.rateLimitApi).toBeGreaterThanOrEqual(10_000);
      expect(loadConfig({}, { SIYU_RATE_LIMIT_API: '0', SIYU_RATE_LIMIT_INGEST: '7' })).toMatchObject({ rateLimitApi: 0, rateLimitIngest: 7 });
    });
  });

  describe('payloads', () => {
    it('refuses a single ingest message over 32 KB and a batch over 500 KB, naming the limit', async () => {
      const big = { ...track(1), properties: { blob: 'x'.repeat(33 * 1024) } };
      const one = await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: big });
      expect(one.statusCode).toBe(400); // Segment answers 400 for oversize bodies; SDKs do not retry them
      expect(one.json()).toMatchObject({ success: false, code: 'request.too_large', details: { limit_bytes: 32 * 1024 } });
      expect(one.json().message).toContain('32 KB');
      const batch = { batch: Array.from({ length: 20 }, (_, i) => ({ ...track(i), properties: { blob: 'y'.repeat(30 * 1024) } })) };
      const many = await t.app.inject({ method: 'POST', url: '/v1/batch', headers: t.write, payload: batch });
      expect(many.json()).toMatchObject({ code: 'request.too_large', details: { limit_bytes: 500 * 1024 } });
    });

    it('answers 413 request.too_large on /api over the global 16 MB limit', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/api/tags', headers: { ...t.admin, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(17 * 1024 * 1024) }) });
      expect(r.statusCode).toBe(413);
      expect(r.json()).toMatchObject({ type: 'payload_too_large', code: 'request.too_large', field: 'body', details: { limit_bytes: 16 * 1024 * 1024 } });
      expect(r.json().message).toContain('16 MB');
    });

    it('answers malformed JSON with 400 request.invalid_json', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/api/tags', headers: { ...t.admin, 'content-type': 'application/json' }, payload: '{"name": "a",' });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'request.invalid_json', field: 'body' });
      const v1 = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { ...t.write, 'content-type': 'application/json' }, payload: '{"type": tr' });
      expect(v1.json()).toMatchObject({ success: false, code: 'request.invalid_json' });
    });

    it('refuses NUL and lone surrogates in bodies, query strings and path parameters with 400 naming the field', async () => {
      const json = { ...t.admin, 'content-type': 'application/json' };
      const body = await t.app.inject({ method: 'POST', url: '/api/tags', headers: json, payload: '{"name":"a\\u0000b"}' });
      expect(body.statusCode).toBe(400);
      expect(body.json()).toMatchObject({ code: 'request.invalid_text', field: 'body.name' });
      const lone = await t.app.inject({ method: 'POST', url: '/api/templates', headers: json, payload: '{"name":"x","content":{"webhook":{"body":{"a":["ok","\\udfff"]}}}}' });
      expect(lone.json()).toMatchObject({ code: 'request.invalid_text', field: 'body.content.webhook.body.a[1]' });
      const pair = await t.app.inject({ method: 'POST', url: '/api/tags', headers: json, payload: '{"name":"fz \\ud83d\\ude00"}' });
      expect(pair.statusCode, pair.body).toBe(201);
      const query = await t.app.inject({ url: '/api/members?q=a%00b', headers: t.admin });
      expect(query.json()).toMatchObject({ code: 'request.invalid_text', field: 'querystring.q' });
      const param = await t.app.inject({ url: '/api/members/u%00x', headers: t.admin });
      expect(param.json()).toMatchObject({ code: 'request.invalid_text', field: 'params.ref' });
      const proto = await t.app.inject({ method: 'POST', url: '/api/tags', headers: json, payload: '{"name":"p","__proto__":{"admin":true}}' });
      expect(proto.statusCode).toBe(400);
    });

    it('answers unknown routes with JSON 404 on /api and /v1', async () => {
      for (const url of ['/api/nope', '/v1/nope', '/api/members/x/nope']) {
        const r = await t.app.inject({ method: 'POST', url, headers: t.admin, payload: {} });
        expect(r.statusCode).toBe(404);
        expect(r.headers['content-type']).toContain('application/json');
        expect(r.json().code).toBe('route.not_found');
      }
    });
  });

  describe('pagination caps', () => {
    it('gives every list route a limit with a maximum, and refuses a limit over it naming the field', async () => {
      const spec = (await t.app.inject({ url: '/openapi.json' })).json();
      const limited: string[] = [];
      for (const [path, ops] of Object.entries<any>(spec.paths)) {
        const get = ops.get;
        const p = get?.parameters?.find((x: any) => x.in === 'query' && x.name === 'limit');
        if (!p) continue;
        limited.push(path);
        expect(p.schema.maximum, path).toBeLessThanOrEqual(MAX_PAGE_LIMIT);
        const url = path.replace(/\{[^}]+\}/g, 'x') + `?limit=${p.schema.maximum + 1}`;
        const r = await t.app.inject({ url, headers: t.admin });
        expect(r.statusCode, `${url} ${r.body}`).toBe(400);
        expect(r.json(), url).toMatchObject({ code: 'request.invalid', field: 'querystring.limit' });
        // Built with the shared pageLimit helper (src/core/pagination.ts): same wording and cap everywhere.
        expect(r.json().message, url).toContain(`limit must be at most ${p.schema.maximum}`);
      }
      expect(limited.length).toBeGreaterThan(15);
      expect(limited).toContain('/api/members');
    });
  });

  describe('errors', () => {
    // Forces failures through a real route by pointing one service method at a failing statement.
    async function failWith(run: () => Promise<unknown>) {
      const tags = t.services.tags as any;
      const original = tags.listTags;
      tags.listTags = run;
      try {
        return await t.app.inject({ url: '/api/tags', headers: t.admin });
      } finally {
        tags.listTags = original;
      }
    }

    it.each([
      ['a conversion error', `SELECT CAST($1 AS INTEGER) AS n`, ['leak-value-7731']],
      ['a syntax error', `SELEC 'leak-value-7731' FROM nowhere`, []],
      ['an unknown table', `SELECT * FROM leak_table_7731`, []],
    ])('answers %s with 500 internal and a request id, no SQL or values', async (_name, sql, params) => {
      const r = await failWith(() => ctx.store.query(sql, params));
      expect(r.statusCode).toBe(500);
      const body = r.json();
      expect(body).toEqual({ type: 'internal', code: 'internal', message: expect.any(String), requestId: expect.any(String) });
      expectNoLeak(r.body, 'leak-value-7731', 'leak_table_7731', 'SELEC');
    });

    it('answers a constraint violation with 500 internal without the row values', async () => {
      const r = await failWith(() =>
        ctx.store.transaction(async (tx) => {
          await tx.exec(`INSERT INTO workspaces (id, name) VALUES ($1, NULL)`, ['leak-id-5512']);
        }),
      );
      expect(r.statusCode).toBe(500);
      expectNoLeak(r.body, 'leak-id-5512', 'workspaces');
    });

    it('answers a thrown plain error with 500 and no stack', async () => {
      const r = await failWith(async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'secret_field')");
      });
      expect(r.statusCode).toBe(500);
      expectNoLeak(r.body, 'secret_field', 'TypeError');
    });

    it('maps store timeouts and lost connections to 503 with Retry-After', async () => {
      expect(storeUnavailable(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))?.code).toBe('store.timeout');
      expect(storeUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))?.code).toBe('store.unavailable');
      expect(storeUnavailable(new Error('Connection terminated unexpectedly'))?.code).toBe('store.unavailable');
      expect(storeUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBeNull();
      const r = await failWith(async () => {
        throw Object.assign(new Error('canceling statement due to statement timeout: SELECT secret'), { code: '57014' });
      });
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBe('1');
      expect(r.json()).toMatchObject({ type: 'unavailable', code: 'store.timeout' });
      expectNoLeak(r.body, 'secret');
    });

    it.runIf(ctx.engine === 'postgres')('applies the configured statement_timeout on PostgreSQL: a slow query is a 503', async () => {
      const slow = await PostgresStore.open(ctx.db.options.databaseUrl!, { statementTimeoutMs: 150, max: 1 });
      try {
        expect((await slow.query<{ statement_timeout: string }>('SHOW statement_timeout'))[0].statement_timeout).toBe('150ms');
        const r = await failWith(() => slow.query('SELECT pg_sleep(2)'));
        expect(r.statusCode).toBe(503);
        expect(r.json()).toMatchObject({ code: 'store.timeout' });
      } finally {
        await slow.close();
      }
    });

    it.runIf(ctx.engine === 'duckdb')('interrupts a statement that outruns the timeout on DuckDB: a 503, and the connection serves the next one', async () => {
      const slow = await DuckDbStore.open(':memory:', { statementTimeoutMs: 150, connections: 1 });
      try {
        const started = Date.now();
        const r = await failWith(() => slow.query('SELECT count(*) AS n FROM range(100000000000) a'));
        expect(r.statusCode).toBe(503);
        expect(r.json()).toMatchObject({ code: 'store.timeout' });
        expect(Date.now() - started).toBeLessThan(30_000); // cut short, not run to the end (hours)
        // Inside a transaction the interrupted statement rolls the whole transaction back.
        await slow.exec('CREATE TABLE t (a INTEGER)');
        await expect(slow.transaction(async (tx) => {
          await tx.exec('INSERT INTO t VALUES (1)');
          await tx.query('SELECT count(*) FROM range(100000000000) a');
        })).rejects.toThrow(/INTERRUPT/);
        expect(await slow.query('SELECT count(*)::INTEGER AS n FROM t')).toEqual([{ n: 0 }]);
        // A snapshot (a backup's read) is never cut short: this one runs well past the timeout and finishes.
        const t0 = Date.now();
        const [row] = await slow.snapshot((s) => s.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM range(30000000) a, range(4) b WHERE (a.range * b.range) % 7 = 3'));
        expect(Date.now() - t0).toBeGreaterThan(300);
        expect(row.n).toBeGreaterThan(0);
      } finally {
        await slow.close();
      }
    });

    it('binds integral numbers beyond int64 (1e308) on both engines instead of failing the statement', async () => {
      const rows = await ctx.store.query<{ v: number; w: number }>('SELECT CAST($1 AS DOUBLE PRECISION) AS v, CAST($2 AS DOUBLE PRECISION) AS w', [1e308, -(2 ** 63)]);
      expect(rows[0]).toEqual({ v: 1e308, w: -(2 ** 63) });
    });

    it('words limits in bytes', () => {
      expect(formatBytes(32 * 1024)).toBe('32 KB');
      expect(formatBytes(16 * 1024 * 1024)).toBe('16 MB');
      expect(formatBytes(1000)).toBe('1000 bytes');
    });
  });
});
