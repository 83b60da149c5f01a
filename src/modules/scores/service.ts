// Scores: RFM, lifecycle stages and value tiers computed inside the store, stored per member with change history.
import { invalid } from '../../core/errors.ts';
import {
  LIFECYCLE_STAGE_NAMES,
  RFM_SEGMENTS,
  VALUE_TIER_NAMES,
  parseLifecycleConfig,
  parseRfmConfig,
  parseValueTierConfig,
  type LifecycleConfig,
  type LifecycleStage,
  type RfmConfig,
  type ValueTier,
} from '../../core/segmentation/index.ts';
import type { Store } from '../../store/port.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { checkDate, localMidnights, runBounds, addDays, todayIn } from './as-of.ts';
import { lifecycleInsertSql, transitionCountsSql } from './lifecycle-sql.ts';
import { labelDistribution, rfmDistribution, rfmGridCells, transitionsFromCounts } from './report.ts';
import { scoresRepo as repo, type ScoreKind } from './repo.ts';
import { RunRecorder } from './run-recorder.ts';
import { checkConfigKeys, parseConfig } from './config-input.ts';
import { rfmInsertSql, rfmThresholdsSql } from './rfm-sql.ts';
import type { LifecycleComputeBody, RfmComputeBody, RfmMembersQuery, ValueTierComputeBody } from './schema.ts';
import { derivedSpendSql, valueTierInsertSql } from './value-tier-sql.ts';
import { factsSource, type FactsSource } from './facts-source.ts';

/** Resolves a member ref to the surviving member id (MembersService.resolve). */
export interface MemberResolver {
  resolve(ws: string, ref: string): Promise<string>;
}

const SEGMENT_INFO = new Map(RFM_SEGMENTS.map((s) => [s.id, s]));

export class ScoresService {
  private readonly runner: RunRecorder;

  private readonly listeners = new Set<(e: { workspaceId: string }) => void>();

