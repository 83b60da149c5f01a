// Risk alerts of the demo brand 「茶咖时光」: a few sensible monitors and a complaint spike on the last day of the
// data, evaluated once, so the console shows an open critical alert with its chart. The hourly complaint monitor
// runs on its own schedule (5 past every hour) and is not evaluated at seeding.
import type { Services } from '../../server/services.ts';
import { addDays } from '../analytics/calendar.ts';
import type { MonitorCreate } from './schema.ts';

type DemoMonitor = Omit<MonitorCreate, 'params' | 'granularity' | 'recovery_periods' | 'cooldown_minutes' | 'recipients' | 'channels' | 'enabled' | 'schedule'> & Partial<MonitorCreate>;

const DUTY = { name: '值班运营经理', email: 'ops-duty@chakashiguang.example', phone: '13800138000' };

/** The demo's monitors; minimum volumes keep an idle (stale) demo database from alerting on empty days. */
export const DEMO_MONITORS: DemoMonitor[] = [
  { name: '客诉激增', description: '质量类投诉按同星期几的基线检测异常上升', metric: 'event_count', params: { event: 'complaint' }, rule: { type: 'anomaly', direction: 'up', weeks: 6, min_history: 3, bands: { warning: 3, critical: 5 }, min_volume: 5 }, recovery_periods: 2 },
  { name: 'GMV 异常下跌', description: 'GMV 低于同星期几的正常波动', metric: 'gmv', params: {}, rule: { type: 'anomaly', direction: 'down', weeks: 6, min_history: 3, bands: { warning: 3, critical: 5 }, min_volume: 100 } },
  { name: '退款率过高', description: '退款金额 / 当日 GMV', metric: 'refund_rate', params: {}, rule: { type: 'static', op: 'above', thresholds: { warning: 0.05, critical: 0.1 }, periods: 1, min_volume: 50 } },
  { name: '日活异常', description: '日活跃会员偏离同星期几基线', metric: 'dau', params: {}, rule: { type: 'anomaly', direction: 'both', weeks: 6, min_history: 3, bands: { warning: 4, critical: 6 }, min_volume: 100 } },
  { name: '客诉小时监控', description: '每小时投诉数对比同星期、同时段的基线，上午的客诉高峰当天就能发现', metric: 'event_count', params: { event: 'complaint' }, granularity: 'hour', rule: { type: 'anomaly', direction: 'up', weeks: 4, min_history: 3, bands: { warning: 3, critical: 5 }, min_volume: 5 }, recovery_periods: 3, cooldown_minutes: 120 },
  { name: '消息发送失败率', description: '短信、邮件、企微等发送失败占比', metric: 'delivery_failure_rate', params: {}, rule: { type: 'static', op: 'above', thresholds: { warning: 0.05, critical: 0.2 }, periods: 2, min_volume: 100 } },
];

/** Complaints per local day: a weekday pattern (weekends busier), then a spike of 45 on the last day. */
export function demoComplaints(lastDay: string, days = 49): Array<{ date: string; n: number }> {
  const out: Array<{ date: string; n: number }> = [];
  for (let i = days - 1; i >= 0; i--) {
    const date = addDays(lastDay, -i);
    const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
    out.push({ date, n: i === 0 ? 45 : 4 + (dow === 0 || dow === 6 ? 3 : 0) + (i % 3) });
  }
  return out;
}

/** Seeds the demo's monitors once (nothing when the workspace has monitors already); returns how many were created. */
export async function seedDemoAlerts(s: Services, ws: string): Promise<number> {
  if ((await s.alerts.listMonitors(ws)).length > 0) return 0;
  const tz = (await s.workspaces.get(ws)).timezone;
  const [last] = await s.store.query<{ at: string | null }>('SELECT MAX(paid_at) AS at FROM orders WHERE workspace_id = $1', [ws]);
  if (!last?.at) return 0;
  const lastDay = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(last.at));
  const rows = demoComplaints(lastDay).flatMap(({ date, n }) =>
    Array.from({ length: n }, (_, k) => ({ id: `demo-complaint-${date}-${k}`, ts: new Date(Date.parse(`${date}T02:00:00Z`) + k * 600_000).toISOString(), properties: { kind: k % 4 === 0 ? 'service' : 'quality' } })),
  );
  await s.store.exec(
    `INSERT INTO events (workspace_id, message_id, type, name, channel, properties, ts, received_at)
     SELECT $2, id, 'track', 'complaint', 'miniprogram', properties, ts, ts
     FROM ${s.store.jsonRows(1, [{ name: 'id', type: 'text' }, { name: 'ts', type: 'timestamptz' }, { name: 'properties', type: 'json' }], 'r')}
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(rows), ws],
  );
  for (const m of DEMO_MONITORS) {
    await s.alerts.createMonitor(ws, { params: {}, granularity: 'day', recovery_periods: 1, cooldown_minutes: 360, recipients: [DUTY], channels: [], enabled: true, ...m } as MonitorCreate);
  }
  await s.alerts.evaluateAll(ws, { as_of: lastDay, dry_run: false });
  return DEMO_MONITORS.length;
}
