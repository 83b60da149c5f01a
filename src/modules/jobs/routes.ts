// HTTP routes of the job queue: /api/jobs (list, stats, get, enqueue, cancel, retry) and /api/jobs/schedules (CRUD).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { JobCreate, JobIdParam, JobListQuery, ScheduleBody, ScheduleNameParam, SchedulePatch } from './schema.ts';

export function jobRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['jobs'];
    s.jobs.setLogger((err, msg) => root.log.error({ err }, msg));

    app.get('/api/jobs', { schema: { tags, summary: 'Jobs newest first, filtered by state (comma-separated), kind or key; page with next_cursor', querystring: JobListQuery } }, async (req) =>
      s.jobs.list(workspaceOf(req), req.query),
    );

    app.get('/api/jobs/stats', { schema: { tags, summary: 'Job counts by kind and state, queue lag per kind, and the kinds with handlers' } }, async (req) =>
      s.jobs.stats(workspaceOf(req)),
    );

    app.post('/api/jobs', { schema: { tags, summary: 'Enqueue a job of a registered kind (idempotent on key while the job is unfinished)', body: JobCreate } }, async (req, reply) => {
      const ws = workspaceOf(req);
      const r = await s.jobs.create(ws, req.body);
      return reply.status(r.created ? 201 : 200).send({ created: r.created, job: await s.jobs.get(ws, r.id) });
    });

    app.get('/api/jobs/schedules', { schema: { tags, summary: 'Recurring schedules with their next and last tick' } }, async (req) => ({
      data: await s.jobs.listSchedules(workspaceOf(req)),
    }));

    app.get('/api/jobs/schedules/:name', { schema: { tags, summary: 'A schedule by name', params: ScheduleNameParam } }, async (req) =>
      s.jobs.getSchedule(workspaceOf(req), req.params.name),
    );

    app.put(
      '/api/jobs/schedules/:name',
      { schema: { tags, summary: 'Create or replace a schedule: each cron tick (in its time zone) enqueues one job of kind', params: ScheduleNameParam, body: ScheduleBody } },
      async (req) => s.jobs.schedule(workspaceOf(req), { name: req.params.name, ...req.body }),
    );

    app.patch('/api/jobs/schedules/:name', { schema: { tags, summary: 'Change some fields of a schedule (e.g. enabled)', params: ScheduleNameParam, body: SchedulePatch } }, async (req) =>
      s.jobs.updateSchedule(workspaceOf(req), req.params.name, req.body),
    );

    app.delete('/api/jobs/schedules/:name', { schema: { tags, summary: 'Delete a schedule (jobs it enqueued stay)', params: ScheduleNameParam } }, async (req, reply) => {
      await s.jobs.deleteSchedule(workspaceOf(req), req.params.name);
      return reply.status(204).send();
    });

    app.get('/api/jobs/:id', { schema: { tags, summary: 'A job with its attempts, lease and last error', params: JobIdParam } }, async (req) => s.jobs.get(workspaceOf(req), req.params.id));

    app.post('/api/jobs/:id/cancel', { schema: { tags, summary: 'Cancel a queued or running job', params: JobIdParam } }, async (req) => s.jobs.cancel(workspaceOf(req), req.params.id));

    app.post('/api/jobs/:id/retry', { schema: { tags, summary: 'Run a dead or cancelled job again with fresh attempts, or a queued one now', params: JobIdParam } }, async (req) =>
      s.jobs.retry(workspaceOf(req), req.params.id),
    );
  };
}
