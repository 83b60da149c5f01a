// Segments: dynamic (a rule, recomputed on demand, on schedule and in realtime) and static (uploaded lists);
// CRUD with rule validation and in_segment checks, preview, member pages, uploads, history and the scheduler.
import { newId } from '../../core/ids.ts';
import { invalid, SiyuError } from '../../core/errors.ts';
import type { ChangeFeed } from '../../core/change-feed.ts';
import { isTx, type Store } from '../../store/port.ts';
import type { Metrics } from '../../server/metrics.ts';
import type { IdentityPort } from '../identity/types.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import type { MemberListItem } from '../members/service.ts';
import { dependentsOf, readsOf } from './graph.ts';
import { MembershipEngine, nodeOf, type ErrorLogger, type MembershipListener, type SegmentDef } from './engine.ts';
import type { RunRecord } from './membership-sql.ts';
import { RealtimeQueue } from './realtime.ts';
import { segmentsRepo } from './repo.ts';
import { isDue, SegmentScheduler } from './scheduler.ts';
import type { SegmentCreate, SegmentPatch, UploadBody } from './schema.ts';
import {
  checkDate,
  checkRule,
  checkSchedule,
  decodeCursor,
  DEFAULT_SCHEDULE,
  duplicate,
  effectiveSchedule,
  encodeCursor,
  inUse,
  runView,
  segmentNotFound,
  segmentView,
  type SegmentView,
} from './definitions.ts';

export type { SegmentView } from './definitions.ts';

export interface SegmentsDeps {
  store: Store;
  identity: Pick<IdentityPort, 'onMerge'>;
  refs: MemberRefs;
  /** Member list items by id (the members module's shape of GET /api/members). */
  members: { summaries(ws: string, ids: string[]): Promise<MemberListItem[]> };
  timezoneOf(ws: string): Promise<string>;
  changes?: ChangeFeed;
  metrics?: Metrics;
  /** Cron for time-relative (and non-realtime) rules without a schedule of their own. */
  defaultSchedule?: string;
  /** How long realtime gathers changes before one evaluation per workspace. */
  realtimeWindowMs?: number;
}

/** Unknown refs an upload answer lists (the count is always complete). */
const NOT_FOUND_SHOWN = 1000;

export class SegmentsService {
  private readonly store: Store;
  private readonly engine: MembershipEngine;
  private readonly queue: RealtimeQueue;
  private readonly scheduler: SegmentScheduler;
  private readonly unsubscribe: () => void;
  private readonly defaultSchedule: string;

  constructor(private readonly deps: SegmentsDeps) {
    this.store = deps.store;
    this.defaultSchedule = deps.defaultSchedule ?? DEFAULT_SCHEDULE;
    this.engine = new MembershipEngine(deps.store, deps.timezoneOf, deps.metrics);
    this.queue = new RealtimeQueue({ windowMs: deps.realtimeWindowMs ?? 50, evaluate: (ws, p) => this.engine.applyChange(ws, p) });
    this.unsubscribe = deps.changes?.subscribe((c) => this.queue.push(c)) ?? (() => undefined);
    this.scheduler = new SegmentScheduler({ tick: (now) => this.runScheduled(now).then(() => undefined) });
    // A merged-away member leaves its segments (rules only see live members) and the survivor is checked against
    // every realtime segment, since it now holds the other member's data of every kind.
    deps.identity.onMerge('segments', async (tx, ws, from, into) => {
      if (isTx(tx)) tx.afterEnd((ok) => ok && this.queue.push({ workspaceId: ws, memberIds: [from, into], events: [], committedAt: Date.now(), everything: true }));
      return 0;
    });
  }

  /** Sends realtime and scheduler errors to the app's structured log. */
  setLogger(log: ErrorLogger): void {
    this.engine.log = log;
  }

  /**
   * Calls `listener` after every committed entry or exit (realtime, recomputes, uploads), in this process.
   * @example segments.onMembershipChange((c) => c.change === 'entered' && journeys.start(c.segmentId, c.memberIds))
   */
  onMembershipChange(listener: MembershipListener): () => void {
    return this.engine.onChange(listener);
  }

  // ---- definitions ----

  async list(ws: string): Promise<SegmentView[]> {
    return (await this.engine.defs(this.store, ws)).map((d) => segmentView(d, this.defaultSchedule));
  }

  async get(ws: string, ref: string): Promise<SegmentView> {
    return segmentView(await this.def(ws, ref), this.defaultSchedule);
  }

