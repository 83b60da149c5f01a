// Analytics: period KPIs, GMV decomposition, cohorts, funnels, channel comparison and trend series.
import { invalid } from '../../core/errors.ts';
import type { Store } from '../../store/port.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { addDays, addUnits, localMidnightUtc, localToday, unitStart } from './calendar.ts';
import { byOrderChannel, bySourceChannel } from './channel-repo.ts';
import { cohortCounts } from './cohort-repo.ts';
import { funnelCounts } from './funnel-repo.ts';
import { periodFigures, type PeriodFigures } from './kpi-repo.ts';
import { decompose, kpiRows, kpiValues, type GmvDecomposition, type KpiRow } from './kpis.ts';
import { bounded, checkedRange, periodChain, resolvePeriod, type Bounded, type Period, type PeriodInput } from './periods.ts';
import { channelRows, cohortTable, funnelSteps, trendSeries, unitsBetween, windowSeconds, type ChannelRow, type CohortTable, type FunnelStepResult, type TrendPoint } from './reports.ts';
import type { CohortQuery, FunnelBody, TrendQuery } from './schema.ts';
import { trendCounts } from './trends-repo.ts';

/** Most cohorts one table may hold (10 years of months, about 2 of weeks). */
export const MAX_COHORTS = 120;

export interface KpiReport {
  timezone: string;
  period: Period;
  previous_period: Period;
  kpis: KpiRow[];
}

export interface GmvReport {
  timezone: string;
  period: Period;
  previous_period: Period;
  current: GmvDecomposition;
  previous: GmvDecomposition;
}

export interface FunnelReport {
  timezone: string;
  period: Period;
  window: string;
  window_seconds: number;
  steps: FunnelStepResult[];
}

export interface ChannelReport {
  timezone: string;
  period: Period;
  by_source: ChannelRow[];
  by_order_channel: ChannelRow[];
}

export interface TrendReport {
  timezone: string;
  granularity: TrendQuery['granularity'];
  from: string;
  to: string;
  series: TrendPoint[];
}

