// HTTP routes of tags: /api/tag-groups, /api/tags, bulk /api/tags/{tag}/members and /api/members/{ref}/tags.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { GroupCreate, GroupPatch, MemberTagsBody, RefParam, TagCreate, TagListQuery, TagMembersBody, TagPatch, TagParam } from './schema.ts';

const GroupParam = RefParam;

export function tagRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['tags'];

    app.get('/api/tag-groups', { schema: { tags, summary: 'List tag groups' } }, async (req) => ({ data: await s.tags.listGroups(workspaceOf(req)) }));

    app.post('/api/tag-groups', { schema: { tags, summary: 'Create a tag group (exclusive: a member holds at most one of its tags)', body: GroupCreate } }, async (req, reply) =>
      reply.status(201).send(await s.tags.createGroup(workspaceOf(req), req.body)),
    );

    app.get('/api/tag-groups/:ref', { schema: { tags, summary: 'A tag group by id or name', params: GroupParam } }, async (req) =>
      s.tags.getGroup(workspaceOf(req), req.params.ref),
    );

    app.patch('/api/tag-groups/:ref', { schema: { tags, summary: 'Rename, describe or make a group exclusive', params: GroupParam, body: GroupPatch } }, async (req) =>
      s.tags.updateGroup(workspaceOf(req), req.params.ref, req.body),
    );

    app.delete('/api/tag-groups/:ref', { schema: { tags, summary: 'Delete a tag group; its tags stay, ungrouped', params: GroupParam } }, async (req, reply) => {
      await s.tags.deleteGroup(workspaceOf(req), req.params.ref);
      return reply.status(204).send();
    });

    app.get('/api/tags', { schema: { tags, summary: 'List tags with member counts', querystring: TagListQuery } }, async (req) => ({
      data: await s.tags.listTags(workspaceOf(req), { group: req.query.group }),
    }));

    app.post('/api/tags', { schema: { tags, summary: 'Create a tag (name unique per workspace)', body: TagCreate } }, async (req, reply) =>
      reply.status(201).send(await s.tags.createTag(workspaceOf(req), req.body)),
    );

    app.get('/api/tags/:tag', { schema: { tags, summary: 'A tag by id or name', params: TagParam } }, async (req) => s.tags.getTag(workspaceOf(req), req.params.tag));

    app.patch('/api/tags/:tag', { schema: { tags, summary: 'Rename a tag, move it between groups, describe it', params: TagParam, body: TagPatch } }, async (req) =>
      s.tags.updateTag(workspaceOf(req), req.params.tag, req.body),
    );

    app.delete('/api/tags/:tag', { schema: { tags, summary: 'Delete a tag and all its memberships', params: TagParam } }, async (req, reply) => {
      await s.tags.deleteTag(workspaceOf(req), req.params.tag);
      return reply.status(204).send();
    });

    app.post(
      '/api/tags/:tag/members',
      { schema: { tags, summary: 'Tag up to 1000 members by ref; unknown refs are listed in not_found', params: TagParam, body: TagMembersBody } },
      async (req) => s.tags.addMembers(workspaceOf(req), req.params.tag, req.body),
    );

    app.delete(
      '/api/tags/:tag/members',
      { schema: { tags, summary: 'Untag up to 1000 members by ref; unknown refs are listed in not_found', params: TagParam, body: TagMembersBody.omit({ source: true, create_missing_tag: true }) } },
      async (req) => s.tags.removeMembers(workspaceOf(req), req.params.tag, req.body),
    );

    app.post(
      '/api/members/:ref/tags',
      { schema: { tags, summary: "Add tags to one member; returns the member's tags", params: RefParam, body: MemberTagsBody } },
      async (req) => ({ tags: await s.tags.addToMember(workspaceOf(req), req.params.ref, req.body) }),
    );

    app.delete(
      '/api/members/:ref/tags',
      { schema: { tags, summary: "Remove tags from one member; returns the member's tags", params: RefParam, body: MemberTagsBody.omit({ source: true, create_missing_tag: true }) } },
      async (req) => ({ tags: await s.tags.removeFromMember(workspaceOf(req), req.params.ref, req.body) }),
    );
  };
}
