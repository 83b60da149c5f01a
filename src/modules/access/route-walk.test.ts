// Walks every registered route with every role (a signed-in user) and every key scope, and checks the auth hook
// allows (any status but 401/403) or denies (403 auth.forbidden) exactly as docs/permissions.md says. A preHandler
// probe answers allowed requests before their handlers run, so the walk does no real work; input validation runs
// before it, so an empty body's 400 also counts as allowed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { asKeyScope, asRole, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { routeTable, type RouteInfo } from '../../server/auth.ts';
import { areaOf, KEY_SCOPES, PUBLIC, ROLES, roleGrants, scopeGrants } from './permissions.ts';

const PROBE_STATUS = 299;
const fill = (url: string) => url.replace(/:(\w+)/g, 'x').replace(/\*/g, 'x');

forEachStore('route permissions', (ctx) => {
  let t: TestApp;
  let routes: RouteInfo[];
  const headers = new Map<string, { authorization: string }>();

  beforeAll(async () => {
    t = await createTestApp(ctx.store, {}, {
      beforeReady: (app) => app.addHook('preHandler', async (_req, reply) => reply.code(PROBE_STATUS).send({ probe: true })),
    });
    routes = routeTable(t.app).filter((r) => r.permission !== PUBLIC);
    for (const role of ROLES) headers.set('role:' + role, await asRole(t, role));
    for (const scope of KEY_SCOPES) headers.set('scope:' + scope, await asKeyScope(t, scope));
  });
  afterAll(async () => t?.app.close());

  const call = (r: RouteInfo, h?: { authorization: string }) =>
    t.app.inject({ method: r.method as 'GET', url: fill(r.url), headers: h ?? {} });

  it('classifies every /api and /v1 route: a known area or a declared permission', () => {
    expect(routes.length).toBeGreaterThan(200);
    const unmapped = routes.filter((r) => !r.declared && areaOf(r.url) === null).map((r) => `${r.method} ${r.url}`);
    expect(unmapped).toEqual([]);
  });

  it('refuses every non-public route without credentials (401)', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const res = await call(r);
      if (res.statusCode !== 401) wrong.push(`${r.method} ${r.url} → ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });

  for (const [kind, names, grantsFn] of [
    ['role', ROLES, roleGrants],
    ['scope', KEY_SCOPES, scopeGrants],
  ] as const) {
    for (const name of names) {
      it(`${kind} ${name}: allowed or denied on every route exactly as the table says`, async () => {
        const h = headers.get(`${kind}:${name}`)!;
        const wrong: string[] = [];
        let allowed = 0;
        for (const r of routes) {
          const want = (grantsFn as (n: string, p: string) => boolean)(name, r.permission);
          const res = await call(r, h);
          const denied = res.statusCode === 403 && res.json().code === 'auth.forbidden';
          if (res.statusCode === 401) wrong.push(`${r.method} ${r.url} → 401 ${res.body}`);
          else if (want === denied) wrong.push(`${r.method} ${r.url} (${r.permission}) → ${res.statusCode}, want ${want ? 'allow' : 'deny'}`);
          if (want) allowed++;
          if (!want && denied) expect(res.json().details).toEqual({ permission: r.permission });
        }
        expect(wrong).toEqual([]);
        if (name === 'admin') expect(allowed).toBe(routes.length);
      });
    }
  }

  describe('the table, spot-checked against the roles as documented', () => {
    const allowedFor = async (who: string, method: string, url: string) => {
      const res = await t.app.inject({ method: method as 'GET', url, headers: headers.get(who)! });
      if (res.statusCode === 401) throw new Error(`${who} ${method} ${url}: 401 ${res.body}`);
      return res.statusCode !== 403;
    };
    const cases: Array<[string, string, string, boolean]> = [
      ['role:viewer', 'GET', '/api/members', true],
      ['role:viewer', 'GET', '/api/members/export', false],
      ['role:viewer', 'POST', '/api/tags', false],
      ['role:viewer', 'GET', '/api/users', false],
      ['role:viewer', 'POST', '/api/analytics/funnels', true],
      ['role:analyst', 'POST', '/api/segments', true],
      ['role:analyst', 'POST', '/api/clv/fit', true],
      ['role:analyst', 'POST', '/api/tags', false],
      ['role:analyst', 'GET', '/api/segments/x/export', true],
      ['role:operator', 'POST', '/api/broadcasts', true],
      ['role:operator', 'POST', '/api/imports/members/batch', true],
      ['role:operator', 'PUT', '/api/messaging/channels/x', false],
      ['role:operator', 'PUT', '/api/consent/guard', false],
      ['role:operator', 'POST', '/api/keys', false],
      ['role:operator', 'POST', '/api/clv/fit', false],
      ['role:admin', 'POST', '/api/users', true],
      ['scope:ingest', 'POST', '/v1/track', true],
      ['scope:ingest', 'POST', '/v1/orders', true],
      ['scope:ingest', 'POST', '/api/imports/orders/batch', true],
      ['scope:ingest', 'GET', '/api/members', false],
      ['scope:read', 'GET', '/api/members', true],
      ['scope:read', 'POST', '/v1/track', false],
      ['scope:read', 'GET', '/api/keys', false],
      ['scope:read', 'POST', '/api/tags', false],
      ['scope:admin', 'DELETE', '/api/users/x', true],
    ];
    it.each(cases)('%s %s %s → %s', async (who, method, url, want) => {
      expect(await allowedFor(who, method, url)).toBe(want);
    });
  });
});