export class AnalyticsService {
  /** `now` is injectable so tests can pin "today". */
  constructor(
    private readonly store: Store,
    private readonly workspaces: WorkspaceService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async zone(ws: string): Promise<{ tz: string; today: string }> {
    const tz = (await this.workspaces.get(ws)).timezone;
    return { tz, today: localToday(tz, this.now()) };
  }

  /**
   * Figures of the `n` periods ending with the one asked for; activity only for the last two (a third, older
   * period only supplies the buyers behind the previous period's second repurchase rate).
   */
  private async chain(ws: string, input: PeriodInput, n: number) {
    const { tz, today } = await this.zone(ws);
    const periods = periodChain(resolvePeriod(input, today), n).map((p) => bounded(p, tz));
    const figures = await this.figures(ws, tz, periods);
    const strip = ({ from, to, days }: Period): Period => ({ from, to, days });
    return { tz, periods: periods.map(strip), figures };
  }

  /** Figure reads in flight, by workspace, zone and periods: the dashboard asks for KPIs and GMV at once. */
  private readonly inFlight = new Map<string, Promise<PeriodFigures[]>>();

  /**
   * {@link periodFigures} with activity for the last two periods; a request made while the same one is running
   * shares its answer (only while it runs: nothing is kept after), so the dashboard's KPI and GMV cards cost one
   * read of the events and orders instead of two competing ones.
   */
  private figures(ws: string, tz: string, periods: Bounded[]): Promise<PeriodFigures[]> {
    const key = JSON.stringify([ws, tz, periods]);
    const running = this.inFlight.get(key);
    if (running) return running;
    const p = periodFigures(this.store, ws, tz, periods, 2).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  /**
   * KPIs of a period against the one before it (previous calendar unit, or as many days just before a range).
   * @example await analytics.kpis(ws, { period: 'month', date: '2024-03-15' })
   */
  async kpis(ws: string, input: PeriodInput): Promise<KpiReport> {
    const { tz, periods, figures } = await this.chain(ws, input, 3);
    const cur = kpiValues(figures[2], periods[2].days, figures[1]);
    const prev = kpiValues(figures[1], periods[1].days, figures[0]);
    return { timezone: tz, period: periods[2], previous_period: periods[1], kpis: kpiRows(cur, prev) };
  }

  /** GMV = active × conversion × orders per buyer × AOV, for new and returning buyers, this period and the last. */
  async gmv(ws: string, input: PeriodInput): Promise<GmvReport> {
    // The same chain as the KPIs (its oldest period unused here: it changes no figure of the two after it), so a
    // dashboard asking for both at once reads once.
    const { tz, periods, figures } = await this.chain(ws, input, 3);
    return {
      timezone: tz,
      period: periods[2],
      previous_period: periods[1],
      current: decompose(periods[2], figures[2]),
      previous: decompose(periods[1], figures[1]),
    };
  }

  /** Acquisition cohorts × offset with active and repurchasing members. */
  async cohorts(ws: string, q: CohortQuery): Promise<CohortTable> {
    const { tz, today } = await this.zone(ws);
    const unit = q.unit;
    const to = q.to ?? today;
    const from = q.from ?? addUnits(unitStart(to, unit), unit, -11);
    checkedRange(from, to);
    const asOf = q.as_of ?? (today > to ? today : to);
    if (asOf < from) throw invalid('analytics.as_of_invalid', `as_of (${asOf}) must not be before from (${from})`, 'as_of');
    const base = unitStart(from, unit);
    const cohorts = unitsBetween(base, unitStart(to, unit), unit) + 1;
    if (cohorts > MAX_COHORTS) throw invalid('analytics.too_many_cohorts', `at most ${MAX_COHORTS} cohorts per table, got ${cohorts}`, 'from');
    const maxOffset = q.offsets ?? cohorts - 1;
    const asOfEnd = localMidnightUtc(addDays(asOf, 1), tz);
    const minInstant = (a: string, b: string) => (Date.parse(a) < Date.parse(b) ? a : b);
    const counts = await cohortCounts(this.store, {
      ws, tz, unit, by: q.cohort_by, base, cohorts, maxOffset,
      start: localMidnightUtc(base, tz),
      cohortEnd: minInstant(localMidnightUtc(addUnits(base, unit, cohorts), tz), asOfEnd),
      activityEnd: minInstant(localMidnightUtc(addUnits(base, unit, cohorts + maxOffset), tz), asOfEnd),
    });
    return cohortTable({ timezone: tz, unit, cohort_by: q.cohort_by, base, cohorts, maxOffset, asOf, from, to }, counts);
  }

  /** An ordered funnel: members reaching each step within the window from step 1, conversions, median step times. */
  async funnel(ws: string, body: FunnelBody): Promise<FunnelReport> {
    const { tz, today } = await this.zone(ws);
    const { from, to, period, date } = body;
    const p = bounded(resolvePeriod({ from, to, period, date }, today).current, tz);
    const seconds = windowSeconds(body.window);
    const counts = await funnelCounts(this.store, { ws, steps: body.steps, start: p.start, end: p.end, windowSeconds: seconds });
    return { timezone: tz, period: { from: p.from, to: p.to, days: p.days }, window: body.window, window_seconds: seconds, steps: funnelSteps(body.steps, counts) };
  }

  /** Members, new members, buyers, GMV, AOV and repurchase rate per source channel and per order channel. */
  async channels(ws: string, input: PeriodInput): Promise<ChannelReport> {
    const { tz, today } = await this.zone(ws);
    const p = bounded(resolvePeriod(input, today).current, tz);
    const [source, order] = await Promise.all([bySourceChannel(this.store, ws, p.start, p.end), byOrderChannel(this.store, ws, p.start, p.end)]);
    return { timezone: tz, period: { from: p.from, to: p.to, days: p.days }, by_source: channelRows(source), by_order_channel: channelRows(order) };
  }

  /** Daily, weekly or monthly series of members, active members, buyers, orders, GMV and repurchase rate. */
  async trends(ws: string, q: TrendQuery): Promise<TrendReport> {
    const { tz, today } = await this.zone(ws);
    const g = q.granularity;
    const to = q.to ?? today;
    const from = q.from ?? (g === 'day' ? addDays(to, -29) : addUnits(unitStart(to, g), g, -11));
    checkedRange(from, to);
    const base = unitStart(from, g);
    const buckets = unitsBetween(base, unitStart(to, g), g) + 1;
    const counts = await trendCounts(this.store, { ws, tz, granularity: g, base, start: localMidnightUtc(base, tz), end: localMidnightUtc(addUnits(base, g, buckets), tz) });
    return { timezone: tz, granularity: g, from: base, to: addDays(addUnits(base, g, buckets), -1), series: trendSeries(base, g, buckets, counts) };
  }
}
