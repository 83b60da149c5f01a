// HTTP routes of coupons: /api/coupons/templates (CRUD, funnel, batches, upload), codes, issue, claim, redeem,
// void, the order sweep and expiry, and /api/members/{ref}/coupons.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import {
  BatchParam, ClaimBody, CodeParam, CodesQuery, GenerateBody, IssueBody, MemberCouponsQuery, MemberParam, RedeemBody,
  TemplateCreate, TemplateListQuery, TemplateParam, TemplatePatch, UPLOAD_BODY_LIMIT, UploadBody, VoidBody,
} from './schema.ts';

const OrderParam = z.object({ id: z.string().min(1).max(128) }).strict();

export function couponRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['coupons'];
    s.coupons.setLogger((err, msg) => root.log.error({ err }, msg));

    app.get('/api/coupons/templates', { schema: { tags, summary: 'List coupon templates', querystring: TemplateListQuery } }, async (req) => ({
      data: await s.coupons.listTemplates(workspaceOf(req), req.query.status),
    }));

    app.post(
      '/api/coupons/templates',
      { schema: { tags, summary: 'Create a coupon template: benefit (fixed, percent, threshold 满减, free shipping, gift), validity, applicability, stacking, limits', body: TemplateCreate } },
      async (req, reply) => reply.status(201).send(await s.coupons.createTemplate(workspaceOf(req), req.body)),
    );

    app.get('/api/coupons/templates/:ref', { schema: { tags, summary: 'A coupon template by id or name', params: TemplateParam } }, async (req) =>
      s.coupons.getTemplate(workspaceOf(req), req.params.ref),
    );

    app.patch(
      '/api/coupons/templates/:ref',
      { schema: { tags, summary: 'Rename, pause/archive, change limits; config only while nothing was issued', params: TemplateParam, body: TemplatePatch } },
      async (req) => s.coupons.updateTemplate(workspaceOf(req), req.params.ref, req.body),
    );

    app.delete('/api/coupons/templates/:ref', { schema: { tags, summary: 'Delete a template nothing was issued from (else archive it)', params: TemplateParam } }, async (req, reply) => {
      await s.coupons.deleteTemplate(workspaceOf(req), req.params.ref);
      return reply.status(204).send();
    });

    app.get('/api/coupons/templates/:ref/funnel', { schema: { tags, summary: 'Issue → claim → use funnel of a template', params: TemplateParam } }, async (req) =>
      s.coupons.funnel(workspaceOf(req), req.params.ref),
    );

    app.get('/api/coupons/templates/:ref/batches', { schema: { tags, summary: "A template's code batches", params: TemplateParam } }, async (req) => ({
      data: await s.coupons.listBatches(workspaceOf(req), req.params.ref),
    }));

    app.post(
      '/api/coupons/templates/:ref/batches',
      { schema: { tags, summary: 'Generate N unguessable codes (length, alphabet, prefix; refused when short enough to guess)', params: TemplateParam, body: GenerateBody } },
      async (req, reply) => reply.status(201).send(await s.coupons.generate(workspaceOf(req), req.params.ref, req.body)),
    );

    app.post(
      '/api/coupons/templates/:ref/batches/upload',
      {
        bodyLimit: UPLOAD_BODY_LIMIT,
        schema: { tags, summary: 'Upload codes (TXT or CSV text, or a list); bad, repeated or existing codes fail it with line numbers', params: TemplateParam, body: UploadBody },
      },
      async (req, reply) => reply.status(201).send(await s.coupons.upload(workspaceOf(req), req.params.ref, req.body)),
    );

    app.get('/api/coupons/batches/:id/codes', { schema: { tags, summary: "A page of a batch's codes; pass next_cursor back", params: BatchParam, querystring: CodesQuery } }, async (req) =>
      s.coupons.codesPage(workspaceOf(req), req.params.id, req.query),
    );

    app.get('/api/coupons/codes/:code', { schema: { tags, summary: 'Look a code up: its coupon, or an unclaimed code', params: CodeParam } }, async (req) =>
      s.coupons.lookup(workspaceOf(req), req.params.code),
    );

    app.post(
      '/api/coupons/issue',
      { schema: { tags, summary: 'Issue a template to a member, a list of members or a segment, within per-member and total limits', body: IssueBody } },
      async (req, reply) => reply.status(201).send(await s.coupons.issue(workspaceOf(req), req.body)),
    );

    app.post('/api/coupons/claim', { schema: { tags, summary: 'A member claims a code (issued coupon, one-claim batch code, or shared code)', body: ClaimBody } }, async (req) =>
      s.coupons.claim(workspaceOf(req), req.body.code, req.body.member, req.body.source),
    );

    app.post(
      '/api/coupons/redeem',
      { schema: { tags, summary: 'Redeem a code on an order (stored id or the order at checkout); dry_run prices it only', body: RedeemBody } },
      async (req) => s.coupons.redeem(workspaceOf(req), req.body),
    );

    app.post('/api/coupons/void', { schema: { tags, summary: 'Void an unused coupon or take an unclaimed code out of use', body: VoidBody } }, async (req) =>
      s.coupons.voidCode(workspaceOf(req), req.body.code, req.body.reason),
    );

    app.get('/api/coupons/orders/:id', { schema: { tags, summary: 'Coupons used on an order and the codes the order sync handled', params: OrderParam } }, async (req) =>
      s.coupons.orderCoupons(workspaceOf(req), req.params.id),
    );

    app.post('/api/coupons/sync-orders', { schema: { tags, summary: 'Redeem codes of changed orders and release coupons of refunded orders now' } }, async (req) =>
      s.coupons.syncOrders(workspaceOf(req)),
    );

    app.post('/api/coupons/expire', { schema: { tags, summary: 'Mark unused coupons past their window expired now' } }, async (req) => s.coupons.expire(workspaceOf(req)));

    app.get(
      '/api/members/:ref/coupons',
      { schema: { tags, summary: "A member's coupons, newest first (status unused = issued or claimed and still valid)", params: MemberParam, querystring: MemberCouponsQuery } },
      async (req) => s.coupons.memberCoupons(workspaceOf(req), req.params.ref, req.query),
    );
  };
}
