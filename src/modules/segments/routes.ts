// HTTP routes of segments: /api/segments CRUD, preview, members, count, export, recompute, uploads, history,
// and /api/members/{ref}/segments.
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { can, workspaceOf } from '../../server/auth.ts';
import { maskListItem } from '../pii/mask-shapes.ts';
import { memberRow, memberSheetWriter } from '../imports/export.ts';
import { ExportQuery, HistoryQuery, MemberParam, MembersQuery, PreviewBody, RunsQuery, SegmentCreate, SegmentParam, SegmentPatch, UPLOAD_BODY_LIMIT, UploadBody } from './schema.ts';

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' };

export function segmentRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['segments'];
    s.segments.setLogger((err, msg) => root.log.error({ err }, msg));

    app.get('/api/segments', { schema: { tags, summary: 'List segments with member_count and last_computed_at' } }, async (req) => ({
      data: await s.segments.list(workspaceOf(req)),
    }));

    app.post(
      '/api/segments',
      {
        bodyLimit: UPLOAD_BODY_LIMIT,
        schema: { tags, summary: 'Create a dynamic segment (rule, computed at once) or a static one (optional initial members)', body: SegmentCreate },
      },
      async (req, reply) => reply.status(201).send(await s.segments.create(workspaceOf(req), req.body)),
    );

    app.post('/api/segments/preview', { schema: { tags, summary: 'Count and sample the members a rule selects now; nothing is saved', body: PreviewBody } }, async (req) =>
      s.segments.preview(workspaceOf(req), req.body).then((p) => (can(req, 'pii.read') ? p : { ...p, sample: p.sample.map(maskListItem) })),
    );

    app.get('/api/segments/:ref', { schema: { tags, summary: 'A segment by id or name', params: SegmentParam } }, async (req) => s.segments.get(workspaceOf(req), req.params.ref));

    app.patch(
      '/api/segments/:ref',
      { schema: { tags, summary: 'Edit a segment (version bumps; a new rule is validated and recomputed)', params: SegmentParam, body: SegmentPatch } },
      async (req) => s.segments.update(workspaceOf(req), req.params.ref, req.body),
    );

    app.delete('/api/segments/:ref', { schema: { tags, summary: 'Delete a segment with its membership and history', params: SegmentParam } }, async (req, reply) => {
      await s.segments.remove(workspaceOf(req), req.params.ref);
      return reply.status(204).send();
    });

    app.get(
      '/api/segments/:ref/members',
      { schema: { tags, summary: 'Members of a segment, newest first; page with next_cursor', params: SegmentParam, querystring: MembersQuery } },
      async (req) => {
        const page = await s.segments.members(workspaceOf(req), req.params.ref, req.query);
        return can(req, 'pii.read') ? page : { ...page, data: page.data.map(maskListItem) };
      },
    );

    app.post(
      '/api/segments/:ref/members',
      {
        bodyLimit: UPLOAD_BODY_LIMIT,
        schema: { tags, summary: 'Static segments: replace the list, append to it or remove from it (member refs); unknown refs in not_found', params: SegmentParam, body: UploadBody },
      },
      async (req) => s.segments.upload(workspaceOf(req), req.params.ref, req.body),
    );

    app.get('/api/segments/:ref/count', { schema: { tags, summary: 'How many members the segment holds', params: SegmentParam } }, async (req) =>
      s.segments.count(workspaceOf(req), req.params.ref),
    );

    app.post('/api/segments/:ref/recompute', { schema: { tags, summary: 'Recompute now (then the segments that read it); returns the runs', params: SegmentParam } }, async (req) =>
      s.segments.recompute(workspaceOf(req), req.params.ref),
    );

    app.get(
      '/api/segments/:ref/history',
      { schema: { tags, summary: 'Membership at the end of ?date=YYYY-MM-DD (workspace time zone), or the daily size trend', params: SegmentParam, querystring: HistoryQuery } },
      async (req) => s.segments.history(workspaceOf(req), req.params.ref, req.query),
    );

    app.get('/api/segments/:ref/runs', { schema: { tags, summary: 'Recent recompute runs, newest first', params: SegmentParam, querystring: RunsQuery } }, async (req) =>
      s.segments.runs(workspaceOf(req), req.params.ref, req.query.limit),
    );

    app.get(
      '/api/segments/:ref/export',
      { schema: { tags, summary: 'Download the members as CSV (UTF-8 with BOM) or XLSX', params: SegmentParam, querystring: ExportQuery } },
      async (req, reply) => {
        const ws = workspaceOf(req);
        const { format } = req.query;
        // Resolve the segment before answering, so an unknown one is a 404 rather than a broken download.
        const seg = await s.segments.get(ws, req.params.ref);
        const body = new PassThrough();
        const writer = memberSheetWriter(format, body);
        void (async () => {
          const unmasked = can(req, 'pii.read'); // without pii.read the file carries masked phone, email and name
          for await (const page of s.segments.memberPages(ws, seg.id)) for (const m of page) await writer.write(memberRow(unmasked ? m : maskListItem(m)));
          await writer.close();
        })().catch((e) => {
          req.log.error({ err: e }, 'segment export failed');
          body.destroy(e);
        });
        const file = `segment-${seg.name.replace(/[^\w.-]+/g, '_')}.${format}`;
        return reply
          .header('content-type', CONTENT_TYPES[format])
          .header('content-disposition', `attachment; filename="${file}"; filename*=UTF-8''${encodeURIComponent(`segment-${seg.name}.${format}`)}`)
          .send(body);
      },
    );

    app.get('/api/members/:ref/segments', { schema: { tags: ['segments', 'members'], summary: 'The segments a member is in, with when it entered', params: MemberParam } }, async (req) =>
      s.segments.ofMember(workspaceOf(req), req.params.ref),
    );
  };
}
