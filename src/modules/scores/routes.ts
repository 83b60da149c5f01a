// HTTP routes of scores: RFM, lifecycle and value-tier recomputes, distributions, the R×F grid, members, runs.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { LifecycleComputeBody, RefParam, RfmComputeBody, RfmMembersQuery, RunsQuery, TransitionsQuery, ValueTierComputeBody } from './schema.ts';

export function scoreRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const rfm = ['rfm'];
    const lifecycle = ['lifecycle'];
    const tiers = ['value-tiers'];

    app.post(
      '/api/rfm/compute',
      { schema: { tags: rfm, summary: 'Recompute RFM scores and segments of every buying member (in the store), as of a date', body: RfmComputeBody.nullish() } },
      async (req) => s.scores.computeRfm(workspaceOf(req), req.body ?? {}),
    );
    app.get('/api/rfm/distribution', { schema: { tags: rfm, summary: 'Members, share, revenue share and average R/F/M per segment (zh/en names)' } }, async (req) =>
      s.scores.rfmDistribution(workspaceOf(req)),
    );
    app.get('/api/rfm/grid', { schema: { tags: rfm, summary: 'Members and revenue per r_score × f_score (25 cells)' } }, async (req) =>
      s.scores.rfmGrid(workspaceOf(req)),
    );
    app.get(
      '/api/rfm/members',
      { schema: { tags: rfm, summary: 'Scored members by member id, optionally of one segment or score; page with next_cursor', querystring: RfmMembersQuery } },
      async (req) => s.scores.rfmMembers(workspaceOf(req), req.query),
    );

    app.post(
      '/api/lifecycle/compute',
      { schema: { tags: lifecycle, summary: 'Recompute the lifecycle stage of every live member as of a date', body: LifecycleComputeBody.nullish() } },
      async (req) => s.scores.computeLifecycle(workspaceOf(req), req.body ?? {}),
    );
    app.get('/api/lifecycle/distribution', { schema: { tags: lifecycle, summary: 'Members per lifecycle stage (zh/en names)' } }, async (req) =>
      s.scores.lifecycleDistribution(workspaceOf(req)),
    );
    app.get(
      '/api/lifecycle/transitions',
      { schema: { tags: lifecycle, summary: 'Transition matrix of stages between two dates (stages recomputed from orders as of each date)', querystring: TransitionsQuery } },
      async (req) => s.scores.lifecycleTransitions(workspaceOf(req), req.query),
    );

    app.post(
      '/api/value-tiers/compute',
      { schema: { tags: tiers, summary: 'Recompute the value tier of every live member from spend and activity', body: ValueTierComputeBody.nullish() } },
      async (req) => s.scores.computeValueTiers(workspaceOf(req), req.body ?? {}),
    );
    app.get('/api/value-tiers/distribution', { schema: { tags: tiers, summary: 'Members and spend per value tier (zh/en names)' } }, async (req) =>
      s.scores.valueTierDistribution(workspaceOf(req)),
    );

    app.get(
      '/api/members/:ref/scores',
      { schema: { tags: ['members'], summary: "A member's RFM scores, lifecycle stage and value tier, with their history", params: RefParam } },
      async (req) => s.scores.memberScores(workspaceOf(req), req.params.ref),
    );
    app.get('/api/score-runs', { schema: { tags: rfm, summary: 'Score runs (rfm, lifecycle, value_tier), newest first', querystring: RunsQuery } }, async (req) =>
      s.scores.runs(workspaceOf(req), req.query),
    );
  };
}
