// The membership engine: full recomputes in dependency order, realtime re-evaluation of changed members, static
// uploads, and the in-process membership-change listeners. One workspace's membership writes run one at a time.
import { performance } from 'node:perf_hooks';
import { newId } from '../../core/ids.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { Metrics } from '../../server/metrics.ts';
import { compileRule, parseRule, ruleDeps, type Rule, type RuleDeps } from './rules/index.ts';
import { dependentsOf, levels, readsOf, resolveRef, topoOrder, type SegmentNode } from './graph.ts';
import {
  addToRealtimeRun,
  applyChanges,
  fullDiff,
  idListSource,
  insertRun,
  lockSegment,
  runChanges,
  standing,
  staticSource,
  type DiffKey,
  type MemberSource,
  type RunRecord,
} from './membership-sql.ts';
import { touches, type PendingChange } from './realtime.ts';
import { segmentsRepo, type SegmentRow } from './repo.ts';

export type RunTrigger = 'create' | 'update' | 'manual' | 'schedule' | 'dependency' | 'realtime' | 'upload' | 'scores';

/** Members that entered or exited a segment, told to in-process listeners once the change is committed. */
export interface MembershipChange {
  workspaceId: string;
  segmentId: string;
  memberIds: string[];
  change: 'entered' | 'exited';
  /** When the change was recorded (ISO). */
  at: string;
  trigger: RunTrigger;
  /** Realtime: ms from the data's commit (DataChange.committedAt) to the membership commit, worst member; else null. */
  latencyMs: number | null;
}
export type MembershipListener = (c: MembershipChange) => void;

/** A segment with its rule parsed (dynamic segments; `error` when a stored rule no longer parses). */
export interface SegmentDef {
  row: SegmentRow;
  rule: Rule | null;
  deps: RuleDeps | null;
  error?: string;
}

export type ErrorLogger = (err: unknown, msg: string) => void;

/** Above this many changed members one realtime round recomputes the affected segments in full (set-based). */
export const REALTIME_MEMBER_LIMIT = 5000;
/** Listeners hear about a full recompute's members in chunks of this size. */
const ANNOUNCE_CHUNK = 5000;
const TZ_TTL_MS = 60_000;

export const nodeOf = (d: SegmentDef): SegmentNode => ({ id: d.row.id, name: d.row.name, refs: d.deps?.segments ?? [] });

/** The aggregate realtime run of a segment for the minute of `now` (one row per segment and minute). */
export const realtimeRunId = (segmentId: string, now: string) => `srt_${now.slice(0, 16).replace(/\D/g, '')}_${segmentId}`;

export class MembershipEngine {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly parsed = new Map<string, { stamp: string; rule: Rule | null; deps: RuleDeps | null; error?: string }>();
  private readonly zones = new Map<string, { tz: string; at: number }>();
  private readonly listeners = new Set<MembershipListener>();
  log: ErrorLogger = (err, msg) => console.error(msg, err);

  constructor(
    private readonly store: Store,
    private readonly timezoneOf: (ws: string) => Promise<string>,
    private readonly metrics?: Metrics,
  ) {}

  /** Runs `fn` after every earlier membership write of the workspace has finished (in this process). */
  exclusive<T>(ws: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(ws) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(ws, tail);
    void tail.then(() => {
      if (this.locks.get(ws) === tail) this.locks.delete(ws);
    });
    return next;
  }

