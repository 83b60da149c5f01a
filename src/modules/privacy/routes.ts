// HTTP routes of data subject rights: POST /api/privacy/export and /api/privacy/erase (their own permissions),
// GET /api/privacy/requests, and the consent history export GET /api/consent/history (per purpose and channel).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { actorOf, workspaceOf } from '../../server/auth.ts';
import { ConsentHistoryQuery, EraseAnswer, EraseBody, ExportBody, PrivacyRequestsPage, RequestsQuery } from './schema.ts';

export function privacyRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['privacy'];

    app.post(
      '/api/privacy/export',
      { config: { permission: 'privacy.export' }, schema: { tags, summary: 'Everything held on one person as JSON: profile, identities, events, orders, points, coupons, messages, consents, journeys, groups (recorded)', body: ExportBody } },
      async (req, reply) => {
        const body = await s.privacy.export(workspaceOf(req), req.body.member, actorOf(req));
        return reply.header('content-disposition', `attachment; filename="privacy-export-${body.member_id}.json"`).send(body);
      },
    );

    app.post(
      '/api/privacy/erase',
      { config: { permission: 'privacy.erase' }, schema: { tags, summary: 'Erase a person: personal data and identities removed, events/orders anonymised (aggregates kept), pending sends cancelled; a second erase is a no-op', body: EraseBody, response: { 200: EraseAnswer } } },
      async (req) => s.privacy.erase(workspaceOf(req), req.body.member, req.body.reason, actorOf(req)),
    );

    app.get(
      '/api/privacy/requests',
      { config: { permission: 'privacy.read' }, schema: { tags, summary: 'Export and erase requests, newest first (who, why, what was erased)', querystring: RequestsQuery, response: { 200: PrivacyRequestsPage } } },
      async (req) => s.privacy.requests(workspaceOf(req), req.query),
    );

    app.get(
      '/api/consent/history',
      { config: { permission: 'members.export' }, schema: { tags: ['consent'], summary: 'Consent history per purpose and channel (optionally one member, since/until on when it was said) as JSON or CSV', querystring: ConsentHistoryQuery } },
      async (req, reply) => {
        const { format, ...q } = req.query;
        const ws = workspaceOf(req);
        if (format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="consent-history.csv"').send(await s.privacy.consentHistoryCsv(ws, q));
        return { data: await s.privacy.consentHistory(ws, q) };
      },
    );
  };
}
