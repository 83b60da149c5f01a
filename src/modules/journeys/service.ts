// Journeys: definitions (draft → published versions), lifecycle (live, paused, archived), the engine and its
// triggers wired to the change feed and segment membership, the job kinds that keep it running, and the reads
// (stats per step, instances, a member's journeys, the standard plays).
import type { ChangeFeed } from '../../core/change-feed.ts';
import { invalid, notFound, SiyuError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { JobService } from '../jobs/service.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import type { MembershipListener } from '../segments/engine.ts';
import { parseDefinition } from './definition.ts';
import { JourneyEngine } from './engine.ts';
import { instanceAdmin } from './instance-admin.ts';
import type { InstanceRow } from './instance-repo.ts';
import { registerJourneyJobs, scheduleName, SWEEP_SCHEDULE } from './jobs.ts';
import { journeySource, unitHash } from './keys.ts';
import { ModuleEffects, type ModuleEffectsDeps } from './module-effects.ts';
import { pinDefinition, type PinDeps } from './pin.ts';
import { buildPlay, playViews } from './plays.ts';
import { journeysRepo, type JourneyRow } from './repo.ts';
import type { ErrorLogger } from './runner.ts';
import type { Definition, EnterBody, JourneyCreate, JourneyPatch, PublishBody } from './schema.ts';
import { journeyStats } from './stats.ts';
import { dailyCron } from './time.ts';
import { Triggers } from './triggers.ts';
import type { z } from 'zod';

export interface JourneysDeps extends Omit<ModuleEffectsDeps, 'now' | 'segmentId' | 'store' | 'changes'> {
  store: Store;
  jobs: JobService;
  changes: ChangeFeed;
  refs: MemberRefs;
  /** Member merges move active instances to the surviving member. */
  identity?: { onMerge(name: string, hook: (tx: SqlExecutor, ws: string, from: string, into: string) => Promise<number>): void };
  segments: { onMembershipChange(l: MembershipListener): () => void; get(ws: string, ref: string): Promise<{ id: string }> };
  templatesInfo: { get(ws: string, ref: string, version?: number): Promise<{ id: string; current_version: number; channels: string[] }> };
  couponTemplates: { getTemplate(ws: string, ref: string): Promise<{ id: string }> };
  /** The staff module for staff_task steps, looked up late (built after journeys); without it those steps fail softly. */
  staff?: ModuleEffectsDeps['staff'];
  /** Records holdout draws (the measurement module); without it holdouts are drawn by a stable local hash. */
  measurement?: () => { assignHoldout(ws: string, spec: { sourceKey: string; share: number; memberIds: string[] }, tx?: SqlExecutor): Promise<Set<string>> } | null | undefined;
  now?: () => Date;
  leaseMs?: number;
}

const iso = (d: Date) => d.toISOString();
const conflict = (code: string, message: string, field?: string, details?: unknown) => new SiyuError('conflict', code, message, { field, details });
const journeyNotFound = (ref: string) => notFound('journey.not_found', `No journey ${ref}`, 'id');

export class JourneyService {
  readonly engine: JourneyEngine;
  readonly triggers: Triggers;
  /** Test hooks: `beforePersist` runs after a round's side effects and before its positions are written. */
  readonly testHooks: { beforePersist?: (ws: string, ids: string[]) => void | Promise<void> } = {};
  private clock: () => Date;
  private log: ErrorLogger = (err, msg) => console.error(msg, err);
  private readonly unsubscribe: Array<() => void> = [];
  private readonly pinDeps: PinDeps;

  constructor(private readonly deps: JourneysDeps) {
    this.clock = deps.now ?? (() => new Date());
    const now = () => this.clock();
    const segmentId = async (ws: string, ref: string) => (await deps.segments.get(ws, ref)).id;
    const effects = new ModuleEffects({ ...deps, store: deps.store, changes: deps.changes, segmentId, now });
    this.engine = new JourneyEngine({
      store: deps.store, effects, now, timezoneOf: deps.timezoneOf, changes: deps.changes, leaseMs: deps.leaseMs,
      log: (e, m) => this.log(e, m),
      holdout: (ws, sourceKey, share, memberIds, tx) => this.holdout(ws, sourceKey, share, memberIds, tx),
      onBulk: (ws) => void this.helpers(ws, [1, 2].map((n) => ({ key: `help:${n}` }))),
      onSoonWake: (ws, at) => void this.helpers(ws, [{ key: `wake:${at.slice(0, 19)}`, runAt: at }]),
      beforePersist: (ws, ids) => this.testHooks.beforePersist?.(ws, ids),
    });
    this.triggers = new Triggers(deps.store, this.engine, deps.timezoneOf, (e, m) => this.log(e, m));
    this.unsubscribe.push(deps.changes.subscribe((c) => this.triggers.onData(c)));
    this.unsubscribe.push(deps.segments.onMembershipChange((c) => this.triggers.onSegment(c)));
    this.pinDeps = {
      segmentId,
      channel: async (ws, ref) => deps.messaging.getChannel(ws, ref),
      template: async (ws, ref, type, version) => {
        const t = await deps.templatesInfo.get(ws, ref, version);
        await deps.templates.compile(ws, t.id, { channel: type as never, version: version ?? t.current_version });
        return { id: t.id, version: version ?? t.current_version };
      },
      couponTemplate: async (ws, ref) => (await deps.couponTemplates.getTemplate(ws, ref)).id,
    };
    registerJourneyJobs(deps.jobs, this);
    deps.identity?.onMerge('journeys', (tx, ws, from, into) => instanceAdmin.moveOnMerge(tx, ws, from, into, iso(this.clock())));
  }

  setLogger(log: ErrorLogger): void {
    this.log = log;
  }

  /** Replaces the clock (tests and simulations move time to pass waits and timeouts). */
  useClock(now: () => Date): void {
    this.clock = now;
  }

  now(): Date {
    return this.clock();
  }

  // ---- definitions ----

  templates() {
    return playViews();
  }

  async create(ws: string, body: JourneyCreate) {
    let draft: unknown = body.definition;
    if (body.template !== undefined) {
      if (body.definition !== undefined) throw invalid('journey.definition_and_template', 'give either definition or template (with params), not both', 'definition');
      draft = buildPlay(body.template, body.params).definition;
    } else if (body.params !== undefined) throw invalid('journey.params_without_template', 'params fill a template: name one with template', 'params');
    if (draft === undefined) throw invalid('journey.definition_required', 'a journey needs a definition, or a template to build one', 'definition');
    parseDefinition(draft);
    if (await journeysRepo.byName(this.deps.store, ws, body.name)) throw new SiyuError('duplicate', 'journey.name_taken', `A journey named ${body.name} exists`, { field: 'name' });
    const id = newId('jny');
    await this.deps.store.transaction((tx) => journeysRepo.insert(tx, ws, { id, name: body.name, description: body.description ?? null, draft, template: body.template ?? null, now: iso(this.clock()) }));
    return this.get(ws, id);
  }

  async list(ws: string, q: { status?: string }) {
    const statuses = q.status ? q.status.split(',').map((s) => s.trim()) : null;
    return (await journeysRepo.list(this.deps.store, ws, statuses)).map((r) => this.view(r));
  }

  async get(ws: string, ref: string) {
    const j = await this.row(ws, ref);
    const published = j.version > 0 ? await journeysRepo.version(this.deps.store, ws, j.id, j.version) : null;
    return { ...this.view(j), definition: published?.definition ?? null };
  }

  async update(ws: string, ref: string, patch: JourneyPatch) {
    const j = await this.row(ws, ref);
    if (j.status === 'archived') throw conflict('journey.archived', `Journey ${j.name} is archived`, 'id');
    if (patch.definition !== undefined) parseDefinition(patch.definition);
    const name = patch.name ?? j.name;
    if (name !== j.name && (await journeysRepo.byName(this.deps.store, ws, name))) throw new SiyuError('duplicate', 'journey.name_taken', `A journey named ${name} exists`, { field: 'name' });
    await this.deps.store.transaction((tx) =>
      journeysRepo.update(tx, ws, j.id, { name, description: patch.description === undefined ? j.description : patch.description, draft: patch.definition ?? j.draft, now: iso(this.clock()) }),
    );
    return this.get(ws, j.id);
  }

  /** Deletes a journey never published; a published one is archived instead (its history stays). */
  async remove(ws: string, ref: string): Promise<void> {
    const j = await this.row(ws, ref);
    if (j.version > 0) throw conflict('journey.published', `Journey ${j.name} was published; archive it instead (its members' history stays)`, 'id');
    await this.deps.store.transaction((tx) => journeysRepo.remove(tx, ws, j.id));
  }

  async versions(ws: string, ref: string) {
    const j = await this.row(ws, ref);
    return { journey_id: j.id, current: j.version, data: await journeysRepo.versions(this.deps.store, ws, j.id) };
  }

  async version(ws: string, ref: string, version: number) {
    const j = await this.row(ws, ref);
    const v = await journeysRepo.version(this.deps.store, ws, j.id, version);
    if (!v) throw notFound('journey.version_not_found', `Journey ${j.name} has no version ${version}`, 'version');
    return { journey_id: j.id, ...v };
  }

  // ---- lifecycle ----

  /**
   * Publishes the draft as a new version: validated, references pinned. A draft journey goes live; a live or paused
   * one keeps its status and new entries take the new version, while members in flight stay on theirs — unless
   * `migrate`, which moves them, each step by the same id or by `mapping`; a step the new version drops and the
   * mapping does not place refuses the publish (nobody is stranded).
   */
  async publish(ws: string, ref: string, body: z.input<typeof PublishBody> = {}) {
    const migrate = body.migrate ?? false;
    const mapping = body.mapping ?? {};
    const j = await this.row(ws, ref);
    if (j.status === 'archived') throw conflict('journey.archived', `Journey ${j.name} is archived`, 'id');
    const def = parseDefinition(j.draft, { publish: true });
    for (const [from, to] of Object.entries(mapping)) {
      if (!migrate) throw invalid('journey.mapping_without_migrate', 'mapping places members in flight: send it with migrate: true', 'mapping');
      if (!def.steps[to]) throw invalid('journey.mapping_invalid', `mapping.${from}: the new version has no step "${to}"`, `mapping.${from}`);
    }
    const pinned = await pinDefinition(this.pinDeps, ws, def);
    const moves: { fromVersion: number; from: string; into: string; keepWait: boolean }[] = [];
    if (migrate && j.version > 0) {
      const stranded: { version: number; step_id: string; members: number }[] = [];
      for (const o of await instanceAdmin.occupied(this.deps.store, ws, j.id)) {
        const into = mapping[o.step_id] ?? (pinned.steps[o.step_id] ? o.step_id : null);
        if (!into) {
          stranded.push({ version: o.version, step_id: o.step_id, members: o.n });
          continue;
        }
        const old = (await this.engine.live.definition(ws, j.id, o.version)).steps[o.step_id];
        const next = pinned.steps[into];
        const keepWait = old?.type === next.type && (old.type !== 'wait_event' || (next.type === 'wait_event' && old.event === next.event));
        moves.push({ fromVersion: o.version, from: o.step_id, into, keepWait });
      }
      if (stranded.length > 0) {
        const list = stranded.map((s) => `"${s.step_id}" (version ${s.version}, ${s.members} member${s.members === 1 ? '' : 's'})`).join(', ');
        throw conflict('journey.publish_would_strand', `Members stand on steps the new version drops: ${list}. Map each to a step of the new version with mapping: {"<old step>": "<new step>"}, or publish without migrate (they finish on their version)`, 'mapping', stranded);
      }
    }
    const now = iso(this.clock());
    const version = j.version + 1;
    const status = j.status === 'draft' ? 'live' : j.status;
    const migrated = await this.deps.store.transaction(async (tx) => {
      await journeysRepo.publish(tx, ws, j.id, { version, definition: pinned, status, now, liveSince: j.status === 'draft' ? now : null });
      let n = 0;
      for (const m of moves) n += await instanceAdmin.migrate(tx, ws, j.id, { ...m, version, now });
      return n;
    });
    this.engine.live.invalidate(ws);
    await this.syncJobs(ws, j.id, pinned, status);
    return { ...(await this.get(ws, j.id)), migrated };
  }

  async pause(ws: string, ref: string) {
    const j = await this.row(ws, ref);
    if ((await journeysRepo.setStatus(this.deps.store, ws, j.id, ['live'], 'paused', iso(this.clock()), null)) === 0) throw conflict('journey.not_live', `Journey ${j.name} is ${j.status}, not live`, 'id');
    this.engine.live.invalidate(ws);
    return this.get(ws, j.id);
  }

  /** Resumes a paused journey: instances continue; triggers count from now (what happened while paused enters nobody). */
  async resume(ws: string, ref: string) {
    const j = await this.row(ws, ref);
    const now = iso(this.clock());
    if ((await journeysRepo.setStatus(this.deps.store, ws, j.id, ['paused'], 'live', now, now)) === 0) throw conflict('journey.not_paused', `Journey ${j.name} is ${j.status}, not paused`, 'id');
    this.engine.live.invalidate(ws);
    await this.syncJobs(ws, j.id, await this.engine.live.definition(ws, j.id, j.version), 'live');
    return this.get(ws, j.id);
  }

  /** Archives a journey: no more entries, members in flight exit (logged as archived at their step). */
  async archive(ws: string, ref: string) {
    const j = await this.row(ws, ref);
    if (j.status === 'archived') return this.get(ws, j.id);
    const now = iso(this.clock());
    const ended = await this.deps.store.transaction(async (tx) => {
      await journeysRepo.setStatus(tx, ws, j.id, ['draft', 'live', 'paused'], 'archived', now, null);
      return instanceAdmin.endAll(tx, ws, j.id, 'archived', 'archived', now);
    });
    this.engine.live.invalidate(ws);
    await this.deps.jobs.deleteSchedule(ws, scheduleName(j.id)).catch(() => undefined);
    return { ...(await this.get(ws, j.id)), ended };
  }

  // ---- reads ----

  async stats(ws: string, ref: string, q: { version?: number }) {
    const j = await this.row(ws, ref);
    const v = q.version ?? (j.version > 0 ? j.version : null);
    const def = v ? await this.engine.live.definition(ws, j.id, v) : null;
    return { name: j.name, status: j.status, current_version: j.version, ...(await journeyStats(this.deps.store, ws, j.id, def, q.version ?? null)) };
  }

  async instances(ws: string, ref: string, q: { state?: string; member?: string; step?: string; limit: number; cursor?: string }) {
    const j = await this.row(ws, ref);
    const memberId = q.member ? await this.deps.refs.resolveOne(this.deps.store, ws, q.member) : undefined;
    const rows = await instanceAdmin.list(this.deps.store, ws, { journeyId: j.id, memberId, states: q.state?.split(','), step: q.step, before: q.cursor, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    return { journey_id: j.id, data: page.map(instanceView), next_cursor: rows.length > q.limit ? page[page.length - 1].id : null };
  }

  /** Every journey instance of a member, newest first, with the journey's name. */
  async memberJourneys(ws: string, ref: string) {
    const memberId = await this.deps.refs.resolveOne(this.deps.store, ws, ref);
    const rows = await instanceAdmin.list(this.deps.store, ws, { memberId, limit: 1000 });
    const names = new Map((await journeysRepo.list(this.deps.store, ws, null)).map((j) => [j.id, j.name]));
    return { member_id: memberId, data: rows.map((r) => ({ ...instanceView(r), journey_name: names.get(r.journey_id) ?? null })) };
  }

  // ---- operations ----

  /** Enters members by hand (any trigger type), under the journey's re-entry rule, and runs them at once. */
  async enter(ws: string, ref: string, body: z.infer<typeof EnterBody>) {
    const j = await this.row(ws, ref);
    if (j.status !== 'live') throw conflict('journey.not_live', `Journey ${j.name} is ${j.status}: only a live journey takes entries`, 'id');
    const ids = await this.deps.refs.resolveMany(this.deps.store, ws, body.members);
    const notFoundRefs = body.members.filter((_, i) => ids[i] === null);
    const key = `m:${newId('jm')}`;
    const at = iso(this.clock());
    const members = [...new Set(ids.filter((x): x is string => x !== null))];
    const r = await this.engine.enterAndRun(ws, j.id, members.map((m) => ({ memberId: m, entryKey: key, instanceKey: '', anchorAt: at, context: { entry: { source: 'manual', ts: at, ...(body.properties ? { properties: body.properties } : {}) } } })));
    return { journey_id: j.id, requested: body.members.length, entered: r.instances.length, held_out: r.held, skipped: r.skipped, not_found: notFoundRefs };
  }

  /** Runs the catch-up sweep and everything due now in this workspace (what the jobs do continuously). */
  async run(ws: string) {
    const sweep = await this.triggers.sweep(ws);
    const due = await this.engine.runDue(ws);
    return { sweep, due: { processed: due.processed, steps: due.steps, goals: due.goals } };
  }

  /** Waits until queued trigger work is done (tests, benchmarks, shutdown). */
  idle(): Promise<void> {
    return this.triggers.idle();
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.triggers.idle();
  }

  // ---- helpers ----

  /** Keeps a live journey's jobs: the workspace pump and sweep schedule, and its own tick schedule (date, schedule). */
  private async syncJobs(ws: string, journeyId: string, def: Definition, status: string): Promise<void> {
    if (status === 'live') {
      await this.deps.jobs.schedule(ws, { name: SWEEP_SCHEDULE, cron: '* * * * *', kind: 'journeys.sweep', payload: {} });
      await this.deps.jobs.enqueue(ws, { kind: 'journeys.pump', key: 'pump', payload: {} });
    }
    const t = def.trigger;
    if (t.type === 'date' || t.type === 'schedule') {
      const cron = t.type === 'date' ? dailyCron(t.at) : t.cron;
      await this.deps.jobs.schedule(ws, { name: scheduleName(journeyId), cron, kind: 'journeys.tick', payload: { journeyId }, ...(t.type === 'schedule' && t.timezone ? { timezone: t.timezone } : {}) });
    } else await this.deps.jobs.deleteSchedule(ws, scheduleName(journeyId)).catch(() => undefined);
  }

  /** Enqueues helper runs of due instances (other workers join a bulk; a short wait is woken on time). */
  private async helpers(ws: string, specs: { key: string; runAt?: string }[]): Promise<void> {
    try {
      await this.deps.jobs.enqueueMany(ws, specs.map((s) => ({ kind: 'journeys.run', key: s.key, payload: {}, ...(s.runAt ? { runAt: s.runAt } : {}) })));
    } catch (e) {
      this.log(e, 'journeys: enqueueing helper runs failed; the pump catches up');
    }
  }

  private async holdout(ws: string, sourceKey: string, share: number, memberIds: string[], tx: SqlExecutor): Promise<Set<string>> {
    const m = this.deps.measurement?.();
    if (m) return m.assignHoldout(ws, { sourceKey, share, memberIds }, tx);
    return new Set(memberIds.filter((id) => unitHash(`${sourceKey}:${id}`) < share));
  }

  private async row(ws: string, ref: string): Promise<JourneyRow> {
    const j = await journeysRepo.get(this.deps.store, ws, ref);
    if (!j) throw journeyNotFound(ref);
    return j;
  }

  private view(j: JourneyRow) {
    return {
      id: j.id, name: j.name, description: j.description, status: j.status, version: j.version, template: j.template, draft: j.draft,
      source_key: journeySource(j.id), live_since: j.live_since, created_at: j.created_at, updated_at: j.updated_at, published_at: j.published_at,
    };
  }
}

export function instanceView(r: InstanceRow) {
  return {
    id: r.id, journey_id: r.journey_id, version: r.version, member_id: r.member_id, instance_key: r.instance_key || null, entry_seq: r.entry_seq,
    state: r.state, step_id: r.step_id, steps_done: r.seq, wake_at: r.wake_at, wait_until: r.wait_until, wait_event: r.wait_event,
    attempts: r.attempts, last_error: r.last_error, context: r.context, entered_at: r.entered_at, ended_at: r.ended_at,
  };
}