  async create(ws: string, body: SegmentCreate): Promise<SegmentView & { not_found?: string[] }> {
    const kind = body.kind ?? (body.rule !== undefined ? 'dynamic' : 'static');
    if (kind === 'dynamic' && body.rule === undefined) throw invalid('segment.rule_required', 'A dynamic segment needs a rule', 'rule');
    if (kind === 'static' && body.rule !== undefined) throw invalid('segment.rule_not_allowed', 'A static segment holds an uploaded member list, not a rule', 'rule');
    if (kind === 'dynamic' && body.members !== undefined) throw invalid('segment.members_not_allowed', 'Only static segments take a member list; a dynamic one follows its rule', 'members');
    checkSchedule(body.schedule);
    return this.engine.exclusive(ws, async () => {
      const defs = await this.engine.defs(this.store, ws);
      if (defs.some((d) => d.row.name === body.name)) throw duplicate(body.name);
      const checked = kind === 'dynamic' ? checkRule(body.rule, defs, { name: body.name }) : null;
      const resolved = body.members ? await this.resolveRefs(ws, body.members) : null;
      const id = newId('seg');
      const row = { id, name: body.name, description: body.description ?? null, kind, rule: checked?.rule ?? null, realtime: kind === 'dynamic' && (body.realtime ?? true), schedule: body.schedule ?? null, now: new Date().toISOString() };
      const done = await this.store.transaction(async (tx) => {
        await segmentsRepo.insert(tx, ws, row);
        const def: SegmentDef = { row: (await segmentsRepo.get(tx, ws, id))!, rule: checked?.rule ?? null, deps: checked?.deps ?? null };
        if (checked) return this.engine.recomputeIn(tx, ws, def, [...defs, def], 'create');
        if (resolved && resolved.memberIds.length > 0) return this.engine.uploadIn(tx, ws, id, resolved.memberIds, 'replace');
        return null;
      });
      if (done) await this.engine.announce(done.key, done.run, 'create');
      const view = await this.get(ws, id);
      return resolved ? { ...view, not_found: resolved.notFound.slice(0, NOT_FOUND_SHOWN) } : view;
    });
  }

  /** Edits a segment; a new rule (or turning realtime on) recomputes it and then the segments that read it. */
  async update(ws: string, ref: string, patch: SegmentPatch): Promise<SegmentView> {
    checkSchedule(patch.schedule);
    return this.engine.exclusive(ws, async () => {
      const defs = await this.engine.defs(this.store, ws);
      const def = this.find(defs, ref);
      const { id } = def.row;
      if (patch.rule !== undefined && def.row.kind === 'static') throw invalid('segment.rule_not_allowed', 'A static segment holds an uploaded member list, not a rule', 'rule');
      if (patch.realtime === true && def.row.kind === 'static') throw invalid('segment.realtime_not_allowed', 'Static segments change only by upload; realtime applies to dynamic segments', 'realtime');
      const name = patch.name ?? def.row.name;
      const rename = name !== def.row.name;
      if (rename) {
        if (defs.some((d) => d.row.name === name && d.row.id !== id)) throw duplicate(name);
        const byName = defs.filter((d) => d.row.id !== id && d.deps?.segments.includes(def.row.name));
        if (byName.length > 0) throw inUse(def.row.name, byName, 'by name; point them at the id first', 'name');
      }
      const checked = patch.rule !== undefined ? checkRule(patch.rule, defs, { id, name }) : { rule: def.rule, deps: def.deps };
      const realtime = def.row.kind === 'dynamic' && (patch.realtime ?? def.row.realtime);
      const recompute = def.row.kind === 'dynamic' && (patch.rule !== undefined || (realtime && !def.row.realtime));
      const done = await this.store.transaction(async (tx) => {
        await segmentsRepo.update(tx, ws, {
          id, name, realtime,
          description: patch.description === undefined ? def.row.description : patch.description,
          rule: checked.rule ?? def.row.rule,
          schedule: patch.schedule === undefined ? def.row.schedule : patch.schedule,
          now: new Date().toISOString(),
        }, rename);
        if (!recompute) return null;
        const next: SegmentDef = { row: (await segmentsRepo.get(tx, ws, id))!, rule: checked.rule, deps: checked.deps };
        return this.engine.recomputeIn(tx, ws, next, defs.map((d) => (d.row.id === id ? next : d)), 'update');
      });
      if (done) {
        await this.engine.announce(done.key, done.run, 'update');
        await this.recomputeDependents(ws, id);
      }
      return this.get(ws, id);
    });
  }

  /** Deletes a segment with its membership and history; refused while another segment's rule reads it. */
  async remove(ws: string, ref: string): Promise<void> {
    await this.engine.exclusive(ws, async () => {
      const defs = await this.engine.defs(this.store, ws);
      const def = this.find(defs, ref);
      const reads = readsOf(defs.map(nodeOf));
      const readers = defs.filter((d) => d.row.id !== def.row.id && (reads.get(d.row.id) ?? []).includes(def.row.id));
      if (readers.length > 0) throw inUse(def.row.name, readers, 'in their rules; change or delete them first', 'ref');
      await this.store.transaction((tx) => segmentsRepo.remove(tx, ws, def.row.id));
    });
  }

