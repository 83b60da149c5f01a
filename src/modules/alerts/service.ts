// Risk alerts (危机预警): monitors on catalogue metrics, evaluated on their schedule (job alerts.evaluate) and on
// demand; one unresolved alert per monitor and dimension (open → acknowledged → resolved), repeats counted, no
// re-notification within the cool-down, automatic resolution once the metric is back to normal. Monitors evaluate
// complete local days or, with granularity 'hour', complete local hours (period keys `YYYY-MM-DDTHH:00`).
import { SiyuError, invalid, isSiyuError, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { evaluateMonitor, lookbackPeriods, seriesOf, worse, type Evaluation } from '../../core/alerts/evaluate.ts';
import { granularityOfKey, shiftPeriod } from '../../core/alerts/periods.ts';
import { SEVERITY_RANK } from '../../core/alerts/rules.ts';
import type { Store, TxExecutor } from '../../store/port.ts';
import type { JobService } from '../jobs/service.ts';
import { cronError } from '../jobs/cron.ts';
import type { MessagingService } from '../messaging/service.ts';
import { localMidnightUtc, addDays } from '../analytics/calendar.ts';
import { chartOf, type Chart } from './chart.ts';
import { alertWindow, asOfFor, checkGranularity, scheduleAfter, windowStart } from './granularity.ts';
import { metricSeries } from './metrics-repo.ts';
import { METRIC_CATALOGUE, metricDef, type MetricParams } from './metrics.ts';
import { addressees, sendRound, type NotifyReason, type StaffLookup, type UserLookup } from './notify.ts';
import { alertRepo, historyRepo, monitorRepo, type AlertRow, type MonitorRow } from './repo.ts';
import { DEFAULT_SCHEDULE, type AlertListQuery, type EvaluateBody, type MonitorCreate, type MonitorPatch } from './schema.ts';

export const EVALUATE_JOB = 'alerts.evaluate';
/** The job schedule of a monitor. */
export const scheduleOf = (monitorId: string) => `alerts:${monitorId}`;

export interface AlertsDeps {
  store: Store;
  jobs: JobService;
  messaging: MessagingService;
  /** Staff by id or WeCom userid (looked up late: the staff module may be built after this one). */
  staff: () => StaffLookup | null;
  /** Console users of a workspace by username or id (the access module; looked up late like staff). */
  users?: () => UserLookup | null;
  timezoneOf(ws: string): Promise<string>;
  now?: () => Date;
}

/** What one evaluation did. */
export interface EvaluationResult {
  monitor_id: string;
  monitor: string;
  as_of: string;
  evaluation: Evaluation;
  recovered: boolean;
  action: 'opened' | 'repeated' | 'escalated' | 'resolved' | 'none';
  alert: AlertRow | null;
  notifications: Array<{ recipient: string; channel_type: string; status: string; reason: string }>;
}

const DIMENSION = ''; // one series per monitor for now; the key leaves room for per-channel/store monitors

export class AlertsService {
  private readonly now: () => Date;

  constructor(private readonly deps: AlertsDeps) {
    this.now = deps.now ?? (() => new Date());
    deps.jobs.register(EVALUATE_JOB, async (job) => {
      const m = await monitorRepo.find(deps.store, job.workspaceId, String(job.payload?.monitor_id ?? ''));
      if (m && m.enabled) await this.evaluate(job.workspaceId, m.id, { dry_run: false });
    }, { concurrency: 1 });
  }

  /** The metric catalogue. */
  metrics() {
    return METRIC_CATALOGUE;
  }

  // ---- monitors ----

  private view(m: MonitorRow) {
    const { workspace_id: _, ...rest } = m;
    const def = metricDef(m.metric);
    return { ...rest, metric_name: def ? { zh: def.name_zh, en: def.name_en } : null, unit: def?.unit ?? 'count' };
  }

  private async row(ws: string, ref: string): Promise<MonitorRow> {
    const m = await monitorRepo.find(this.deps.store, ws, ref);
    if (!m) throw notFound('alert.monitor_not_found', `No monitor ${ref}`, 'monitor');
    return m;
  }

  async listMonitors(ws: string) {
    return (await monitorRepo.list(this.deps.store, ws)).map((m) => this.view(m));
  }

  async getMonitor(ws: string, ref: string) {
    return this.view(await this.row(ws, ref));
  }

  /** Checks what zod cannot: params the metric takes, channels and staff that exist, the cron pattern. */
  private async checked(ws: string, m: MonitorRow): Promise<MonitorRow> {
    const def = metricDef(m.metric)!;
    for (const k of Object.keys(m.params) as Array<keyof MetricParams>) {
      if (m.params[k] !== undefined && !def.params.includes(k)) throw invalid('alert.params_invalid', `metric ${m.metric} takes no param ${k}`, `params.${k}`);
    }
    for (const k of def.required ?? []) if (m.params[k] === undefined) throw invalid('alert.params_invalid', `metric ${m.metric} needs params.${k}`, `params.${k}`);
    checkGranularity(m.metric, m.granularity);
    if (m.schedule) {
      const why = cronError(m.schedule);
      if (why) throw invalid('alert.schedule_invalid', `schedule ${JSON.stringify(m.schedule)} is not a cron pattern: ${why}`, 'schedule');
    }
    const channels: string[] = [];
    for (const [i, ref] of m.channels.entries()) {
      try {
        channels.push((await this.deps.messaging.getChannel(ws, ref)).id);
      } catch (e) {
        if (isSiyuError(e) && e.type === 'not_found') throw invalid('alert.channel_not_found', `No messaging channel ${ref}`, `channels.${i}`);
        throw e;
      }
    }
    const staff = this.deps.staff();
    for (const [i, r] of m.recipients.entries()) {
      if (r.staff === undefined) continue;
      if (!staff) throw invalid('alert.recipient_invalid', 'staff recipients need the staff module', `recipients.${i}.staff`);
      try {
        await staff(ws, r.staff);
      } catch (e) {
        if (isSiyuError(e) && e.type === 'not_found') throw invalid('alert.recipient_not_found', `No staff member ${r.staff}`, `recipients.${i}.staff`);
        throw e;
      }
    }
    return { ...m, channels: [...new Set(channels)] };
  }

  /** User recipients must name a console user of the workspace when they are set (a later disable only skips them). */
  private async checkUsers(ws: string, recipients: MonitorRow['recipients']): Promise<void> {
    const users = this.deps.users?.() ?? null;
    for (const [i, r] of recipients.entries()) {
      if (r.user === undefined) continue;
      if (!users) throw invalid('alert.recipient_invalid', 'user recipients need the access module', `recipients.${i}.user`);
      if (!(await users(ws, r.user))) throw invalid('alert.recipient_unknown', `No console user ${r.user} in this workspace`, `recipients.${i}.user`);
    }
  }

  private async syncSchedule(ws: string, m: MonitorRow): Promise<void> {
    if (m.schedule && m.enabled) await this.deps.jobs.schedule(ws, { name: scheduleOf(m.id), cron: m.schedule, kind: EVALUATE_JOB, payload: { monitor_id: m.id } });
    else await this.deps.jobs.deleteSchedule(ws, scheduleOf(m.id)).catch(() => undefined);
  }

  async createMonitor(ws: string, b: MonitorCreate) {
    const now = this.now().toISOString();
    const granularity = b.granularity ?? 'day';
    const m = await this.checked(ws, {
      workspace_id: ws, id: newId('amon'), name: b.name, description: b.description ?? null, metric: b.metric, params: b.params, rule: b.rule, granularity,
      recovery_periods: b.recovery_periods, cooldown_minutes: b.cooldown_minutes, schedule: b.schedule === undefined ? DEFAULT_SCHEDULE[granularity] : b.schedule,
      recipients: b.recipients, channels: b.channels,
      enabled: b.enabled, last_evaluated_at: null, last_status: null, created_at: now, updated_at: now,
    });
    await this.checkUsers(ws, m.recipients);
    await this.deps.store.transaction(async (tx) => {
      if (await monitorRepo.find(tx, ws, b.name)) throw new SiyuError('duplicate', 'alert.monitor_exists', `A monitor named ${b.name} exists`, { field: 'name' });
      await monitorRepo.insert(tx, m);
    });
    await this.syncSchedule(ws, m);
    return this.view(m);
  }

  async updateMonitor(ws: string, ref: string, p: MonitorPatch) {
    const old = await this.row(ws, ref);
    const metricChanged = p.metric !== undefined && p.metric !== old.metric;
    const merged: MonitorRow = {
      ...old,
      ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)),
      params: p.params ?? (metricChanged ? {} : old.params),
      description: p.description === undefined ? old.description : p.description,
      schedule: p.schedule !== undefined ? p.schedule : p.granularity ? scheduleAfter(old, p.granularity) : old.schedule,
      updated_at: this.now().toISOString(),
    } as MonitorRow;
    const m = await this.checked(ws, merged);
    if (p.recipients) await this.checkUsers(ws, p.recipients);
    await this.deps.store.transaction(async (tx) => {
      if (m.name !== old.name) {
        const clash = await monitorRepo.find(tx, ws, m.name);
        if (clash && clash.id !== old.id) throw new SiyuError('duplicate', 'alert.monitor_exists', `A monitor named ${m.name} exists`, { field: 'name' });
      }
      await monitorRepo.update(tx, m);
    });
    await this.syncSchedule(ws, m);
    return this.view(m);
  }

  /** Deletes a monitor, its schedule and its alerts with their history. */
  async deleteMonitor(ws: string, ref: string): Promise<void> {
    const m = await this.row(ws, ref);
    await this.deps.store.transaction(async (tx) => {
      await alertRepo.deleteOfMonitor(tx, ws, m.id);
      await monitorRepo.delete(tx, ws, m.id);
    });
    await this.deps.jobs.deleteSchedule(ws, scheduleOf(m.id)).catch(() => undefined);
  }

  /**
   * The monitor's metric and verdicts per period: `days` days ending on `as_of` (default the last complete period);
   * daily monitors 28 days by default, hourly ones 7 days of hours (168 points).
   */
  async series(ws: string, ref: string, q: { as_of?: string; days?: number }): Promise<Chart & { monitor_id: string; granularity: string }> {
    const m = await this.row(ws, ref);
    const tz = await this.deps.timezoneOf(ws);
    const to = asOfFor(m, tz, this.now(), q.as_of);
    const from = windowStart(to, q.days ?? (m.granularity === 'hour' ? 7 : 28));
    const points = await metricSeries(this.deps.store, ws, tz, m.metric, m.params, shiftPeriod(from, -lookbackPeriods(m.rule, 1, m.granularity)), to);
    return { monitor_id: m.id, granularity: m.granularity, ...chartOf(points, m.rule, metricDef(m.metric)?.unit ?? 'count', from, to) };
  }

  // ---- evaluation ----

  /**
   * Evaluates every enabled monitor (or the one named) for `as_of`. Without a monitor named, an `as_of` date
   * evaluates the daily monitors and an hour the hourly ones; without `as_of` each evaluates its last complete period.
   */
  async evaluateAll(ws: string, b: EvaluateBody & { monitor?: string }): Promise<EvaluationResult[]> {
    const monitors = b.monitor
      ? [await this.row(ws, b.monitor)]
      : (await monitorRepo.list(this.deps.store, ws)).filter((m) => m.enabled && (b.as_of === undefined || granularityOfKey(b.as_of) === m.granularity));
    const out: EvaluationResult[] = [];
    for (const m of monitors) out.push(await this.evaluate(ws, m.id, b));
    return out;
  }

  /**
   * Evaluates one monitor on the period `as_of` (default the last complete local day or hour): opens an alert on a breach (or counts a
   * repeat of the unresolved one), resolves it after `recovery_periods` normal periods, notifies the recipients.
   */
  async evaluate(ws: string, ref: string, b: EvaluateBody): Promise<EvaluationResult> {
    const m = await this.row(ws, ref);
    const tz = await this.deps.timezoneOf(ws);
    const asOf = asOfFor(m, tz, this.now(), b.as_of);
    const unit = metricDef(m.metric)?.unit ?? 'count';
    const points = await metricSeries(this.deps.store, ws, tz, m.metric, m.params, shiftPeriod(asOf, -lookbackPeriods(m.rule, m.recovery_periods, m.granularity)), asOf);
    const verdict = evaluateMonitor(seriesOf(points), asOf, m.rule, unit, m.recovery_periods);
    const e = verdict.current;
    const result: EvaluationResult = { monitor_id: m.id, monitor: m.name, as_of: asOf, evaluation: e, recovered: verdict.recovered, action: 'none', alert: null, notifications: [] };
    if (b.dry_run) return result;

    const nowIso = this.now().toISOString();
    const event = (alertId: string, type: string, note: string | null = null) => ({
      id: newId('aevt'), alert_id: alertId, type, occurred_at: nowIso, actor: 'system', period: e.date, value: e.value, severity: e.severity, note,
    });
    let notify: { reason: NotifyReason; eventId: string } | null = null;
    const alert = await this.deps.store.transaction(async (tx: TxExecutor) => {
      notify = null;
      result.action = 'none';
      await monitorRepo.touch(tx, ws, m.id, e.status, nowIso); // first: the row lock serialises evaluations of this monitor
      const cur = await alertRepo.unresolved(tx, ws, m.id, DIMENSION);
      if (e.status === 'breach') {
        if (!cur) {
          const a: AlertRow = {
            workspace_id: ws, id: newId('alrt'), monitor_id: m.id, dimension: DIMENSION, metric: m.metric, state: 'open', severity: e.severity!, first_period: e.date, last_period: e.date,
            value: e.value, evaluation: e, occurrences: 1, opened_at: nowIso, last_seen_at: nowIso, acknowledged_at: null, acknowledged_by: null, resolved_at: null, resolved_by: null,
            resolution: null, note: null, last_notified_at: null, updated_at: nowIso,
          };
          await alertRepo.insert(tx, a);
          const ev = event(a.id, 'opened', e.reason);
          await historyRepo.addEvent(tx, ws, ev);
          result.action = 'opened';
          notify = { reason: 'opened', eventId: ev.id };
          return a;
        }
        const escalated = SEVERITY_RANK[e.severity!] > SEVERITY_RANK[cur.severity];
        const a: AlertRow = {
          ...cur, severity: worse(cur.severity, e.severity)!, last_period: e.date > cur.last_period ? e.date : cur.last_period, value: e.value, evaluation: e,
          occurrences: cur.occurrences + 1, last_seen_at: nowIso, updated_at: nowIso,
        };
        await alertRepo.save(tx, a);
        const ev = event(a.id, escalated ? 'escalated' : 'repeated', e.reason);
        await historyRepo.addEvent(tx, ws, ev);
        result.action = escalated ? 'escalated' : 'repeated';
        const cooled = !cur.last_notified_at || Date.parse(nowIso) - Date.parse(cur.last_notified_at) >= m.cooldown_minutes * 60_000;
        if (escalated) notify = { reason: 'escalated', eventId: ev.id };
        else if (cooled && cur.state === 'open') notify = { reason: 'reminder', eventId: ev.id };
        return a;
      }
      if (cur && verdict.recovered) {
        const a: AlertRow = { ...cur, state: 'resolved', resolved_at: nowIso, resolved_by: 'system', resolution: 'auto', updated_at: nowIso };
        await alertRepo.save(tx, a);
        const ev = event(a.id, 'resolved', `back to normal for ${m.recovery_periods} period(s): ${e.reason}`);
        await historyRepo.addEvent(tx, ws, ev);
        result.action = 'resolved';
        notify = { reason: 'resolved', eventId: ev.id };
        return a;
      }
      return cur;
    });
    result.alert = alert;
    const n = notify as { reason: NotifyReason; eventId: string } | null;
    if (alert && n) result.notifications = await this.notify(ws, m, alert, n.reason, n.eventId, e);
    if (result.alert) result.alert = await alertRepo.byId(this.deps.store, ws, result.alert.id);
    return result;
  }

  /** Sends one round to every recipient on every channel of the monitor and records it on the alert. */
  private async notify(ws: string, m: MonitorRow, a: AlertRow, reason: NotifyReason, eventId: string, e: Evaluation | null) {
    if (m.channels.length === 0 || m.recipients.length === 0) return [];
    const people = await addressees(ws, m.recipients, this.deps.staff(), this.deps.users?.() ?? null).catch(() => []);
    if (people.length === 0) return [];
    const rows = await sendRound(this.deps.messaging, ws, m, a, eventId, reason, e, people);
    const nowIso = this.now().toISOString();
    await this.deps.store.transaction(async (tx) => {
      await historyRepo.addNotifications(tx, ws, rows);
      const sent = rows.filter((r) => r.status !== 'failed' && r.status !== 'skipped').length;
      await historyRepo.addEvent(tx, ws, { id: newId('aevt'), alert_id: a.id, type: 'notified', occurred_at: nowIso, actor: 'system', period: null, value: null, severity: a.severity, note: `${reason}: ${sent} of ${rows.length} sent` });
      if (sent > 0) await tx.exec('UPDATE alerts SET last_notified_at = $3::TIMESTAMPTZ WHERE workspace_id = $1 AND id = $2', [ws, a.id, nowIso]);
    });
    return rows.map((r) => ({ recipient: r.recipient, channel_type: r.channel_type, status: r.status, reason: r.reason }));
  }

  // ---- alerts ----

  private async alertRow(ws: string, id: string): Promise<AlertRow> {
    const a = await alertRepo.byId(this.deps.store, ws, id);
    if (!a) throw notFound('alert.not_found', `No alert ${id}`, 'id');
    return a;
  }

  private alertView(a: AlertRow, names: Map<string, string>) {
    const { workspace_id: _, ...rest } = a;
    const def = metricDef(a.metric);
    return { ...rest, monitor_name: names.get(a.monitor_id) ?? null, metric_name: def ? { zh: def.name_zh, en: def.name_en } : null, unit: def?.unit ?? 'count' };
  }

  private async names(ws: string) {
    return new Map((await monitorRepo.list(this.deps.store, ws)).map((m) => [m.id, m.name]));
  }

  async listAlerts(ws: string, q: AlertListQuery) {
    if (q.from && q.to && q.from > q.to) throw invalid('alert.range_invalid', 'from must not be after to', 'from');
    const tz = await this.deps.timezoneOf(ws);
    const monitorId = q.monitor ? (await this.row(ws, q.monitor)).id : undefined;
    const rows = await alertRepo.list(this.deps.store, ws, {
      state: q.state, severity: q.severity, monitorId, limit: q.limit,
      fromUtc: q.from ? localMidnightUtc(q.from, tz) : undefined, toUtc: q.to ? localMidnightUtc(addDays(q.to, 1), tz) : undefined,
    });
    const names = await this.names(ws);
    return rows.map((a) => this.alertView(a, names));
  }

  /** One alert with its history, notifications, monitor and the metric chart around it. */
  async getAlert(ws: string, id: string) {
    const a = await this.alertRow(ws, id);
    const [events, notifications, m, tz] = await Promise.all([
      historyRepo.events(this.deps.store, ws, id), historyRepo.notifications(this.deps.store, ws, id), monitorRepo.find(this.deps.store, ws, a.monitor_id), this.deps.timezoneOf(ws),
    ]);
    let chart: Chart | null = null;
    // The monitor's periods around the alert (none when the monitor has changed granularity since).
    if (m && granularityOfKey(a.first_period) === m.granularity) {
      const { from, to } = alertWindow(a.first_period, a.last_period, m.granularity, tz, this.now());
      const points = await metricSeries(this.deps.store, ws, tz, m.metric, m.params, shiftPeriod(from, -lookbackPeriods(m.rule, 1, m.granularity)), to);
      chart = chartOf(points, m.rule, metricDef(m.metric)?.unit ?? 'count', from, to);
    }
    return {
      ...this.alertView(a, new Map(m ? [[m.id, m.name]] : [])),
      monitor: m ? this.view(m) : null,
      events: events.map(({ alert_id: _, ...rest }) => rest),
      notifications: notifications.map(({ alert_id: _, ...rest }) => rest),
      chart,
    };
  }

  async acknowledge(ws: string, id: string, actor: string, note?: string) {
    await this.deps.store.transaction(async (tx) => {
      const a = await alertRepo.byId(tx, ws, id);
      if (!a) throw notFound('alert.not_found', `No alert ${id}`, 'id');
      if (a.state !== 'open') throw new SiyuError('conflict', 'alert.not_open', `Alert ${id} is ${a.state}; only open alerts can be acknowledged`, { field: 'state' });
      const now = this.now().toISOString();
      await alertRepo.save(tx, { ...a, state: 'acknowledged', acknowledged_at: now, acknowledged_by: actor, note: note ?? a.note, updated_at: now });
      await historyRepo.addEvent(tx, ws, { id: newId('aevt'), alert_id: id, type: 'acknowledged', occurred_at: now, actor, period: null, value: null, severity: a.severity, note: note ?? null });
    });
    return this.getAlert(ws, id);
  }

  async resolve(ws: string, id: string, actor: string, note: string) {
    await this.deps.store.transaction(async (tx) => {
      const a = await alertRepo.byId(tx, ws, id);
      if (!a) throw notFound('alert.not_found', `No alert ${id}`, 'id');
      if (a.state === 'resolved') throw new SiyuError('conflict', 'alert.already_resolved', `Alert ${id} is already resolved`, { field: 'state' });
      const now = this.now().toISOString();
      await alertRepo.save(tx, { ...a, state: 'resolved', resolved_at: now, resolved_by: actor, resolution: 'manual', note, updated_at: now });
      await historyRepo.addEvent(tx, ws, { id: newId('aevt'), alert_id: id, type: 'resolved', occurred_at: now, actor, period: null, value: null, severity: a.severity, note });
    });
    return this.getAlert(ws, id);
  }
}
