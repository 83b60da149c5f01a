// HTTP routes of the audit log: GET /api/audit (filters, cursor pages), /api/audit/export (CSV or JSON) and
// /api/audit/verify (the hash chain). Reads only: the log has no update or delete path.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { csvField } from '../consent/csv.ts';
import { AuditExportQuery, AuditListQuery, AuditPage, AuditVerifyResult } from './schema.ts';

/** Columns of the CSV export, in order. */
export const AUDIT_CSV_COLUMNS = ['seq', 'occurred_at', 'actor', 'actor_name', 'action', 'resource_id', 'status', 'ip', 'user_agent', 'request_id', 'before', 'after', 'detail', 'hash'] as const;

const cell = (v: unknown) => csvField(v !== null && typeof v === 'object' ? JSON.stringify(v) : v);

export function auditRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['audit'];
    const config = { permission: 'audit.read' };

    app.get('/api/audit', { config, schema: { tags, summary: 'The audit log, newest first: filter by actor, action, resource, from/to; page with next_cursor', querystring: AuditListQuery, response: { 200: AuditPage } } }, async (req) => {
      const { cursor, limit, ...f } = req.query;
      return s.audit.list(workspaceOf(req), { ...f, limit, cursor });
    });

    app.get('/api/audit/export', { config, schema: { tags, summary: 'The audit log (filtered) as CSV or JSON, newest first', querystring: AuditExportQuery } }, async (req, reply) => {
      const { format, ...f } = req.query;
      const ws = workspaceOf(req);
      if (format === 'json') {
        const data: unknown[] = [];
        for await (const page of s.audit.rows(ws, f)) data.push(...page);
        return reply.type('application/json; charset=utf-8').header('content-disposition', 'attachment; filename="audit-log.json"').send(JSON.stringify({ data }));
      }
      let out = AUDIT_CSV_COLUMNS.join(',') + '\r\n';
      for await (const page of s.audit.rows(ws, f)) for (const r of page) out += AUDIT_CSV_COLUMNS.map((c) => cell(r[c])).join(',') + '\r\n';
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="audit-log.csv"').send(out);
    });

    app.get('/api/audit/verify', { config, schema: { tags, summary: "Checks the workspace's hash chain: ok, rows, and the first broken row if any", response: { 200: AuditVerifyResult } } }, async (req) =>
      s.audit.verify(workspaceOf(req)),
    );
  };
}
