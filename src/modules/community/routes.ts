// HTTP routes of community (社群) under /api/community: groups and their members, sync from WeCom, SOPs, audiences
// (groups as broadcast targets) and the per-group report (JSON or CSV).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { workspaceOf } from '../../server/auth.ts';
import type { Services } from '../../server/services.ts';
import { toCsv } from '../analytics/report-csv.ts';
import { groupTable } from './report-repo.ts';
import { AudienceBody, GroupListQuery, GroupPatch, MembersQuery, RefParam, ReportQuery, SopCreate, SopPatch, SopRunBody, SyncBody } from './schema.ts';

export function communityRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['community'];
    const c = s.community;

    app.get('/api/community/groups', { schema: { tags, summary: 'List customer groups (filter by status, positioning, value tier, tag, owner)', querystring: GroupListQuery } }, async (req) => ({
      data: await c.listGroups(workspaceOf(req), req.query),
    }));
    app.get('/api/community/groups/:ref', { schema: { tags, summary: 'A group by id or chat_id', params: RefParam } }, async (req) => c.getGroup(workspaceOf(req), req.params.ref));
    app.patch('/api/community/groups/:ref', { schema: { tags, summary: 'Set a group\u2019s positioning, value tier and tags', params: RefParam, body: GroupPatch } }, async (req) =>
      c.patchGroup(workspaceOf(req), req.params.ref, req.body),
    );
    app.get('/api/community/groups/:ref/members', { schema: { tags, summary: 'Members of a group (active by default)', params: RefParam, querystring: MembersQuery } }, async (req) =>
      c.members(workspaceOf(req), req.params.ref, req.query),
    );
    app.get('/api/community/groups/:ref/report', { schema: { tags, summary: 'One group\u2019s activity, member value and conversions', params: RefParam, querystring: ReportQuery } }, async (req, reply) => {
      const r = await c.report(workspaceOf(req), req.query, req.params.ref);
      if (req.query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(groupTable(r.data)));
      return r;
    });
    app.post('/api/community/sync', { schema: { tags, summary: 'Sync groups and members from WeCom now (also the community.sync job)', body: SyncBody } }, async (req) =>
      c.sync(workspaceOf(req), req.body),
    );
    app.get('/api/community/report', { schema: { tags, summary: 'Per group: joins, leaves, SOP posts, member spend and RFM mix, conversions', querystring: ReportQuery } }, async (req, reply) => {
      const r = await c.report(workspaceOf(req), req.query);
      if (req.query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(groupTable(r.data)));
      return r;
    });
    app.post('/api/community/audience', { schema: { tags, summary: 'Member ids of the customers in the matching groups (a broadcast audience)', body: AudienceBody } }, async (req) =>
      c.audience(workspaceOf(req), req.body),
    );
    app.post('/api/community/chat-targets', { schema: { tags, summary: 'Chat ids and owners of the matching groups (for group mass sends)', body: AudienceBody } }, async (req) => ({
      data: await c.chatTargets(workspaceOf(req), req.body),
    }));

    app.get('/api/community/sops', { schema: { tags, summary: 'List SOPs' } }, async (req) => ({ data: await c.sops.list(workspaceOf(req)) }));
    app.post('/api/community/sops', { schema: { tags, summary: 'Create an SOP: cron + content (or template) + WeCom channel + groups', body: SopCreate } }, async (req, reply) =>
      reply.status(201).send(await c.sops.create(workspaceOf(req), req.body)),
    );
    app.get('/api/community/sops/:ref', { schema: { tags, summary: 'An SOP by id or name', params: RefParam } }, async (req) => c.sops.get(workspaceOf(req), req.params.ref));
    app.patch('/api/community/sops/:ref', { schema: { tags, summary: 'Change an SOP (its schedule follows)', params: RefParam, body: SopPatch } }, async (req) =>
      c.sops.update(workspaceOf(req), req.params.ref, req.body),
    );
    app.delete('/api/community/sops/:ref', { schema: { tags, summary: 'Delete an SOP and its schedule', params: RefParam } }, async (req, reply) => {
      await c.sops.delete(workspaceOf(req), req.params.ref);
      return reply.status(204).send();
    });
    app.post('/api/community/sops/:ref/run', { schema: { tags, summary: 'Post an SOP for a tick now (default: this minute); once per tick and group', params: RefParam, body: SopRunBody.optional() } }, async (req) => {
      const tick = req.body?.tick ?? new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
      return c.sops.run(workspaceOf(req), req.params.ref, tick);
    });
  };
}
