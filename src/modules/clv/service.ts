// CLV service: fits BG/NBD + Gamma-Gamma on the store's orders and serves the stored per-member predictions.
import { invalid, notFound, SiyuError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { fitBgNbdGrouped, fitGammaGammaGrouped, type BgNbdFit, type GammaGammaFit } from '../../core/models/index.ts';
import type { Row, Store } from '../../store/port.ts';
import type { IdentityPort } from '../identity/types.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { dayDate, dayNumber, offsetSegments, startOfLocalDay } from './local-days.ts';
import { defaultHorizon, monthIn, purchaseFactors, UNIT_DAYS, type TimeUnit } from './predict.ts';
import { clvRepo, type FitRow, type SummaryGroupRow, type ValueGroupRow } from './repo.ts';
import { decodeCursor, encodeCursor, FitBody, type FitInput, type MembersQueryInput } from './schema.ts';
import type { SummaryWindow } from './summary-sql.ts';

/** Most discounting periods one fit may sum (e.g. 10 years of months). */
const MAX_PERIODS = 1200;

/** A fit as the API returns it (bgnbd / gammaGamma / logLikelihood are named as in `siyu clv fit --json`). */
export interface FitResult {
  id: string;
  calibration_end: string;
  time_unit: TimeUnit;
  timezone: string;
  horizon: number;
  discount_rate: number;
  period_length: number;
  margin: number;
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; iterations: number; evaluations: number; n: number };
  gammaGamma: { p: number; q: number; gamma: number; logLikelihood: number; iterations: number; evaluations: number; n: number } | null;
  members: number;
  repeaters: number;
  fit_ms: number | null;
  timings: Record<string, number>;
  created_at: string;
}

/** A member's stored prediction; frequency / recency / T are x, t_x and T in the fit's time unit. */
export interface MemberClv {
  member_id: string;
  user_id?: string | null;
  fit_id: string;
  frequency: number;
  recency: number;
  T: number;
  monetary_value: number;
  p_alive: number;
  expected_purchases: number;
  expected_avg_value: number | null;
  clv: number | null;
}

export type FitListener = (e: { workspaceId: string; fitId: string; members: number }) => void;

const ms = (since: number) => Math.round((performance.now() - since) * 10) / 10;

function toFit(r: FitRow): FitResult {
  return {
    id: r.id,
    calibration_end: String(r.calibration_end).slice(0, 10),
    time_unit: r.time_unit as TimeUnit,
    timezone: r.timezone,
    horizon: r.horizon,
    discount_rate: r.discount_rate,
    period_length: r.period_length,
    margin: r.margin,
    bgnbd: r.bgnbd,
    gammaGamma: r.gamma_gamma ?? null,
    members: Number(r.members),
    repeaters: Number(r.repeaters),
    fit_ms: r.fit_ms,
    timings: r.timings ?? {},
    created_at: r.created_at,
  };
}

function toMember(r: Row): MemberClv {
  return {
    member_id: r.member_id,
    ...(r.user_id !== undefined ? { user_id: r.user_id } : {}),
    fit_id: r.fit_id,
    frequency: r.frequency,
    recency: r.recency,
    T: r.t,
    monetary_value: r.monetary_value,
    p_alive: r.p_alive,
    expected_purchases: r.expected_purchases,
    expected_avg_value: r.expected_avg_value,
    clv: r.clv,
  };
}

/** Today's date in `tz` (YYYY-MM-DD). */
const todayIn = (tz: string) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

export class ClvService {
  private readonly repo;
  private readonly listeners = new Set<FitListener>();

  constructor(
    private readonly store: Store,
    private readonly workspaces: WorkspaceService,
    private readonly refs: MemberRefs,
    identity: IdentityPort,
  ) {
    this.repo = clvRepo(store);
    identity.onMerge('clv', async (tx, ws, fromId) => {
      await this.repo.deleteMember(tx, ws, fromId);
      return 0;
    });
  }

