// HTTP routes of loyalty under /api/loyalty: program and tiers, member points and tiers, ledger operations with
// idempotency keys, rewards, the checkout quote, and the jobs (expire, release, earn-orders, earn-events, tier review,
// birthday, member day).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { SiyuError } from '../../core/errors.ts';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { STATUS } from '../../server/error-mapping.ts';
import { ProgramBody } from './config.ts';
import type { AppliedOp } from './ops.ts';
import { RewardCreate, RewardPatch } from './rewards.ts';
import {
  AdjustBody, AtBody, BatchBody, ReviewBody, ReviewResult, ConfigBody, EarnBody, EarnEventsBody, ExpireBody, IdParam, PointsQuery, QuoteBody, RedeemBody, RedemptionsQuery, RefParam,
  RewardListQuery, RewardRedeemBody, TierAssignBody, TierRemoveQuery, TransferBody,
} from './schema.ts';

/** The body's idempotency_key, else the Idempotency-Key header; one is required for every ledger change. */
function keyOf(req: FastifyRequest, body: { idempotency_key?: string }): string {
  const header = req.headers['idempotency-key'];
  const key = body.idempotency_key ?? (typeof header === 'string' && header.length > 0 ? header : undefined);
  if (!key) throw new SiyuError('invalid_data', 'ledger.key_required', 'idempotency_key: required (in the body or as the Idempotency-Key header)', { field: 'idempotency_key' });
  if (key.length > 200) throw new SiyuError('invalid_data', 'ledger.invalid_op', 'idempotency_key: at most 200 characters', { field: 'idempotency_key' });
  return key;
}

/** 201 for a new operation, 200 for a replay of an earlier one with the same key. */
const sendOp = (reply: { status(n: number): { send(b: unknown): unknown } }, r: AppliedOp) => reply.status(r.replayed ? 200 : 201).send(r);

