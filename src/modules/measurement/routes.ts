// HTTP routes of measurement: campaign reports and holdouts under /api/measurement (admin key), and the public
// tracking routes members' devices call — GET /r/:token (tracked link → 302) and GET /o/:token.gif (open pixel).
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { GroupsQuery, HoldoutBody, ListQuery, ReportQuery, SourceParam } from './schema.ts';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** Tokens run past the router's 100-character limit on `:params`, so the tracking routes take a wildcard. */
const TokenParam = z.object({ '*': z.string().max(20_000) }).strict();

/** Tracking answers must not be cached (each click or open is an event) nor leak the token onwards. */
function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store, max-age=0').header('referrer-policy', 'no-referrer');
}

function brokenLink(reply: FastifyReply) {
  return noStore(reply)
    .status(400)
    .type('text/html; charset=utf-8')
    .send('<!doctype html><html lang="zh"><meta charset="utf-8"><title>链接无效 / Invalid link</title><body><h1>链接无效</h1><p>This link is broken or was altered. 此链接已损坏或被修改。</p></body></html>');
}

export function measurementRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['measurement'];

    app.get('/api/measurement/campaigns', { schema: { tags, summary: 'One summary row per campaign source (reach, conversions, lift with 95% CI), newest activity first', querystring: ListQuery } }, async (req) =>
      s.measurement.list(workspaceOf(req), req.query),
    );

    app.get(
      '/api/measurement/campaigns/:sourceKey/report',
      { schema: { tags, summary: 'Campaign report: audience, groups, delivery funnel, last-touch conversions within window_days, revenue, lift against the holdout with 95% CI', params: SourceParam, querystring: ReportQuery } },
      async (req) => s.measurement.report(workspaceOf(req), req.params.sourceKey, { windowDays: req.query.window_days }),
    );

    app.get('/api/measurement/campaigns/:sourceKey/holdout', { schema: { tags, summary: 'Recorded groups of a source: share, sizes and a page of members', params: SourceParam, querystring: GroupsQuery } }, async (req) =>
      s.measurement.holdout(workspaceOf(req), req.params.sourceKey, req.query),
    );

    app.post(
      '/api/measurement/campaigns/:sourceKey/holdout',
      { schema: { tags, summary: 'Assign members (refs) to treatment or holdout; members assigned before keep their group', params: SourceParam, body: HoldoutBody } },
      async (req) => s.measurement.assignRefs(workspaceOf(req), req.params.sourceKey, req.body),
    );

    app.get('/r/*', { config: { auth: 'none' }, schema: { tags, summary: 'Tracked link /r/<token>: records a click on the send, then 302 to the target (400 page for an altered token)', params: TokenParam } }, async (req, reply) => {
      const r = await s.measurement.click(req.params['*']);
      if (!r) return brokenLink(reply);
      return noStore(reply).redirect(r.url, 302);
    });

    app.get('/o/*', { config: { auth: 'none' }, schema: { tags, summary: 'Open pixel /o/<token>.gif: records an open on the send, answers a 1×1 GIF', params: TokenParam } }, async (req, reply) => {
      const r = await s.measurement.open(req.params['*'].replace(/\.gif$/, ''));
      if (!r) return noStore(reply).status(400).type('image/gif').send(PIXEL);
      return noStore(reply).type('image/gif').send(PIXEL);
    });
  };
}
