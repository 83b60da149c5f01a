// Users, sessions, lock-out and key scopes through the HTTP API, on both stores.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { adminRequests, asRole, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { randomBytes } from 'node:crypto';

forEachStore('access', (ctx) => {
  let t: TestApp;
  const { api, ok } = adminRequests(() => t);
  const uname = (p: string) => `${p}-${randomBytes(3).toString('hex')}`;
  const login = (username: string, password: string) => t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await createTestApp(ctx.store, { loginMaxAttempts: 5, loginLockMinutes: 15, sessionIdleMinutes: 60, sessionMaxHours: 24 });
  });
  afterAll(async () => t?.app.close());

  it('creates a user, signs in with the password, and the session token works as a bearer token', async () => {
    const username = uname('ana');
    const u = await ok('POST', '/api/users', { username, password: 'correct horse', role: 'analyst', display_name: '分析师' }, 201);
    expect(u).toMatchObject({ username, role: 'analyst', display_name: '分析师', disabled_at: null });
    expect(JSON.stringify(u)).not.toMatch(/password_hash|argon2/);
    const r = await login(username.toUpperCase(), 'correct horse');
    expect(r.statusCode, r.body).toBe(200);
    const { token, expiresAt, user } = r.json();
    expect(token).toMatch(/^ss_/);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    expect(user).toMatchObject({ id: u.id, role: 'analyst' });
    expect(user.last_login_at).not.toBeNull();
    const me = await t.app.inject({ url: '/api/auth/me', headers: as(token) });
    expect(me.json()).toMatchObject({ type: 'user', role: 'analyst', user: { id: u.id, username }, workspace_id: t.workspaceId });
    expect(me.json().permissions).toContain('segments.write');
    expect(me.json().permissions).not.toContain('pii.read');
    expect((await t.app.inject({ url: '/api/segments', headers: as(token) })).statusCode).toBe(200);
    const denied = await t.app.inject({ method: 'POST', url: '/api/tags', headers: as(token), payload: { name: 'x' } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'auth.forbidden', details: { permission: 'tags.write' } });
    expect(denied.json().message).toContain('tags.write');

    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: as(token) });
    expect(out.statusCode).toBe(204);
    const after = await t.app.inject({ url: '/api/auth/me', headers: as(token) });
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('auth.session_expired');
  });

  it('answers the same error for an unknown user and a wrong password, and locks out after 5 failures for 15 minutes', async () => {
    const username = uname('op');
    await ok('POST', '/api/users', { username, password: 'right password', role: 'operator' }, 201);
    const unknown = await login(uname('nobody'), 'whatever1');
    const wrong = await login(username, 'wrong password');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
    expect(wrong.json().code).toBe('auth.invalid_credentials');
    for (let i = 0; i < 4; i++) expect((await login(username, 'wrong password')).statusCode).toBe(401);
    // Five failures in a row: now even the right password is refused, with the same answer.
    const locked = await login(username, 'right password');
    expect(locked.statusCode).toBe(401);
    expect(locked.json()).toEqual(wrong.json());
    const row = (await ok('GET', '/api/users')).data.find((u: any) => u.username === username);
    expect(Date.parse(row.locked_until)).toBeGreaterThan(Date.now() + 14 * 60_000);
    // 16 minutes later the lock has passed.
    const real = t.services.access.clock;
    t.services.access.clock = () => real() + 16 * 60_000;
    try {
      expect((await login(username, 'right password')).statusCode).toBe(200);
    } finally {
      t.services.access.clock = real;
    }
    // An admin enabling the user also lifts a lock-out.
    for (let i = 0; i < 5; i++) await login(username, 'wrong password');
    expect((await login(username, 'right password')).statusCode).toBe(401);
    await ok('POST', `/api/users/${row.id}/enable`);
    expect((await login(username, 'right password')).statusCode).toBe(200);
  });

  it('survives parallel wrong guesses at one user (no 500s) and locks them', async () => {
    const username = uname('par');
    await ok('POST', '/api/users', { username, password: 'right password', role: 'viewer' }, 201);
    const all = await Promise.all(Array.from({ length: 8 }, () => login(username, 'wrong guess')));
    expect(all.map((r) => r.statusCode)).toEqual(Array(8).fill(401));
    expect((await login(username, 'right password')).statusCode).toBe(401);
  });

  it('expires sessions after the idle timeout, and slides it while in use', async () => {
    const username = uname('view');
    await ok('POST', '/api/users', { username, password: 'viewer pass', role: 'viewer' }, 201);
    const { token } = (await login(username, 'viewer pass')).json();
    const real = t.services.access.clock;
    const start = real();
    try {
      // Used at +50 min: the idle window (60 min) restarts then, so +100 min is still inside it.
      t.services.access.clock = () => start + 50 * 60_000;
      expect((await t.app.inject({ url: '/api/auth/me', headers: as(token) })).statusCode).toBe(200);
      t.services.access.clock = () => start + 100 * 60_000;
      expect((await t.app.inject({ url: '/api/auth/me', headers: as(token) })).statusCode).toBe(200);
      // 61 idle minutes later it has ended.
      t.services.access.clock = () => start + 162 * 60_000;
      const r = await t.app.inject({ url: '/api/auth/me', headers: as(token) });
      expect(r.statusCode).toBe(401);
      expect(r.json().code).toBe('auth.session_expired');
      // However busy, a session ends at the absolute lifetime (24 h here).
      t.services.access.clock = () => start;
      const { token: t2 } = (await login(username, 'viewer pass')).json();
      for (let m = 30; m < 24 * 60; m += 30) {
        t.services.access.clock = () => start + m * 60_000;
        expect((await t.app.inject({ url: '/api/auth/me', headers: as(t2) })).statusCode).toBe(200);
      }
      t.services.access.clock = () => start + 24 * 3_600_000 + 1000;
      expect((await t.app.inject({ url: '/api/auth/me', headers: as(t2) })).statusCode).toBe(401);
    } finally {
      t.services.access.clock = real;
    }
  });

  it('disabling a user ends their sessions at once and refuses sign-in; enabling lets them back', async () => {
    const username = uname('dis');
    const u = await ok('POST', '/api/users', { username, password: 'some password', role: 'operator' }, 201);
    const { token } = (await login(username, 'some password')).json();
    expect((await t.app.inject({ url: '/api/members', headers: as(token) })).statusCode).toBe(200);
    expect((await ok('POST', `/api/users/${u.id}/disable`)).disabled_at).not.toBeNull();
    expect((await t.app.inject({ url: '/api/members', headers: as(token) })).statusCode).toBe(401);
    expect((await login(username, 'some password')).json().code).toBe('auth.invalid_credentials');
    expect((await ok('PATCH', `/api/users/${u.id}`, { disabled: false })).disabled_at).toBeNull();
    expect((await login(username, 'some password')).statusCode).toBe(200);
  });

  it('updates role and name, resets and changes passwords, deletes users, and keeps one admin', async () => {
    const username = uname('mgr');
    const u = await ok('POST', '/api/users', { username, password: 'first password', role: 'viewer' }, 201);
    expect((await api('POST', '/api/users', { username, password: 'first password', role: 'viewer' })).json().code).toBe('user.duplicate');
    expect((await api('POST', '/api/users', { username: uname('x'), password: 'short', role: 'viewer' })).json()).toMatchObject({ code: 'user.password_too_short', field: 'password' });
    expect((await api('POST', '/api/users', { username: uname('x'), password: 'long enough', role: 'root' })).statusCode).toBe(400);
    expect(await ok('PATCH', `/api/users/${u.id}`, { role: 'operator', display_name: '运营' })).toMatchObject({ role: 'operator', display_name: '运营' });
    const s1 = (await login(username, 'first password')).json().token;
    // A reset ends the user's sessions.
    await ok('POST', `/api/users/${u.id}/reset-password`, { password: 'second password' });
    expect((await t.app.inject({ url: '/api/auth/me', headers: as(s1) })).statusCode).toBe(401);
    expect((await login(username, 'first password')).statusCode).toBe(401);
    const s2 = (await login(username, 'second password')).json().token;
    const s3 = (await login(username, 'second password')).json().token;
    // Changing one's own password keeps this session and ends the others.
    const bad = await t.app.inject({ method: 'POST', url: '/api/auth/password', headers: as(s2), payload: { current_password: 'nope', new_password: 'third password' } });
    expect(bad.json().code).toBe('user.wrong_password');
    const changed = await t.app.inject({ method: 'POST', url: '/api/auth/password', headers: as(s2), payload: { current_password: 'second password', new_password: 'third password' } });
    expect(changed.statusCode, changed.body).toBe(204);
    expect((await t.app.inject({ url: '/api/auth/me', headers: as(s2) })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/auth/me', headers: as(s3) })).statusCode).toBe(401);
    expect((await login(username, 'third password')).statusCode).toBe(200);
    // Keys have no password to change.
    expect((await api('POST', '/api/auth/password', { current_password: 'a', new_password: 'bbbbbbbbb' })).json().code).toBe('auth.not_a_user');

    await ok('DELETE', `/api/users/${u.id}`, undefined, 204);
    expect((await api('GET', `/api/users/${u.id}`)).statusCode).toBe(404);
    expect((await login(username, 'third password')).statusCode).toBe(401);

    // The last active admin can be neither demoted, disabled nor deleted; nor can an admin disable themselves.
    const boss = await ok('POST', '/api/users', { username: uname('boss'), password: 'boss password', role: 'admin' }, 201);
    const others = (await ok('GET', '/api/users')).data.filter((x: any) => x.role === 'admin' && !x.disabled_at && x.id !== boss.id);
    for (const o of others) await ok('PATCH', `/api/users/${o.id}`, { role: 'viewer' });
    expect((await api('PATCH', `/api/users/${boss.id}`, { role: 'viewer' })).json().code).toBe('user.last_admin');
    expect((await api('POST', `/api/users/${boss.id}/disable`)).json().code).toBe('user.last_admin');
    expect((await api('DELETE', `/api/users/${boss.id}`)).json().code).toBe('user.last_admin');
    const bossToken = (await login(boss.username, 'boss password')).json().token;
    const self = await t.app.inject({ method: 'POST', url: `/api/users/${boss.id}/disable`, headers: as(bossToken) });
    expect(self.json().code).toBe('user.self');
  });

  it('creates keys by scope, shows the secret once, lists scope and last use, revokes', async () => {
    const read = await ok('POST', '/api/keys', { scope: 'read', name: 'BI' }, 201);
    expect(read).toMatchObject({ kind: 'read', scope: 'read' });
    expect(read.secret).toMatch(/^sk_read_/);
    const ingest = await ok('POST', '/api/keys', { kind: 'write', name: 'POS' }, 201);
    expect(ingest.scope).toBe('ingest');
    expect((await api('POST', '/api/keys', { name: 'none' })).json().code).toBe('key.scope_required');
    expect((await api('POST', '/api/keys', { scope: 'read', kind: 'admin' })).json().code).toBe('key.scope_conflict');
    const me = await t.app.inject({ url: '/api/auth/me', headers: as(read.secret) });
    expect(me.json()).toMatchObject({ type: 'key', scope: 'read', key: { id: read.id, name: 'BI' }, user: null });
    expect(me.json().permissions).toContain('members.read');
    expect(me.json().permissions).not.toContain('access.manage');
    // Last use is recorded in the background (at most once a minute per key), off the request path.
    await expect.poll(async () => (await ok('GET', '/api/keys')).data.find((k: any) => k.id === read.id).last_used_at).not.toBeNull();
    const listed = (await ok('GET', '/api/keys')).data;
    expect(listed.find((k: any) => k.id === read.id)).toMatchObject({ scope: 'read', name: 'BI', revoked_at: null });
    expect(JSON.stringify(listed)).not.toContain(read.secret);
    await ok('DELETE', `/api/keys/${read.id}`, undefined, 204);
    expect((await api('DELETE', '/api/keys/key_nope')).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/members', headers: as(read.secret) })).json().code).toBe('auth.invalid_key');
    // Existing keys keep working: admin (this suite's admin key) and write keys on /v1.
    const track = await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { userId: 'u-acc', event: 'x' } });
    expect(track.statusCode).toBe(200);
    const writeOnApi = await t.app.inject({ url: '/api/members', headers: t.write });
    expect(writeOnApi.statusCode).toBe(403);
    expect(writeOnApi.json()).toMatchObject({ code: 'auth.forbidden', details: { permission: 'members.read' } });
  });

  it('creates the initial admin once, with the configured or a generated password', async () => {
    const ws = await t.services.workspaces.create({ name: 'fresh' });
    const first = await t.services.access.ensureInitialAdmin(ws.id);
    expect(first.created).toBe(true);
    expect(first.password).toMatch(/^.{12,}$/);
    expect(await t.services.access.ensureInitialAdmin(ws.id, 'ignored password')).toMatchObject({ created: false, password: null });
    // `admin` is taken by now (usernames are global), so a second workspace's initial admin is a quiet no-op only when it has users.
    const r = await login('admin', first.password!);
    expect(r.statusCode).toBe(200);
    expect(r.json().user).toMatchObject({ username: 'admin', role: 'admin', workspace_id: ws.id });
  });

  it('tells modules who acts (actorOf) and what they may do (can)', async () => {
    const { actorOf, can } = await import('../../server/auth.ts');
    const seen: unknown[] = [];
    const h = await asRole(t, 'operator');
    const p = await t.services.access.authenticate(h.authorization.slice(7));
    const req = { principal: p } as any;
    seen.push(actorOf(req), can(req, 'pii.read'), can(req, 'settings.write'));
    expect(seen[0]).toMatchObject({ type: 'user', name: expect.stringMatching(/^operator-/) });
    expect(seen.slice(1)).toEqual([true, false]);
    const key = await t.services.access.authenticate(t.adminKey);
    expect(actorOf({ principal: key } as any)).toMatchObject({ type: 'key', id: expect.stringMatching(/^key_/) });
    expect(can({ principal: null } as any, 'members.read')).toBe(false);
  });
});
