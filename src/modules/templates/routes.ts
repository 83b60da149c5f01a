// HTTP routes of message templates: CRUD on /api/templates, versions, the variable reference, and previews for a
// real member (of a saved template, or of unsaved content).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { can, workspaceOf } from '../../server/auth.ts';
import { maskKnownValues } from '../pii/mask-shapes.ts';
import { ContentPreviewBody, ListQuery, PreviewBody, RefParam, TemplateCreate, TemplatePatch, VersionQuery } from './schema.ts';

export function templateRoutes(s: Services): FastifyPluginAsync {
  /** Without pii.read, the member's name, phone and email are masked wherever the preview rendered them. */
  const maskPreview = async <T extends { member_id: string }>(req: FastifyRequest, r: T): Promise<T> =>
    can(req, 'pii.read') ? r : maskKnownValues(r, await s.members.get(workspaceOf(req), r.member_id));
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['templates'];

    app.get('/api/templates', { schema: { tags, summary: 'List message templates (newest first) with their channels and current version', querystring: ListQuery } }, async (req) =>
      s.templates.list(workspaceOf(req), req.query),
    );

    app.post(
      '/api/templates',
      { schema: { tags, summary: 'Create a template: per-channel Liquid content, checked for syntax, filters and unknown variables', body: TemplateCreate } },
      async (req, reply) => reply.status(201).send(await s.templates.create(workspaceOf(req), req.body)),
    );

    app.get('/api/templates/variables', { schema: { tags, summary: 'Variables templates may use (with types and examples) and the filters' } }, async () => s.templates.variables());

    app.post(
      '/api/templates/preview',
      { schema: { tags, summary: 'Check unsaved content like a save, then render it for a real member', body: ContentPreviewBody } },
      async (req) => maskPreview(req, await s.templates.previewContent(workspaceOf(req), req.body)),
    );

    app.get('/api/templates/:ref', { schema: { tags, summary: 'A template by id or name, with the content of its current version (or ?version=)', params: RefParam, querystring: VersionQuery } }, async (req) =>
      s.templates.get(workspaceOf(req), req.params.ref, req.query.version),
    );

    app.patch(
      '/api/templates/:ref',
      { schema: { tags, summary: 'Rename or describe a template; new content becomes a new version (old versions stay)', params: RefParam, body: TemplatePatch } },
      async (req) => s.templates.update(workspaceOf(req), req.params.ref, req.body),
    );

    app.delete('/api/templates/:ref', { schema: { tags, summary: 'Delete a template (its versions stay for the sends that used them)', params: RefParam } }, async (req, reply) => {
      await s.templates.delete(workspaceOf(req), req.params.ref);
      return reply.status(204).send();
    });

    app.get('/api/templates/:ref/versions', { schema: { tags, summary: 'Versions of a template, newest first', params: RefParam } }, async (req) =>
      s.templates.versions(workspaceOf(req), req.params.ref),
    );

    app.post(
      '/api/templates/:ref/preview',
      { schema: { tags, summary: 'Render a template for a real member (every channel, or one); extras not given use example values', params: RefParam, body: PreviewBody } },
      async (req) => maskPreview(req, await s.templates.preview(workspaceOf(req), req.params.ref, req.body)),
    );
  };
}
