// HTTP routes of analytics: /api/analytics/{kpis,gmv,cohorts,funnels,channels,trends}. Dates are local dates in
// the workspace time zone; see README "Analytics" for every definition.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { CohortQuery, FunnelBody, PeriodQuery, TrendQuery } from './schema.ts';

const PERIOD_HELP = 'Period: from+to (inclusive local dates) or period=day|week|month|quarter|year around date (default: this month).';

export function analyticsRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['analytics'];

    app.get(
      '/api/analytics/kpis',
      { schema: { tags, summary: 'KPIs of a period against the previous one (members, active, buyers, conversion, repurchase, AOV, GMV, ARPU)', description: PERIOD_HELP, querystring: PeriodQuery } },
      async (req) => s.analytics.kpis(workspaceOf(req), req.query),
    );

    app.get(
      '/api/analytics/gmv',
      { schema: { tags, summary: 'GMV = active × conversion × orders per buyer × AOV, for new and returning buyers', description: PERIOD_HELP, querystring: PeriodQuery } },
      async (req) => s.analytics.gmv(workspaceOf(req), req.query),
    );

    app.get(
      '/api/analytics/cohorts',
      { schema: { tags, summary: 'Acquisition cohorts (first order or signup, by month or week) × offset: active and repurchasing members', querystring: CohortQuery } },
      async (req) => s.analytics.cohorts(workspaceOf(req), req.query),
    );

    app.post(
      '/api/analytics/funnels',
      { schema: { tags, summary: 'Ordered funnel within a conversion window: members per step, conversion, median time between steps', description: PERIOD_HELP, body: FunnelBody } },
      async (req) => s.analytics.funnel(workspaceOf(req), req.body),
    );

    app.get(
      '/api/analytics/channels',
      { schema: { tags, summary: 'Members, new members, buyers, GMV, AOV and repurchase rate by source channel and by order channel', description: PERIOD_HELP, querystring: PeriodQuery } },
      async (req) => s.analytics.channels(workspaceOf(req), req.query),
    );

    app.get(
      '/api/analytics/trends',
      { schema: { tags, summary: 'Daily, weekly or monthly series: members, new, active, buyers, orders, GMV, AOV, repurchase rate', querystring: TrendQuery } },
      async (req) => s.analytics.trends(workspaceOf(req), req.query),
    );
  };
}
