// Assembles the HTTP application: validation, auth, error mapping, OpenAPI, metrics and every module's routes.
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../core/config.ts';
import type { Store } from '../store/port.ts';
import { authHook, recordRoutes } from './auth.ts';
import { errorHandler } from './error-mapping.ts';
import { registerInputGuards, registerRateLimit } from './limits.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createServices, type Services } from './services.ts';
import { preparePii } from '../modules/pii/setup.ts';
import { piiRoutes } from '../modules/pii/routes.ts';
import { systemRoutes } from './system-routes.ts';
import { registerConsole, type ConsoleHandle } from './console.ts';
import { memberRoutes } from '../modules/members/routes.ts';
import { tagRoutes } from '../modules/tags/routes.ts';
import { channelRoutes } from '../modules/channels/routes.ts';
import { ingestRoutes } from '../modules/ingest/routes.ts';
import { orderRoutes } from '../modules/orders/routes.ts';
import { importRoutes } from '../modules/imports/routes.ts';
import { segmentRoutes } from '../modules/segments/routes.ts';
import { analyticsRoutes } from '../modules/analytics/routes.ts';
import { scoreRoutes } from '../modules/scores/routes.ts';
import { clvRoutes } from '../modules/clv/routes.ts';
import { loyaltyRoutes } from '../modules/loyalty/routes.ts';
import { couponRoutes } from '../modules/coupons/routes.ts';
import { campaignRoutes } from '../modules/campaigns/routes.ts';
import { messagingRoutes } from '../modules/messaging/routes.ts';
import { wecomRoutes } from '../modules/messaging/wecom/routes.ts';
import { jobRoutes } from '../modules/jobs/routes.ts';
import { templateRoutes } from '../modules/templates/routes.ts';
import { broadcastRoutes } from '../modules/broadcasts/routes.ts';
import { measurementRoutes } from '../modules/measurement/routes.ts';
import { journeyRoutes } from '../modules/journeys/routes.ts';
import { qrcodeRoutes, staffRoutes } from '../modules/staff/index.ts';
import { communityRoutes } from '../modules/community/index.ts';
import { consentRoutes } from '../modules/consent/routes.ts';
import { auditRoutes, installAuditHooks } from '../modules/audit/index.ts';
import { privacyRoutes } from '../modules/privacy/index.ts';
import { recommendationRoutes } from '../modules/recommendations/index.ts';
import { accessRoutes } from '../modules/access/routes.ts';
import { alertRoutes } from '../modules/alerts/index.ts';
import { backupRoutes } from '../modules/backup/routes.ts';

export interface AppOptions {
  store: Store;
  config: Config;
  metrics?: Metrics;
  /** pino logger options or false; defaults to the configured level. */
  logger?: boolean | object;
  /** Folder of the built web console served at `/` (default web/dist); false serves none. */
  consoleDir?: string | false;
}

export type App = FastifyInstance;

/** Largest body any route accepts; ingest routes set their own, smaller limits. */
const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

/** Each domain module contributes one Fastify plugin factory; add new modules here. */
const routeModules: Array<(s: Services) => FastifyPluginAsync> = [channelRoutes, ingestRoutes, orderRoutes, memberRoutes, tagRoutes, importRoutes, analyticsRoutes, scoreRoutes, segmentRoutes, clvRoutes, loyaltyRoutes, couponRoutes, campaignRoutes, jobRoutes, messagingRoutes, templateRoutes, wecomRoutes, broadcastRoutes, measurementRoutes, journeyRoutes, staffRoutes, qrcodeRoutes, communityRoutes, consentRoutes, accessRoutes, auditRoutes, privacyRoutes, recommendationRoutes, alertRoutes, backupRoutes, piiRoutes];

/**
 * Builds the app and its services. Call `app.ready()` (or `listen`) before use, `app.close()` to flush.
 * @example const { app } = await buildApp({ store, config }); const res = await app.inject({ url: '/healthz' });
 */
export async function buildApp(opts: AppOptions): Promise<{ app: App; services: Services }> {
  const metrics = opts.metrics ?? createMetrics({ defaults: true });
  const app = Fastify({
    logger: opts.logger ?? (opts.config.logLevel === 'silent' ? false : { level: opts.config.logLevel }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Slow or stalled clients cannot hold sockets forever (slowloris); 0 turns the request timeout off.
    requestTimeout: opts.config.httpRequestTimeoutMs,
    keepAliveTimeout: opts.config.httpKeepAliveTimeoutMs,
    // Per-request lines would dominate the log at ingest rates; metrics count requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { coerceTypes: false } },
  }).withTypeProvider<ZodTypeProvider>();
  recordRoutes(app); // the route table behind docs/permissions.md and the permission walk test
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  let webConsole: ConsoleHandle | undefined;
  app.setNotFoundHandler((req, reply) => {
    if (webConsole?.fallback(req, reply)) return reply;
    const body = { type: 'not_found', code: 'route.not_found', message: `No route ${req.method} ${req.url.split('?')[0]}` };
    return reply.status(404).send(req.url.startsWith('/v1/') ? { success: false, ...body } : body);
  });

  // Personal data keys first: every service seals, opens and hashes with them (creates the key file on a first start).
  await preparePii(opts.store, opts.config, (msg, fields) => app.log.info(fields ?? {}, msg));
  const services = createServices(opts.store, opts.config, metrics);
  app.decorateRequest('principal', null);
  // preValidation: after body parsing (Segment may send the write key in the body), before input validation.
  app.addHook('preValidation', authHook(services.access));
  // Audit log: settings snapshots before the handler, one row per change after the response (never delays it).
  installAuditHooks(app, services);
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  app.addHook('onClose', async () => services.close());

  await app.register(swagger, {
    openapi: {
      info: { title: 'Siyu API', version: '0.1.0', description: 'Private-domain user operations: ingest, members, orders, tags, import/export.' },
      components: {
        securitySchemes: {
          writeKey: { type: 'http', scheme: 'basic', description: 'Segment-style: the write key is the username, password empty' },
          adminKey: { type: 'http', scheme: 'bearer', description: 'Admin API key' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Before every route: the limiter attaches itself to routes as they are added; routes inherit the body guard.
  await registerRateLimit(app, opts.config, opts.store);
  registerInputGuards(app);
  if (opts.consoleDir !== false) webConsole = await registerConsole(app, opts.consoleDir);
  await app.register(systemRoutes(services));
  for (const register of routeModules) await app.register(register(services));
  return { app, services };
}
