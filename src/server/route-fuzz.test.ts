// Walks every route of the OpenAPI document on both stores with hostile path parameters, query strings and bodies
// shaped like the route's schema (right names, wrong or nasty values): the answer is never a 5xx and never carries
// a stack trace or SQL.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../test/support/app.ts';
import { fuzzRuns, nastyJson, nastyNumber, nastyString } from '../../test/support/hostile.ts';

/** Routes that would act outside the test's workspace or wait on the network. */
const SKIP = /^\/(docs|metrics|healthz)|\/backup|\/restore|\/shutdown/;

/** encodeURIComponent refuses lone surrogates (a URL cannot carry them): send their UTF-8 replacement instead. */
const enc = (s: string) => encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));

type Op = { method: string; path: string; params: Array<{ name: string; in: string; schema?: any }>; body?: any };

/** A value of roughly the schema's type, with nasty contents. */
function valueFor(schema: any): fc.Arbitrary<unknown> {
  const t = schema?.type;
  const nasty = fc.oneof(nastyString(30), nastyNumber, fc.boolean(), fc.constant(null), nastyJson);
  if (schema?.enum) return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: nasty });
  if (t === 'string') return fc.oneof({ weight: 3, arbitrary: nastyString(40) }, { weight: 1, arbitrary: nasty });
  if (t === 'number' || t === 'integer') return fc.oneof({ weight: 3, arbitrary: nastyNumber }, { weight: 1, arbitrary: nasty });
  if (t === 'array') return fc.oneof(fc.array(valueFor(schema.items), { maxLength: 3 }), nasty);
  if (t === 'object' && schema.properties) return objectFor(schema);
  return nasty;
}

function objectFor(schema: any): fc.Arbitrary<unknown> {
  const props = Object.entries<any>(schema?.properties ?? {});
  if (props.length === 0) return fc.oneof(fc.dictionary(nastyString(10), nastyJson, { maxKeys: 3 }), nastyJson);
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, v] of props) rec[k] = valueFor(v);
  return fc.oneof({ weight: 4, arbitrary: fc.record(rec, { requiredKeys: [] }) }, { weight: 1, arbitrary: nastyJson });
}

forEachStore('route fuzz', (ctx) => {
  let t: TestApp;
  let ops: Op[] = [];
  beforeAll(async () => {
    t = await createTestApp(ctx.store, { rateLimitApi: 0, rateLimitIngest: 0 });
    const spec = (await t.app.inject({ url: '/openapi.json' })).json();
    for (const [path, methods] of Object.entries<any>(spec.paths)) {
      if (SKIP.test(path)) continue;
      for (const [method, op] of Object.entries<any>(methods)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        ops.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema });
      }
    }
  });
  afterAll(async () => t?.app.close());

  it('refuses what the walker once turned into a 5xx', async () => {
    const cases: Array<[string, string, object, string]> = [
      // DuckDB: a birthday window around year 9999 leaves the date range.
      ['POST', '/api/loyalty/birthday/run', { at: '9999-12-31T23:59:59Z' }, 'body.at'],
      ['POST', '/api/loyalty/member-day/run', { at: '0001-01-01T00:00:00Z' }, 'body.at'],
    ];
    for (const [method, url, payload, field] of cases) {
      const r = await t.app.inject({ method: method as never, url, headers: t.admin, payload });
      expect(r.statusCode, `${url} ${r.body}`).toBe(400);
      expect(r.json()).toMatchObject({ code: 'request.invalid', field });
    }
  });

  it('answers every route with hostile input without a 5xx', async () => {
    expect(ops.length).toBeGreaterThan(100);
    const failures: string[] = [];
    for (const op of ops) {
      const query = op.params.filter((p) => p.in === 'query');
      const input = fc.record({
        path: fc.array(fc.oneof(nastyString(20), fc.constantFrom('x', '1', 'user_id:u1')), { minLength: 5, maxLength: 5 }),
        query: fc.record(Object.fromEntries(query.map((p) => [p.name, valueFor(p.schema)])), { requiredKeys: [] }),
        body: op.body ? objectFor(op.body) : fc.constant(undefined),
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ path, query: q, body }) => {
          let i = 0;
          const url =
            op.path.replace(/\{[^}]+\}/g, () => enc(String(path[i++] || 'x'))) +
            '?' +
            Object.entries(q)
              .map(([k, v]) => `${enc(k)}=${enc(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`)
              .join('&');
          const r = await t.app.inject({
            method: op.method as never,
            url,
            headers: op.path.startsWith('/v1/') ? t.write : t.admin,
            ...(op.method === 'GET' || op.method === 'DELETE' || body === undefined ? {} : { payload: JSON.stringify(body) ?? 'null', headers: { ...(op.path.startsWith('/v1/') ? t.write : t.admin), 'content-type': 'application/json' } }),
          });
          if (r.statusCode >= 500 && !(r.statusCode === 503 && /"code":"(\w+\.)?(unavailable|not_configured|overloaded)/.test(r.body))) {
            failures.push(`${op.method} ${url} ${JSON.stringify(body)?.slice(0, 300)} → ${r.statusCode} ${r.body.slice(0, 300)}`);
          }
          expect(r.body).not.toMatch(/\bat .*\.(ts|js):\d+|SQLSTATE/);
        }),
        { numRuns: fuzzRuns(3) },
      );
    }
    expect(failures).toEqual([]);
  });
});
