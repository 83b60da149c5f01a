// HTTP routes for source channels.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';

export function channelRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.get('/api/channels', { schema: { tags: ['channels'], summary: 'Source channels with members, orders, GMV and events per channel' } }, async (req) => ({
      data: await s.channels.list(workspaceOf(req)),
    }));
    app.put(
      '/api/channels/:id',
      {
        schema: {
          tags: ['channels'],
          summary: 'Register or rename a brand channel',
          params: z.object({ id: z.string() }),
          body: z.object({ name: z.string().min(1).max(100), name_en: z.string().max(100).optional(), kind: z.enum(['owned', 'social', 'offline', 'ecommerce', 'other']).default('other') }).strict(),
        },
      },
      async (req, reply) => {
        await s.channels.upsert(workspaceOf(req), { id: req.params.id, name: req.body.name, name_en: req.body.name_en ?? req.body.name, kind: req.body.kind });
        return reply.status(204).send();
      },
    );
  };
}
