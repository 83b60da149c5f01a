// Authentication: Segment-style basic auth with a write key on /v1, bearer admin keys on /api.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SiyuError } from '../core/errors.ts';
import type { Principal, WorkspaceService } from '../modules/workspaces/service.ts';

export type AuthMode = 'none' | 'write' | 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    auth?: AuthMode;
    /**
     * Permission this route needs (`area.read`, `area.write` or a special one such as `privacy.erase`); when absent
     * it is derived from the path and method (see permissions). Every role and key scope is checked against it.
     */
    permission?: string;
  }
}

/** The secret a request presents: basic-auth username, bearer token, or `?writeKey=`. */
export function presentedSecret(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h?.startsWith('Basic ')) {
    const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return (i >= 0 ? decoded.slice(0, i) : decoded) || null;
  }
  if (h?.startsWith('Bearer ')) return h.slice(7).trim() || null;
  const q = (req.query as Record<string, unknown> | undefined)?.writeKey;
  if (typeof q === 'string') return q;
  const bodyKey = (req.body as Record<string, unknown> | undefined)?.writeKey;
  return typeof bodyKey === 'string' ? bodyKey : null;
}

/** preHandler hook enforcing the route's `config.auth` (default admin for /api, none elsewhere). */
export function authHook(workspaces: WorkspaceService) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const mode: AuthMode = req.routeOptions.config?.auth ?? (req.url.startsWith('/api/') ? 'admin' : 'none');
    if (mode === 'none') return;
    const secret = presentedSecret(req);
    if (!secret) {
      throw new SiyuError('unauthorized', 'auth.missing_key', mode === 'write'
        ? 'Missing write key: send it as the HTTP basic-auth username'
        : 'Missing admin key: send Authorization: Bearer <admin key>', { field: 'authorization' });
    }
    const principal = await workspaces.authenticate(secret);
    if (!principal) throw new SiyuError('unauthorized', 'auth.invalid_key', 'Unknown or revoked key', { field: 'authorization' });
    if (mode === 'admin' && principal.kind !== 'admin') {
      throw new SiyuError('forbidden', 'auth.admin_required', 'This route needs an admin key; write keys may only send data', { field: 'authorization' });
    }
    req.principal = principal;
  };
}

/** The authenticated workspace of a request (routes behind auth only). */
export function workspaceOf(req: FastifyRequest): string {
  if (!req.principal) throw new SiyuError('unauthorized', 'auth.missing_key', 'Not authenticated');
  return req.principal.workspaceId;
}

/**
 * Whether the request's principal holds a permission (e.g. `pii.read` to see unmasked personal data).
 * Contract for every module; the role/scope tables behind it live with the access module.
 */
export function can(req: FastifyRequest, permission: string): boolean {
  const p = req.principal;
  if (!p) return false;
  return p.kind === 'admin';
}

/** Who made a request, for the audit log and `created_by` columns: `user:<id>`, `key:<id>`, or null. */
export function actorOf(req: FastifyRequest): { type: 'user' | 'key'; id: string; name: string | null } | null {
  const p = req.principal;
  if (!p) return null;
  return { type: 'key', id: p.keyId, name: null };
}
