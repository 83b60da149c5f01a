// Pure: KPIs and the GMV decomposition from the raw figures of a period and the one before it.
import type { PeriodFigures } from './kpi-repo.ts';
import type { Period } from './periods.ts';
import { money, rate, ratio, round } from './sql.ts';

/** KPI names in report order; `docs` is what each one means (shown in the API description and the README). */
export const KPI_DOCS = {
  members: 'members (not merged into another) created on or before the last day',
  new_members: 'members created in the period',
  active_members: 'distinct members with any event of their own (not a system event such as a tier change) or order in the period (the base of conversion and ARPU)',
  dau: 'average over the days of the period of the members active that day',
  wau: 'distinct members active in the 7 days ending on the last day',
  mau: 'distinct members active in the 30 days ending on the last day',
  buyers: 'distinct members with an order in the period',
  new_buyers: 'buyers whose first order ever is in the period',
  returning_buyers: 'buyers who had ordered before the period',
  conversion: 'buyers / active_members',
  repurchase_rate: "share of the period's buyers with 2+ orders in the period",
  repurchase_rate_prev_buyers: "share of the previous period's buyers who bought again in this period",
  orders: 'orders paid in the period (cancelled orders excluded; refunded ones included)',
  aov: 'average order value: gmv / orders',
  gmv: 'amount paid on those orders',
  net_gmv: 'gmv minus refunds on those orders, minus refunds without an order dated in the period',
  arpu: 'gmv / active_members',
  arpu_members: 'gmv / members',
} as const;

export type KpiName = keyof typeof KPI_DOCS;
export const KPI_NAMES = Object.keys(KPI_DOCS) as KpiName[];

/** Money KPIs are rounded to cents, rates and averages to 6 decimals, counts stay whole. */
const MONEY = new Set<KpiName>(['aov', 'gmv', 'net_gmv', 'arpu', 'arpu_members']);

/** The value of each KPI for one period; `before` is the period preceding it (for the second repurchase rate). */
export function kpiValues(f: PeriodFigures, days: number, before: PeriodFigures | undefined): Record<KpiName, number | null> {
  const v: Record<KpiName, number | null> = {
    members: f.members_end,
    new_members: f.new_members,
    active_members: f.active_members,
    dau: f.member_days / days,
    wau: f.wau,
    mau: f.mau,
    buyers: f.buyers,
    new_buyers: f.new_buyers,
    returning_buyers: f.buyers - f.new_buyers,
    conversion: ratio(f.buyers, f.active_members),
    repurchase_rate: ratio(f.repeat_buyers, f.buyers),
    repurchase_rate_prev_buyers: before ? ratio(f.buyers_again, before.buyers) : null,
    orders: f.orders,
    aov: ratio(f.gmv, f.orders),
    gmv: f.gmv,
    net_gmv: f.net_gmv,
    arpu: ratio(f.gmv, f.active_members),
    arpu_members: ratio(f.gmv, f.members_end),
  };
  for (const k of KPI_NAMES) v[k] = MONEY.has(k) ? money(v[k]) : Number.isInteger(v[k]) ? v[k] : rate(v[k]);
  return v;
}

export interface KpiRow {
  metric: KpiName;
  value: number | null;
  previous: number | null;
  /** value − previous. */
  change: number | null;
  /** change / previous (a fraction: 0.25 = +25%); null when previous is 0 or missing. */
  change_pct: number | null;
}

/** One row per KPI: this period, the previous one, and the change. */
export function kpiRows(cur: Record<KpiName, number | null>, prev: Record<KpiName, number | null>): KpiRow[] {
  return KPI_NAMES.map((metric) => {
    const value = cur[metric];
    const previous = prev[metric];
    const change = value === null || previous === null ? null : round(value - previous, MONEY.has(metric) ? 2 : 6);
    return { metric, value, previous, change, change_pct: change === null ? null : rate(ratio(change, previous)) };
  });
}

/** One part of the GMV decomposition: gmv = base × conversion × orders_per_buyer × aov. */
export interface GmvPart {
  /** Active members the buyers come from (all, never bought before the period, bought before). */
  base: number;
  buyers: number;
  /** buyers / base. */
  conversion: number | null;
  orders: number;
  orders_per_buyer: number | null;
  /** gmv / orders. */
  aov: number | null;
  /** gmv / buyers (客单价 per buyer) = orders_per_buyer × aov. */
  spend_per_buyer: number | null;
  gmv: number;
  /** Share of the period's GMV. */
  gmv_share: number | null;
}

export interface GmvDecomposition {
  period: Period;
  all: GmvPart;
  new: GmvPart;
  returning: GmvPart;
}

function part(base: number, buyers: number, orders: number, gmv: number, total: number): GmvPart {
  return {
    base,
    buyers,
    conversion: rate(ratio(buyers, base)),
    orders,
    orders_per_buyer: rate(ratio(orders, buyers)),
    aov: money(ratio(gmv, orders)),
    spend_per_buyer: money(ratio(gmv, buyers)),
    gmv: money(gmv)!,
    gmv_share: rate(ratio(gmv, total)),
  };
}

/**
 * GMV split into new buyers (first order ever in the period; base: active members who had never bought) and
 * returning buyers (base: active members who had bought before). new.gmv + returning.gmv = all.gmv, and the
 * buyers and bases add up the same way.
 */
export function decompose(period: Period, f: PeriodFigures): GmvDecomposition {
  const newBase = f.active_members - f.active_bought_before;
  return {
    period,
    all: part(f.active_members, f.buyers, f.orders, f.gmv, f.gmv),
    new: part(newBase, f.new_buyers, f.new_orders, f.new_gmv, f.gmv),
    returning: part(f.active_bought_before, f.buyers - f.new_buyers, f.orders - f.new_orders, f.gmv - f.new_gmv, f.gmv),
  };
}
