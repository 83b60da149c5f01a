// HTTP routes of access: sign-in sessions (/api/auth), users (/api/users) and API keys (/api/keys).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { invalid, notFound } from '../../core/errors.ts';
import { ChangePasswordBody, CreateKeyBody, CreateUserBody, LoginBody, ResetPasswordBody, UpdateUserBody, UserParams } from './schema.ts';
import { kindOfScope, scopeOfKind, type KeyScope } from './permissions.ts';
import { permissionsOf, type AuthPrincipal } from './principal.ts';

const principalOf = (req: FastifyRequest): AuthPrincipal => {
  workspaceOf(req);
  return req.principal!;
};

/** GET /api/auth/me: who is signed in, with what role or scope, and every permission that brings. */
export function describeMe(p: AuthPrincipal) {
  const base = { workspace_id: p.workspaceId, permissions: permissionsOf(p) };
  if (p.type === 'user') {
    return { ...base, type: 'user' as const, role: p.role, scope: null, expiresAt: p.expiresAt, key: null, user: { id: p.userId, username: p.username, display_name: p.displayName, role: p.role } };
  }
  return { ...base, type: 'key' as const, role: null, scope: p.scope, expiresAt: null, user: null, key: { id: p.keyId, name: p.name, scope: p.scope } };
}

export function accessRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const auth = ['auth'];
    const users = ['users'];
    const keys = ['keys'];

    app.post(
      '/api/auth/login',
      { config: { auth: 'none' }, schema: { tags: auth, summary: 'Sign in with username and password; the token is then sent as Authorization: Bearer', body: LoginBody, security: [] } },
      async (req) => s.access.login(req.body.username, req.body.password, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null }),
    );

    app.post('/api/auth/logout', { schema: { tags: auth, summary: 'End this session (API keys: nothing to end)' } }, async (req, reply) => {
      await s.access.logout(principalOf(req));
      return reply.status(204).send();
    });

    app.get('/api/auth/me', { schema: { tags: auth, summary: 'The signed-in user or key, its role or scope and its permissions' } }, async (req) => describeMe(principalOf(req)));

    app.post('/api/auth/password', { schema: { tags: auth, summary: 'Change your own password; your other sessions end', body: ChangePasswordBody } }, async (req, reply) => {
      await s.access.changeOwnPassword(principalOf(req), req.body.current_password, req.body.new_password);
      return reply.status(204).send();
    });

    app.get('/api/users', { schema: { tags: users, summary: 'Console users of the workspace' } }, async (req) => ({ data: await s.access.listUsers(workspaceOf(req)) }));

    app.post('/api/users', { schema: { tags: users, summary: 'Create a user with a role and an initial password', body: CreateUserBody } }, async (req, reply) =>
      reply.status(201).send(await s.access.createUser(workspaceOf(req), req.body)),
    );

    app.get('/api/users/:id', { schema: { tags: users, summary: 'One user', params: UserParams } }, async (req) => s.access.getUser(workspaceOf(req), req.params.id));

    app.patch('/api/users/:id', { schema: { tags: users, summary: 'Change role, name or email; disabled: true|false', params: UserParams, body: UpdateUserBody } }, async (req) =>
      s.access.updateUser(workspaceOf(req), req.params.id, req.body, req.principal),
    );

    app.post('/api/users/:id/disable', { schema: { tags: users, summary: 'Disable a user: sign-in refused, sessions end at once', params: UserParams } }, async (req) =>
      s.access.setDisabled(workspaceOf(req), req.params.id, true, req.principal),
    );

    app.post('/api/users/:id/enable', { schema: { tags: users, summary: 'Enable a user again (also lifts a lock-out)', params: UserParams } }, async (req) =>
      s.access.setDisabled(workspaceOf(req), req.params.id, false, req.principal),
    );

    app.post('/api/users/:id/reset-password', { schema: { tags: users, summary: "Set a user's password; their sessions end", params: UserParams, body: ResetPasswordBody } }, async (req) =>
      s.access.resetPassword(workspaceOf(req), req.params.id, req.body.password),
    );

    app.delete('/api/users/:id', { schema: { tags: users, summary: 'Delete a user and their sessions', params: UserParams } }, async (req, reply) => {
      await s.access.deleteUser(workspaceOf(req), req.params.id, req.principal);
      return reply.status(204).send();
    });

    app.get('/api/keys', { schema: { tags: keys, summary: 'List API keys with scope and last use (secrets are never shown again)' } }, async (req) => ({
      data: await s.workspaces.listKeys(workspaceOf(req)),
    }));

    app.post(
      '/api/keys',
      { schema: { tags: keys, summary: 'Create an API key (scope ingest, read or admin); the secret is returned once', body: CreateKeyBody } },
      async (req, reply) => {
        const { scope, kind } = req.body;
        if (!scope && !kind) throw invalid('key.scope_required', 'scope is required: ingest, read or admin', 'scope');
        if (scope && kind && kindOfScope(scope) !== kind) throw invalid('key.scope_conflict', `kind ${kind} is scope ${scopeOfKind(kind)}, not ${scope}`, 'scope');
        const k = await s.workspaces.createKey(workspaceOf(req), kind ?? kindOfScope(scope as KeyScope), { name: req.body.name, channel: req.body.channel });
        return reply.status(201).send(k);
      },
    );

    app.delete('/api/keys/:id', { schema: { tags: keys, summary: 'Revoke a key (takes effect within 30 s in other processes)', params: UserParams } }, async (req, reply) => {
      const ws = workspaceOf(req);
      if (!(await s.workspaces.listKeys(ws)).some((k) => k.id === req.params.id)) throw notFound('key.not_found', `No key ${req.params.id}`, 'id');
      await s.workspaces.revokeKey(ws, req.params.id);
      return reply.status(204).send();
    });
  };
}
