// HTTP routes of risk alerts: /api/alerts/metrics, /api/alerts/monitors (CRUD, evaluate, series), /api/alerts (list,
// detail with history and chart, acknowledge, resolve) and /api/alerts/evaluate (all monitors at once).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../server/services.ts';
import { actorOf, workspaceOf } from '../../server/auth.ts';
import { AckBody, AlertListQuery, EvaluateAllBody, EvaluateBody, IdParam, MonitorCreate, MonitorPatch, periodKey, RecipientUsers, ResolveBody } from './schema.ts';

const actor = (req: FastifyRequest) => {
  const a = actorOf(req);
  return a ? `${a.type}:${a.name ?? a.id}` : 'unknown';
};

/** as_of: the last period shown (a date for daily monitors, an hour YYYY-MM-DDTHH:00 for hourly ones); days: how many days (default 28; hourly 7). */
const SeriesQuery = z.object({ as_of: periodKey.optional(), days: z.coerce.number().int().min(1).max(366).optional() }).strict();

export function alertRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['alerts'];

    app.get('/api/alerts/metrics', { schema: { tags, summary: 'The metrics monitors can watch (ids, zh/en names, units, params)' } }, async () => ({ data: s.alerts.metrics() }));

    app.get('/api/alerts/monitors', { schema: { tags, summary: 'List monitors' } }, async (req) => ({ data: await s.alerts.listMonitors(workspaceOf(req)) }));

    // Whoever may read monitors may choose users as recipients; listing users in full stays with admins (/api/users).
    app.get('/api/alerts/recipients/users', { schema: { tags, summary: 'Console users to choose as recipients: username, name, role, disabled, has_email (no addresses)', response: { 200: RecipientUsers } } }, async (req) => ({
      data: (await s.access.listUsers(workspaceOf(req))).map((u) => ({
        id: u.id, username: u.username, display_name: u.display_name, role: u.role, disabled: Boolean(u.disabled_at), has_email: Boolean(u.email),
      })),
    }));

    app.post('/api/alerts/monitors', { schema: { tags, summary: 'Create a monitor (metric + rule + granularity day|hour + schedule + recipients and channels); default schedule 5 9 * * * (daily) or 5 * * * * (hourly)', body: MonitorCreate } }, async (req, reply) =>
      reply.status(201).send(await s.alerts.createMonitor(workspaceOf(req), req.body)),
    );

    app.get('/api/alerts/monitors/:id', { schema: { tags, summary: 'A monitor by id or name', params: IdParam } }, async (req) => s.alerts.getMonitor(workspaceOf(req), req.params.id));

    app.patch('/api/alerts/monitors/:id', { schema: { tags, summary: 'Change a monitor', params: IdParam, body: MonitorPatch } }, async (req) =>
      s.alerts.updateMonitor(workspaceOf(req), req.params.id, req.body),
    );

    app.delete('/api/alerts/monitors/:id', { schema: { tags, summary: 'Delete a monitor with its schedule and alerts', params: IdParam } }, async (req, reply) => {
      await s.alerts.deleteMonitor(workspaceOf(req), req.params.id);
      return reply.status(204).send();
    });

    app.post(
      '/api/alerts/monitors/:id/evaluate',
      { schema: { tags, summary: 'Evaluate a monitor now, for as_of: a date for daily monitors (default yesterday), an hour YYYY-MM-DDTHH:00 for hourly ones (default the last complete hour); dry_run only computes the verdict (back-testing)', params: IdParam, body: EvaluateBody.optional() } },
      async (req) => s.alerts.evaluate(workspaceOf(req), req.params.id, req.body ?? { dry_run: false }),
    );

    app.get(
      '/api/alerts/monitors/:id/series',
      { schema: { tags, summary: "A monitor's metric per period with its baseline band or thresholds and verdicts; points[].date is the period key (a date, or an hour YYYY-MM-DDTHH:00 for hourly monitors: days days of hours, default 7 = 168 points)", params: IdParam, querystring: SeriesQuery } },
      async (req) => s.alerts.series(workspaceOf(req), req.params.id, req.query),
    );

    app.post('/api/alerts/evaluate', { schema: { tags, summary: 'Evaluate every enabled monitor (or the one named) for as_of: a date evaluates the daily monitors, an hour YYYY-MM-DDTHH:00 the hourly ones; none: each its last complete period', body: EvaluateAllBody.optional() } }, async (req) => ({
      data: await s.alerts.evaluateAll(workspaceOf(req), req.body ?? { dry_run: false }),
    }));

    app.get('/api/alerts', { schema: { tags, summary: 'List alerts, newest first; filter by state, severity, monitor, opened from/to', querystring: AlertListQuery } }, async (req) => ({
      data: await s.alerts.listAlerts(workspaceOf(req), req.query),
    }));

    app.get('/api/alerts/:id', { schema: { tags, summary: 'One alert with its history, notifications and metric chart; first_period, last_period and chart dates are period keys (dates, or hours YYYY-MM-DDTHH:00)', params: IdParam } }, async (req) => s.alerts.getAlert(workspaceOf(req), req.params.id));

    app.post('/api/alerts/:id/acknowledge', { schema: { tags, summary: 'Acknowledge an open alert', params: IdParam, body: AckBody.optional() } }, async (req) =>
      s.alerts.acknowledge(workspaceOf(req), req.params.id, actor(req), req.body?.note),
    );

    app.post('/api/alerts/:id/resolve', { schema: { tags, summary: 'Resolve an alert by hand, with a note', params: IdParam, body: ResolveBody } }, async (req) =>
      s.alerts.resolve(workspaceOf(req), req.params.id, actor(req), req.body.note),
    );
  };
}
