// Builds an in-process app on a test store with a fresh workspace and keys; requests go through app.inject.
import { expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Store } from '../../src/store/port.ts';
import { buildApp, type App } from '../../src/server/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import type { Services } from '../../src/server/services.ts';

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
export async function createTestApp(store: Store, config: Record<string, unknown> = {}): Promise<TestApp> {
  const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent', ...config }, {}) });
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
