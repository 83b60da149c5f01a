// The metric catalogue alerts can watch: ids, zh/en names, units, what "volume" means for each, and their params.
import { z } from 'zod';
import { PropertyFilterSchema } from '../analytics/property-filter.ts';
import type { Granularity } from '../../core/alerts/periods.ts';

export type MetricUnit = 'count' | 'money' | 'rate';

export interface MetricDef {
  id: string;
  name_zh: string;
  name_en: string;
  unit: MetricUnit;
  /** What the minimum volume of a rule is compared with. */
  volume_zh: string;
  volume_en: string;
  /** Params the metric reads (others are refused). */
  params: Array<keyof MetricParams>;
  /** Params it cannot do without. */
  required?: Array<keyof MetricParams>;
  /** Periods it is measured in: every metric per local day, most also per local hour. */
  granularities: Granularity[];
}

/** Every metric, in the order the console lists them. */
export const METRIC_CATALOGUE: MetricDef[] = [
  { id: 'event_count', name_zh: '事件数（如投诉、差评）', name_en: 'Event count (e.g. complaints, negative reviews)', unit: 'count', volume_zh: '事件数', volume_en: 'events', params: ['event', 'filters', 'channel'], required: ['event'], granularities: ['day', 'hour'] },
  { id: 'unsubscribe_rate', name_zh: '退订率', name_en: 'Unsubscribe rate', unit: 'rate', volume_zh: '会员数', volume_en: 'members', params: ['channel'], granularities: ['day', 'hour'] },
  { id: 'delivery_failure_rate', name_zh: '消息发送失败率', name_en: 'Message delivery failure rate', unit: 'rate', volume_zh: '发送数', volume_en: 'sends', params: ['channel_type'], granularities: ['day', 'hour'] },
  { id: 'refund_rate', name_zh: '退款率', name_en: 'Refund rate', unit: 'rate', volume_zh: '订单数', volume_en: 'orders', params: ['basis', 'channel'], granularities: ['day', 'hour'] },
  { id: 'churn_to_silent', name_zh: '转入沉默会员数', name_en: 'Members turning silent', unit: 'count', volume_zh: '会员数', volume_en: 'members', params: [], granularities: ['day'] },
  { id: 'gmv', name_zh: 'GMV（成交额）', name_en: 'GMV', unit: 'money', volume_zh: '订单数', volume_en: 'orders', params: ['channel'], granularities: ['day', 'hour'] },
  { id: 'orders', name_zh: '订单数', name_en: 'Orders', unit: 'count', volume_zh: '订单数', volume_en: 'orders', params: ['channel'], granularities: ['day', 'hour'] },
  { id: 'new_members', name_zh: '新增会员', name_en: 'New members', unit: 'count', volume_zh: '会员数', volume_en: 'members', params: ['channel'], granularities: ['day', 'hour'] },
  { id: 'dau', name_zh: '日活跃会员（DAU）', name_en: 'Daily active members (DAU)', unit: 'count', volume_zh: '会员数', volume_en: 'members', params: [], granularities: ['day'] },
];

export const METRIC_IDS = METRIC_CATALOGUE.map((m) => m.id) as [string, ...string[]];
export const metricDef = (id: string): MetricDef | undefined => METRIC_CATALOGUE.find((m) => m.id === id);
/** Metrics with an hourly series (DAU and churn into silent are daily by definition). */
export const HOURLY_METRICS = METRIC_CATALOGUE.filter((m) => m.granularities.includes('hour')).map((m) => m.id);

/**
 * Params of a metric: which event (and property filters) to count, a source channel (orders, events, members,
 * consent channel), a messaging channel type, and for refund_rate whether amounts or orders are compared.
 * @example { event: 'complaint', filters: [{ property: 'severity', op: 'eq', value: 'high' }] }
 */
export const MetricParams = z
  .object({
    event: z.string().trim().min(1).max(200).optional(),
    filters: z.array(PropertyFilterSchema).max(10).optional(),
    channel: z.string().trim().min(1).max(100).optional(),
    channel_type: z.string().trim().min(1).max(50).optional(),
    basis: z.enum(['amount', 'orders']).optional(),
  })
  .strict();
export type MetricParams = z.infer<typeof MetricParams>;
