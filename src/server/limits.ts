// Request limits: per-key rate limits (ingest and /api budgets), body-size wording, and database failures that are
// the server's state rather than a bug (statement timeout, connection lost), answered as 503 instead of 500.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Config } from '../core/config.ts';
import { SiyuError } from '../core/errors.ts';
import { actorOf } from './auth.ts';
import { findUnstorableText, RISKY_JSON_ESCAPE } from '../core/unstorable-text.ts';
import type { Store } from '../store/port.ts';
import { rateLimitStoreOf, SharedRateCounters } from './shared-rate-counters.ts';

export type RateBucket = 'ingest' | 'api';

/** Which budget a request spends: the Segment routes and write-key routes are ingest, the rest of /api is api. */
export function rateBucket(req: FastifyRequest): RateBucket | null {
  if (req.url.startsWith('/v1/') || req.routeOptions.config?.auth === 'write') return 'ingest';
  if (req.url.startsWith('/api/')) return 'api';
  return null; // health, metrics, console assets, tracked links: not limited per key
}

/**
 * Registers @fastify/rate-limit before the routes. It runs as a route preHandler, after the global auth preHandler,
 * so the budget belongs to the authenticated key or session; requests without one are counted per client IP. On a
 * store that several processes share (PostgreSQL), the counters are shared too (see shared-rate-counters.ts).
 */
export async function registerRateLimit(app: FastifyInstance, config: Config, store?: Store): Promise<void> {
  const budget = (b: RateBucket | null) => (b === 'ingest' ? config.rateLimitIngest : b === 'api' ? config.rateLimitApi : 0);
  if (config.rateLimitIngest === 0 && config.rateLimitApi === 0) return;
  let shared: SharedRateCounters | undefined;
  if (store?.capabilities.multiProcess && config.rateLimitSyncMs > 0) {
    let warned = 0; // a database outage fails every sync: say so once a minute, not four times a second
    const onError = (err: unknown) => {
      if (Date.now() - warned < 60_000) return;
      warned = Date.now();
      app.log.warn({ err }, 'rate-limit counters not synced; counting locally until the database answers');
    };
    shared = new SharedRateCounters(store, { syncMs: config.rateLimitSyncMs, onError });
    app.decorate('rateCounters', shared);
    app.addHook('preClose', () => shared!.close());
  }
  await app.register(rateLimit, {
    ...(shared ? { store: rateLimitStoreOf(shared) } : {}),
    global: true,
    hook: 'preHandler',
    timeWindow: config.rateLimitWindowMs,
    max: async (req) => budget(rateBucket(req)),
    allowList: (req) => budget(rateBucket(req)) === 0,
    keyGenerator: (req) => {
      const actor = actorOf(req);
      return `${rateBucket(req)}:${actor ? `${actor.type}:${actor.id}` : `ip:${req.ip}`}`;
    },
    // The plugin has set Retry-After and the X-RateLimit-* headers; the error handler shapes the body.
    errorResponseBuilder: (req, ctx) =>
      new SiyuError('rate_limited', 'rate_limited', `Too many requests: at most ${ctx.max} per ${config.rateLimitWindowMs / 1000} s on ${rateBucket(req) === 'ingest' ? 'the ingest routes' : '/api'} for this key; retry in ${ctx.after}`, {
        details: { limit: ctx.max, window_ms: config.rateLimitWindowMs, retry_after_s: Math.ceil(ctx.ttl / 1000) },
      }),
  });
}

const unstorable = (field: string) =>
  new SiyuError('invalid_data', 'request.invalid_text', `${field} contains a NUL character or a lone UTF-16 surrogate, which cannot be stored`, { field });

/**
 * Refuses text no store can hold (NUL, lone surrogates) in JSON bodies, query strings and path parameters with 400
 * `request.invalid_text` naming the field, before any module binds it to a statement. Register before the routes
 * (the ingest routes parse their own bodies and check them per message).
 */
export function registerInputGuards(app: FastifyInstance): void {
  // Fastify's defaults: refuse `__proto__` keys, drop `constructor.prototype`.
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    parseJson(req, body as string, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      // Only a \u escape can put NUL or a lone surrogate into parsed JSON: walk the value only when one is present.
      const bad = RISKY_JSON_ESCAPE.test(body as string) ? findUnstorableText(value, 'body') : null;
      if (bad) return done(unstorable(bad), undefined);
      done(null, value);
    });
  });
  app.addHook('preValidation', async (req) => {
    const query = findUnstorableText(req.query, 'querystring');
    if (query) throw unstorable(query);
    const params = findUnstorableText(req.params, 'params');
    if (params) throw unstorable(params);
  });
}

/** Words for a byte count: 512 KB, 16 MB. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KB`;
  return `${n} bytes`;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);

/**
 * A database failure that says the store is slow or away (not that the request or the code is wrong): PostgreSQL's
 * statement timeout or cancellation, admin shutdown, too many connections, a dropped connection; DuckDB's interrupt.
 * Returns null for everything else (those stay 500 `internal`, details only in the log).
 */
export function storeUnavailable(err: unknown): SiyuError | null {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return null;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === '57014' || /^INTERRUPT Error/i.test(message)) {
    return new SiyuError('unavailable', 'store.timeout', 'The database query took too long and was cancelled; narrow the request or retry later');
  }
  // A full disk (DuckDB cannot write its WAL, PostgreSQL's disk_full): refused until space frees, then writes go on.
  if (code === '53100' || code === 'ENOSPC' || /No space left on device/i.test(message)) {
    return new SiyuError('unavailable', 'store.disk_full', 'The database disk is full; nothing was stored, retry once space is freed');
  }
  if (/^(57P0[1-3]|53300|08\d\d\d)$/.test(code) || CONNECTION_CODES.has(code) || /Connection terminated|connection (is )?closed|Client has encountered a connection error/i.test(message)) {
    return new SiyuError('unavailable', 'store.unavailable', 'The database is unavailable; retry shortly');
  }
  return null;
}
