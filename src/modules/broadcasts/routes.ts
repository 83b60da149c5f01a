// HTTP routes of broadcasts: CRUD on /api/broadcasts, schedule, cancel, send-test, live progress and chunks.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { BroadcastCreate, BroadcastPatch, IdParam, ListQuery, ScheduleBody, SendTestBody } from './schema.ts';

export function broadcastRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['broadcasts'];
    const params = IdParam;

    app.get('/api/broadcasts', { schema: { tags, summary: 'Broadcasts, newest first (filter by status)', querystring: ListQuery } }, async (req) => s.broadcasts.list(workspaceOf(req), req.query));

    app.post(
      '/api/broadcasts',
      { schema: { tags, summary: 'Create a draft broadcast: segment, template, messaging channel, purpose, holdout share, schedule, rate limit', body: BroadcastCreate } },
      async (req, reply) => reply.status(201).send(await s.broadcasts.create(workspaceOf(req), req.body)),
    );

    app.get('/api/broadcasts/:id', { schema: { tags, summary: 'A broadcast (by id or name) with its live progress', params } }, async (req) => s.broadcasts.get(workspaceOf(req), req.params.id));

    app.patch('/api/broadcasts/:id', { schema: { tags, summary: 'Edit a draft broadcast', params, body: BroadcastPatch } }, async (req) =>
      s.broadcasts.update(workspaceOf(req), req.params.id, req.body),
    );

    app.delete('/api/broadcasts/:id', { schema: { tags, summary: 'Delete a draft or finished broadcast (its sends stay in the message ledger)', params } }, async (req, reply) => {
      await s.broadcasts.delete(workspaceOf(req), req.params.id);
      return reply.status(204).send();
    });

    app.post(
      '/api/broadcasts/:id/schedule',
      { schema: { tags, summary: 'Schedule a draft (optionally with a new schedule): pins the template version and queues the start', params, body: ScheduleBody.nullish() } },
      async (req) => s.broadcasts.schedule(workspaceOf(req), req.params.id, req.body ?? {}),
    );

    app.post('/api/broadcasts/:id/cancel', { schema: { tags, summary: 'Cancel a scheduled or running broadcast: no further chunk is sent', params } }, async (req) =>
      s.broadcasts.cancel(workspaceOf(req), req.params.id),
    );

    app.post(
      '/api/broadcasts/:id/send-test',
      { schema: { tags, summary: 'Send the template to a few members now (no guard rails, no holdout, not counted)', params, body: SendTestBody } },
      async (req) => s.broadcasts.sendTest(workspaceOf(req), req.params.id, req.body),
    );

    app.get('/api/broadcasts/:id/progress', { schema: { tags, summary: 'Live progress: counts by state (pending, sent, failed, skipped by reason, holdout) and chunks', params } }, async (req) =>
      s.broadcasts.progress(workspaceOf(req), req.params.id),
    );

    app.get('/api/broadcasts/:id/chunks', { schema: { tags, summary: 'The chunks of a started broadcast: run time, state, counts', params } }, async (req) =>
      s.broadcasts.chunks(workspaceOf(req), req.params.id),
    );
  };
}
