// Operational routes: health, metrics, the OpenAPI document and the workspace.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from './services.ts';
import { workspaceOf } from './auth.ts';

export function systemRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
      try {
        await s.store.query('SELECT 1 AS ok');
        return { status: 'ok', store: s.store.engine };
      } catch (e) {
        return reply.status(503).send({ status: 'unavailable', store: s.store.engine, message: String((e as Error).message) });
      }
    });

    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      reply.header('content-type', s.metrics.registry.contentType);
      return s.metrics.registry.metrics();
    });

    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    app.get('/api/workspace', { schema: { tags: ['system'], summary: 'The workspace of the presented key' } }, async (req) =>
      s.workspaces.get(workspaceOf(req)),
    );
    // API keys (/api/keys) live with users and sessions in src/modules/access/routes.ts.
  };
}