  onChange(listener: MembershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The workspace's segments with parsed rules (parsing cached by id and version). */
  async defs(db: SqlExecutor, ws: string): Promise<SegmentDef[]> {
    return (await segmentsRepo.list(db, ws)).map((row) => this.defOf(ws, row));
  }

  defOf(ws: string, row: SegmentRow): SegmentDef {
    if (row.kind !== 'dynamic' || row.rule === null || row.rule === undefined) return { row, rule: null, deps: null };
    const key = `${ws}|${row.id}`;
    const stamp = `${row.version}|${row.updated_at}`;
    let p = this.parsed.get(key);
    if (!p || p.stamp !== stamp) {
      try {
        const rule = parseRule(row.rule, 'rule');
        p = { stamp, rule, deps: ruleDeps(rule) };
      } catch (e) {
        p = { stamp, rule: null, deps: null, error: (e as Error).message };
      }
      this.parsed.set(key, p);
    }
    return { row, rule: p.rule, deps: p.deps, error: p.error };
  }

  async timezone(ws: string): Promise<string> {
    const hit = this.zones.get(ws);
    if (hit && Date.now() - hit.at < TZ_TTL_MS) return hit.tz;
    const tz = await this.timezoneOf(ws);
    this.zones.set(ws, { tz, at: Date.now() });
    return tz;
  }

  /** SQL of a rule, its in_segment refs mapped to ids among `defs`. */
  compile(rule: Rule, deps: RuleDeps, defs: SegmentDef[], o: { ws: string; now: string; tz: string; memberIds?: string[] }): MemberSource {
    const segmentIds: Record<string, string> = {};
    for (const ref of deps.segments) {
      const target = resolveRef(defs.map((d) => d.row), ref);
      if (target) segmentIds[ref] = target.id;
    }
    const c = compileRule(this.store, rule, { workspaceId: o.ws, now: o.now, timezone: o.tz, memberIds: o.memberIds, segmentIds });
    return { sql: c.sql, params: c.params };
  }

  private sourceOf(def: SegmentDef, defs: SegmentDef[], o: { ws: string; now: string; tz: string }): MemberSource {
    if (def.row.kind === 'static') return staticSource(o.ws, def.row.id);
    if (!def.rule || !def.deps) throw new Error(`segment ${def.row.id} has an invalid stored rule: ${def.error}`);
    return this.compile(def.rule, def.deps, defs, o);
  }

  /**
   * Full recompute of one segment inside `tx` (the caller commits, then calls `announce`): diff, run row,
   * last_computed_at.
   */
  async recomputeIn(tx: SqlExecutor, ws: string, def: SegmentDef, defs: SegmentDef[], trigger: RunTrigger): Promise<{ run: RunRecord; key: DiffKey }> {
    const started = performance.now();
    const tz = await this.timezone(ws);
    const startedAt = new Date().toISOString();
    const key: DiffKey = { ws, segmentId: def.row.id, runId: newId('srun'), now: startedAt };
    const src = this.sourceOf(def, defs, { ws, now: startedAt, tz });
    await lockSegment(tx, ws, def.row.id);
    const d = await fullDiff(tx, src, key);
    await tx.exec('UPDATE segments SET last_computed_at = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2', [ws, def.row.id, startedAt]);
    const run: RunRecord = {
      id: key.runId,
      segmentId: def.row.id,
      trigger,
      startedAt,
      finishedAt: new Date().toISOString(),
      memberCount: d.memberCount,
      entered: d.entered,
      exited: d.exited,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
    await insertRun(tx, ws, run);
    return { run, key };
  }

  /**
   * Full recompute of `ids` (each in its own transaction), then of every segment that reads them, readers after
   * what they read. Call inside {@link exclusive}. Returns the runs in the order they ran.
   */
  async recomputeLocked(ws: string, ids: string[], trigger: RunTrigger): Promise<RunRecord[]> {
    const defs = await this.defs(this.store, ws);
    const byId = new Map(defs.map((d) => [d.row.id, d]));
    const reads = readsOf(defs.map(nodeOf));
    const wanted = new Set([...ids, ...dependentsOf(reads, ids)]);
    const order = topoOrder(reads, defs.map((d) => d.row.id).filter((id) => wanted.has(id)));
    const runs: RunRecord[] = [];
    for (const id of order) {
      const def = byId.get(id)!;
      const { run, key } = await this.store.transaction((tx) => this.recomputeIn(tx, ws, def, defs, ids.includes(id) ? trigger : 'dependency'));
      runs.push(run);
      await this.announce(key, run, run.trigger as RunTrigger);
    }
    return runs;
  }

  /**
   * Static list upload inside `tx`: replace (full diff against the list), append (entries only) or remove (exits
   * only). Returns the run; the caller commits, announces and recomputes dependents.
   */
  async uploadIn(tx: SqlExecutor, ws: string, segmentId: string, memberIds: string[], mode: 'replace' | 'append' | 'remove') {
    const started = performance.now();
    const now = new Date().toISOString();
    const key: DiffKey = { ws, segmentId, runId: newId('srun'), now };
    await lockSegment(tx, ws, segmentId);
    let entered: number;
    let exited: number;
    let lists: { entered: string[]; exited: string[] } | null = null;
    if (mode === 'replace') {
      ({ entered, exited } = await fullDiff(tx, idListSource(this.store, memberIds), key));
    } else {
      // The listed members are all "selected": those not held enter (append); those held exit (remove).
      const s = await standing(tx, this.store, idListSource(this.store, memberIds), ws, segmentId, memberIds);
      lists = mode === 'append' ? { entered: s.entering, exited: [] } : { entered: [], exited: memberIds.filter((id) => !s.entering.includes(id)) };
      await applyChanges(tx, this.store, key, lists.entered, lists.exited);
      ({ entered, exited } = { entered: lists.entered.length, exited: lists.exited.length });
    }
    await tx.exec('UPDATE segments SET last_computed_at = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2', [ws, segmentId, now]);
    const memberCount = await segmentsRepo.count(tx, ws, segmentId);
    const run: RunRecord = {
      id: key.runId, segmentId, trigger: 'upload', startedAt: now, finishedAt: new Date().toISOString(),
      memberCount, entered, exited, durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
    await insertRun(tx, ws, run);
    return { run, key, lists };
  }

  /**
   * Realtime round for one workspace: each realtime segment whose dependencies the change touches (or that reads a
   * segment whose membership just changed) is re-evaluated for the changed members only, in one transaction.
   * Errors are logged, never thrown: the writer that published the change has long moved on.
   */
  async applyChange(ws: string, pending: PendingChange): Promise<void> {
    try {
      await this.exclusive(ws, () => this.applyLocked(ws, pending));
    } catch (e) {
      this.log(e, `realtime segment evaluation failed for workspace ${ws}`);
    }
  }

  private async applyLocked(ws: string, pending: PendingChange): Promise<void> {
    const defs = await this.defs(this.store, ws);
    const live = defs.filter((d) => d.row.kind === 'dynamic' && d.row.realtime && d.rule && d.deps);
    if (live.length === 0) return;
    const all = [...pending.members.keys()];
    const everything = [...pending.everything];
    if (all.length > REALTIME_MEMBER_LIMIT) {
      // A bulk write (an import batch, a flood of ingest): one set-based recompute beats a huge member list.
      const hit = live.filter((d) => everything.length > 0 || touches(d.deps!, pending)).map((d) => d.row.id);
      if (hit.length > 0) await this.recomputeLocked(ws, hit, 'realtime');
      return;
    }
    const tz = await this.timezone(ws);
    const reads = readsOf(defs.map(nodeOf));
    const now = new Date().toISOString();
    const changed = new Set<string>();
    const results: { segmentId: string; entered: string[]; exited: string[] }[] = [];
    // Level by level (a segment after the realtime segments it reads): the rules of one level are evaluated side
    // by side on the store's connections, outside any transaction; then one short transaction records the level.
    for (const level of levels(reads, live, (d) => d.row.id)) {
      const evaluated = await Promise.all(
        level.map(async (def) => {
          const hit = touches(def.deps!, pending) || (reads.get(def.row.id) ?? []).some((r) => changed.has(r));
          const members = hit ? all : everything;
          if (members.length === 0) return null;
          const t0 = performance.now();
          const src = this.compile(def.rule!, def.deps!, defs, { ws, now, tz, memberIds: members });
          const s = await standing(this.store, this.store, src, ws, def.row.id, members);
          return { def, ...s, ms: performance.now() - t0 };
        }),
      );
      const moved = evaluated.filter((e): e is NonNullable<typeof e> => e !== null && e.entering.length + e.exiting.length > 0);
      if (moved.length === 0) continue;
      await this.store.transaction(async (tx) => {
        for (const e of moved) {
          const runId = realtimeRunId(e.def.row.id, now);
          const memberCount = await applyChanges(tx, this.store, { ws, segmentId: e.def.row.id, runId, now }, e.entering, e.exiting);
          await addToRealtimeRun(tx, ws, {
            id: runId, segmentId: e.def.row.id, trigger: 'realtime', startedAt: now, finishedAt: new Date().toISOString(),
            memberCount, entered: e.entering.length, exited: e.exiting.length, durationMs: Math.round(e.ms * 100) / 100,
          });
        }
      });
      for (const e of moved) {
        changed.add(e.def.row.id);
        results.push({ segmentId: e.def.row.id, entered: e.entering, exited: e.exiting });
      }
    }
    const recordedAt = Date.now();
    for (const r of results) {
      for (const [change, ids] of [['entered', r.entered], ['exited', r.exited]] as const) {
        if (ids.length === 0) continue;
        let worst = 0;
        for (const id of ids) {
          const latency = recordedAt - (pending.members.get(id) ?? recordedAt);
          this.metrics?.segmentRealtimeLatency?.observe(latency / 1000);
          if (latency > worst) worst = latency;
        }
        this.emit({ workspaceId: ws, segmentId: r.segmentId, memberIds: ids, change, at: now, trigger: 'realtime', latencyMs: worst });
      }
    }
  }

  /** Tells listeners about a committed full run, reading its entries and exits back from the log in chunks. */
  async announce(key: DiffKey, run: RunRecord, trigger: RunTrigger): Promise<void> {
    if (this.listeners.size === 0 || run.entered + run.exited === 0) return;
    for (const change of ['entered', 'exited'] as const) {
      if ((change === 'entered' ? run.entered : run.exited) === 0) continue;
      for (let after = ''; ; ) {
        const ids = await runChanges(this.store, key, change, after, ANNOUNCE_CHUNK);
        if (ids.length === 0) break;
        this.emit({ workspaceId: key.ws, segmentId: key.segmentId, memberIds: ids, change, at: key.now, trigger, latencyMs: null });
        if (ids.length < ANNOUNCE_CHUNK) break;
        after = ids[ids.length - 1];
      }
    }
  }

  /** Tells listeners about changes whose member lists are at hand (uploads). */
  emitLists(key: DiffKey, lists: { entered: string[]; exited: string[] }, trigger: RunTrigger): void {
    for (const [change, ids] of [['entered', lists.entered], ['exited', lists.exited]] as const) {
      if (ids.length > 0) this.emit({ workspaceId: key.ws, segmentId: key.segmentId, memberIds: ids, change, at: key.now, trigger, latencyMs: null });
    }
  }

  private emit(c: MembershipChange): void {
    for (const fn of this.listeners) {
      try {
        fn(c);
      } catch (e) {
        this.log(e, 'segment membership listener failed');
      }
    }
  }
}

