// HTTP routes of consent and guard rails: /api/consent/… (admin key) and the public /unsubscribe?t=<token> pages, which
// authenticate by the link's HMAC signature instead of a key.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invalid } from '../../core/errors.ts';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { parseImportCsv } from './csv.ts';
import { CHANNEL_TYPES, ConsentPut, ExportQuery, GuardConfigPatch, HistoryQuery, ImportBody, InboundBody, LinkQuery, PURPOSES, RefParam, TokenQuery, IMPORT_MAX_ROWS } from './schema.ts';
import { confirmPage, donePage, invalidPage } from './unsubscribe-page.ts';

const CSV = 'text/csv; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

/** Body of the dry-run check: would these members be admitted now (nothing is reserved)? */
const CheckBody = z
  .object({
    channel_type: z.enum(CHANNEL_TYPES),
    channel_id: z.string().max(100).optional(),
    purpose: z.enum(PURPOSES).default('marketing'),
    members: z.array(z.string().min(1).max(300)).min(1).max(1000),
    source_key: z.string().min(1).max(300).default('check'),
    dedupe_key: z.string().min(1).max(200).optional(),
    at: z.string().max(40).optional(),
  })
  .strict();

const ctxOf = (req: FastifyRequest) => ({ ip: req.ip ?? null, userAgent: (req.headers['user-agent'] as string | undefined)?.slice(0, 500) ?? null });

export function consentRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['consent'];

    app.get('/api/consent/members/:ref', { schema: { tags, summary: "A member's consent statements and what they allow per purpose and channel type", params: RefParam } }, async (req) =>
      s.consent.memberConsents(workspaceOf(req), req.params.ref),
    );

    app.put(
      '/api/consent/members/:ref',
      { schema: { tags, summary: 'Record consent statements for a member (granted/revoked per channel and purpose); an older `at` never overrides a newer one', params: RefParam, body: ConsentPut } },
      async (req) => {
        const inputs = 'consents' in req.body ? req.body.consents : [req.body];
        return s.consent.setMemberConsents(workspaceOf(req), req.params.ref, inputs, ctxOf(req));
      },
    );

    app.get(
      '/api/consent/members/:ref/history',
      { schema: { tags, summary: "A member's consent history, oldest first (format=csv for a file)", params: RefParam, querystring: HistoryQuery } },
      async (req, reply) => {
        const ws = workspaceOf(req);
        if (req.query.format === 'csv') return reply.type(CSV).send(await s.consent.historyCsv(ws, { member: req.params.ref, since: req.query.since, until: req.query.until }));
        return s.consent.memberHistory(ws, req.params.ref, req.query);
      },
    );

    app.get('/api/consent/export', { schema: { tags, summary: 'The consent history as CSV: the workspace (recorded within since/until) or one member', querystring: ExportQuery } }, async (req, reply) =>
      reply.type(CSV).header('content-disposition', 'attachment; filename="consent-history.csv"').send(await s.consent.historyCsv(workspaceOf(req), req.query)),
    );

    app.get('/api/consent/unsubscribe-link', { schema: { tags, summary: "A member's signed unsubscribe link for a channel (all: every channel)", querystring: LinkQuery } }, async (req) =>
      s.consent.unsubscribeLink(workspaceOf(req), req.query.member, req.query.channel, req.query.purpose),
    );

    app.post('/api/consent/inbound', { schema: { tags, summary: 'A message a member sent (SMS, WeCom, official account): unsubscribe keywords (退订, TD, STOP…) revoke marketing on that channel', body: InboundBody } }, async (req) =>
      s.consent.inbound(workspaceOf(req), req.body),
    );

    app.get('/api/consent/guard', { schema: { tags, summary: 'Guard rails: default consent policy, frequency caps, quiet hours, dedupe window, keywords, unsubscribe links' } }, async (req) =>
      s.consent.guardConfig(workspaceOf(req)),
    );

    app.put('/api/consent/guard', { schema: { tags, summary: 'Change guard settings (named top-level keys replace; default_policy merges per purpose and channel)', body: GuardConfigPatch } }, async (req) =>
      s.consent.updateGuardConfig(workspaceOf(req), req.body),
    );

    app.post('/api/consent/guard/check', { schema: { tags, summary: 'Dry run: what the guard would decide for these members now (nothing is reserved)', body: CheckBody } }, async (req) => {
      const b = req.body;
      return { data: await s.consent.check(workspaceOf(req), { channelType: b.channel_type, channelId: b.channel_id ?? null, purpose: b.purpose, sourceKey: b.source_key, dedupeKey: b.dedupe_key, members: b.members, at: b.at }) };
    });

    await app.register(importRoute(s));
    await app.register(unsubscribeRoutes(s));
  };
}

/** The import route in its own plugin: it also takes `text/csv` bodies. */
function importRoute(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.post(
      '/api/consent/import',
      {
        schema: {
          tags: ['consent'],
          summary: `Bulk consent statements: JSON { rows: [{ member, channel, purpose, status, source?, at?, … }] } or a CSV body (text/csv, header row), up to ${IMPORT_MAX_ROWS} rows`,
          body: z.union([ImportBody, z.string().max(32 * 1024 * 1024)]),
        },
      },
      async (req) => {
        const ws = workspaceOf(req);
        if (typeof req.body === 'string') {
          const rows = parseImportCsv(req.body);
          if (rows.length === 0 || rows.length > IMPORT_MAX_ROWS) throw invalid('consent.import_size', `A CSV import holds 1 to ${IMPORT_MAX_ROWS} rows; this one has ${rows.length}`, 'body');
          return s.consent.import(ws, rows, ctxOf(req));
        }
        return s.consent.import(ws, req.body.rows, { ...ctxOf(req), source: req.body.source });
      },
    );
  };
}

/**
 * The public unsubscribe pages (`/unsubscribe?t=<token>`): GET shows a confirmation (mail scanners that prefetch links revoke nothing), POST
 * revokes — also RFC 8058 one-click (`List-Unsubscribe-Post: List-Unsubscribe=One-Click`), which posts a form body.
 */
function unsubscribeRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => done(null, body));
    const config = { auth: 'none' as const };

    // The token rides in the query string: it is longer than the router's 100-character limit for path parameters.
    app.get('/unsubscribe', { config, schema: { tags: ['consent'], summary: 'Unsubscribe page (signed link ?t=…; no key)', querystring: TokenQuery } }, async (req, reply) => {
      const claim = await s.consent.verifyUnsubscribeToken(req.query.t);
      if (!claim) return reply.status(400).type(HTML).send(invalidPage());
      return reply.type(HTML).header('cache-control', 'no-store').send(confirmPage(claim.channel, claim.purpose, `?t=${encodeURIComponent(req.query.t)}`));
    });

    app.post('/unsubscribe', { config, schema: { tags: ['consent'], summary: 'Confirm an unsubscribe (form post or RFC 8058 one-click)', querystring: TokenQuery } }, async (req, reply) => {
      const claim = await s.consent.verifyUnsubscribeToken(req.query.t);
      if (!claim) return reply.status(400).type(HTML).send(invalidPage());
      await s.consent.unsubscribeByLink(claim, ctxOf(req));
      return reply.type(HTML).header('cache-control', 'no-store').send(donePage(claim.channel, claim.purpose));
    });
  };
}
