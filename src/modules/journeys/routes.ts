// HTTP routes of journeys: CRUD on /api/journeys, standard plays, publish / pause / resume / archive, versions,
// per-step stats, instances, manual entry, a member's journeys.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { EnterBody, IdParam, InstancesQuery, JourneyCreate, JourneyPatch, ListQuery, PublishBody, RefParam, StatsQuery, VersionParam } from './schema.ts';

export function journeyRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['journeys'];
    const params = IdParam;
    s.journeys.setLogger((err, msg) => root.log.error({ err }, msg));

    app.get('/api/journeys/templates', { schema: { tags, summary: 'Standard plays: welcome coupon, post-purchase, silent recall, birthday, member day, tier upgrade, abandoned cart' } }, async () => ({
      data: s.journeys.templates(),
    }));

    app.get('/api/journeys', { schema: { tags, summary: 'Journeys (filter by status: draft, live, paused, archived)', querystring: ListQuery } }, async (req) => ({
      data: await s.journeys.list(workspaceOf(req), req.query),
    }));

    app.post(
      '/api/journeys',
      { schema: { tags, summary: 'Create a draft journey from a definition, or from a standard play (template + params)', body: JourneyCreate } },
      async (req, reply) => reply.status(201).send(await s.journeys.create(workspaceOf(req), req.body)),
    );

    app.get('/api/journeys/:id', { schema: { tags, summary: 'A journey (id or name): draft, status, current published definition', params } }, async (req) => s.journeys.get(workspaceOf(req), req.params.id));

    app.patch('/api/journeys/:id', { schema: { tags, summary: 'Edit the draft (name, description, definition); publish to make it count', params, body: JourneyPatch } }, async (req) =>
      s.journeys.update(workspaceOf(req), req.params.id, req.body),
    );

    app.delete('/api/journeys/:id', { schema: { tags, summary: 'Delete a journey never published (archive a published one)', params } }, async (req, reply) => {
      await s.journeys.remove(workspaceOf(req), req.params.id);
      return reply.status(204).send();
    });

    app.post(
      '/api/journeys/:id/publish',
      { schema: { tags, summary: 'Publish the draft as a new version; migrate: true moves members in flight (mapping old → new step ids)', params, body: PublishBody.nullish() } },
      async (req) => s.journeys.publish(workspaceOf(req), req.params.id, req.body ?? {}),
    );

    app.post('/api/journeys/:id/pause', { schema: { tags, summary: 'Pause: no entries, instances hold their position', params } }, async (req) => s.journeys.pause(workspaceOf(req), req.params.id));
    app.post('/api/journeys/:id/resume', { schema: { tags, summary: 'Resume a paused journey (triggers count from now)', params } }, async (req) => s.journeys.resume(workspaceOf(req), req.params.id));
    app.post('/api/journeys/:id/archive', { schema: { tags, summary: 'Archive: no entries, members in flight exit', params } }, async (req) => s.journeys.archive(workspaceOf(req), req.params.id));

    app.get('/api/journeys/:id/versions', { schema: { tags, summary: 'Published versions', params } }, async (req) => s.journeys.versions(workspaceOf(req), req.params.id));
    app.get('/api/journeys/:id/versions/:version', { schema: { tags, summary: 'One published (pinned) definition', params: VersionParam } }, async (req) =>
      s.journeys.version(workspaceOf(req), req.params.id, req.params.version),
    );

    app.get(
      '/api/journeys/:id/stats',
      { schema: { tags, summary: 'Per-step counts: entered, waiting now, completed, exited by goal, outcomes (sent, skipped, A/B branches); totals', params, querystring: StatsQuery } },
      async (req) => s.journeys.stats(workspaceOf(req), req.params.id, req.query),
    );

    app.get(
      '/api/journeys/:id/instances',
      { schema: { tags, summary: "Members' positions in the journey, newest first (filter by state, member, step)", params, querystring: InstancesQuery } },
      async (req) => s.journeys.instances(workspaceOf(req), req.params.id, req.query),
    );

    app.post(
      '/api/journeys/:id/enter',
      { schema: { tags, summary: 'Enter members by hand (re-entry rule applies) and run them now', params, body: EnterBody } },
      async (req) => s.journeys.enter(workspaceOf(req), req.params.id, req.body),
    );

    app.post('/api/journeys/run', { schema: { tags, summary: 'Run the trigger catch-up sweep and everything due now (the jobs do this continuously)' } }, async (req) =>
      s.journeys.run(workspaceOf(req)),
    );

    app.get('/api/members/:ref/journeys', { schema: { tags, summary: "A member's journey instances, newest first", params: RefParam } }, async (req) =>
      s.journeys.memberJourneys(workspaceOf(req), req.params.ref),
    );
  };
}
