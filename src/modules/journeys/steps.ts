// Executes one step for a group of instances standing on it (same journey version and step), batching what can be
// batched (one delivery per source key, one rule query, one event query, one tag write). Each result says where
// the instance goes; the runner writes positions. Side effects carry keys derived from (instance, step, seq), so a
// step run again after a crash does nothing twice.
import { isSiyuError } from '../../core/errors.ts';
import { matchesFilters, propertyAt, type PropertyFilter } from '../../core/loyalty/tracked-events.ts';
import type { Effects } from './effects.ts';
import type { InstanceContext, InstanceRow } from './instance-repo.ts';
import { effectKey, pickBranch, sendSourceKey } from './keys.ts';
import type { EventRow } from './member-data.ts';
import { matchOf } from './definition.ts';
import type { Definition, Step, StepOf } from './schema.ts';
import { durationMs, nextLocalTime } from './time.ts';

export type StepResult =
  /** Done with this step: go to `to` (null: the journey is complete). */
  | { kind: 'next'; to: string | null; outcome: string; detail?: Record<string, unknown>; context?: InstanceContext; anchorAt?: string }
  /** Stay on the step until `wakeAt` (a wait, a wait for an event with its deadline). */
  | { kind: 'wait'; wakeAt: string; waitUntil: string; waitEvent: string | null }
  /** Not now (quiet hours, a send still in flight): run the step again at `at`. */
  | { kind: 'retry'; at: string; outcome: string }
  /** An exit step. */
  | { kind: 'end'; outcome: string };

export interface StepEnv {
  ws: string;
  journeyId: string;
  def: Definition;
  now: Date;
  tz: string;
  effects: Effects;
  /** Track events of members with these names received since `since` (ISO). */
  events(memberIds: string[], names: string[], since: string): Promise<EventRow[]>;
}

/** Events count for a wait from the anchor on; the received_at bound reaches this far back for clock skew. */
export const EVENT_SKEW_MS = 86_400_000;
const RETRY_IN_FLIGHT_MS = 60_000;

const iso = (ms: number) => new Date(ms).toISOString();

/** Whether an event answers a wait or goal: its name, filters and matched entry properties, at or after `since`. */
export function eventMatches(e: EventRow, o: { name: string; where: PropertyFilter[]; match: string[]; entry: Record<string, unknown> | undefined; since: string; until?: string; exclude?: string }): boolean {
  if (e.name !== o.name || e.message_id === o.exclude) return false;
  if (!(e.ts >= o.since || e.received_at >= o.since)) return false;
  if (o.until && !(e.ts <= o.until || e.received_at <= o.until)) return false;
  if (!matchesFilters(o.where, e.properties)) return false;
  for (const p of o.match) {
    const want = propertyAt(o.entry, p);
    if (want === undefined || want === null || String(propertyAt(e.properties, p)) !== String(want)) return false;
  }
  return true;
}

