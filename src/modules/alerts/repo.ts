// SQL of monitors, alerts, alert history and notifications (tables of migrations 027 and 028).
import type { SqlExecutor, SqlParam } from '../../store/port.ts';
import type { Granularity } from '../../core/alerts/periods.ts';
import type { Rule, Severity } from '../../core/alerts/rules.ts';
import type { MetricParams } from './metrics.ts';
import type { AlertState, Recipient } from './schema.ts';

export interface MonitorRow {
  workspace_id: string;
  id: string;
  name: string;
  description: string | null;
  metric: string;
  params: MetricParams;
  rule: Rule;
  /** Periods evaluated: local days or local hours. */
  granularity: Granularity;
  recovery_periods: number;
  cooldown_minutes: number;
  schedule: string | null;
  recipients: Recipient[];
  channels: string[];
  enabled: boolean;
  last_evaluated_at: string | null;
  last_status: string | null;
  created_at: string;
  updated_at: string;
}

export interface AlertRow {
  workspace_id: string;
  id: string;
  monitor_id: string;
  dimension: string;
  metric: string;
  state: AlertState;
  severity: Severity;
  /** Period keys: local dates, or local hours `YYYY-MM-DDTHH:00` for hourly monitors. */
  first_period: string;
  last_period: string;
  value: number | null;
  evaluation: unknown;
  occurrences: number;
  opened_at: string;
  last_seen_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: 'auto' | 'manual' | null;
  note: string | null;
  last_notified_at: string | null;
  updated_at: string;
}

export interface AlertEventRow {
  id: string;
  alert_id: string;
  type: string;
  occurred_at: string;
  actor: string | null;
  period: string | null;
  value: number | null;
  severity: string | null;
  note: string | null;
}

