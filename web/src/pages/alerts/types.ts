// Response shapes of /api/alerts (the OpenAPI document types requests only).
export type Severity = 'info' | 'warning' | 'critical';
export type Bands = Partial<Record<Severity, number>>;
export type Rule =
  | { type: 'static'; op: 'above' | 'below'; thresholds: Bands; periods?: number; min_volume?: number }
  | { type: 'anomaly'; direction?: 'up' | 'down' | 'both'; weeks?: number; min_history?: number; bands?: Bands; min_volume?: number; mad_floor?: number };
export interface Recipient { staff?: string; user?: string; name?: string; email?: string; phone?: string; wecom_userid?: string }
export type Granularity = 'day' | 'hour';
export interface MetricDef { id: string; name_zh: string; name_en: string; unit: 'count' | 'money' | 'rate'; params: string[]; required?: string[]; granularities: Granularity[] }
export interface Monitor {
  id: string; name: string; description: string | null; metric: string; params: Record<string, unknown>; rule: Rule; granularity: Granularity; recovery_periods: number; cooldown_minutes: number;
  schedule: string | null; recipients: Recipient[]; channels: string[]; enabled: boolean; last_evaluated_at: string | null; last_status: string | null;
  metric_name: { zh: string; en: string } | null; unit: string;
}
export interface AlertRow {
  id: string; monitor_id: string; monitor_name: string | null; metric: string; metric_name: { zh: string; en: string } | null; unit: string;
  state: 'open' | 'acknowledged' | 'resolved'; severity: Severity; first_period: string; last_period: string; value: number | null; occurrences: number;
  opened_at: string; last_seen_at: string; acknowledged_at: string | null; acknowledged_by: string | null; resolved_at: string | null; resolved_by: string | null;
  resolution: 'auto' | 'manual' | null; note: string | null;
}
/** `date` and the alert's periods are period keys: a local date, or a local hour `YYYY-MM-DDTHH:00` (hourly monitors). */
export interface ChartPoint { date: string; value: number | null; volume: number; status: string; severity: Severity | null; median: number | null; lower: number | null; upper: number | null }
export interface AlertDetail extends AlertRow {
  monitor: Monitor | null;
  events: Array<{ id: string; type: string; occurred_at: string; actor: string | null; period: string | null; value: number | null; severity: string | null; note: string | null }>;
  notifications: Array<{ id: string; reason: string; recipient: string; channel_type: string; status: string; error: string | null; created_at: string }>;
  chart: { unit: string; points: ChartPoint[]; thresholds: Bands | null } | null;
}
