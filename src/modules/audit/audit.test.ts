// The audit log through the API on both stores: one row per change (actor, action, resource, status, ip, request
// id), settings before/after with secrets redacted, denied requests, ingest summarised per key and minute, filters,
// cursor pages, CSV/JSON export, the hash chain (verify finds edits and gaps), and writes that fail without failing
// the request or being lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { forEachStore } from '../../../test/support/stores.ts';
import { asRole, createTestApp, type TestApp } from '../../../test/support/app.ts';
import type { Store } from '../../store/port.ts';
import { AuditService } from './service.ts';
import { resourceIdOf } from './hooks.ts';
import { GENESIS, redact, rowHash, verifyRows } from './chain.ts';

describe('audit resource ids (pure)', () => {
  it('keeps ids and masks members addressed by an identifier', () => {
    expect(resourceIdOf({ id: 'seg_1' })).toBe('seg_1');
    expect(resourceIdOf({ ref: 'phone:13800000000' })).toBe('phone:***');
    expect(resourceIdOf({ ref: 'mem_01ABC' })).toBe('mem_01ABC');
    expect(resourceIdOf(undefined)).toBeNull();
  });
});

describe('audit chain (pure)', () => {
  it('hashes each row with the previous hash and finds edits', () => {
    const base = { id: 'a', kind: 'request', occurred_at: '2026-01-01T00:00:00Z', actor_type: 'key', actor_id: 'k', actor_name: null, action: 'POST /api/x', route: '/api/x', resource_id: null, status: 200, ip: null, user_agent: null, request_id: 'r', before_json: null, after_json: null, detail_json: null };
    const h1 = rowHash(GENESIS, { ...base, seq: 1 });
    const h2 = rowHash(h1, { ...base, seq: 2, id: 'b' });
    const rows = [{ ...base, seq: 1, prev_hash: GENESIS, hash: h1 }, { ...base, seq: 2, id: 'b', prev_hash: h1, hash: h2 }];
    expect(verifyRows({ hash: GENESIS, seq: 0 }, rows).broken).toBeNull();
    expect(verifyRows({ hash: GENESIS, seq: 0 }, [rows[0], { ...rows[1], status: 500 }]).broken).toEqual({ seq: 2, reason: 'hash_mismatch' });
    expect(verifyRows({ hash: GENESIS, seq: 0 }, [rows[1]]).broken).toEqual({ seq: 2, reason: 'seq_gap' });
    // The same instant written differently by the two engines hashes the same.
    expect(rowHash(GENESIS, { ...base, seq: 1, occurred_at: '2026-01-01T00:00:00.000Z' })).toBe(h1);
  });

  it('redacts secrets at any depth', () => {
    expect(redact({ name: 'sms', config: { app_secret: 's', api_key: 'k', url: 'u', nested: [{ password: 'p', token: 't' }] }, secret: 'sk_x' })).toEqual({
      name: 'sms', config: { app_secret: '[redacted]', api_key: '[redacted]', url: 'u', nested: [{ password: '[redacted]', token: '[redacted]' }] }, secret: '[redacted]',
    });
  });
});