  /** Called after each committed fit (e.g. to re-evaluate segments that use CLV columns). Returns an unsubscribe. */
  onFitted(fn: FitListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Fits BG/NBD and Gamma-Gamma on the orders up to the calibration end and replaces the workspace's member_clv
   * rows with the predictions. Throws `clv.no_customers` when no member bought by then.
   * @example await clv.fit(ws, { calibration_end: '1997-09-30', time_unit: 'week', horizon: 39 })
   */
  async fit(ws: string, raw: FitInput): Promise<FitResult> {
    const started = performance.now();
    const input = FitBody.parse(raw);
    const unit = input.time_unit;
    const timezone = input.timezone ?? (await this.workspaces.get(ws)).timezone;
    const calibrationEnd = input.calibration_end ?? todayIn(timezone);
    const horizon = input.horizon ?? defaultHorizon(unit);
    const periodLength = input.period_length ?? monthIn(unit);
    if (horizon / periodLength > MAX_PERIODS) {
      throw invalid('clv.invalid_option', `horizon / period_length must be at most ${MAX_PERIODS} discounting periods`, 'period_length');
    }
    const endDay = dayNumber(calibrationEnd);
    const endBefore = startOfLocalDay(timezone, endDay + 1);
    const endBeforeIso = new Date(endBefore).toISOString();

    // The facts kept at write time hold the summary of all history, in the workspace's zone: usable when the fit
    // uses that zone and no paid order lies after the calibration end. Otherwise the orders are summarised here.
    const workspaceZone = input.timezone === undefined || input.timezone === (await this.workspaces.get(ws)).timezone;
    const days = UNIT_DAYS[unit];
    const id = newId('clvfit');

    // One transaction: the summary is computed once into a temporary table, the models are fitted on its groups,
    // and member_clv is replaced from it; readers see the previous fit until this one commits.
    const row = await this.store.transaction(async (tx) => {
      let t = performance.now();
      let members: number;
      const fromFacts = workspaceZone && (await this.repo.factsUsable(tx, ws, endBeforeIso)) !== null;
      if (fromFacts) members = await this.repo.stageSummaryFromFacts(tx, ws, endDay);
      else {
        const first = await this.repo.firstPurchaseAt(tx, ws, endBeforeIso);
        if (!first) throw invalid('clv.no_customers', `No member has a paid order on or before calibration_end ${calibrationEnd}`, 'calibration_end');
        const window: SummaryWindow = { endBefore: endBeforeIso, endDay, segments: offsetSegments(timezone, Date.parse(first), endBefore) };
        members = await this.repo.stageSummary(tx, ws, window);
      }
      const inputs = await this.repo.stagedInputs(tx);
      const summaryMs = ms(t);

      t = performance.now();
      const { bg, gg } = fitModels(inputs.summary, inputs.values, days);
      const fitMs = ms(t);

      t = performance.now();
      const factors = purchaseFactors(bg.params, inputs.summary, days, horizon, periodLength, input.discount_rate);
      if (!factors.every((f) => Number.isFinite(f.expected) && Number.isFinite(f.discounted))) {
        const { r, alpha, a, b } = bg.params;
        throw invalid('clv.fit_failed', `The fitted BG/NBD (r ${r}, alpha ${alpha}, a ${a}, b ${b}) gives no finite expected purchases; try another calibration_end or time_unit`, 'calibration_end');
      }
      const predictMs = ms(t);

      t = performance.now();
      const written = await this.repo.writePredictions(tx, ws, { fitId: id, unitDays: days, margin: input.margin, bgnbd: bg.params, gammaGamma: gg?.params ?? null, factors });
      if (written !== members) throw new Error(`clv: wrote ${written} predictions for ${members} summarised members`);
      const fit: FitRow = {
        id,
        calibration_end: dayDate(endDay),
        time_unit: unit,
        timezone,
        horizon,
        discount_rate: input.discount_rate,
        period_length: periodLength,
        margin: input.margin,
        bgnbd: bgnbdJson(bg),
        gamma_gamma: gg ? gammaGammaJson(gg) : null,
        members: written,
        repeaters: inputs.values.reduce((s, v) => s + v.n, 0),
        fit_ms: fitMs,
        timings: { summary_ms: summaryMs, summary_from_facts: fromFacts ? 1 : 0, fit_ms: fitMs, predict_ms: predictMs, write_ms: ms(t), total_ms: ms(started) },
        created_at: new Date().toISOString(),
      };
      await this.repo.insertFit(tx, ws, fit);
      return fit;
    });
    for (const fn of this.listeners) {
      try {
        fn({ workspaceId: ws, fitId: id, members: row.members });
      } catch {
        // listeners queue their own work; the fit has committed
      }
    }
    return toFit(row);
  }

  /** Fits of the workspace, newest first. */
  async fits(ws: string, limit = 20): Promise<FitResult[]> {
    return (await this.repo.fits(this.store, ws, limit)).map(toFit);
  }

  /** The fit whose predictions member_clv holds (the newest), or null before the first fit. */
  async currentFit(ws: string): Promise<FitResult | null> {
    const [latest] = await this.repo.fits(this.store, ws, 1);
    return latest ? toFit(latest) : null;
  }

  /** A page of stored predictions with user ids, sorted by `sort` (NULLs last), keyset-paginated. */
  async members(ws: string, q: MembersQueryInput): Promise<{ fit_id: string | null; data: MemberClv[]; next_cursor: string | null }> {
    const desc = q.order === 'desc';
    const after = q.cursor ? decodeCursor(q.cursor, q.sort, desc) : undefined;
    const fit = await this.currentFit(ws);
    if (q.fit_id && fit?.id !== q.fit_id) {
      throw new SiyuError('conflict', 'clv.fit_replaced', `Fit ${q.fit_id} is no longer current${fit ? ` (now ${fit.id})` : ''}`, { field: 'fit_id' });
    }
    const rows = await this.repo.page(this.store, ws, { sort: q.sort, desc, limit: q.limit, after: after ? [after.value, after.id] : undefined });
    const more = rows.length > q.limit;
    const data = rows.slice(0, q.limit).map(toMember);
    const last = rows[q.limit - 1];
    const next = more && last ? encodeCursor({ sort: q.sort, desc, value: q.sort === 'member_id' ? null : (last[q.sort] ?? null), id: last.member_id }) : null;
    return { fit_id: fit?.id ?? null, data, next_cursor: next };
  }

  /** One member's prediction with the fit it came from; 404 `clv.not_found` when the member has none. */
  async member(ws: string, ref: string): Promise<MemberClv & { fit: Pick<FitResult, 'id' | 'calibration_end' | 'time_unit' | 'horizon' | 'created_at'> }> {
    const memberId = await this.refs.resolveOne(this.store, ws, ref);
    const row = await this.repo.member(this.store, ws, memberId);
    if (!row) {
      throw notFound('clv.not_found', `No CLV prediction for ${ref}: no fit yet, or no paid order on or before the calibration end`, 'ref');
    }
    const fit = await this.repo.fit(this.store, ws, row.fit_id);
    const f = fit ? toFit(fit) : null;
    return {
      ...toMember(row),
      fit: { id: row.fit_id, calibration_end: f?.calibration_end ?? '', time_unit: f?.time_unit ?? 'week', horizon: f?.horizon ?? 0, created_at: f?.created_at ?? '' },
    };
  }

  /**
   * Histograms for the console: P(alive) in equal bins over [0, 1]; CLV in equal bins from 0 to its 99th
   * percentile, the last bin also holding everything above (long tails would squeeze the rest into one bin).
   */
  async distribution(ws: string, buckets = 10) {
    const fit = await this.currentFit(ws);
    const s = await this.repo.stats(this.store, ws);
    const members = Number(s?.members ?? 0);
    const pCounts = new Map((await this.repo.pAliveHistogram(this.store, ws, buckets)).map((r) => [Number(r.b), Number(r.n)]));
    const pAlive = Array.from({ length: buckets }, (_, i) => ({ from: i / buckets, to: (i + 1) / buckets, count: pCounts.get(i) ?? 0 }));
    let clv: { from: number; to: number | null; count: number }[] = [];
    const p99 = Number(s?.p99_clv ?? 0);
    const max = Number(s?.max_clv ?? 0);
    if (Number(s?.valued ?? 0) > 0) {
      const upper = p99 > 0 ? p99 : max > 0 ? max : 1;
      const width = upper / buckets;
      const counts = new Map((await this.repo.clvHistogram(this.store, ws, buckets, width)).map((r) => [Number(r.b), Number(r.n)]));
      clv = Array.from({ length: buckets }, (_, i) => ({ from: i * width, to: i === buckets - 1 ? null : (i + 1) * width, count: (counts.get(i) ?? 0) + (i === buckets - 1 ? (counts.get(buckets) ?? 0) : 0) }));
    }
    return {
      fit_id: fit?.id ?? null,
      members,
      p_alive: { mean: s?.mean_p_alive ?? null, buckets: pAlive },
      clv: { mean: s?.mean_clv ?? null, total: s?.total_clv ?? null, p99: s?.p99_clv ?? null, max: s?.max_clv ?? null, buckets: clv },
      expected_purchases_total: s?.total_expected_purchases ?? null,
    };
  }
}

/**
 * Fits BG/NBD on the summary groups (days converted to the time unit) and Gamma-Gamma on the repeaters with a
 * positive repeat value. Throws `clv.fit_failed` when the BG/NBD optimum is not finite; Gamma-Gamma is left out
 * (null) when there are no such repeaters or its fit is not finite.
 */
export function fitModels(summary: SummaryGroupRow[], values: ValueGroupRow[], unitDays: number): { bg: BgNbdFit; gg: GammaGammaFit | null } {
  const bg = fitBgNbdGrouped(summary.map((g) => ({ x: g.x, tx: g.tx_days / unitDays, T: g.t_days / unitDays, n: g.n })));
  if (![bg.params.r, bg.params.alpha, bg.params.a, bg.params.b, bg.logLikelihood].every(Number.isFinite)) {
    throw invalid('clv.fit_failed', 'The BG/NBD fit did not converge (too few repeat purchases before calibration_end?)', 'calibration_end');
  }
  const repeaters = values.filter((v) => v.repeat_value > 0);
  if (repeaters.length === 0) return { bg, gg: null };
  const gg = fitGammaGammaGrouped(repeaters.map((v) => ({ x: v.x, zbar: v.repeat_value / v.x, n: v.n })));
  return { bg, gg: [gg.params.p, gg.params.q, gg.params.gamma, gg.logLikelihood].every(Number.isFinite) ? gg : null };
}

function bgnbdJson(f: BgNbdFit) {
  return { ...f.params, logLikelihood: f.logLikelihood, iterations: f.iterations, evaluations: f.evaluations, n: f.n };
}

function gammaGammaJson(f: GammaGammaFit) {
  return { ...f.params, logLikelihood: f.logLikelihood, iterations: f.iterations, evaluations: f.evaluations, n: f.n };
}