  // ---- reads ----

  /** Count and a sample of the members a rule selects right now; nothing is saved. */
  async preview(ws: string, body: { rule: unknown; sample: number }) {
    const started = performance.now();
    const defs = await this.engine.defs(this.store, ws);
    const { rule, deps } = checkRule(body.rule, defs, {});
    const src = this.engine.compile(rule, deps, defs, { ws, now: new Date().toISOString(), tz: await this.engine.timezone(ws) });
    // One evaluation gives both: the window count rides along on the sample rows (none: the count is 0).
    const rows =
      body.sample > 0
        ? await this.store.query<{ member_id?: string; n: number }>(
            `SELECT member_id, count(*) OVER () AS n FROM (${src.sql}) q ORDER BY member_id DESC LIMIT $${src.params.length + 1}`,
            [...src.params, body.sample],
          )
        : await this.store.query<{ member_id?: string; n: number }>(`SELECT count(*) AS n FROM (${src.sql}) q`, src.params);
    const sample = body.sample > 0 ? await this.deps.members.summaries(ws, rows.map((r) => r.member_id!)) : [];
    return { count: Number(rows[0]?.n ?? 0), sample, took_ms: Math.round(performance.now() - started) };
  }

  async count(ws: string, ref: string) {
    const def = await this.def(ws, ref);
    return { segment_id: def.row.id, name: def.row.name, count: await segmentsRepo.count(this.store, ws, def.row.id), last_computed_at: def.row.last_computed_at };
  }

  /** A page of the segment's members (list items), newest member first; pass next_cursor back for more. */
  async members(ws: string, ref: string, q: { limit: number; cursor?: string }) {
    const before = q.cursor ? decodeCursor(q.cursor) : undefined;
    const def = await this.def(ws, ref);
    const ids = await segmentsRepo.memberIds(this.store, ws, def.row.id, q.limit, before);
    const page = ids.slice(0, q.limit);
    return { segment_id: def.row.id, data: await this.deps.members.summaries(ws, page), next_cursor: ids.length > q.limit ? encodeCursor(page[page.length - 1]) : null };
  }

  /** The segments a member is in (ref: member id or type:value). */
  async ofMember(ws: string, memberRef: string) {
    const memberId = await this.deps.refs.resolveOne(this.store, ws, memberRef);
    return { member_id: memberId, data: await segmentsRepo.ofMember(this.store, ws, memberId) };
  }

  async runs(ws: string, ref: string, limit: number) {
    const def = await this.def(ws, ref);
    return { segment_id: def.row.id, data: (await segmentsRepo.runs(this.store, ws, def.row.id, limit)).map(runView) };
  }

