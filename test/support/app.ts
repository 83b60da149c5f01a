// Builds an in-process app on a test store with a fresh workspace and keys; requests go through app.inject.
import { expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Store } from '../../src/store/port.ts';
import { buildApp, type App } from '../../src/server/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import type { Services } from '../../src/server/services.ts';
import './pii.ts'; // fixed personal-data keys for every store test

export interface TestApp {
  app: App;
  services: Services;
  workspaceId: string;
  adminKey: string;
  writeKey: string;
  /** Headers for admin API calls. */
  admin: { authorization: string };
  /** Headers for Segment-style ingest calls. */
  write: { authorization: string };
}

/** A fresh workspace on `store` with one admin and one write key. */
export async function createTestApp(store: Store, config: Record<string, unknown> = {}, opts: { beforeReady?: (app: App) => void } = {}): Promise<TestApp> {
  // Rate-limit counters stay per app unless a test asks for shared ones: hundreds of test apps on one PostgreSQL
  // would otherwise each sync four times a second (shared counters have their own tests, and `siyu serve` uses them).
  const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent', rateLimitSyncMs: 0, ...config }, {}) });
  opts.beforeReady?.(app); // e.g. add hooks, which Fastify refuses once ready
  await app.ready();
  const ws = await services.workspaces.create({ name: 'test ' + randomBytes(3).toString('hex') });
  const admin = await services.workspaces.createKey(ws.id, 'admin');
  const write = await services.workspaces.createKey(ws.id, 'write');
  return {
    app,
    services,
    workspaceId: ws.id,
    adminKey: admin.secret,
    writeKey: write.secret,
    admin: { authorization: `Bearer ${admin.secret}` },
    write: { authorization: 'Basic ' + Buffer.from(write.secret + ':').toString('base64') },
  };
}

/**
 * Admin requests against the app `get()` returns (looked up per call: suites create it in beforeAll): `api` answers
 * the raw response, `ok` expects `status` (default 200) and returns the parsed body.
 */
export function adminRequests(get: () => TestApp) {
  const api = (method: string, url: string, payload?: unknown) =>
    get().app.inject({ method: method as any, url, headers: get().admin, ...(payload !== undefined ? { payload: payload as any } : {}) });
  const ok = async (method: string, url: string, payload?: unknown, status = 200) => {
    const r = await api(method, url, payload);
    expect(r.statusCode, r.body).toBe(status);
    return r.body ? r.json() : null;
  };
  return { api, ok };
}

type RoleName = 'admin' | 'operator' | 'analyst' | 'viewer';
type ScopeName = 'ingest' | 'read' | 'admin';
const roleHeaders = new WeakMap<TestApp, Map<string, Promise<{ authorization: string }>>>();

function memo(t: TestApp, key: string, make: () => Promise<{ authorization: string }>) {
  let m = roleHeaders.get(t);
  if (!m) roleHeaders.set(t, (m = new Map()));
  let h = m.get(key);
  if (!h) m.set(key, (h = make()));
  return h;
}

/**
 * Headers of a signed-in console user with `role` in the test app's workspace (one user and session per role and
 * app, made on first use). @example const r = await t.app.inject({ url: '/api/members', headers: await asRole(t, 'viewer') })
 */
export function asRole(t: TestApp, role: RoleName): Promise<{ authorization: string }> {
  return memo(t, 'role:' + role, async () => {
    const username = `${role}-${randomBytes(4).toString('hex')}`;
    const password = 'test-password-' + role;
    await t.services.access.createUser(t.workspaceId, { username, password, role });
    const { token } = await t.services.access.login(username, password);
    return { authorization: `Bearer ${token}` };
  });
}

/** Headers of an API key with `scope` (ingest, read or admin) in the test app's workspace, as a bearer token. */
export function asKeyScope(t: TestApp, scope: ScopeName): Promise<{ authorization: string }> {
  return memo(t, 'scope:' + scope, async () => {
    const k = await t.services.workspaces.createKey(t.workspaceId, scope === 'admin' ? 'admin' : scope === 'read' ? 'read' : 'write', { name: `test ${scope}` });
    return { authorization: `Bearer ${k.secret}` };
  });
}
