// Pure: turns raw counts from the repos into the report shapes the API returns (rates, medians, zero-filled cells).
import { invalid } from '../../core/errors.ts';
import { addUnits, daysBetween, unitStart, type Unit } from './calendar.ts';
import type { ChannelFigures } from './channel-repo.ts';
import type { CohortBy, CohortCounts, CohortUnit } from './cohort-repo.ts';
import type { FunnelCounts, FunnelStepInput } from './funnel-repo.ts';
import { WINDOW_RE } from './schema.ts';
import { money, rate, ratio } from './sql.ts';
import type { Granularity, TrendCounts } from './trends-repo.ts';

/** Whole units from the unit starting at `a` to the one starting at `b` (both unit starts). */
export function unitsBetween(a: string, b: string, unit: Unit): number {
  if (unit === 'day') return daysBetween(a, b);
  if (unit === 'week') return Math.round(daysBetween(a, b) / 7);
  const [ya, ma] = a.split('-').map(Number);
  const [yb, mb] = b.split('-').map(Number);
  const months = (yb - ya) * 12 + (mb - ma);
  return unit === 'month' ? months : unit === 'quarter' ? Math.floor(months / 3) : Math.floor(months / 12);
}

/** Most a funnel window may span. */
export const MAX_WINDOW_SECONDS = 366 * 86_400;

/** `7d` / `48h` / `30m` in seconds. @example windowSeconds('2h') // 7200 */
export function windowSeconds(w: string): number {
  const m = WINDOW_RE.exec(w);
  if (!m) throw invalid('analytics.window_invalid', `window must look like 7d, 48h or 30m, got "${w}"`, 'window');
  const s = Math.round(Number(m[1]) * { m: 60, h: 3600, d: 86_400 }[m[2] as 'm' | 'h' | 'd']);
  if (s <= 0 || s > MAX_WINDOW_SECONDS) throw invalid('analytics.window_invalid', `window must be more than 0 and at most 366d, got "${w}"`, 'window');
  return s;
}

export interface CohortCell {
  offset: number;
  active: number;
  active_rate: number | null;
  repurchasing: number;
  repurchase_rate: number | null;
}

export interface CohortRow {
  /** First day of the cohort's month or week. */
  cohort: string;
  size: number;
  offsets: CohortCell[];
}

export interface CohortTable {
  timezone: string;
  unit: CohortUnit;
  cohort_by: CohortBy;
  from: string;
  to: string;
  as_of: string;
  max_offset: number;
  cohorts: CohortRow[];
}

/**
 * The cohort table: every cohort with every offset whose unit has begun by `asOf` (missing cells are zeros).
 * Rates are over the cohort size.
 */
export function cohortTable(
  o: { timezone: string; unit: CohortUnit; cohort_by: CohortBy; base: string; cohorts: number; maxOffset: number; asOf: string; from: string; to: string },
  counts: CohortCounts,
): CohortTable {
  const asOfIdx = unitsBetween(o.base, unitStart(o.asOf, o.unit), o.unit);
  const cells = new Map(counts.cells.map((c) => [`${c.cohort}:${c.offset}`, c]));
  const rows: CohortRow[] = [];
  for (let c = 0; c < o.cohorts; c++) {
    const size = counts.sizes.get(c) ?? 0;
    const offsets: CohortCell[] = [];
    for (let k = 0; k <= o.maxOffset && c + k <= asOfIdx; k++) {
      const cell = cells.get(`${c}:${k}`);
      const active = cell?.active ?? 0;
      const repurchasing = cell?.repurchasing ?? 0;
      offsets.push({ offset: k, active, active_rate: rate(ratio(active, size)), repurchasing, repurchase_rate: rate(ratio(repurchasing, size)) });
    }
    rows.push({ cohort: addUnits(o.base, o.unit, c), size, offsets });
  }
  return { timezone: o.timezone, unit: o.unit, cohort_by: o.cohort_by, from: o.from, to: o.to, as_of: o.asOf, max_offset: o.maxOffset, cohorts: rows };
}

export interface FunnelStepResult {
  step: number;
  event: string;
  where: FunnelStepInput['where'] | null;
  members: number;
  /** Members at this step / at the previous step (1 for step 1). */
  step_conversion: number | null;
  /** Members at this step / at step 1. */
  overall_conversion: number | null;
  /** Median seconds from the previous step (null for step 1 or when nobody got here). */
  median_seconds_from_previous: number | null;
}

export function funnelSteps(steps: FunnelStepInput[], counts: FunnelCounts): FunnelStepResult[] {
  const first = counts.members[0];
  return steps.map((s, i) => ({
    step: i + 1,
    event: s.event,
    where: s.where && s.where.length > 0 ? s.where : null,
    members: counts.members[i],
    step_conversion: rate(i === 0 ? ratio(first, first) : ratio(counts.members[i], counts.members[i - 1])),
    overall_conversion: rate(ratio(counts.members[i], first)),
    median_seconds_from_previous: i === 0 || counts.medianSeconds[i] === null ? null : rate(counts.medianSeconds[i]),
  }));
}

export interface ChannelRow {
  channel: string | null;
  members: number | null;
  new_members: number | null;
  buyers: number;
  orders: number;
  gmv: number;
  aov: number | null;
  /** Buyers with 2+ orders in the period / buyers. */
  repurchase_rate: number | null;
}

/** Channel rows by GMV, then members, then name; the unknown channel (null) last. */
export function channelRows(figures: ChannelFigures[]): ChannelRow[] {
  return figures
    .map((f) => ({
      channel: f.channel,
      members: f.members,
      new_members: f.new_members,
      buyers: f.buyers,
      orders: f.orders,
      gmv: money(f.gmv)!,
      aov: money(ratio(f.gmv, f.orders)),
      repurchase_rate: rate(ratio(f.repeat_buyers, f.buyers)),
    }))
    .sort((a, b) => Number(a.channel === null) - Number(b.channel === null) || b.gmv - a.gmv || (b.members ?? 0) - (a.members ?? 0) || String(a.channel).localeCompare(String(b.channel)));
}

export interface TrendPoint {
  /** First day of the bucket. */
  date: string;
  /** Members at the bucket's end. */
  members: number;
  new_members: number;
  active_members: number;
  buyers: number;
  orders: number;
  gmv: number;
  aov: number | null;
  repurchase_rate: number | null;
}

export function trendSeries(base: string, g: Granularity, buckets: number, c: TrendCounts): TrendPoint[] {
  let members = c.membersBefore;
  return Array.from({ length: buckets }, (_, i) => {
    const o = c.orders.get(i) ?? { buyers: 0, orders: 0, gmv: 0, repeat_buyers: 0 };
    const newMembers = c.newMembers.get(i) ?? 0;
    members += newMembers;
    return {
      date: addUnits(base, g, i),
      members,
      new_members: newMembers,
      active_members: c.active.get(i) ?? 0,
      buyers: o.buyers,
      orders: o.orders,
      gmv: money(o.gmv)!,
      aov: money(ratio(o.gmv, o.orders)),
      repurchase_rate: rate(ratio(o.repeat_buyers, o.buyers)),
    };
  });
}
