// Pure assembly of a campaign report from the two groups' sums: rates, lift with 95% intervals, incremental totals.
import type { GroupAggregate } from './report-repo.ts';
import { newcombeDifference, relativeLift, welchDifference, type Interval } from './stats.ts';

export interface GroupFigures {
  members: number;
  messages: number;
  /** Unique members: handed to the provider, delivered, failed, opened, clicked. */
  sent: number;
  delivered: number;
  failed: number;
  opened: number;
  clicked: number;
  /** Members with at least one attributed order. */
  conversions: number;
  /** Attributed orders and their amount (paid, before refunds). */
  orders: number;
  revenue: number;
  /** conversions / members. */
  conversion_rate: number | null;
  /** revenue / members (every member, converted or not). */
  revenue_per_member: number | null;
}

export interface CampaignReport {
  source_key: string;
  window_days: number;
  attribution: 'last_touch';
  confidence: number;
  /** The holdout share last asked for (null when the source never assigned a holdout). */
  holdout_share: number | null;
  audience: number;
  treatment_size: number;
  holdout_size: number;
  /** Treatment figures (what the campaign did): reach is members the message was handed to the provider for. */
  reach: number;
  delivered: number;
  failed: number;
  opened: number;
  clicked: number;
  conversions: number;
  orders: number;
  revenue: number;
  /** Holdout members who were messaged anyway (should be 0: the caller must skip the holdout). */
  holdout_contacted: number;
  groups: { treatment: GroupFigures; holdout: GroupFigures };
  lift: {
    conversion_rate: {
      /** Treatment rate − holdout rate, with Newcombe's hybrid score interval. */
      absolute: number | null;
      absolute_ci: Interval | null;
      /** Treatment rate / holdout rate − 1, with the Katz log interval (null when a group has no conversions). */
      relative: number | null;
      relative_ci: Interval | null;
      method: 'newcombe_hybrid_score';
      relative_method: 'katz_log';
      /** The absolute interval excludes 0. */
      significant: boolean | null;
    };
    revenue_per_member: {
      /** Treatment − holdout revenue per member, with Welch's t interval. */
      absolute: number | null;
      absolute_ci: Interval | null;
      relative: number | null;
      df: number | null;
      method: 'welch_t';
      significant: boolean | null;
    };
    /** absolute conversion-rate lift × treatment size: conversions the campaign caused, by the estimate. */
    incremental_conversions: number | null;
    incremental_conversions_ci: Interval | null;
    /** absolute revenue-per-member lift × treatment size. */
    incremental_revenue: number | null;
    incremental_revenue_ci: Interval | null;
  };
  /** First and last touch of the audience; conversions can still arrive until window_closes_at. */
  first_touch_at: string | null;
  last_touch_at: string | null;
  window_closes_at: string | null;
  window_complete: boolean;
  as_of: string;
}

const EMPTY: GroupAggregate = {
  grp: 'treatment', members: 0, messages: 0, sent: 0, delivered: 0, failed: 0, opened: 0, clicked: 0,
  converted: 0, orders: 0, revenue: 0, revenue_sq: 0, first_touch_at: null, last_touch_at: null,
};

const cents = (v: number) => Math.round(v * 100) / 100;
const ratio = (x: number, n: number) => (n > 0 ? x / n : null);
const excludesZero = (ci: Interval | null) => (ci ? ci[0] > 0 || ci[1] < 0 : null);
const scale = (ci: Interval | null, k: number): Interval | null => (ci ? [ci[0] * k, ci[1] * k] : null);

function figures(a: GroupAggregate): GroupFigures {
  return {
    members: a.members,
    messages: a.messages,
    sent: a.sent,
    delivered: a.delivered,
    failed: a.failed,
    opened: a.opened,
    clicked: a.clicked,
    conversions: a.converted,
    orders: a.orders,
    revenue: cents(a.revenue),
    conversion_rate: ratio(a.converted, a.members),
    revenue_per_member: ratio(a.revenue, a.members),
  };
}

const minIso = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a < b ? a : b);
const maxIso = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

/**
 * The campaign report of one source from its groups' aggregates.
 * @example buildReport({ sourceKey: 'broadcast:b1', windowDays: 7, share: 0.1, now, aggregates })
 */
