// Authentication and authorization. A request presents a secret — an API key (basic-auth username on /v1 as Segment
// SDKs send it, or a bearer token) or a console session token — and every route needs one permission: declared as
// `config.permission`, or derived from its path and method (src/modules/access/permissions.ts). Roles (users) and
// scopes (keys) hold permissions; docs/permissions.md lists them all.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SiyuError } from '../core/errors.ts';
import type { AccessService } from '../modules/access/service.ts';
import { permissionFor, PUBLIC } from '../modules/access/permissions.ts';
import { describePrincipal, grants, type AuthPrincipal } from '../modules/access/principal.ts';

export type AuthMode = 'none' | 'write' | 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    principal: AuthPrincipal | null;
  }
  interface FastifyContextConfig {
    /** none: public route; write: the ingest routes (/v1); admin (default under /api): any principal with the permission. */
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

/** The auth mode of a route: declared, else admin under /api and none elsewhere. */
export function authModeOf(url: string, config?: { auth?: AuthMode }): AuthMode {
  return config?.auth ?? (url.startsWith('/api/') ? 'admin' : 'none');
}

/** The permission a route needs, or `public` for routes without auth. */
export function routePermission(method: string, url: string, config?: { auth?: AuthMode; permission?: string }): string {
  const mode = authModeOf(url, config);
  if (mode === 'none') return PUBLIC;
  return permissionFor(method, url, config?.permission ?? (mode === 'write' ? 'ingest.write' : undefined));
}

/**
 * preValidation hook (after the body is parsed — Segment may send the write key in it — and before validation, so a
 * caller without the permission learns nothing about the route's input): 401 `auth.*` without a valid secret, 403
 * `auth.forbidden` naming the permission when the principal lacks it.
 */
export function authHook(access: AccessService) {
  const permissions = new Map<string, string>();
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const url = req.routeOptions.url ?? req.url;
    const routeKey = req.method + ' ' + url;
    let permission = permissions.get(routeKey);
    if (permission === undefined) {
      permission = routePermission(req.method, url, req.routeOptions.config);
      permissions.set(routeKey, permission);
    }
    if (permission === PUBLIC) return;
    const secret = presentedSecret(req);
    if (!secret) {
      throw new SiyuError('unauthorized', 'auth.missing_key', url.startsWith('/v1/')
        ? 'Missing write key: send it as the HTTP basic-auth username'
        : 'Missing credentials: send Authorization: Bearer <API key or session token>', { field: 'authorization' });
    }
    const principal = await access.authenticate(secret);
    if (!principal) {
      throw secret.startsWith('ss_')
        ? new SiyuError('unauthorized', 'auth.session_expired', 'Session expired or ended: sign in again', { field: 'authorization' })
        : new SiyuError('unauthorized', 'auth.invalid_key', 'Unknown or revoked key', { field: 'authorization' });
    }
    if (!grants(principal, permission)) {
      req.principal = principal; // the audit log records who was denied (the request ends here with 403)
      throw new SiyuError('forbidden', 'auth.forbidden', `This needs permission ${permission}, which ${describePrincipal(principal)} does not have`, {
        field: 'authorization',
        details: { permission },
      });
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
 * Contract for every module; the role/scope tables behind it live in src/modules/access/permissions.ts.
 */
export function can(req: FastifyRequest, permission: string): boolean {
  const p = req.principal;
  return p ? grants(p, permission) : false;
}

/** Who made a request, for the audit log and `created_by` columns: a user (id, username) or a key (id, name), or null. */
export function actorOf(req: FastifyRequest): { type: 'user' | 'key'; id: string; name: string | null } | null {
  const p = req.principal;
  if (!p) return null;
  return p.type === 'user' ? { type: 'user', id: p.userId, name: p.username } : { type: 'key', id: p.keyId, name: p.name };
}

export interface RouteInfo {
  method: string;
  url: string;
  auth: AuthMode;
  /** The permission the route needs, or `public`. */
  permission: string;
  /** Whether the route declares its permission (`config.permission`) rather than deriving it. */
  declared: boolean;
  tags: string[];
  summary: string | null;
}

const ROUTE_TABLES = new WeakMap<object, RouteInfo[]>();

/** Records every route added to `app` (call before routes are registered); read back with `routeTable(app)`. */
export function recordRoutes(app: FastifyInstance): void {
  const list: RouteInfo[] = [];
  ROUTE_TABLES.set(app, list);
  app.addHook('onRoute', (r) => {
    const config = r.config as { auth?: AuthMode; permission?: string } | undefined;
    const schema = r.schema as { tags?: string[]; summary?: string; hide?: boolean } | undefined;
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) {
      if (method === 'HEAD') continue; // HEAD shares its GET route's permission
      list.push({
        method,
        url: r.url,
        auth: authModeOf(r.url, config),
        permission: routePermission(method, r.url, config),
        declared: !!config?.permission,
        tags: schema?.tags ?? [],
        summary: schema?.summary ?? null,
      });
    }
  });
}

/** Every route of an app built with `recordRoutes`, in registration order. */
export function routeTable(app: FastifyInstance): RouteInfo[] {
  return ROUTE_TABLES.get(app) ?? [];
}