forEachStore('audit', (ctx) => {
  let t: TestApp;
  const api = (method: string, url: string, payload?: unknown, headers: Record<string, string> = t.admin) =>
    t.app.inject({ method: method as any, url, headers: { 'user-agent': 'audit-test/1.0', ...headers }, payload: payload as any });
  const ok = async (method: string, url: string, payload?: unknown) => {
    const r = await api(method, url, payload);
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.body ? r.json() : null;
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  it('records each change with actor, action, resource, status, ip, user agent and request id; reads are not recorded', async () => {
    await ok('POST', '/api/members', { user_id: 'au-1' });
    await ok('GET', '/api/members?limit=1');
    await ok('PUT', '/api/channels/douyin', { name: '抖音', kind: 'social' });
    const list = await ok('GET', '/api/audit');
    expect(list.data.map((r: any) => r.action)).toEqual(['PUT /api/channels/:id', 'POST /api/members']);
    const [channel, member] = list.data;
    expect(member).toMatchObject({ kind: 'request', status: 200, route: '/api/members', actor_type: 'key', actor: expect.stringMatching(/^key:/), user_agent: 'audit-test/1.0', ip: '127.0.0.1', request_id: expect.any(String), before: null, after: null });
    expect(channel).toMatchObject({ resource_id: 'douyin', status: 204, before: null, after: { id: 'douyin', name: '抖音', kind: 'social' } });
    expect(channel.seq).toBe(member.seq + 1);
  });

  it('keeps before/after snapshots of settings with secrets redacted', async () => {
    await ok('PUT', '/api/consent/guard', { dedupe_window_hours: 12 });
    const key = await ok('POST', '/api/keys', { kind: 'write', name: 'pos' });
    await ok('DELETE', `/api/keys/${key.id}`);
    const rows = (await ok('GET', '/api/audit?limit=3')).data;
    expect(rows.map((r: any) => r.action)).toEqual(['DELETE /api/keys/:id', 'POST /api/keys', 'PUT /api/consent/guard']);
    const [revoke, create, guard] = rows;
    expect(guard.before.dedupe_window_hours).not.toBe(12);
    expect(guard.after.dedupe_window_hours).toBe(12);
    expect(create.after).toMatchObject({ id: key.id, secret: '[redacted]' });
    expect(JSON.stringify(rows)).not.toContain(key.secret);
    expect(revoke).toMatchObject({ resource_id: key.id, before: { id: key.id, revoked_at: null }, after: { id: key.id, revoked_at: expect.any(String) } });
  });

  it('records denied requests with the user who tried, and needs audit.read', async () => {
    const operator = await asRole(t, 'operator');
    const denied = await api('PUT', '/api/consent/guard', { dedupe_window_hours: 1 }, operator);
    expect(denied.statusCode).toBe(403);
    const [row] = (await ok('GET', '/api/audit?action=PUT%20/api/consent/guard&limit=1')).data;
    expect(row).toMatchObject({ status: 403, actor_type: 'user', before: null, after: null });
    // Creating a user keeps the created user (no password) as `after`; its sign-in is recorded as that user, without the token.
    const username = `auditor${ctx.engine}`;
    const user = await ok('POST', '/api/users', { username, password: 'a-long-password-1', role: 'viewer' });
    const signIn = await api('POST', '/api/auth/login', { username, password: 'a-long-password-1' }, {});
    expect(signIn.statusCode).toBe(200);
    const [login, created] = (await ok('GET', '/api/audit?limit=2')).data;
    expect(created).toMatchObject({ action: 'POST /api/users', after: { id: user.id, username } });
    expect(login).toMatchObject({ action: 'POST /api/auth/login', actor: `user:${user.id}`, status: 200, before: null, after: null });
    expect(JSON.stringify([login, created])).not.toContain(signIn.json().token);
    expect(JSON.stringify(created)).not.toContain('a-long-password-1');
    await ok('PATCH', `/api/users/${user.id}`, { role: 'analyst' });
    const [patch] = (await ok('GET', '/api/audit?limit=1')).data;
    expect(patch).toMatchObject({ resource_id: user.id, before: { role: 'viewer' }, after: { role: 'analyst' } });
    expect((await api('GET', '/api/audit', undefined, operator)).statusCode).toBe(403);
    expect((await api('GET', '/api/audit/export', undefined, operator)).statusCode).toBe(403);
  });

  it('summarises data-plane ingest per key and minute instead of a row per request', async () => {
    for (let i = 0; i < 5; i++) expect((await api('POST', '/v1/track', { userId: `au-${i}`, event: 'Viewed' }, t.write)).statusCode).toBe(200);
    expect((await api('POST', '/v1/batch', { batch: [1, 2, 3].map((i) => ({ type: 'track', userId: `au-b${i}`, event: 'Viewed' })) }, t.write)).statusCode).toBe(200);
    expect((await ok('GET', '/api/audit?action=INGEST')).data).toEqual([]); // the current minute is still open
    await t.services.audit.flush({ ingestUntil: Infinity });
    const rows = (await ok('GET', '/api/audit?action=INGEST')).data;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'ingest_summary', actor_type: 'key', detail: { requests: 6, messages: 8, failed: 0, routes: { '/v1/track': 5, '/v1/batch': 1 } } });
    // An ingest key trying an admin route is recorded on its own row.
    expect((await api('PUT', '/api/consent/guard', { dedupe_window_hours: 2 }, t.write)).statusCode).toBe(403);
    const [denied] = (await ok('GET', '/api/audit?limit=1')).data;
    expect(denied).toMatchObject({ kind: 'request', action: 'PUT /api/consent/guard', status: 403, actor_type: 'key' });
  });

  it('filters by actor, action, resource and time, pages with a cursor, and exports CSV and JSON', async () => {
    const all = (await ok('GET', '/api/audit?limit=500')).data;
    const keyActor = all.find((r: any) => r.actor_type === 'key').actor;
    expect((await ok('GET', `/api/audit?actor=${keyActor}`)).data.every((r: any) => r.actor === keyActor)).toBe(true);
    expect((await ok('GET', '/api/audit?resource=douyin')).data.map((r: any) => r.action)).toEqual(['PUT /api/channels/:id']);
    expect((await ok('GET', '/api/audit?action=POST')).data.every((r: any) => r.action.startsWith('POST'))).toBe(true);
    expect((await ok('GET', `/api/audit?from=${new Date(Date.now() + 60_000).toISOString()}`)).data).toEqual([]);
    const p1 = await ok('GET', '/api/audit?limit=2');
    const p2 = await ok('GET', `/api/audit?limit=2&cursor=${p1.next_cursor}`);
    expect(p2.data[0].seq).toBe(p1.data[1].seq - 1);
    expect((await api('GET', '/api/audit?cursor=zzz')).statusCode).toBe(400);

    const csv = await api('GET', '/api/audit/export?format=csv&resource=douyin');
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('seq,occurred_at,actor,actor_name,action,resource_id,status,ip,user_agent,request_id,before,after,detail,hash');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('"{""id"":""douyin""');
    const json = JSON.parse((await api('GET', '/api/audit/export?format=json')).body);
    expect(json.data.length).toBe(all.length);
  });

  it('verifies the chain and finds an edited or removed row', async () => {
    const v = await ok('GET', '/api/audit/verify');
    expect(v).toMatchObject({ ok: true, broken: null });
    expect(v.rows).toBeGreaterThan(5);
    await ctx.store.exec("UPDATE audit_log SET status = 200 WHERE workspace_id = $1 AND status = 403", [t.workspaceId]);
    const edited = await ok('GET', '/api/audit/verify');
    expect(edited).toMatchObject({ ok: false, broken: { reason: 'hash_mismatch' } });
    await ctx.store.exec('DELETE FROM audit_log WHERE workspace_id = $1 AND seq = $2', [t.workspaceId, edited.broken.seq]);
    expect((await ok('GET', '/api/audit/verify')).broken).toMatchObject({ seq: edited.broken.seq + 1, reason: 'seq_gap' });
  });

  it('keeps entries when the store refuses writes, reports them, and writes them once it recovers', async () => {
    let down = true;
    const flaky = new Proxy(ctx.store, {
      get(target, k) {
        if (k === 'transaction' && down) return () => Promise.reject(new Error('connection lost'));
        const v = (target as any)[k];
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as Store;
    const logged: string[] = [];
    const registry = new Registry();
    const audit = new AuditService({ store: flaky, registry, log: (msg) => logged.push(msg) });
    const ws = 'ws_audit_flaky_' + ctx.engine;
    const entry = { workspaceId: ws, occurredAt: new Date().toISOString(), actor: { type: 'key', id: 'k1', name: null }, action: 'POST /api/x', route: '/api/x', resourceId: null, status: 200, ip: null, userAgent: null, requestId: 'r1' };
    audit.record(entry);
    await audit.flush();
    expect(logged.length).toBeGreaterThan(0);
    expect(await registry.getSingleMetricAsString('siyu_audit_pending')).toContain('siyu_audit_pending 1');
    expect(await registry.getSingleMetricAsString('siyu_audit_write_failures_total')).toMatch(/siyu_audit_write_failures_total [1-9]/);
    down = false;
    audit.record({ ...entry, requestId: 'r2' });
    await audit.flush();
    const rows = (await audit.list(ws, { limit: 10 })).data;
    expect(rows.map((r) => r.request_id)).toEqual(['r2', 'r1']);
    expect((await audit.verify(ws)).ok).toBe(true);
    await audit.close();
  }, 30_000);
});