  /** Called after each committed RFM, lifecycle or value-tier run (segments on scores re-evaluate). */
  onComputed(fn: (e: { workspaceId: string }) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private notify(workspaceId: string): void {
    for (const fn of this.listeners) {
      try {
        fn({ workspaceId });
      } catch {
        // listeners queue their own work; a failure there must not fail the committed run
      }
    }
  }

  constructor(
    private readonly store: Store,
    private readonly workspaces: Pick<WorkspaceService, 'get'>,
    private readonly members: MemberResolver,
  ) {
    this.runner = new RunRecorder(store);
  }

  private async zone(ws: string): Promise<string> {
    return (await this.workspaces.get(ws)).timezone;
  }

  private asOf(value: string | undefined, timezone: string, prefix: string): string {
    return value === undefined ? todayIn(timezone) : checkDate(value, `${prefix}.as_of_invalid`, 'as_of');
  }

  // ---- RFM ----

  /** Recomputes RFM for every buying member as of `as_of` (default today in the workspace zone). */
  async computeRfm(ws: string, body: RfmComputeBody = {}) {
    const timezone = await this.zone(ws);
    const asOf = this.asOf(body.as_of, timezone, 'rfm');
    checkConfigKeys('rfm', body.config, { asOf: 'as_of', windowDays: 'window_days' });
    const config: RfmConfig = parseConfig(parseRfmConfig, { ...body.config, asOf, ...(body.window_days ? { windowDays: body.window_days } : {}) });
    const { start, end } = await runBounds(this.store, timezone, asOf, config.windowDays);
    let source: FactsSource = 'orders';
    let distribution: ReturnType<typeof rfmDistribution> | undefined;
    const run = await this.runner.run(
      ws,
      'rfm',
      asOf,
      config,
      async (tx, runId) => {
        const choice = await factsSource(tx, ws, end, config.windowDays);
        source = choice.source;
        const { sql, params } = rfmInsertSql({ workspaceId: ws, runId, timezone, config, start, end, source, oldestLastOrder: choice.oldestLastOrder });
        await tx.exec(sql, params);
      },
      async (tx) => {
        const thresholds = rfmThresholdsSql({ quintile: config.scoring === 'quintile', split: config.split, splitOn: config.splitOn });
        const [t] = await tx.query<Record<string, any>>(thresholds, [ws]);
        distribution = rfmDistribution(await repo.labelCounts(tx, ws, 'rfm'));
        const some = Number(t.n) > 0;
        const cuts = (d: 'r' | 'f' | 'm') => (config.scoring === 'quintile' ? (some ? (t[`q_${d}`] as unknown[]).map(Number) : null) : config.scoring[d]);
        const centre = (d: 'r' | 'f' | 'm') => (some ? Number(t[`split_${d}`]) : null);
        return {
          members: distribution.members,
          summary: {
            timezone,
            window_days: config.windowDays ?? null,
            orders_from: start,
            orders_before: end,
            facts_source: source,
            scoring: config.scoring === 'quintile' ? 'quintile' : 'custom',
            cut_points: { r: cuts('r'), f: cuts('f'), m: cuts('m') },
            split: { method: config.split, on: config.splitOn, r: centre('r'), f: centre('f'), m: centre('m') },
            revenue: distribution.revenue,
            distribution: distribution.segments.map((s) => ({ segment: s.segment, count: s.count, share: s.share, revenue_share: s.revenue_share })),
          },
        };
      },
    );
    this.notify(ws);
    return { run, distribution: distribution! };
  }

  /** Per segment: members, share, revenue share, average R/F/M, with zh/en names — of the current run. */
  async rfmDistribution(ws: string) {
    const run = await repo.currentRun(this.store, ws, 'rfm');
    const d = rfmDistribution(await repo.labelCounts(this.store, ws, 'rfm'));
    return { run_id: run?.id ?? null, as_of: run?.as_of ?? null, ...d };
  }

  /** Members and revenue per r_score × f_score of the current run (25 cells, zeros included). */
  async rfmGrid(ws: string) {
    const run = await repo.currentRun(this.store, ws, 'rfm');
    return { run_id: run?.id ?? null, as_of: run?.as_of ?? null, ...rfmGridCells(await repo.rfmGrid(this.store, ws)) };
  }

  /** One page of scored members (by member id), optionally of a segment or score cell. */
  async rfmMembers(ws: string, q: RfmMembersQuery) {
    const rows = await repo.rfmMembers(this.store, ws, { ...q, after: q.cursor, limit: q.limit + 1 });
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const run = page[0] ? { id: page[0].run_id, as_of: page[0].as_of } : await repo.currentRun(this.store, ws, 'rfm');
    return {
      run_id: run?.id ?? null,
      as_of: run?.as_of ?? null,
      data: page.map((r) => ({
        member_id: r.member_id,
        user_id: r.user_id,
        recency_days: Number(r.recency_days),
        frequency: Number(r.frequency),
        monetary: Number(r.monetary),
        r_score: Number(r.r_score),
        f_score: Number(r.f_score),
        m_score: Number(r.m_score),
        segment: r.segment,
      })),
      next_cursor: more ? page[page.length - 1].member_id : null,
    };
  }

  // ---- lifecycle ----

  /** The config of the current lifecycle run, or the defaults before the first run. */
  private async lifecycleConfig(ws: string): Promise<LifecycleConfig> {
    const run = await repo.currentRun(this.store, ws, 'lifecycle');
    return parseLifecycleConfig(run?.config ?? {});
  }

  /** Recomputes the lifecycle stage of every live member as of `as_of`. */
  async computeLifecycle(ws: string, body: LifecycleComputeBody = {}) {
    const timezone = await this.zone(ws);
    const asOf = this.asOf(body.as_of, timezone, 'lifecycle');
    const config = parseConfig(parseLifecycleConfig, body.config ?? {});
    const { end } = await runBounds(this.store, timezone, asOf);
    let source: FactsSource = 'orders';
    let distribution: ReturnType<typeof labelDistribution> | undefined;
    const run = await this.runner.run(
      ws,
      'lifecycle',
      asOf,
      config,
      async (tx, runId) => {
        source = (await factsSource(tx, ws, end)).source;
        const { sql, params } = lifecycleInsertSql({ workspaceId: ws, runId, timezone, asOf, end, config, source });
        await tx.exec(sql, params);
      },
      async (tx) => {
        distribution = labelDistribution('lifecycle', await repo.labelCounts(tx, ws, 'lifecycle'));
        return { members: distribution.members, summary: { timezone, facts_source: source, distribution: distribution.labels.map(({ stage, count, share }) => ({ stage, count, share })) } };
      },
    );
    this.notify(ws);
    return { run, distribution: distribution! };
  }

  async lifecycleDistribution(ws: string) {
    const run = await repo.currentRun(this.store, ws, 'lifecycle');
    const d = labelDistribution('lifecycle', await repo.labelCounts(this.store, ws, 'lifecycle'));
    return { run_id: run?.id ?? null, as_of: run?.as_of ?? null, members: d.members, stages: d.labels };
  }

  /**
   * Transition matrix between two dates: each member's stage is recomputed from orders as of each date (not read from
   * history), so any two dates work, with the thresholds of the current lifecycle run (defaults before the first).
   */
  async lifecycleTransitions(ws: string, q: { from: string; to: string }) {
    const from = checkDate(q.from, 'lifecycle.date_invalid', 'from');
    const to = checkDate(q.to, 'lifecycle.date_invalid', 'to');
    if (to < from) throw invalid('lifecycle.date_order', `to: ${to} is before from ${from}`, 'to');
    const timezone = await this.zone(ws);
    const config = await this.lifecycleConfig(ws);
    const [endFrom, endTo] = await localMidnights(this.store, timezone, [addDays(from, 1), addDays(to, 1)]);
    const { sql, params } = transitionCountsSql({ workspaceId: ws, timezone, from: { asOf: from, end: endFrom }, to: { asOf: to, end: endTo }, config });
    const m = transitionsFromCounts(await this.store.query<{ from_stage: string; to_stage: string; n: number }>(sql, params));
    const names = Object.fromEntries([...Object.entries(LIFECYCLE_STAGE_NAMES), ['absent', { zh: '不在册', en: 'Absent' }]]);
    return { from, to, timezone, config, states: m.states, names, counts: m.counts, row_totals: m.rowTotals, rates: m.rates, total: m.total };
  }

  // ---- value tiers ----

  /** Recomputes the value tier of every live member as of `as_of`, spend over `window_days` (default all history). */
  async computeValueTiers(ws: string, body: ValueTierComputeBody = {}) {
    const timezone = await this.zone(ws);
    const asOf = this.asOf(body.as_of, timezone, 'value_tier');
    const config = parseConfig(parseValueTierConfig, body.config ?? {});
    const d = body.derive_spend;
    if (d) {
      if (!(d.high_share > 0 && d.high_share <= 1))
        throw invalid('value_tier.invalid_config', 'derive_spend.high_share: must be > 0 and ≤ 1', 'derive_spend.high_share');
      if (!(d.potential_share >= d.high_share && d.potential_share <= 1))
        throw invalid('value_tier.invalid_config', 'derive_spend.potential_share: must be ≥ high_share and ≤ 1', 'derive_spend.potential_share');
    }
    const derive = d ? { highShare: d.high_share, potentialShare: d.potential_share } : undefined;
    const { start, end } = await runBounds(this.store, timezone, asOf, body.window_days);
    let distribution: ReturnType<typeof labelDistribution> | undefined;
    const runConfig = { ...config, windowDays: body.window_days ?? null, deriveSpend: derive ?? null };
    const run = await this.runner.run(
      ws,
      'value_tier',
      asOf,
      runConfig,
      async (tx, runId) => {
        const { sql, params } = valueTierInsertSql({ workspaceId: ws, runId, timezone, asOf, start, end, config, derive });
        await tx.exec(sql, params);
      },
      async (tx) => {
        let thresholds = { high_value_min_spend: config.highValueMinSpend as number | null, potential_min_spend: config.potentialMinSpend as number | null, derived: false };
        if (derive) {
          const [t] = await tx.query<{ high_spend: number | null; potential_spend: number | null }>(derivedSpendSql(), [ws, derive.highShare, derive.potentialShare]);
          thresholds = { high_value_min_spend: t?.high_spend ?? null, potential_min_spend: t?.potential_spend ?? null, derived: true };
        }
        distribution = labelDistribution('value_tier', await repo.labelCounts(tx, ws, 'value_tier'));
        return {
          members: distribution.members,
          summary: {
            timezone,
            window_days: body.window_days ?? null,
            orders_from: start,
            orders_before: end,
            thresholds,
            spend: distribution.revenue,
            distribution: distribution.labels.map(({ tier, count, share }) => ({ tier, count, share })),
          },
        };
      },
    );
    this.notify(ws);
    return { run, distribution: distribution! };
  }

  async valueTierDistribution(ws: string) {
    const run = await repo.currentRun(this.store, ws, 'value_tier');
    const d = labelDistribution('value_tier', await repo.labelCounts(this.store, ws, 'value_tier'));
    return { run_id: run?.id ?? null, as_of: run?.as_of ?? null, members: d.members, spend: d.revenue, tiers: d.labels };
  }

  // ---- per member and runs ----

  /** The member's current RFM row, lifecycle stage and value tier, with the history of changes (newest first). */
  async memberScores(ws: string, ref: string) {
    const id = await this.members.resolve(ws, ref);
    const s = await repo.memberScores(this.store, ws, id);
    const seg = s.rfm ? SEGMENT_INFO.get(s.rfm.segment) : undefined;
    return {
      member_id: id,
      rfm: s.rfm ? { ...s.rfm, name_zh: seg?.zh ?? null, name_en: seg?.en ?? null } : null,
      lifecycle: s.lifecycle ? { ...s.lifecycle, name_zh: LIFECYCLE_STAGE_NAMES[s.lifecycle.stage as LifecycleStage]?.zh ?? null, name_en: LIFECYCLE_STAGE_NAMES[s.lifecycle.stage as LifecycleStage]?.en ?? null } : null,
      value_tier: s.tier ? { ...s.tier, name_zh: VALUE_TIER_NAMES[s.tier.tier as ValueTier]?.zh ?? null, name_en: VALUE_TIER_NAMES[s.tier.tier as ValueTier]?.en ?? null } : null,
      history: s.history,
    };
  }

  /** Score runs, newest first; page with next_cursor. */
  async runs(ws: string, q: { kind?: ScoreKind; limit: number; cursor?: string }) {
    const rows = await repo.runs(this.store, ws, { kind: q.kind, limit: q.limit + 1, before: q.cursor });
    const more = rows.length > q.limit;
    const data = more ? rows.slice(0, q.limit) : rows;
    return { data, next_cursor: more ? data[data.length - 1].id : null };
  }
}

