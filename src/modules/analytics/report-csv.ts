// Pure: each analytics report as one flat table (header + rows) for CSV output; the JSON form is the API body.
import { csvField } from '../imports/report.ts';
import type { GmvDecomposition, GmvPart } from './kpis.ts';
import type { ChannelRow, CohortTable, TrendPoint } from './reports.ts';
import type { ChannelReport, FunnelReport, GmvReport, KpiReport, TrendReport } from './service.ts';

export type Cell = string | number | null;
export interface Table {
  columns: string[];
  rows: Cell[][];
}

/** RFC 4180 CSV: a header line, fields quoted when they hold a comma, quote or line break; `\n` line ends. */
export function toCsv(t: Table): string {
  return [t.columns, ...t.rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export function kpiTable(r: KpiReport): Table {
  return {
    columns: ['metric', 'value', 'previous', 'change', 'change_pct', 'period_from', 'period_to', 'previous_from', 'previous_to'],
    rows: r.kpis.map((k) => [k.metric, k.value, k.previous, k.change, k.change_pct, r.period.from, r.period.to, r.previous_period.from, r.previous_period.to]),
  };
}

const GMV_COLUMNS = ['base', 'buyers', 'conversion', 'orders', 'orders_per_buyer', 'aov', 'spend_per_buyer', 'gmv', 'gmv_share'] as const;

export function gmvTable(r: GmvReport): Table {
  const rows: Cell[][] = [];
  const add = (which: string, d: GmvDecomposition) => {
    for (const segment of ['all', 'new', 'returning'] as const) {
      const p: GmvPart = d[segment];
      rows.push([which, d.period.from, d.period.to, segment, ...GMV_COLUMNS.map((c) => p[c])]);
    }
  };
  add('current', r.current);
  add('previous', r.previous);
  return { columns: ['period', 'from', 'to', 'segment', ...GMV_COLUMNS], rows };
}

export function cohortCsvTable(r: CohortTable): Table {
  return {
    columns: ['cohort', 'size', 'offset', 'active', 'active_rate', 'repurchasing', 'repurchase_rate'],
    rows: r.cohorts.flatMap((c) => c.offsets.map((o) => [c.cohort, c.size, o.offset, o.active, o.active_rate, o.repurchasing, o.repurchase_rate])),
  };
}

export function funnelTable(r: FunnelReport): Table {
  return {
    columns: ['step', 'event', 'where', 'members', 'step_conversion', 'overall_conversion', 'median_seconds_from_previous'],
    rows: r.steps.map((s) => [s.step, s.event, s.where ? JSON.stringify(s.where) : null, s.members, s.step_conversion, s.overall_conversion, s.median_seconds_from_previous]),
  };
}

export function channelTable(r: ChannelReport): Table {
  const row = (dimension: string, c: ChannelRow): Cell[] => [dimension, c.channel, c.members, c.new_members, c.buyers, c.orders, c.gmv, c.aov, c.repurchase_rate];
  return {
    columns: ['dimension', 'channel', 'members', 'new_members', 'buyers', 'orders', 'gmv', 'aov', 'repurchase_rate'],
    rows: [...r.by_source.map((c) => row('source', c)), ...r.by_order_channel.map((c) => row('order', c))],
  };
}

export function trendTable(r: TrendReport): Table {
  const cols = ['date', 'members', 'new_members', 'active_members', 'buyers', 'orders', 'gmv', 'aov', 'repurchase_rate'] as const;
  return { columns: [...cols], rows: r.series.map((p: TrendPoint) => cols.map((c) => p[c])) };
}
