// HTTP routes of CLV: POST /api/clv/fit, GET /api/clv/fits, /api/clv/members, /api/clv/distribution, /api/members/{ref}/clv.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { DistributionQuery, FitBody, FitsQuery, MembersQuery, RefParam } from './schema.ts';

export function clvRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['clv'];

    app.post(
      '/api/clv/fit',
      {
        schema: {
          tags,
          summary: 'Fit BG/NBD + Gamma-Gamma on the orders up to calibration_end; replaces every member\'s stored P(alive), expected purchases, value and CLV',
          body: FitBody,
        },
      },
      async (req, reply) => reply.status(201).send(await s.clv.fit(workspaceOf(req), req.body)),
    );

    app.get('/api/clv/fits', { schema: { tags, summary: 'CLV fits, newest first (the first one is current)', querystring: FitsQuery } }, async (req) => ({
      data: await s.clv.fits(workspaceOf(req), req.query.limit),
    }));

    app.get(
      '/api/clv/members',
      { schema: { tags, summary: 'Stored predictions of the current fit, sorted by clv, p_alive, expected_purchases, expected_avg_value or member_id', querystring: MembersQuery } },
      async (req) => s.clv.members(workspaceOf(req), req.query),
    );

    app.get(
      '/api/clv/distribution',
      { schema: { tags, summary: 'Histograms of P(alive) and CLV of the current fit', querystring: DistributionQuery } },
      async (req) => s.clv.distribution(workspaceOf(req), req.query.buckets),
    );

    app.get('/api/members/:ref/clv', { schema: { tags, summary: "A member's stored CLV prediction", params: RefParam } }, async (req) =>
      s.clv.member(workspaceOf(req), req.params.ref),
    );
  };
}
