// Moves claimed instances through their journeys: checks goals, then runs rounds — every instance standing on the
// same step runs it as one batch, then all positions and step-log rows of the round are written in one transaction,
// fenced on the seq each instance was read with — until each waits, ends or has gone MAX_ROUNDS steps. A crash
// between a round's effects and its write re-runs the round, whose effects are idempotent.
import type { Store } from '../../store/port.ts';
import type { Effects } from './effects.ts';
import { instancesRepo, type InstanceRow, type LogRow, type PositionWrite } from './instance-repo.ts';
import { memberData, type EventRow } from './member-data.ts';
import { orderGoalsMet } from './order-triggers.ts';
import type { Definition, Goal } from './schema.ts';
import { eventMatches, EVENT_SKEW_MS, runStep, type StepEnv, type StepResult } from './steps.ts';

export type ErrorLogger = (err: unknown, msg: string) => void;

export interface RunnerDeps {
  store: Store;
  effects: Effects;
  now(): Date;
  timezoneOf(ws: string): Promise<string>;
  /** A published definition (cached: versions never change). */
  definitionOf(ws: string, journeyId: string, version: number): Promise<Definition>;
  workerId: string;
  leaseMs: number;
  log: ErrorLogger;
  /** A wait ends soon (before the pump's next run): wake the workspace then. */
  onSoonWake?(ws: string, at: string): void;
  /** Test hook: after a round's side effects, before its positions are written (throw to simulate a crash). */
  beforePersist?(ws: string, instanceIds: string[]): void | Promise<void>;
}

/** A fenced position write that changed fewer rows than asked: rolled back and redone row by row. */
class PartialWrite extends Error {}

/** Steps one processing pass takes an instance at most (a journey has at most 200 steps and no loops). */
const MAX_ROUNDS = 201;
/** Failed attempts of a step before the instance ends as failed. */
export const MAX_ATTEMPTS = 5;
const backoffMs = (attempt: number) => Math.min(3_600_000, 30_000 * 2 ** (attempt - 1));

export interface ProcessResult {
  processed: number;
  /** Steps completed. */
  steps: number;
  goals: number;
}

export class Runner {
  constructor(private readonly d: RunnerDeps) {}

  /**
   * Processes instances this worker has claimed. `forced` instances run their step even before their wake time
   * (an awaited event arrived); the others that are not due only get their goal checked. Releases every lease.
   */
  async process(ws: string, claimed: InstanceRow[], forced: Set<string> = new Set()): Promise<ProcessResult> {
    const result: ProcessResult = { processed: claimed.length, steps: 0, goals: 0 };
    if (claimed.length === 0) return result;
    let leasedAt = Date.now();
    const held = new Map(claimed.map((i) => [i.id, i]));
    try {
      const defs = new Map<string, Definition>();
      const defOf = async (i: InstanceRow) => {
        const k = `${i.journey_id}|${i.version}`;
        let def = defs.get(k);
        if (!def) defs.set(k, (def = await this.d.definitionOf(ws, i.journey_id, i.version)));
        return def;
      };
      for (const i of claimed) await defOf(i);
      const now = this.d.now();

      const met = await this.goalsMet(ws, claimed, (i) => defs.get(`${i.journey_id}|${i.version}`)!, now);
      if (met.size > 0) {
        const writes: PositionWrite[] = [];
        const logs: LogRow[] = [];
        for (const i of claimed) {
          if (!met.has(i.id)) continue;
          writes.push(end(i, 'goal', now));
          logs.push(logOf(i, i.step_id ?? '', 'end', 'goal', null));
        }
        await this.persist(ws, writes, logs, now);
        for (const w of writes) held.delete(w.id);
        result.goals = met.size;
      }

      let active = claimed.filter((i) => !met.has(i.id) && (forced.has(i.id) || (i.wake_at !== null && Date.parse(i.wake_at) <= now.getTime())));
      const tz = active.length > 0 ? await this.d.timezoneOf(ws) : 'UTC';
      for (let round = 0; round < MAX_ROUNDS && active.length > 0; round++) {
        const t = this.d.now();
        if (Date.now() - leasedAt > this.d.leaseMs / 3) {
          await instancesRepo.renew(this.d.store, this.d.store, ws, this.d.workerId, [...held.keys()], new Date(t.getTime() + this.d.leaseMs).toISOString());
          leasedAt = Date.now();
        }
        const results = new Map<string, StepResult | Error>();
        const groups = new Map<string, InstanceRow[]>();
        for (const i of active) {
          const k = `${i.journey_id}|${i.version}|${i.step_id}`;
          groups.set(k, [...(groups.get(k) ?? []), i]);
        }
        for (const group of groups.values()) {
          const first = group[0];
          const def = await defOf(first);
          const step = def.steps[first.step_id ?? ''];
          try {
            if (!step) throw new Error(`step ${first.step_id} is not in version ${first.version} of journey ${first.journey_id}`);
            const env: StepEnv = { ws, journeyId: first.journey_id, def, now: t, tz, effects: this.d.effects, events: (m, n, s) => memberData.eventsOf(this.d.store, this.d.store, ws, m, n, s) };
            for (const [id, r] of await runStep(env, first.step_id!, step, group)) results.set(id, r);
          } catch (e) {
            this.d.log(e, `journeys: step ${first.step_id} of journey ${first.journey_id} failed for ${group.length} instance(s); retrying later`);
            for (const i of group) results.set(i.id, e instanceof Error ? e : new Error(String(e)));
          }
        }
        const writes: PositionWrite[] = [];
        const logs: LogRow[] = [];
        const moving: InstanceRow[] = [];
        const soon = new Set<string>();
        for (const i of active) {
          const def = await defOf(i);
          const r = results.get(i.id)!;
          const w = this.apply(i, def, r, t, logs);
          writes.push(w);
          if (!w.release) moving.push({ ...i, step_id: w.step_id, seq: w.seq, wake_at: w.wake_at, wait_until: null, wait_event: null, anchor_at: w.anchor_at, attempts: 0, last_error: null, context: w.context });
          // Whole seconds, rounded up: one wake job per second however many instances wait until then.
          if (!(r instanceof Error) && r.kind === 'wait' && Date.parse(r.wakeAt) - t.getTime() < 10_000) soon.add(new Date(Math.ceil(Date.parse(r.wakeAt) / 1000) * 1000).toISOString());
        }
        for (const at of soon) this.d.onSoonWake?.(ws, at);
        await this.d.beforePersist?.(ws, writes.map((w) => w.id));
        const written = await this.persist(ws, writes, logs, t);
        // Released by the write (waiting, ended), or no longer ours (another worker took it over).
        for (const w of writes) if (w.release || !written.has(w.id)) held.delete(w.id);
        result.steps += logs.filter((l) => written.has(l.instance_id) && l.step_type !== 'end').length;
        active = moving.filter((i) => written.has(i.id));
      }
      if (active.length > 0) {
        // Longer than MAX_ROUNDS: due again at once (another pass continues).
        const t = this.d.now().toISOString();
        await this.persist(ws, active.map((i) => ({ ...positionOf(i), wake_at: t, release: true })), [], this.d.now());
        for (const i of active) held.delete(i.id);
      }
    } finally {
      // Whatever is still held (not due, or a failure above): released for others, unmoved.
      if (held.size > 0) await instancesRepo.release(this.d.store, this.d.store, ws, this.d.workerId, [...held.keys()]).catch((e) => this.d.log(e, 'journeys: releasing leases failed; they expire'));
    }
    return result;
  }

