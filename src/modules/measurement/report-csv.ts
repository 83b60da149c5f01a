// Pure: campaign reports as flat tables for CSV (`siyu report campaign|campaigns`); the JSON form is the API body.
import type { Cell, Table } from '../analytics/report-csv.ts';
import type { CampaignReport } from './report.ts';

const METRICS = ['members', 'messages', 'sent', 'delivered', 'failed', 'opened', 'clicked', 'conversions', 'orders', 'revenue', 'conversion_rate', 'revenue_per_member'] as const;

/**
 * One row per metric: treatment, holdout, and for the two rates the absolute lift with its 95% interval (plus a
 * `relative_conversion_lift` row).
 * @example toCsv(campaignTable(report)) // metric,treatment,holdout,lift,ci_low,ci_high,method …
 */
export function campaignTable(r: CampaignReport): Table {
  const rows: Cell[][] = METRICS.map((m) => {
    const lift = m === 'conversion_rate' ? r.lift.conversion_rate : m === 'revenue_per_member' ? r.lift.revenue_per_member : null;
    return [m, r.groups.treatment[m], r.groups.holdout[m], lift?.absolute ?? null, lift?.absolute_ci?.[0] ?? null, lift?.absolute_ci?.[1] ?? null, lift?.method ?? null];
  });
  const rel = r.lift.conversion_rate;
  rows.push(['relative_conversion_lift', null, null, rel.relative, rel.relative_ci?.[0] ?? null, rel.relative_ci?.[1] ?? null, rel.relative_method]);
  rows.push(['incremental_conversions', null, null, r.lift.incremental_conversions, r.lift.incremental_conversions_ci?.[0] ?? null, r.lift.incremental_conversions_ci?.[1] ?? null, rel.method]);
  rows.push(['incremental_revenue', null, null, r.lift.incremental_revenue, r.lift.incremental_revenue_ci?.[0] ?? null, r.lift.incremental_revenue_ci?.[1] ?? null, r.lift.revenue_per_member.method]);
  return { columns: ['metric', 'treatment', 'holdout', 'lift', 'ci_low', 'ci_high', 'method'], rows };
}

/** The campaigns list: its rows as they are (every row has the same keys). */
export function campaignsTable(body: { data: Record<string, Cell | boolean>[] }): Table {
  const columns = body.data.length > 0 ? Object.keys(body.data[0]) : ['source_key'];
  return { columns, rows: body.data.map((row) => columns.map((c) => (typeof row[c] === 'boolean' ? String(row[c]) : (row[c] as Cell)))) };
}