  /**
   * With `date`: the members at the end of that day (workspace time zone), from the membership log. Without: the
   * size trend over the last `days` days, from the runs.
   */
  async history(ws: string, ref: string, q: { date?: string; days: number; limit: number; cursor?: string }) {
    const def = await this.def(ws, ref);
    const tz = await this.engine.timezone(ws);
    if (!q.date) {
      const since = new Date(Date.now() - q.days * 86_400_000).toISOString();
      return { segment_id: def.row.id, days: q.days, trend: await segmentsRepo.trend(this.store, ws, def.row.id, tz, since) };
    }
    checkDate(q.date);
    const before = q.cursor ? decodeCursor(q.cursor) : undefined;
    const [count, ids] = await Promise.all([
      segmentsRepo.countOn(this.store, ws, def.row.id, tz, q.date),
      segmentsRepo.memberIdsOn(this.store, ws, def.row.id, tz, q.date, q.limit, before),
    ]);
    const page = ids.slice(0, q.limit);
    return {
      segment_id: def.row.id,
      date: q.date,
      count,
      data: await this.deps.members.summaries(ws, page),
      next_cursor: ids.length > q.limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }

  /** Every member of the segment as list items, a page at a time (exports). */
  async *memberPages(ws: string, ref: string, pageSize = 1000): AsyncGenerator<MemberListItem[]> {
    const def = await this.def(ws, ref);
    for (let before: string | undefined; ; ) {
      const ids = await segmentsRepo.memberIds(this.store, ws, def.row.id, pageSize, before);
      const page = ids.slice(0, pageSize);
      if (page.length > 0) yield await this.deps.members.summaries(ws, page);
      if (ids.length <= pageSize) return;
      before = page[page.length - 1];
    }
  }

  // ---- membership writes ----

  /** Full recompute now, then of the segments that read this one. */
  async recompute(ws: string, ref: string) {
    const def = await this.def(ws, ref);
    const runs = await this.engine.exclusive(ws, () => this.engine.recomputeLocked(ws, [def.row.id], 'manual'));
    const own = runs.find((r) => r.segmentId === def.row.id)!;
    return { run: runView(own), dependents: runs.filter((r) => r !== own).map(runView) };
  }

  /**
   * Recomputes the dynamic segments whose rules read stored scores (RFM, lifecycle, value tier, CLV), after a
   * scores run or a CLV fit replaced them. Errors are logged: the caller's run has already committed.
   */
  async recomputeScoreDependent(ws: string): Promise<RunRecord[]> {
    try {
      const defs = (await this.engine.defs(this.store, ws)).filter((d) => d.deps?.scores);
      if (defs.length === 0) return [];
      return await this.engine.exclusive(ws, () => this.engine.recomputeLocked(ws, defs.map((d) => d.row.id), 'scores'));
    } catch (e) {
      this.engine.log(e, `recompute of score-based segments failed for workspace ${ws}`);
      return [];
    }
  }

  /** Replaces, appends to or removes from a static segment's list (member refs); unknown refs come back in not_found. */
  async upload(ws: string, ref: string, body: UploadBody) {
    return this.engine.exclusive(ws, async () => {
      const defs = await this.engine.defs(this.store, ws);
      const def = this.find(defs, ref);
      if (def.row.kind !== 'static') {
        throw new SiyuError('conflict', 'segment.not_static', `Segment ${def.row.name} is dynamic: its members follow its rule; upload lists to a static segment`, { field: 'ref' });
      }
      const { memberIds, notFound: missing } = await this.resolveRefs(ws, body.members);
      const r = await this.store.transaction((tx) => this.engine.uploadIn(tx, ws, def.row.id, memberIds, body.mode));
      if (r.lists) this.engine.emitLists(r.key, r.lists, 'upload');
      else await this.engine.announce(r.key, r.run, 'upload');
      await this.recomputeDependents(ws, def.row.id);
      return {
        segment_id: def.row.id,
        mode: body.mode,
        requested: body.members.length,
        matched: memberIds.length,
        entered: r.run.entered,
        exited: r.run.exited,
        member_count: r.run.memberCount,
        not_found_count: missing.length,
        not_found: missing.slice(0, NOT_FOUND_SHOWN),
      };
    });
  }

  // ---- scheduling and lifecycle ----

  /** Recomputes every segment whose schedule is due at `now` (and the segments reading them). Returns the runs. */
  async runScheduled(now = new Date()): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    for (const ws of await segmentsRepo.workspacesWithDynamic(this.store)) {
      try {
        const tz = await this.engine.timezone(ws);
        const due = (await this.engine.defs(this.store, ws)).filter((d) => {
          const cron = effectiveSchedule(d, this.defaultSchedule);
          return cron !== null && isDue(cron, d.row.last_computed_at ?? d.row.created_at, now, tz);
        });
        if (due.length > 0) out.push(...(await this.engine.exclusive(ws, () => this.engine.recomputeLocked(ws, due.map((d) => d.row.id), 'schedule'))));
      } catch (e) {
        this.engine.log(e, `scheduled segment recompute failed for workspace ${ws}`);
      }
    }
    return out;
  }

  /** Starts scheduled recomputes (the server process only). */
  startScheduler(): void {
    this.scheduler.start();
  }

  get schedulerRunning(): boolean {
    return this.scheduler.running;
  }

  /** Waits until every queued realtime change has been evaluated (tests, benchmarks, shutdown). */
  flushRealtime(): Promise<void> {
    return this.queue.flush();
  }

  /** Stops the scheduler and the change subscription, finishing queued realtime work. */
  async close(): Promise<void> {
    this.scheduler.stop();
    this.unsubscribe();
    await this.queue.close();
  }

  // ---- helpers ----

  private async def(ws: string, ref: string): Promise<SegmentDef> {
    const row = await segmentsRepo.get(this.store, ws, ref);
    if (!row) throw segmentNotFound(ref);
    return this.engine.defOf(ws, row);
  }

  private find(defs: SegmentDef[], ref: string): SegmentDef {
    const def = defs.find((d) => d.row.id === ref) ?? defs.find((d) => d.row.name === ref);
    if (!def) throw segmentNotFound(ref);
    return def;
  }

  private async resolveRefs(ws: string, refs: string[]) {
    const ids = await this.deps.refs.resolveMany(this.store, ws, refs);
    const notFoundRefs = [...new Set(refs.filter((_, i) => ids[i] === null))];
    const memberIds = [...new Set(ids.filter((id): id is string => id !== null))];
    return { memberIds, notFound: notFoundRefs };
  }

  /** After a segment's membership changed in full: recompute the segments that read it (inside the lock). */
  private async recomputeDependents(ws: string, id: string) {
    const defs = await this.engine.defs(this.store, ws);
    const readers = dependentsOf(readsOf(defs.map(nodeOf)), [id]);
    if (readers.size > 0) await this.engine.recomputeLocked(ws, [...readers], 'dependency');
  }
}