  /** The position an instance takes after a step result (and the log row of a completed step). */
  private apply(i: InstanceRow, def: Definition, r: StepResult | Error, now: Date, logs: LogRow[]): PositionWrite {
    const t = now.toISOString();
    const base = positionOf(i);
    const stepType = def.steps[i.step_id ?? '']?.type ?? 'unknown';
    if (r instanceof Error) {
      const attempts = i.attempts + 1;
      const message = r.message.slice(0, 1000);
      if (attempts >= MAX_ATTEMPTS) {
        logs.push(logOf(i, i.step_id ?? '', stepType, 'error', { message }));
        return { ...end(i, 'failed', now), attempts, last_error: message };
      }
      return { ...base, attempts, last_error: message, wake_at: new Date(now.getTime() + backoffMs(attempts)).toISOString(), release: true };
    }
    switch (r.kind) {
      case 'wait':
        return { ...base, wake_at: r.wakeAt, wait_until: r.waitUntil, wait_event: r.waitEvent, release: true };
      case 'retry':
        return { ...base, wake_at: r.at, release: true };
      case 'end':
        logs.push(logOf(i, i.step_id ?? '', stepType, r.outcome, null));
        return { ...end(i, 'exited', now) };
      case 'next': {
        logs.push(logOf(i, i.step_id ?? '', stepType, r.outcome, r.detail ?? null));
        const context = r.context ?? i.context;
        if (r.to === null) return { ...end(i, 'completed', now), context, anchor_at: r.anchorAt ?? i.anchor_at };
        const visits = { ...(context.visits ?? {}), [r.to]: (context.visits?.[r.to] ?? 0) + 1 };
        return {
          ...base, step_id: r.to, seq: i.seq + 1, wake_at: t, wait_until: null, wait_event: null, anchor_at: r.anchorAt ?? i.anchor_at,
          attempts: 0, last_error: null, context: { ...context, visits }, release: false,
        };
      }
    }
  }