export interface NotificationRow {
  id: string;
  alert_id: string;
  reason: string;
  recipient: string;
  recipient_key: string;
  channel_id: string;
  channel_type: string;
  status: string;
  send_id: string | null;
  error: string | null;
  created_at: string;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
const date = (v: unknown): string | null => (v === null || v === undefined ? null : String(v).slice(0, 10));
/** A period read back: its key column (028), or the date of a row from before it. */
const period = (key: unknown, day: unknown): string | null => (key === null || key === undefined ? date(day) : String(key));
/** The DATE column of a period key (its local date). */
const dayOf = (key: string | null): string | null => (key === null ? null : key.slice(0, 10));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const MONITOR_COLS = 'workspace_id, id, name, description, metric, params, rule, recovery_periods, cooldown_minutes, schedule, recipients, channels, enabled, last_evaluated_at, last_status, created_at, updated_at, granularity';

function monitorOf(r: Record<string, any>): MonitorRow {
  return {
    ...r,
    params: json(r.params) ?? {},
    rule: json(r.rule),
    recipients: json(r.recipients) ?? [],
    channels: json(r.channels) ?? [],
    enabled: Boolean(r.enabled),
    granularity: r.granularity ?? 'day',
    recovery_periods: Number(r.recovery_periods),
    cooldown_minutes: Number(r.cooldown_minutes),
  } as MonitorRow;
}

const ALERT_COLS = 'workspace_id, id, monitor_id, dimension, metric, state, severity, first_period, last_period, value, evaluation, occurrences, opened_at, last_seen_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by, resolution, note, last_notified_at, updated_at';
const ALERT_READ = `${ALERT_COLS}, first_period_key, last_period_key`;

function alertOf(r: Record<string, any>): AlertRow {
  const { first_period_key: fk, last_period_key: lk, ...rest } = r;
  return { ...rest, first_period: period(fk, r.first_period)!, last_period: period(lk, r.last_period)!, value: numOrNull(r.value), evaluation: json(r.evaluation), occurrences: Number(r.occurrences) } as AlertRow;
}

export const monitorRepo = {
  async list(db: SqlExecutor, ws: string): Promise<MonitorRow[]> {
    return (await db.query(`SELECT ${MONITOR_COLS} FROM alert_monitors WHERE workspace_id = $1 ORDER BY name`, [ws])).map(monitorOf);
  },
  /** By id or, failing that, by name. */
  async find(db: SqlExecutor, ws: string, ref: string): Promise<MonitorRow | null> {
    const rows = await db.query(`SELECT ${MONITOR_COLS} FROM alert_monitors WHERE workspace_id = $1 AND (id = $2 OR name = $2) ORDER BY (id = $2) DESC LIMIT 1`, [ws, ref]);
    return rows[0] ? monitorOf(rows[0]) : null;
  },
  async insert(db: SqlExecutor, m: MonitorRow): Promise<void> {
    await db.exec(
      `INSERT INTO alert_monitors (${MONITOR_COLS}) VALUES ($1, $2, $3, $4, $5, CAST($6 AS JSON), CAST($7 AS JSON), $8, $9, $10, CAST($11 AS JSON), CAST($12 AS JSON), $13, NULL, NULL, $14::TIMESTAMPTZ, $14::TIMESTAMPTZ, $15)`,
      [m.workspace_id, m.id, m.name, m.description, m.metric, JSON.stringify(m.params), JSON.stringify(m.rule), m.recovery_periods, m.cooldown_minutes, m.schedule, JSON.stringify(m.recipients), JSON.stringify(m.channels), m.enabled, m.created_at, m.granularity],
    );
  },
  async update(db: SqlExecutor, m: MonitorRow): Promise<void> {
    await db.exec(
      `UPDATE alert_monitors SET name = $3, description = $4, metric = $5, params = CAST($6 AS JSON), rule = CAST($7 AS JSON), recovery_periods = $8, cooldown_minutes = $9,
         schedule = $10, recipients = CAST($11 AS JSON), channels = CAST($12 AS JSON), enabled = $13, updated_at = $14::TIMESTAMPTZ, granularity = $15
       WHERE workspace_id = $1 AND id = $2`,
      [m.workspace_id, m.id, m.name, m.description, m.metric, JSON.stringify(m.params), JSON.stringify(m.rule), m.recovery_periods, m.cooldown_minutes, m.schedule, JSON.stringify(m.recipients), JSON.stringify(m.channels), m.enabled, m.updated_at, m.granularity],
    );
  },
  /** Marks the evaluation; inside an evaluation's transaction it is also the lock that serialises evaluations of one monitor. */
  async touch(db: SqlExecutor, ws: string, id: string, status: string, at: string): Promise<number> {
    return db.execCount('UPDATE alert_monitors SET last_evaluated_at = $3::TIMESTAMPTZ, last_status = $4 WHERE workspace_id = $1 AND id = $2', [ws, id, at, status]);
  },
  async delete(db: SqlExecutor, ws: string, id: string): Promise<number> {
    return db.execCount('DELETE FROM alert_monitors WHERE workspace_id = $1 AND id = $2', [ws, id]);
  },
};

export const alertRepo = {
  async byId(db: SqlExecutor, ws: string, id: string): Promise<AlertRow | null> {
    const rows = await db.query(`SELECT ${ALERT_READ} FROM alerts WHERE workspace_id = $1 AND id = $2`, [ws, id]);
    return rows[0] ? alertOf(rows[0]) : null;
  },
  /** The alert of a monitor and dimension that is not resolved yet (at most one). */
  async unresolved(db: SqlExecutor, ws: string, monitorId: string, dimension: string): Promise<AlertRow | null> {
    const rows = await db.query(
      `SELECT ${ALERT_READ} FROM alerts WHERE workspace_id = $1 AND monitor_id = $2 AND dimension = $3 AND state <> 'resolved' ORDER BY opened_at DESC LIMIT 1`,
      [ws, monitorId, dimension],
    );
    return rows[0] ? alertOf(rows[0]) : null;
  },
  async list(db: SqlExecutor, ws: string, f: { state?: string; severity?: string; monitorId?: string; fromUtc?: string; toUtc?: string; limit: number }): Promise<AlertRow[]> {
    const params: SqlParam[] = [ws];
    const where = ['workspace_id = $1'];
    const add = (sql: string, v: SqlParam) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.state) add('state = ?', f.state);
    if (f.severity) add('severity = ?', f.severity);
    if (f.monitorId) add('monitor_id = ?', f.monitorId);
    if (f.fromUtc) add('opened_at >= ?::TIMESTAMPTZ', f.fromUtc);
    if (f.toUtc) add('opened_at < ?::TIMESTAMPTZ', f.toUtc);
    params.push(f.limit);
    return (await db.query(`SELECT ${ALERT_READ} FROM alerts WHERE ${where.join(' AND ')} ORDER BY opened_at DESC, id DESC LIMIT $${params.length}`, params)).map(alertOf);
  },
  async insert(db: SqlExecutor, a: AlertRow): Promise<void> {
    await db.exec(
      `INSERT INTO alerts (${ALERT_COLS}, first_period_key, last_period_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::DATE, $9::DATE, $10, CAST($11 AS JSON), $12, $13::TIMESTAMPTZ, $14::TIMESTAMPTZ,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, $13::TIMESTAMPTZ, $15, $16)`,
      [a.workspace_id, a.id, a.monitor_id, a.dimension, a.metric, a.state, a.severity, dayOf(a.first_period), dayOf(a.last_period), a.value, JSON.stringify(a.evaluation), a.occurrences, a.opened_at, a.last_seen_at,
        a.first_period, a.last_period],
    );
  },
  /** Writes every mutable field of `a`. */
  async save(db: SqlExecutor, a: AlertRow): Promise<void> {
    await db.exec(
      `UPDATE alerts SET state = $3, severity = $4, last_period = $5::DATE, value = $6, evaluation = CAST($7 AS JSON), occurrences = $8, last_seen_at = $9::TIMESTAMPTZ,
         acknowledged_at = $10::TIMESTAMPTZ, acknowledged_by = $11, resolved_at = $12::TIMESTAMPTZ, resolved_by = $13, resolution = $14, note = $15,
         last_notified_at = $16::TIMESTAMPTZ, updated_at = $17::TIMESTAMPTZ, last_period_key = $18
       WHERE workspace_id = $1 AND id = $2`,
      [a.workspace_id, a.id, a.state, a.severity, dayOf(a.last_period), a.value, JSON.stringify(a.evaluation), a.occurrences, a.last_seen_at, a.acknowledged_at, a.acknowledged_by,
        a.resolved_at, a.resolved_by, a.resolution, a.note, a.last_notified_at, a.updated_at, a.last_period],
    );
  },
  async deleteOfMonitor(db: SqlExecutor, ws: string, monitorId: string): Promise<void> {
    for (const t of ['alert_events', 'alert_notifications']) {
      await db.exec(`DELETE FROM ${t} WHERE workspace_id = $1 AND alert_id IN (SELECT id FROM alerts WHERE workspace_id = $1 AND monitor_id = $2)`, [ws, monitorId]);
    }
    await db.exec('DELETE FROM alerts WHERE workspace_id = $1 AND monitor_id = $2', [ws, monitorId]);
  },
};

