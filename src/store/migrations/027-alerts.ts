// Migration 27: risk alerts (危机预警) — monitors on catalogue metrics, alerts with their state and history, and the
// notifications sent for them (who, through which channel, with what outcome).
import type { DialectTypes } from '../port.ts';

export const version = 27;
export const name = 'alerts';

export function up(t: DialectTypes): string[] {
  const tables = [
    // A monitor: a metric with params, a rule (static or anomaly, severity bands), when it runs, who hears of it.
    // recipients and channels are JSON lists; channels hold messaging channel ids.
    `CREATE TABLE alert_monitors (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      description VARCHAR,
      metric VARCHAR NOT NULL,
      params ${t.json},
      rule ${t.json} NOT NULL,
      recovery_periods INTEGER NOT NULL DEFAULT 1,
      cooldown_minutes INTEGER NOT NULL DEFAULT 360,
      schedule VARCHAR,
      recipients ${t.json} NOT NULL,
      channels ${t.json} NOT NULL,
      enabled BOOLEAN NOT NULL DEFAULT true,
      last_evaluated_at TIMESTAMPTZ,
      last_status VARCHAR,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // One alert per monitor and dimension while it is not resolved (open → acknowledged → resolved); repeats of the
    // breach bump occurrences and last_seen_at. first/last_period are the local dates of the breaching periods.
    `CREATE TABLE alerts (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      monitor_id VARCHAR NOT NULL,
      dimension VARCHAR NOT NULL DEFAULT '',
      metric VARCHAR NOT NULL,
      state VARCHAR NOT NULL,
      severity VARCHAR NOT NULL,
      first_period DATE NOT NULL,
      last_period DATE NOT NULL,
      value ${t.double},
      evaluation ${t.json},
      occurrences INTEGER NOT NULL DEFAULT 1,
      opened_at TIMESTAMPTZ NOT NULL,
      last_seen_at TIMESTAMPTZ NOT NULL,
      acknowledged_at TIMESTAMPTZ,
      acknowledged_by VARCHAR,
      resolved_at TIMESTAMPTZ,
      resolved_by VARCHAR,
      resolution VARCHAR,
      note VARCHAR,
      last_notified_at TIMESTAMPTZ,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // Append-only history of an alert: opened, repeated, escalated, acknowledged, resolved, notified.
    `CREATE TABLE alert_events (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      alert_id VARCHAR NOT NULL,
      type VARCHAR NOT NULL,
      occurred_at TIMESTAMPTZ NOT NULL,
      actor VARCHAR,
      period DATE,
      value ${t.double},
      severity VARCHAR,
      note VARCHAR,
      PRIMARY KEY (workspace_id, id)
    )`,
    // One row per recipient and channel of each notification round; send_id is the message_sends row.
    `CREATE TABLE alert_notifications (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      alert_id VARCHAR NOT NULL,
      reason VARCHAR NOT NULL,
      recipient VARCHAR NOT NULL,
      recipient_key VARCHAR NOT NULL,
      channel_id VARCHAR NOT NULL,
      channel_type VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      send_id VARCHAR,
      error VARCHAR,
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
  ];
  const indexes = [
    'CREATE INDEX alerts_monitor ON alerts (workspace_id, monitor_id, dimension, state)',
    'CREATE INDEX alerts_opened ON alerts (workspace_id, opened_at)',
    'CREATE INDEX alert_events_alert ON alert_events (workspace_id, alert_id, occurred_at)',
    'CREATE INDEX alert_notifications_alert ON alert_notifications (workspace_id, alert_id, created_at)',
  ];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