  /** Writes positions held by this worker and the step-log rows of those written; returns the ids written. */
  private async persist(ws: string, writes: PositionWrite[], logs: LogRow[], now: Date): Promise<Set<string>> {
    if (writes.length === 0) return new Set();
    const t = now.toISOString();
    const all = new Set(writes.map((w) => w.id));
    try {
      // Fast path: the fenced write changes every row (this worker still holds them all at the seq it read).
      return await this.d.store.transaction(async (tx) => {
        if ((await instancesRepo.writePositions(tx, this.d.store, ws, this.d.workerId, writes, t)) < writes.length) throw new PartialWrite();
        await instancesRepo.insertLog(tx, this.d.store, ws, logs, t);
        return all;
      });
    } catch (e) {
      if (!(e instanceof PartialWrite)) throw e;
    }
    // Some were taken over (their lease lapsed and another worker claimed them): write only those still held.
    return this.d.store.transaction(async (tx) => {
      const held = await instancesRepo.held(this.d.store, tx, ws, this.d.workerId, writes.map((w) => w.id));
      const mine = writes.filter((w) => held.get(w.id) === w.prev_seq);
      this.d.log(null, `journeys: ${writes.length - mine.length} instance(s) were taken over by another worker; their round is dropped`);
      const ids = new Set(mine.map((w) => w.id));
      await instancesRepo.writePositions(tx, this.d.store, ws, this.d.workerId, mine, t);
      await instancesRepo.insertLog(tx, this.d.store, ws, logs.filter((l) => ids.has(l.instance_id)), t);
      return ids;
    });
  }

  /**
   * Instances whose journey goal is met now: a goal event since they entered (matching entry properties if the
   * goal says so), a matching order paid since they entered, or the goal rule holding for the member.
   */
  async goalsMet(ws: string, rows: InstanceRow[], defOf: (i: InstanceRow) => Definition, now: Date): Promise<Set<string>> {
    const met = new Set<string>();
    const withGoal = rows.filter((i) => defOf(i).goal);
    if (withGoal.length === 0) return met;
    const eventGoals = withGoal.filter((i) => 'event' in defOf(i).goal!);
    if (eventGoals.length > 0) {
      const names = [...new Set(eventGoals.map((i) => (defOf(i).goal as Extract<Goal, { event: string }>).event))];
      const since = new Date(Math.min(...eventGoals.map((i) => Date.parse(i.entered_at))) - EVENT_SKEW_MS).toISOString();
      const events = await memberData.eventsOf(this.d.store, this.d.store, ws, [...new Set(eventGoals.map((i) => i.member_id))], names, since);
      const byMember = new Map<string, EventRow[]>();
      for (const e of events) byMember.set(e.member_id, [...(byMember.get(e.member_id) ?? []), e]);
      for (const i of eventGoals) {
        const def = defOf(i);
        const g = def.goal as Extract<Goal, { event: string }>;
        const match = g.match ?? [];
        // From the entry event on (it may share a batch with the goal event), else from the entry.
        const entryTs = i.context.entry?.ts;
        const since = entryTs && entryTs < i.entered_at ? entryTs : i.entered_at;
        if ((byMember.get(i.member_id) ?? []).some((e) => eventMatches(e, { name: g.event, where: g.where, match, entry: i.context.entry?.properties, since, exclude: i.context.entry?.message_id }))) met.add(i.id);
      }
    }
    for (const id of await orderGoalsMet(this.d.store, ws, withGoal, defOf)) met.add(id);
    const ruleGroups = new Map<string, InstanceRow[]>();
    for (const i of withGoal) if ('rule' in defOf(i).goal!) ruleGroups.set(`${i.journey_id}|${i.version}`, [...(ruleGroups.get(`${i.journey_id}|${i.version}`) ?? []), i]);
    for (const group of ruleGroups.values()) {
      const g = defOf(group[0]).goal as { rule: unknown };
      const yes = await this.d.effects.ruleMembers(ws, g.rule, [...new Set(group.map((i) => i.member_id))], now);
      for (const i of group) if (yes.has(i.member_id)) met.add(i.id);
    }
    return met;
  }
}

/** An instance's current position as a write (nothing changed yet). */
function positionOf(i: InstanceRow): PositionWrite {
  return {
    id: i.id, prev_seq: i.seq, state: i.state, step_id: i.step_id, seq: i.seq, wake_at: i.wake_at, wait_until: i.wait_until, wait_event: i.wait_event,
    anchor_at: i.anchor_at, attempts: i.attempts, last_error: i.last_error, context: i.context, ended_at: i.ended_at, release: true,
  };
}

function end(i: InstanceRow, state: 'completed' | 'exited' | 'goal' | 'failed', now: Date): PositionWrite {
  return { ...positionOf(i), state, seq: i.seq + 1, wake_at: null, wait_until: null, wait_event: null, ended_at: now.toISOString(), release: true };
}

function logOf(i: InstanceRow, stepId: string, stepType: string, outcome: string, detail: Record<string, unknown> | null): LogRow {
  return { instance_id: i.id, seq: i.seq + 1, journey_id: i.journey_id, version: i.version, member_id: i.member_id, step_id: stepId, step_type: stepType, outcome, detail };
}