/** The step `step` of every instance in `group`, as one batch. */
export async function runStep(env: StepEnv, stepId: string, step: Step, group: InstanceRow[]): Promise<Map<string, StepResult>> {
  switch (step.type) {
    case 'wait':
      return new Map(group.map((i) => [i.id, waitStep(env, step, i)]));
    case 'wait_event':
      return waitEventStep(env, step, group);
    case 'condition': {
      const held = await env.effects.ruleMembers(env.ws, step.rule, [...new Set(group.map((i) => i.member_id))], env.now);
      return new Map(group.map((i) => {
        const yes = held.has(i.member_id);
        return [i.id, { kind: 'next', to: (yes ? step.then : step.else) ?? null, outcome: yes ? 'then' : 'else', context: branch(i, stepId, yes ? 'then' : 'else') }];
      }));
    }
    case 'split':
      return new Map(group.map((i) => {
        const b = step.branches[pickBranch(step.branches, `${i.id}:${stepId}:${i.seq}`)];
        return [i.id, { kind: 'next', to: b.next ?? null, outcome: `branch:${b.name}`, context: branch(i, stepId, b.name) }];
      }));
    case 'send':
      return sendStep(env, stepId, step, group);
    case 'issue_coupon':
      return perInstance(group, async (i) => {
        try {
          const coupon = await env.effects.issueCoupon(env.ws, step.coupon, i.member_id, effectKey(i.id, stepId, i.seq));
          return { kind: 'next', to: step.next ?? null, outcome: 'issued', detail: { coupon_id: coupon.id, code: coupon.code }, context: { ...i.context, coupon } };
        } catch (e) {
          if (!isSiyuError(e)) throw e;
          return { kind: 'next', to: step.next ?? null, outcome: `failed:${e.code}`, detail: { message: e.message } };
        }
      });
    case 'grant_points':
      return perInstance(group, async (i) => {
        try {
          await env.effects.grantPoints(env.ws, i.member_id, step.points, effectKey(i.id, stepId, i.seq), step.reason ?? `journey ${env.journeyId}`);
          return { kind: 'next', to: step.next ?? null, outcome: 'granted', detail: { points: step.points } };
        } catch (e) {
          if (!isSiyuError(e)) throw e;
          return { kind: 'next', to: step.next ?? null, outcome: `failed:${e.code}`, detail: { message: e.message } };
        }
      });
    case 'add_tag':
    case 'remove_tag':
      await env.effects.tag(env.ws, step.tag, [...new Set(group.map((i) => i.member_id))], step.type === 'add_tag');
      return new Map(group.map((i) => [i.id, { kind: 'next', to: step.next ?? null, outcome: 'done' }]));
    case 'set_attribute':
      await env.effects.setAttribute(env.ws, [...new Set(group.map((i) => i.member_id))], step.attribute, step.value);
      return new Map(group.map((i) => [i.id, { kind: 'next', to: step.next ?? null, outcome: 'done' }]));
    case 'staff_task': {
      const due = new Date(env.now.getTime() + step.due_in_hours * 3_600_000).toISOString();
      const ids = await env.effects.staffTasks(env.ws, group.map((i) => ({
        memberId: i.member_id, type: step.task, script: step.script ?? null, dueAt: due, sourceKey: effectKey(i.id, stepId, i.seq),
      })));
      return new Map(group.map((i, k) => [i.id, ids
        ? { kind: 'next', to: step.next ?? null, outcome: 'task_created', detail: { task_id: ids[k] } }
        : { kind: 'next', to: step.next ?? null, outcome: 'failed:staff.unavailable', detail: { message: 'no staff module' } }]));
    }
    case 'exit':
      return new Map(group.map((i) => [i.id, { kind: 'end', outcome: 'exit' }]));
  }
}

function branch(i: InstanceRow, stepId: string, name: string): InstanceContext {
  return { ...i.context, branches: { ...(i.context.branches ?? {}), [stepId]: name } };
}

async function perInstance(group: InstanceRow[], fn: (i: InstanceRow) => Promise<StepResult>): Promise<Map<string, StepResult>> {
  const out = new Map<string, StepResult>();
  // A few at a time: each is its own transaction in the owning module.
  for (let k = 0; k < group.length; k += 8) {
    const slice = group.slice(k, k + 8);
    const results = await Promise.all(slice.map(fn));
    slice.forEach((i, j) => out.set(i.id, results[j]));
  }
  return out;
}

/** A wait: on arrival the deadline is set (duration, then the next local time of day); once it passes, move on. */
function waitStep(env: StepEnv, step: StepOf<'wait'>, i: InstanceRow): StepResult {
  const now = env.now.getTime();
  if (i.wait_until === null) {
    let until = now + (step.duration ? durationMs(step.duration)! : 0);
    if (step.until_time) until = nextLocalTime(until, step.until_time, env.tz);
    if (until > now) return { kind: 'wait', wakeAt: iso(until), waitUntil: iso(until), waitEvent: null };
  } else if (Date.parse(i.wait_until) > now) {
    return { kind: 'wait', wakeAt: i.wait_until, waitUntil: i.wait_until, waitEvent: null };
  }
  return { kind: 'next', to: step.next ?? null, outcome: 'waited', anchorAt: env.now.toISOString() };
}