export function buildReport(i: { sourceKey: string; windowDays: number; share: number | null; now: Date; aggregates: GroupAggregate[]; confidence?: number }): CampaignReport {
  const confidence = i.confidence ?? 0.95;
  const t = i.aggregates.find((a) => a.grp === 'treatment') ?? { ...EMPTY, grp: 'treatment' as const };
  const h = i.aggregates.find((a) => a.grp === 'holdout') ?? { ...EMPTY, grp: 'holdout' as const };
  const tf = figures(t);
  const hf = figures(h);

  const diff = t.members > 0 && h.members > 0 ? newcombeDifference(t.converted, t.members, h.converted, h.members, confidence) : null;
  const rel = relativeLift(t.converted, t.members, h.converted, h.members, confidence);
  const welch = welchDifference({ n: t.members, sum: t.revenue, sumSq: t.revenue_sq }, { n: h.members, sum: h.revenue, sumSq: h.revenue_sq }, confidence);
  const revRel = welch && hf.revenue_per_member ? welch.estimate / hf.revenue_per_member : null;

  const first = minIso(t.first_touch_at, h.first_touch_at);
  const last = maxIso(t.last_touch_at, h.last_touch_at);
  const closes = last ? new Date(new Date(last).getTime() + i.windowDays * 86_400_000).toISOString() : null;
  return {
    source_key: i.sourceKey,
    window_days: i.windowDays,
    attribution: 'last_touch',
    confidence,
    holdout_share: i.share,
    audience: t.members + h.members,
    treatment_size: t.members,
    holdout_size: h.members,
    reach: tf.sent,
    delivered: tf.delivered,
    failed: tf.failed,
    opened: tf.opened,
    clicked: tf.clicked,
    conversions: tf.conversions,
    orders: tf.orders,
    revenue: tf.revenue,
    holdout_contacted: hf.sent,
    groups: { treatment: tf, holdout: hf },
    lift: {
      conversion_rate: {
        absolute: diff?.estimate ?? null,
        absolute_ci: diff?.ci ?? null,
        relative: rel?.estimate ?? null,
        relative_ci: rel?.ci ?? null,
        method: 'newcombe_hybrid_score',
        relative_method: 'katz_log',
        significant: excludesZero(diff?.ci ?? null),
      },
      revenue_per_member: {
        absolute: welch?.estimate ?? null,
        absolute_ci: welch?.ci ?? null,
        relative: revRel,
        df: welch?.df ?? null,
        method: 'welch_t',
        significant: excludesZero(welch?.ci ?? null),
      },
      incremental_conversions: diff ? diff.estimate * t.members : null,
      incremental_conversions_ci: scale(diff?.ci ?? null, t.members),
      incremental_revenue: welch ? cents(welch.estimate * t.members) : null,
      incremental_revenue_ci: scale(welch?.ci ?? null, t.members),
    },
    first_touch_at: first,
    last_touch_at: last,
    window_closes_at: closes,
    window_complete: closes !== null && closes <= i.now.toISOString(),
    as_of: i.now.toISOString(),
  };
}

/** A report's headline as one flat row (list endpoint, CSV). */
export function summaryRow(r: CampaignReport): Record<string, string | number | boolean | null> {
  const c = r.lift.conversion_rate;
  const m = r.lift.revenue_per_member;
  return {
    source_key: r.source_key,
    window_days: r.window_days,
    audience: r.audience,
    treatment_size: r.treatment_size,
    holdout_size: r.holdout_size,
    reach: r.reach,
    delivered: r.delivered,
    failed: r.failed,
    opened: r.opened,
    clicked: r.clicked,
    conversions: r.conversions,
    orders: r.orders,
    revenue: r.revenue,
    treatment_conversion_rate: r.groups.treatment.conversion_rate,
    holdout_conversion_rate: r.groups.holdout.conversion_rate,
    lift_absolute: c.absolute,
    lift_absolute_ci_low: c.absolute_ci?.[0] ?? null,
    lift_absolute_ci_high: c.absolute_ci?.[1] ?? null,
    lift_relative: c.relative,
    lift_relative_ci_low: c.relative_ci?.[0] ?? null,
    lift_relative_ci_high: c.relative_ci?.[1] ?? null,
    significant: c.significant,
    treatment_revenue_per_member: r.groups.treatment.revenue_per_member,
    holdout_revenue_per_member: r.groups.holdout.revenue_per_member,
    revenue_per_member_lift: m.absolute,
    revenue_per_member_lift_ci_low: m.absolute_ci?.[0] ?? null,
    revenue_per_member_lift_ci_high: m.absolute_ci?.[1] ?? null,
    incremental_conversions: r.lift.incremental_conversions,
    incremental_revenue: r.lift.incremental_revenue,
    window_complete: r.window_complete,
  };
}