export function loyaltyRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['loyalty'];
    const L = s.loyalty;
    L.setLogger((err, msg) => root.log.error({ err }, msg));

    app.get('/api/loyalty/program', { schema: { tags, summary: 'The loyalty program: tiers, basis, downgrade mode, earn rules, lot/refund/transfer policies' } }, async (req) =>
      L.program(workspaceOf(req)));
    app.put('/api/loyalty/program', { schema: { tags, summary: 'Set the program (and optionally earn rules, lots, refunds, transfers, earn_since)', body: ProgramBody } }, async (req) =>
      L.setProgram(workspaceOf(req), req.body));
    app.get('/api/loyalty/tiers', { schema: { tags, summary: 'Tiers with their benefits and member counts' } }, async (req) => ({ data: await L.tiers.summary(workspaceOf(req)) }));
    app.post(
      '/api/loyalty/tiers/review',
      { schema: { tags, summary: 'Run the tier review now (downgrades per the program, expired manual tiers); all: place every member by their history', body: ReviewBody, response: { 200: ReviewResult } } },
      async (req) => L.tiers.review(workspaceOf(req), req.body.at, { all: req.body.all }),
    );

    app.get('/api/loyalty/member-day', { schema: { tags, summary: 'Member day schedule and coupon' } }, async (req) => L.memberDay(workspaceOf(req)));
    app.put('/api/loyalty/member-day', { schema: { tags, summary: 'Set the member day: { schedule: { rules, skipDates, extraDates }, coupon?: { templateId, tiers } }', body: ConfigBody } }, async (req) =>
      L.setMemberDay(workspaceOf(req), req.body));
    app.delete('/api/loyalty/member-day', { schema: { tags, summary: 'Turn the member day off' } }, async (req) => L.setMemberDay(workspaceOf(req), null));
    app.post('/api/loyalty/member-day/run', { schema: { tags, summary: 'Issue member-day coupons now (if today is a member day)', body: AtBody } }, async (req) =>
      L.gifts.memberDay(workspaceOf(req), req.body.at));
    app.get('/api/loyalty/birthday', { schema: { tags, summary: 'Birthday gift configuration' } }, async (req) => L.birthday(workspaceOf(req)));
    app.put('/api/loyalty/birthday', { schema: { tags, summary: 'Set birthday gifts: { daysBefore, daysAfter, feb29, gift: { points?, couponTemplateId? }, enabled }', body: ConfigBody } }, async (req) =>
      L.setBirthday(workspaceOf(req), req.body));
    app.post('/api/loyalty/birthday/run', { schema: { tags, summary: 'Give birthday gifts now (once a year per member, idempotent)', body: AtBody } }, async (req) =>
      L.gifts.birthdays(workspaceOf(req), req.body.at));

    app.get('/api/loyalty/members/:ref/points', { schema: { tags, summary: "A member's balance, available and pending points, lots and entries (paged)", params: RefParam, querystring: PointsQuery } }, async (req) =>
      L.points(workspaceOf(req), req.params.ref, req.query));
    app.get('/api/loyalty/members/:ref/tier', { schema: { tags, summary: "A member's tier, benefits, qualifying value and next tier", params: RefParam } }, async (req) => {
      const ws = workspaceOf(req);
      return L.tiers.tierOf(ws, await L.member(ws, req.params.ref));
    });
    app.get('/api/loyalty/members/:ref/tier/history', { schema: { tags, summary: "A member's tier changes, newest first", params: RefParam } }, async (req) => {
      const ws = workspaceOf(req);
      return { data: await L.tiers.history(ws, await L.member(ws, req.params.ref)) };
    });
    app.post('/api/loyalty/members/:ref/tier', { schema: { tags, summary: 'Assign a tier manually (a floor until expires_at) with reason and operator', params: RefParam, body: TierAssignBody } }, async (req) => {
      const ws = workspaceOf(req);
      return L.tiers.assign(ws, await L.member(ws, req.params.ref), req.body);
    });
    app.delete('/api/loyalty/members/:ref/tier', { schema: { tags, summary: 'End a manual tier assignment now', params: RefParam, querystring: TierRemoveQuery } }, async (req) => {
      const ws = workspaceOf(req);
      return L.tiers.removeManual(ws, await L.member(ws, req.params.ref), req.query.operator);
    });

    app.post('/api/loyalty/earn', { schema: { tags, summary: 'Earn points: plain `points`, or an `event` rule (caps, multipliers)', body: EarnBody } }, async (req, reply) =>
      sendOp(reply, await L.earn(workspaceOf(req), { ...req.body, idempotency_key: keyOf(req, req.body) })));
    app.post('/api/loyalty/redeem', { schema: { tags, summary: 'Spend points (first-to-expire lots); 409 points.insufficient', body: RedeemBody } }, async (req, reply) =>
      sendOp(reply, await L.redeem(workspaceOf(req), { ...req.body, idempotency_key: keyOf(req, req.body) })));
    app.post('/api/loyalty/adjust', { schema: { tags, summary: 'Manual adjustment (+/−) with reason and operator', body: AdjustBody } }, async (req, reply) =>
      sendOp(reply, await L.adjust(workspaceOf(req), { ...req.body, idempotency_key: keyOf(req, req.body) })));
    app.post('/api/loyalty/transfer', { schema: { tags, summary: 'Move points between members (when the program allows transfers)', body: TransferBody } }, async (req, reply) =>
      sendOp(reply, await L.transfer(workspaceOf(req), { ...req.body, idempotency_key: keyOf(req, req.body) })));
    app.post('/api/loyalty/batch', { schema: { tags, summary: 'Up to 1000 earn/redeem/adjust/transfer operations, each applied or refused on its own (per-item status)', body: BatchBody } }, async (req) => {
      const { results } = await L.batch(workspaceOf(req), req.body);
      return {
        results: results.map((r) => (r.ok
          ? { status: r.result.replayed ? 200 : 201, result: r.result }
          : { status: STATUS[r.error.type], error: { type: r.error.type, code: r.error.code, message: r.error.message, field: r.error.field } })),
      };
    });
    app.post('/api/loyalty/expire', { schema: { tags, summary: 'Expire due lots now (every member, or one)', body: ExpireBody } }, async (req) =>
      L.expire(workspaceOf(req), req.body));
    app.post('/api/loyalty/release', { schema: { tags, summary: 'Make pending points whose lock has passed available', body: AtBody } }, async (req) =>
      L.ledger.releaseAll(workspaceOf(req), req.body.at ?? new Date().toISOString()));
    app.post('/api/loyalty/earn-orders', { schema: { tags, summary: 'Sweep: earn for paid orders, redeem points used, reverse refunds not yet done' } }, async (req) =>
      L.orders.sweep(workspaceOf(req)));
    app.post('/api/loyalty/earn-events', { schema: { tags, summary: 'Sweep: earn points for tracked events (event rules with `track`) not yet awarded, received since the watermark or `since`', body: EarnEventsBody } }, async (req) =>
      L.events.sweep(workspaceOf(req), { since: req.body?.since }));
    app.post('/api/loyalty/quote', { schema: { tags, summary: "Checkout quote: the member's tier discount and free shipping, coupons, points as money, payable total and points earned (nothing is written)", body: QuoteBody } }, async (req) =>
      L.quote(workspaceOf(req), req.body));
    app.get('/api/loyalty/drift', { schema: { tags, summary: 'Ledger check: balances against the sums of entries and lots (mismatched 0 = no drift)' } }, async (req) =>
      L.ledger.drift(workspaceOf(req)));

    app.get('/api/loyalty/rewards', { schema: { tags, summary: 'The rewards catalogue (available=true: redeemable now)', querystring: RewardListQuery } }, async (req) =>
      ({ data: await L.rewards.list(workspaceOf(req), { available: req.query.available === 'true' }) }));
    app.post('/api/loyalty/rewards', { schema: { tags, summary: 'Create a reward: points cost, stock, per-member limit, tiers, window', body: RewardCreate } }, async (req, reply) =>
      reply.status(201).send(await L.rewards.create(workspaceOf(req), req.body)));
    app.get('/api/loyalty/rewards/:id', { schema: { tags, summary: 'A reward', params: IdParam } }, async (req) => L.rewards.get(workspaceOf(req), req.params.id));
    app.patch('/api/loyalty/rewards/:id', { schema: { tags, summary: 'Change a reward', params: IdParam, body: RewardPatch } }, async (req) =>
      L.rewards.update(workspaceOf(req), req.params.id, req.body));
    app.delete('/api/loyalty/rewards/:id', { schema: { tags, summary: 'Retire a reward (kept for its redemption history)', params: IdParam } }, async (req) =>
      L.rewards.deactivate(workspaceOf(req), req.params.id));
    app.post('/api/loyalty/rewards/:id/redeem', { schema: { tags, summary: 'Redeem a reward with points: stock, limits, tiers and points in one step', params: IdParam, body: RewardRedeemBody } }, async (req, reply) =>
      sendOp(reply, await L.redeemReward(workspaceOf(req), req.params.id, { ...req.body, idempotency_key: keyOf(req, req.body) })));
    app.get('/api/loyalty/rewards/:id/redemptions', { schema: { tags, summary: 'Redemptions of a reward, newest first', params: IdParam, querystring: RedemptionsQuery } }, async (req) =>
      ({ data: await L.rewards.redemptions(workspaceOf(req), { reward: req.params.id, limit: req.query.limit }) }));
  };
}
