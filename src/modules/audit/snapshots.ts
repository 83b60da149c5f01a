// Before/after snapshots of settings for the audit log: a small loader per settings route reads the resource the
// request changes, once before the handler runs and once after it answered. Secrets are redacted when stored.
import type { FastifyRequest } from 'fastify';
import type { Services } from '../../server/services.ts';

/** Reads the state a route changes (null when absent). `req.params` holds the route's parameters. */
export type SnapshotLoader = (s: Services, ws: string, req: FastifyRequest) => Promise<unknown>;

export interface SnapshotSpec {
  /** Reads the resource; without it `before` is null and `after` comes from the response. */
  load?: SnapshotLoader;
  /** Take `after` from the response body (creates, whose id is only known afterwards). */
  afterFromResponse?: boolean;
}

const param = (req: FastifyRequest, name: string) => String((req.params as Record<string, unknown> | undefined)?.[name] ?? '');
/** A loader whose "not found" means "absent" (a resource created or deleted by the request). */
const orNull = (fn: SnapshotLoader): SnapshotLoader => async (s, ws, req) => {
  try {
    return await fn(s, ws, req);
  } catch (e) {
    if ((e as { type?: string }).type === 'not_found') return null;
    throw e;
  }
};

const channel: SnapshotLoader = async (s, ws, req) =>
  (await s.store.query('SELECT id, name, kind, created_at FROM channels WHERE workspace_id = $1 AND id = $2', [ws, param(req, 'id')]))[0] ?? null;
const messagingChannel = orNull((s, ws, req) => s.messaging.getChannel(ws, param(req, 'ref')));
const keyRow: SnapshotLoader = async (s, ws, req) => (await s.workspaces.listKeys(ws)).find((k) => k.id === param(req, 'id')) ?? null;
const workspace: SnapshotLoader = (s, ws) => s.workspaces.get(ws);
const reward = orNull((s, ws, req) => s.loyalty.rewards.get(ws, param(req, 'id')));
const user = orNull((s, ws, req) => s.access.getUser(ws, param(req, 'id')));

/** Settings routes (method + route pattern) and how to snapshot them. Other modules may add theirs. */
const SPECS = new Map<string, SnapshotSpec>([
  ['PUT /api/channels/:id', { load: channel }],
  ['POST /api/messaging/channels', { afterFromResponse: true }],
  ['PUT /api/messaging/channels/:ref', { load: messagingChannel }],
  ['DELETE /api/messaging/channels/:ref', { load: messagingChannel }],
  ['PUT /api/consent/guard', { load: (s, ws) => s.consent.guardConfig(ws) }],
  ['PUT /api/loyalty/program', { load: (s, ws) => s.loyalty.program(ws) }],
  ['PUT /api/loyalty/member-day', { load: (s, ws) => s.loyalty.memberDay(ws) }],
  ['DELETE /api/loyalty/member-day', { load: (s, ws) => s.loyalty.memberDay(ws) }],
  ['PUT /api/loyalty/birthday', { load: (s, ws) => s.loyalty.birthday(ws) }],
  ['POST /api/loyalty/rewards', { afterFromResponse: true }],
  ['PATCH /api/loyalty/rewards/:id', { load: reward }],
  ['DELETE /api/loyalty/rewards/:id', { load: reward }],
  ['POST /api/keys', { afterFromResponse: true }],
  ['DELETE /api/keys/:id', { load: keyRow }],
  ['POST /api/users', { afterFromResponse: true }],
  ['PATCH /api/users/:id', { load: user }],
  ['POST /api/users/:id/disable', { load: user }],
  ['POST /api/users/:id/enable', { load: user }],
  ['POST /api/users/:id/reset-password', { load: user }],
  ['DELETE /api/users/:id', { load: user }],
  ['PUT /api/workspace', { load: workspace }],
  ['PATCH /api/workspace', { load: workspace }],
]);

/** Route prefixes of access and settings whose changes keep the response as `after` even without a loader. */
const SETTINGS_PREFIXES = ['/api/users', '/api/keys', '/api/access', '/api/workspace', '/api/settings', '/api/roles'];

/**
 * Adds (or replaces) the snapshot spec of a settings route, e.g. from the access module for its user routes.
 * @example registerAuditSnapshot('PATCH /api/users/:id', { load: (s, ws, req) => s.access.user(ws, req.params.id) })
 */
export function registerAuditSnapshot(action: string, spec: SnapshotSpec): void {
  SPECS.set(action, spec);
}

/** The snapshot spec of an action (`METHOD /route/pattern`), if it changes settings. */
export function snapshotSpecOf(action: string, route: string): SnapshotSpec | undefined {
  const spec = SPECS.get(action);
  if (spec) return spec;
  return SETTINGS_PREFIXES.some((p) => route === p || route.startsWith(p + '/')) ? { afterFromResponse: true } : undefined;
}
