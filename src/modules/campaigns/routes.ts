// HTTP routes of campaigns: /api/campaigns/referral/…, /api/campaigns/group-buy/…, /api/campaigns/{assist|bargain}/…
// and /api/campaigns/jobs/run.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import {
  AttributeBody, CodeBody, CodeParam, DealCreate, DealPatch, HelpBody, HelpCampaignCreate, IdParam, JobsBody, KindIdParam, KindParam, LeaveBody,
  MemberParam, ReferralConfigBody, ReportQuery, SeatBody, StartBody,
} from './schema.ts';

export function campaignRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const c = s.campaigns;
    c.setLogger((err, msg) => root.log.error({ err }, msg));
    const tags = ['campaigns'];

    // ── referral ──
    app.get('/api/campaigns/referral/config', { schema: { tags, summary: 'The referral program (null when not set)' } }, async (req) => ({ config: await c.referral.config(workspaceOf(req)) }));
    app.put('/api/campaigns/referral/config', { schema: { tags, summary: 'Set the referral program: trigger, rewards, attribution days, limits, abuse checks', body: ReferralConfigBody } }, async (req) =>
      c.referral.setConfig(workspaceOf(req), req.body),
    );
    app.post('/api/campaigns/referral/codes', { schema: { tags, summary: "A member's invite code and link (created on first ask)", body: CodeBody } }, async (req, reply) => {
      const r = await c.referral.codeFor(workspaceOf(req), req.body.member);
      return reply.status(r.created ? 201 : 200).send(r);
    });
    app.get('/api/campaigns/referral/codes/:code', { schema: { tags, summary: 'The inviter behind an invite code', params: CodeParam } }, async (req) => c.referral.lookupCode(workspaceOf(req), req.params.code));
    app.get('/api/campaigns/referral/members/:ref', { schema: { tags, summary: "A member's code, invitees and inviter", params: MemberParam } }, async (req) => c.referral.member(workspaceOf(req), req.params.ref));
    app.post('/api/campaigns/referral/attribute', { schema: { tags, summary: 'Attribute a new member to the inviter of a code; abuse checks; rewards on registration', body: AttributeBody } }, async (req, reply) => {
      const r = await c.referral.attribute(workspaceOf(req), req.body);
      return reply.status(r.created ? 201 : 200).send(r);
    });
    app.get('/api/campaigns/referral/report', { schema: { tags, summary: 'Referral funnel, refusals by reason and k-factor', querystring: ReportQuery } }, async (req) => c.referral.report(workspaceOf(req), req.query.users));

    // ── group-buy ──
    app.get('/api/campaigns/group-buy/deals', { schema: { tags, summary: 'Group-buy deals' } }, async (req) => ({ data: await c.groupBuy.listDeals(workspaceOf(req)) }));
    app.post('/api/campaigns/group-buy/deals', { schema: { tags, summary: 'Create a group-buy (拼团) deal: group size, time limit, price, benefit', body: DealCreate } }, async (req, reply) =>
      reply.status(201).send(await c.groupBuy.createDeal(workspaceOf(req), req.body)),
    );
    app.get('/api/campaigns/group-buy/deals/:id', { schema: { tags, summary: 'A deal', params: IdParam } }, async (req) => c.groupBuy.deal(workspaceOf(req), req.params.id));
    app.patch('/api/campaigns/group-buy/deals/:id', { schema: { tags, summary: 'End or reopen a deal', params: IdParam, body: DealPatch } }, async (req) => c.groupBuy.setDealStatus(workspaceOf(req), req.params.id, req.body.status));
    app.get('/api/campaigns/group-buy/deals/:id/report', { schema: { tags, summary: 'Groups opened, succeeded and failed; refusals', params: IdParam } }, async (req) => c.groupBuy.report(workspaceOf(req), req.params.id));
    app.post('/api/campaigns/group-buy/deals/:id/groups', { schema: { tags, summary: 'Open a group as its leader', params: IdParam, body: SeatBody } }, async (req, reply) =>
      reply.status(201).send(await c.groupBuy.open(workspaceOf(req), req.params.id, req.body)),
    );
    app.get('/api/campaigns/group-buy/groups/:id', { schema: { tags, summary: 'A group with its members', params: IdParam } }, async (req) => c.groupBuy.group(workspaceOf(req), req.params.id));
    app.post('/api/campaigns/group-buy/groups/:id/join', { schema: { tags, summary: 'Join a group (the last seat is taken once)', params: IdParam, body: SeatBody } }, async (req) =>
      c.groupBuy.join(workspaceOf(req), req.params.id, req.body),
    );
    app.post('/api/campaigns/group-buy/groups/:id/leave', { schema: { tags, summary: 'Leave an open group (the leader leaving fails it)', params: IdParam, body: LeaveBody } }, async (req) =>
      c.groupBuy.leave(workspaceOf(req), req.params.id, req.body.member),
    );

    // ── share-assist and bargain ──
    app.get('/api/campaigns/:kind', { schema: { tags, summary: 'Assist or bargain campaigns', params: KindParam } }, async (req) => ({ data: await c.help.list(workspaceOf(req), req.params.kind) }));
    app.post('/api/campaigns/:kind', { schema: { tags, summary: 'Create an assist (助力) or bargain (砍价) campaign', params: KindParam, body: HelpCampaignCreate } }, async (req, reply) =>
      reply.status(201).send(await c.help.create(workspaceOf(req), req.params.kind, req.body)),
    );
    app.get('/api/campaigns/:kind/:id', { schema: { tags, summary: 'A campaign', params: KindIdParam } }, async (req) => c.help.campaign(workspaceOf(req), req.params.kind, req.params.id));
    app.get('/api/campaigns/:kind/:id/report', { schema: { tags, summary: 'Sessions, helps, completions and refusals', params: KindIdParam } }, async (req) => c.help.report(workspaceOf(req), req.params.kind, req.params.id));
    app.post('/api/campaigns/:kind/:id/sessions', { schema: { tags, summary: "Start (or return) a member's session", params: KindIdParam, body: StartBody } }, async (req, reply) => {
      const r = await c.help.start(workspaceOf(req), req.params.kind, req.params.id, req.body);
      return reply.status(r.created ? 201 : 200).send(r);
    });
    app.get('/api/campaigns/:kind/sessions/:id', { schema: { tags, summary: 'A session with its helps', params: KindIdParam } }, async (req) => c.help.session(workspaceOf(req), req.params.kind, req.params.id));
    app.post('/api/campaigns/:kind/sessions/:id/help', { schema: { tags, summary: "A friend's help (one per person per campaign)", params: KindIdParam, body: HelpBody } }, async (req) =>
      c.help.help(workspaceOf(req), req.params.kind, req.params.id, req.body),
    );

    app.post('/api/campaigns/jobs/run', { schema: { tags, summary: 'Run the campaign jobs now: expiry of groups and sessions, referral sweep', body: JobsBody } }, async (req) =>
      c.runJobs(workspaceOf(req), req.body.at),
    );
  };
}
