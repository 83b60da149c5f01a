// HTTP basics on both stores: health, auth, errors, OpenAPI, metrics.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../test/support/app.ts';

forEachStore('server', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  it('answers health and metrics', async () => {
    const h = await t.app.inject({ url: '/healthz' });
    expect(h.statusCode).toBe(200);
    expect(h.json()).toEqual({ status: 'ok', store: ctx.engine });
    const m = await t.app.inject({ url: '/metrics' });
    expect(m.body).toContain('siyu_http_requests_total');
  });

  it('serves OpenAPI and the docs page', async () => {
    const o = await t.app.inject({ url: '/openapi.json' });
    expect(o.json().openapi).toMatch(/^3\./);
    const d = await t.app.inject({ url: '/docs/' });
    expect(d.statusCode).toBe(200);
  });

  it('rejects missing, bad and under-privileged keys with codes', async () => {
    const none = await t.app.inject({ url: '/api/workspace' });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('auth.missing_key');
    const bad = await t.app.inject({ url: '/api/workspace', headers: { authorization: 'Bearer nope' } });
    expect(bad.json().code).toBe('auth.invalid_key');
    const wk = await t.app.inject({ url: '/api/workspace', headers: { authorization: `Bearer ${t.writeKey}` } });
    expect(wk.statusCode).toBe(403);
    const ok = await t.app.inject({ url: '/api/workspace', headers: t.admin });
    expect(ok.json().id).toBe(t.workspaceId);
  });

  it('answers unknown routes with 404 and a code', async () => {
    const r = await t.app.inject({ url: '/api/nothing-here', headers: t.admin });
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('route.not_found');
  });

  it('validates bodies and names the field', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/keys', headers: t.admin, payload: { kind: 'root' } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ type: 'invalid_data', code: 'request.invalid', field: 'body.kind' });
    const created = await t.app.inject({ method: 'POST', url: '/api/keys', headers: t.admin, payload: { kind: 'write', name: 'pos' } });
    expect(created.statusCode).toBe(201);
    expect(created.json().secret).toMatch(/^wk_/);
  });
});
