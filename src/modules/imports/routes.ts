// HTTP routes of imports: mapping templates, import runs and the all-or-nothing batch endpoint (admin key).
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf, can } from '../../server/auth.ts';
import { IMPORT_KINDS } from './fields.ts';
import { BatchBodySchema, MAX_BATCH_RECORDS } from './schema.ts';
import { maskListItem } from '../pii/mask-shapes.ts';
import { memberRow, memberSheetWriter } from './export.ts';
import { pageLimit } from '../../core/pagination.ts';

/** A batch of 5000 orders with their lines can be tens of megabytes of JSON. */
export const BATCH_BODY_LIMIT = 64 * 1024 * 1024;

const NameParams = z.object({ name: z.string().min(1).max(64) }).strict();
const KindParams = z.object({ kind: z.enum(IMPORT_KINDS) }).strict();
const RunParams = z.object({ id: z.string().min(1).max(100) }).strict();
const StartBody = z
  .object({
    kind: z.enum(IMPORT_KINDS),
    file_name: z.string().min(1).max(1000),
    file_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256'),
  })
  .strict();
const FinishBody = z
  .object({
    rows_total: z.number().int().min(0),
    rows_rejected: z.number().int().min(0),
    failed: z.boolean().optional(),
  })
  .strict();
const ExportQuery = z
  .object({
    tag: z.string().min(1).max(200).optional(),
    q: z.string().trim().min(1).max(200).optional(),
    format: z.enum(['csv', 'xlsx']).default('csv'),
  })
  .strict();
const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' };
const ValidateBody = BatchBodySchema.omit({ run_id: true });
const RunsQuery = z.object({ limit: pageLimit(20, 200) }).strict();

export function importRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['imports'];

    app.get('/api/mappings', { schema: { tags, summary: 'Mapping templates: built-ins (online-retail, cdnow) and saved ones' } }, async (req) => ({
      data: await s.imports.listMappings(workspaceOf(req)),
    }));

    app.get('/api/mappings/:name', { schema: { tags, summary: 'One mapping template', params: NameParams } }, async (req) =>
      s.imports.getMapping(workspaceOf(req), req.params.name),
    );

    app.put(
      '/api/mappings/:name',
      {
        schema: {
          tags,
          summary: 'Save a mapping template: { kind, fields: { target: column | { column | value | template, transform } }, … }',
          params: NameParams,
          body: z.record(z.string(), z.unknown()),
        },
      },
      async (req) => s.imports.putMapping(workspaceOf(req), req.params.name, req.body),
    );

    app.delete('/api/mappings/:name', { schema: { tags, summary: 'Delete a saved mapping template', params: NameParams } }, async (req, reply) => {
      await s.imports.deleteMapping(workspaceOf(req), req.params.name);
      return reply.status(204).send();
    });

    app.post('/api/import-runs', { schema: { tags, summary: 'Start an import run for one file', body: StartBody } }, async (req, reply) =>
      reply.status(201).send(await s.imports.startRun(workspaceOf(req), req.body)),
    );

    app.get('/api/import-runs', { schema: { tags, summary: 'Recent import runs, newest first', querystring: RunsQuery } }, async (req) => ({
      data: await s.imports.listRuns(workspaceOf(req), req.query.limit),
    }));

    app.get('/api/import-runs/:id', { schema: { tags, summary: 'One import run with its counts', params: RunParams } }, async (req) =>
      s.imports.getRun(workspaceOf(req), req.params.id),
    );

    app.post('/api/import-runs/:id/finish', { schema: { tags, summary: 'Close an import run with its final counts', params: RunParams, body: FinishBody } }, async (req) =>
      s.imports.finishRun(workspaceOf(req), req.params.id, req.body),
    );

    app.get(
      '/api/members/export',
      { schema: { tags, summary: 'Download members (optionally with a tag or matching q) as CSV (UTF-8 with BOM) or XLSX', querystring: ExportQuery } },
      async (req, reply) => {
        const ws = workspaceOf(req);
        const { tag, q, format } = req.query;
        const unmasked = can(req, 'pii.read'); // without pii.read the file carries masked phone, email and name
        const page = (cursor?: string) => s.members.list(ws, { tag, q, limit: 1000, cursor });
        // The first page is read before answering, so an unknown tag is a 404 rather than a broken download.
        const first = await page();
        const body = new PassThrough();
        const writer = memberSheetWriter(format, body);
        void (async () => {
          for (let p = first; ; p = await page(p.next_cursor!)) {
            for (const m of p.data) await writer.write(memberRow(unmasked ? m : maskListItem(m)));
            if (!p.next_cursor) break;
          }
          await writer.close();
        })().catch((e) => {
          req.log.error({ err: e }, 'member export failed');
          body.destroy(e);
        });
        const name = `members${tag ? '-' + tag.replace(/[^\w.-]+/g, '_') : ''}.${format}`;
        return reply.header('content-type', CONTENT_TYPES[format]).header('content-disposition', `attachment; filename="${name}"`).send(body);
      },
    );

    app.post(
      '/api/imports/:kind/validate',
      {
        bodyLimit: BATCH_BODY_LIMIT,
        schema: { tags, summary: 'Check mapped records as /batch would, writing nothing (dry runs): { invalid: [{ index, row, field, reason }] }', params: KindParams, body: ValidateBody },
      },
      async (req) => ({ invalid: s.imports.checkBatch(req.params.kind, req.body.rows) }),
    );

    app.post(
      '/api/imports/:kind/batch',
      {
        bodyLimit: BATCH_BODY_LIMIT,
        schema: {
          tags,
          summary: `Write up to ${MAX_BATCH_RECORDS} mapped records in one transaction (all or nothing); 400 lists every invalid record in details.invalid`,
          params: KindParams,
          body: BatchBodySchema,
        },
      },
      async (req) => s.imports.applyBatch(workspaceOf(req), req.params.kind, req.body),
    );
  };
}
