// Operational routes: health, metrics, the OpenAPI document, workspaces and keys.
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

    app.get('/api/keys', { schema: { tags: ['system'], summary: 'List API keys (secrets are never shown again)' } }, async (req) => ({
      data: await s.workspaces.listKeys(workspaceOf(req)),
    }));

    app.post(
      '/api/keys',
      {
        schema: {
          tags: ['system'],
          summary: 'Create an API key; the secret is returned once',
          body: z.object({ kind: z.enum(['write', 'admin']), name: z.string().max(200).optional(), channel: z.string().max(64).optional() }).strict(),
        },
      },
      async (req, reply) => {
        const key = await s.workspaces.createKey(workspaceOf(req), req.body.kind, { name: req.body.name, channel: req.body.channel });
        return reply.status(201).send(key);
      },
    );

    app.delete('/api/keys/:id', { schema: { tags: ['system'], params: z.object({ id: z.string() }) } }, async (req, reply) => {
      await s.workspaces.revokeKey(workspaceOf(req), req.params.id);
      return reply.status(204).send();
    });
  };
}
