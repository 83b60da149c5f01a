// Number formats per metric: ratios as percentages, money in yuan, counts as integers.
const RATIOS = new Set(['conversion', 'repurchase_rate', 'repurchase_rate_prev_buyers', 'gmv_share', 'share', 'revenue_share']);
const MONEY = new Set(['aov', 'gmv', 'net_gmv', 'arpu', 'arpu_members', 'total_spend', 'avg_spend', 'refund_total', 'spend_per_buyer']);

export function formatMetric(metric: string, v: number | null | undefined, num: (n: number, o?: Intl.NumberFormatOptions) => string): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (RATIOS.has(metric)) return num(v * 100, { maximumFractionDigits: 1 }) + '%';
  if (MONEY.has(metric)) return '¥' + num(v, { maximumFractionDigits: 2 });
  return num(v, { maximumFractionDigits: Number.isInteger(v) ? 0 : 2 });
}

export function pct(v: number | null | undefined, num: (n: number, o?: Intl.NumberFormatOptions) => string): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return num(v * 100, { maximumFractionDigits: 1 }) + '%';
}