export const historyRepo = {
  async addEvent(db: SqlExecutor, ws: string, e: AlertEventRow): Promise<void> {
    await db.exec(
      `INSERT INTO alert_events (workspace_id, id, alert_id, type, occurred_at, actor, period, value, severity, note, period_key) VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, $6, $7::DATE, $8, $9, $10, $11)`,
      [ws, e.id, e.alert_id, e.type, e.occurred_at, e.actor, dayOf(e.period), e.value, e.severity, e.note, e.period],
    );
  },
  async events(db: SqlExecutor, ws: string, alertId: string): Promise<AlertEventRow[]> {
    const rows = await db.query(
      'SELECT id, alert_id, type, occurred_at, actor, period, period_key, value, severity, note FROM alert_events WHERE workspace_id = $1 AND alert_id = $2 ORDER BY occurred_at, id',
      [ws, alertId],
    );
    return rows.map(({ period_key: key, ...r }) => ({ ...r, period: period(key, r.period), value: numOrNull(r.value) }) as AlertEventRow);
  },
  async addNotifications(db: SqlExecutor, ws: string, rows: NotificationRow[]): Promise<void> {
    for (const n of rows) {
      await db.exec(
        `INSERT INTO alert_notifications (workspace_id, id, alert_id, reason, recipient, recipient_key, channel_id, channel_type, status, send_id, error, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::TIMESTAMPTZ)`,
        [ws, n.id, n.alert_id, n.reason, n.recipient, n.recipient_key, n.channel_id, n.channel_type, n.status, n.send_id, n.error, n.created_at],
      );
    }
  },
  async notifications(db: SqlExecutor, ws: string, alertId: string): Promise<NotificationRow[]> {
    return db.query(
      'SELECT id, alert_id, reason, recipient, recipient_key, channel_id, channel_type, status, send_id, error, created_at FROM alert_notifications WHERE workspace_id = $1 AND alert_id = $2 ORDER BY created_at, id',
      [ws, alertId],
    ) as Promise<NotificationRow[]>;
  },
};
