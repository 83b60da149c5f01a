// HTTP routes of channel QR codes (渠道活码) under /api/qrcodes: create in WeCom, change, rotate, delete, the
// arrivals through a code and the acquisition report (JSON or CSV).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { workspaceOf } from '../../server/auth.ts';
import type { Services } from '../../server/services.ts';
import { toCsv } from '../analytics/report-csv.ts';
import { qrcodeTable } from './qrcode-report.ts';
import { QrCodeCreate, QrCodePatch, QrListQuery, QrReportQuery } from './qrcode-schema.ts';
import { MembersQuery, RefParam } from './schema.ts';

export function qrcodeRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['qrcodes'];

    app.get('/api/qrcodes', { schema: { tags, summary: 'List channel QR codes', querystring: QrListQuery } }, async (req) => ({
      data: await s.qrcodes.list(workspaceOf(req), { active: req.query.active === undefined ? undefined : req.query.active === 'true', kind: req.query.kind }),
    }));
    app.post('/api/qrcodes', { schema: { tags, summary: 'Create a channel QR code in WeCom (联系我 rotating across staff, or 加入群聊) with its state', body: QrCodeCreate } }, async (req, reply) =>
      reply.status(201).send(await s.qrcodes.create(workspaceOf(req), req.body)),
    );
    app.get('/api/qrcodes/report', { schema: { tags, summary: 'Acquisition per code: new contacts, still contacts, first orders and GMV within the window', querystring: QrReportQuery } }, async (req, reply) => {
      const r = await s.qrcodes.report(workspaceOf(req), req.query);
      if (req.query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(qrcodeTable(r.data)));
      return r;
    });
    app.get('/api/qrcodes/:ref', { schema: { tags, summary: 'A code by id, state or name', params: RefParam } }, async (req) => s.qrcodes.get(workspaceOf(req), req.params.ref));
    app.patch('/api/qrcodes/:ref', { schema: { tags, summary: 'Change a code (staff and groups are changed in WeCom too)', params: RefParam, body: QrCodePatch } }, async (req) =>
      s.qrcodes.update(workspaceOf(req), req.params.ref, req.body),
    );
    app.delete('/api/qrcodes/:ref', { schema: { tags, summary: 'Delete the code in WeCom; it stays, inactive, for its reports', params: RefParam } }, async (req) =>
      s.qrcodes.delete(workspaceOf(req), req.params.ref),
    );
    app.post('/api/qrcodes/:ref/rotate', { schema: { tags, summary: 'Move a contact code to its next staff member now', params: RefParam } }, async (req) =>
      s.qrcodes.rotate(workspaceOf(req), req.params.ref),
    );
    app.get('/api/qrcodes/:ref/arrivals', { schema: { tags, summary: 'Members who arrived through a code', params: RefParam, querystring: MembersQuery } }, async (req) =>
      s.qrcodes.arrivals(workspaceOf(req), req.params.ref, req.query),
    );
  };
}
