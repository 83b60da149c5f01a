// Fastify hooks that feed the audit log: every non-GET /api request that succeeded or was denied becomes one row
// (after the response is sent, so the request never waits for it); settings routes get before/after snapshots;
// data-plane ingest (/v1) is only counted, per key and minute.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../server/services.ts';
import { actorOf, can } from '../../server/auth.ts';
import { parseMemberRef } from '../members/member-refs.ts';
import { snapshotJson } from './chain.ts';
import { snapshotSpecOf, type SnapshotSpec } from './snapshots.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The sign-in route: public, so it has no principal; the user comes from its answer. */
const LOGIN = '/api/auth/login';

interface AuditState {
  spec?: SnapshotSpec;
  before?: string | null;
  response?: unknown;
}

const states = new WeakMap<FastifyRequest, AuditState>();

const actionOf = (req: FastifyRequest) => `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`;

/** The id of the resource a request addresses: its `id`, `ref`, `code`, `name` or first route parameter. */
export function resourceIdOf(params: unknown): string | null {
  if (!params || typeof params !== 'object') return null;
  const p = params as Record<string, unknown>;
  const v = p.id ?? p.ref ?? p.code ?? p.name ?? p.key ?? Object.values(p)[0];
  if (v === undefined || v === null) return null;
  const text = String(v).slice(0, 300);
  // A member addressed by phone, email or openid: the log keeps the identifier's type only, so an erased person's
  // phone number does not live on in the (append-only) audit log.
  const ref = parseMemberRef(text);
  return ref?.kind === 'identity' ? `${ref.type}:***` : text;
}

/** Messages a data-plane request carried: the length of its batch, else one. */
function messagesOf(body: unknown): number {
  if (!body || typeof body !== 'object') return 1;
  for (const k of ['batch', 'orders', 'refunds']) {
    const v = (body as Record<string, unknown>)[k];
    if (Array.isArray(v)) return v.length;
  }
  return 1;
}

/**
 * Data-plane traffic, summed per key and minute: the /v1 routes, and whatever an ingest-only key sends under /api
 * (bulk imports from integrations) — a key that cannot even read members.
 */
const isIngest = (req: FastifyRequest) =>
  req.url.startsWith('/v1/') || req.routeOptions.config?.auth === 'write' || (actorOf(req)?.type === 'key' && !can(req, 'members.read'));

/**
 * Installs the audit hooks on the root app. Call after the auth hook is added, so principals are known.
 * @example installAuditHooks(app, services)
 */
export function installAuditHooks(app: FastifyInstance, s: Services): void {
  s.audit.setLogger((msg, detail) => app.log.error(detail, msg));
  // Reads the settings before the handler changes them (only for routes with a snapshot spec).
  app.addHook('preHandler', async (req: FastifyRequest) => {
    if (req.method === 'POST' && req.routeOptions.url === LOGIN) return void states.set(req, { spec: { afterFromResponse: true } });
    if (READS.has(req.method) || !req.principal || !req.url.startsWith('/api/')) return;
    const route = req.routeOptions.url ?? '';
    const spec = snapshotSpecOf(actionOf(req), route);
    if (!spec) return;
    const st: AuditState = { spec };
    states.set(req, st);
    if (spec.load) st.before = await load(spec, s, req);
  });

  app.addHook('onSend', async (req: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
    const st = states.get(req);
    if (st?.spec?.afterFromResponse && typeof payload === 'string') st.response = payload;
    return payload;
  });

  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    if (READS.has(req.method)) return;
    const status = reply.statusCode;
    const actor = actorOf(req);
    const ws = req.principal?.workspaceId;
    // Denied requests are always recorded one by one, ingest keys' included.
    if (status !== 401 && status !== 403 && isIngest(req)) {
      if (ws) s.audit.countIngest({ workspaceId: ws, actor, route: req.routeOptions.url ?? req.url.split('?')[0], messages: messagesOf(req.body), ok: status < 400 });
      return;
    }
    if (req.method === 'POST' && req.routeOptions.url === LOGIN) return recordLogin(s, req, status);
    if (!req.url.startsWith('/api/') || !ws) return;
    if (status >= 400 && status !== 401 && status !== 403) return; // invalid requests change nothing
    const st = states.get(req);
    const entry = {
      workspaceId: ws,
      occurredAt: new Date().toISOString(),
      actor,
      action: actionOf(req),
      route: req.routeOptions.url ?? null,
      resourceId: resourceIdOf(req.params),
      status,
      ip: req.ip ?? null,
      userAgent: (req.headers['user-agent'] as string | undefined)?.slice(0, 500) ?? null,
      requestId: String(req.id),
      before: st?.before ?? null,
      after: status < 400 ? null : (st?.before ?? null),
    };
    if (!st?.spec || status >= 400) return s.audit.record(entry);
    if (!st.spec.load) return s.audit.record({ ...entry, after: st.response !== undefined ? snapshotJson(safeParse(st.response)) : null });
    // Queued now (keeps the order of responses), completed when the after-snapshot is read.
    s.audit.record(load(st.spec, s, req).then((after) => ({ ...entry, after })));
  });
}

/** A successful sign-in, as the user it signed in (never the token); failed attempts are the access module's lock-out. */
function recordLogin(s: Services, req: FastifyRequest, status: number) {
  const body = safeParse(states.get(req)?.response) as { user?: { id?: string; username?: string; workspace_id?: string } } | null;
  const u = body?.user;
  if (status >= 300 || !u?.id || !u.workspace_id) return;
  s.audit.record({
    workspaceId: u.workspace_id, occurredAt: new Date().toISOString(), actor: { type: 'user', id: u.id, name: u.username ?? null },
    action: `POST ${LOGIN}`, route: LOGIN, resourceId: u.id, status, ip: req.ip ?? null,
    userAgent: (req.headers['user-agent'] as string | undefined)?.slice(0, 500) ?? null, requestId: String(req.id),
  });
}

async function load(spec: SnapshotSpec, s: Services, req: FastifyRequest): Promise<string | null> {
  try {
    return snapshotJson(await spec.load!(s, req.principal!.workspaceId, req));
  } catch (err) {
    // A snapshot that cannot be read must not fail the change; the row records that it is missing.
    req.log.warn({ err }, 'audit snapshot failed');
    return JSON.stringify({ snapshot_error: String((err as Error)?.message ?? err).slice(0, 300) });
  }
}

function safeParse(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
