// HTTP routes of recommendations: a member's top-n, "also bought" per product, training and the model history.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { AlsoBoughtQuery, EvaluateBody, MemberRecommendationsQuery, ModelsQuery, ProductParam, RefParam, TrainBody } from './schema.ts';

export function recommendationRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['recommendations'];
    const read = { permission: 'recommendations.read' };
    const write = { permission: 'recommendations.write' };

    app.get(
      '/api/members/:ref/recommendations',
      {
        config: read,
        schema: {
          tags, params: RefParam, querystring: MemberRecommendationsQuery,
          summary: "A member's top-n products (stored list of the algorithm, filtered by category, channel, stock and recent purchases; filled up with trending/popular fallbacks flagged `fallback`)",
        },
      },
      async (req) => s.recommendations.forMember(workspaceOf(req), req.params.ref, req.query),
    );

    app.get(
      '/api/products/:id/also-bought',
      { config: read, schema: { tags, params: ProductParam, querystring: AlsoBoughtQuery, summary: 'Members who bought this product also bought (item-CF neighbours, with how many bought both)' } },
      async (req) => s.recommendations.alsoBought(workspaceOf(req), req.params.id, req.query),
    );

    app.post(
      '/api/recommendations/train',
      { config: write, schema: { tags, body: TrainBody, summary: 'Train item-CF and ALS on the net purchases now; replaces the stored lists and neighbours (the first training also schedules a nightly one)' } },
      async (req, reply) => reply.status(201).send({ data: await s.recommendations.train(workspaceOf(req), req.body) }),
    );

    app.post(
      '/api/recommendations/evaluate',
      { config: write, schema: { tags, body: EvaluateBody, summary: 'Offline evaluation on a time split of the stored purchases: precision, recall, NDCG, hit rate and coverage at k per algorithm and the popularity baseline' } },
      async (req) => s.recommendations.evaluate(workspaceOf(req), req.body),
    );

    app.get(
      '/api/recommendations/models',
      { config: read, schema: { tags, querystring: ModelsQuery, summary: 'Training runs (algorithm, params, trained_at, duration, metrics) and evaluations, newest first' } },
      async (req) => ({ data: await s.recommendations.models(workspaceOf(req), req.query.limit) }),
    );
  };
}
