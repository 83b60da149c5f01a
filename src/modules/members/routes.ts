// HTTP routes of members: 360 view, timeline, search/list (also what exports page through) and member upsert.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { can, workspaceOf } from '../../server/auth.ts';
import { maskListItem, maskMember360, maskTimelineEntry } from '../pii/mask-shapes.ts';
import { ListQuery, RefParams, TimelineQuery, UpsertBody } from './schema.ts';

export function memberRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['members'];

    app.get(
      '/api/members',
      {
        schema: {
          tags,
          summary: 'Search members by exact phone, email, full name, member id, user id or type:value (personal data is sealed: no substring search) or list members with a tag; keyset paged; phone, email and name masked without pii.read',
          querystring: ListQuery,
        },
      },
      async (req) => {
        const page = await s.members.list(workspaceOf(req), req.query);
        // Without pii.read: phone 138****0000, email z***@…, name 张* (search still matches the full values).
        return can(req, 'pii.read') ? page : { ...page, data: page.data.map(maskListItem) };
      },
    );

    app.post(
      '/api/members',
      { schema: { tags, summary: 'Create or update members by their identifiers: one member, or { members: [...] } up to 1000', body: UpsertBody } },
      async (req) => s.members.upsert(workspaceOf(req), req.body, req.principal?.channel ?? null),
    );

    app.get(
      '/api/members/:ref',
      { schema: { tags, summary: 'Member 360: attributes, identities, traits, tags (ref: mem_… or type:value, e.g. phone:13800000000)', params: RefParams } },
      async (req) => {
        const m = await s.members.get(workspaceOf(req), req.params.ref);
        return can(req, 'pii.read') ? m : maskMember360(m);
      },
    );

    app.get(
      '/api/members/:ref/timeline',
      { schema: { tags, summary: 'Events, orders, refunds, message sends and points entries of a member, newest first (kinds=event,order,refund,message,points filters); page with next_cursor', params: RefParams, querystring: TimelineQuery } },
      async (req) => {
        const page = await s.members.timeline(workspaceOf(req), req.params.ref, req.query);
        return can(req, 'pii.read') ? page : { ...page, data: page.data.map(maskTimelineEntry) };
      },
    );
  };
}