/** A wait for an event (same key properties as the entry event) up to a timeout; checked against stored events. */
async function waitEventStep(env: StepEnv, step: StepOf<'wait_event'>, group: InstanceRow[]): Promise<Map<string, StepResult>> {
  const now = env.now.getTime();
  const deadline = (i: InstanceRow) => i.wait_until ?? iso(now + durationMs(step.timeout)!);
  const since = iso(Math.min(...group.map((i) => Date.parse(i.anchor_at))) - EVENT_SKEW_MS);
  const events = await env.events([...new Set(group.map((i) => i.member_id))], [step.event], since);
  const byMember = new Map<string, EventRow[]>();
  for (const e of events) byMember.set(e.member_id, [...(byMember.get(e.member_id) ?? []), e]);
  const match = matchOf(env.def, step);
  const out = new Map<string, StepResult>();
  for (const i of group) {
    const until = deadline(i);
    const hit = (byMember.get(i.member_id) ?? []).find((e) =>
      eventMatches(e, { name: step.event, where: step.where, match, entry: i.context.entry?.properties, since: i.anchor_at, until, exclude: i.context.entry?.message_id }));
    if (hit) out.set(i.id, { kind: 'next', to: step.on_event ?? null, outcome: 'event', detail: { message_id: hit.message_id }, anchorAt: env.now.toISOString() });
    else if (Date.parse(until) <= now) out.set(i.id, { kind: 'next', to: step.on_timeout ?? null, outcome: 'timeout', anchorAt: env.now.toISOString() });
    else out.set(i.id, { kind: 'wait', wakeAt: until, waitUntil: until, waitEvent: step.event });
  }
  return out;
}

/** Sends through the delivery pipeline: one call per shared source key (members on their first entry share one). */
async function sendStep(env: StepEnv, stepId: string, step: StepOf<'send'>, group: InstanceRow[]): Promise<Map<string, StepResult>> {
  const bySource = new Map<string, InstanceRow[]>();
  for (const i of group) {
    const key = sendSourceKey(env.journeyId, stepId, { instanceKey: i.instance_key, entrySeq: i.entry_seq, visit: i.context.visits?.[stepId] ?? 1 });
    bySource.set(key, [...(bySource.get(key) ?? []), i]);
  }
  const out = new Map<string, StepResult>();
  const next = step.next ?? null;
  for (const [sourceKey, members] of bySource) {
    const extras = new Map<string, Record<string, unknown>>();
    for (const i of members) if (i.context.coupon) extras.set(i.member_id, { coupon: i.context.coupon });
    const report = await env.effects.send(env.ws, {
      sourceKey, channel: step.channel, template: step.template, templateVersion: step.template_version, purpose: step.purpose,
      memberIds: members.map((i) => i.member_id), extras,
    });
    const byMember = new Map(report.outcomes.map((o) => [o.member_id, o]));
    for (const i of members) {
      const o = byMember.get(i.member_id);
      if (!o) out.set(i.id, { kind: 'next', to: next, outcome: 'skipped:unknown' });
      else if (o.status === 'sent') out.set(i.id, { kind: 'next', to: next, outcome: 'sent', detail: { send_id: o.send_id, source_key: sourceKey } });
      else if (o.status === 'failed') out.set(i.id, { kind: 'next', to: next, outcome: 'failed', detail: { send_id: o.send_id, code: o.code, source_key: sourceKey } });
      else if (o.status === 'skipped') out.set(i.id, { kind: 'next', to: next, outcome: `skipped:${o.reason}`, detail: o.detail ? { detail: o.detail } : undefined });
      else if (o.status === 'deferred') out.set(i.id, { kind: 'retry', at: o.retry_at, outcome: `deferred:${o.reason}` });
      else out.set(i.id, { kind: 'retry', at: o.retry_at ?? iso(env.now.getTime() + RETRY_IN_FLIGHT_MS), outcome: 'in_flight' });
    }
  }
  return out;
}
