// Validates a journey definition with errors that point at the node (`definition.steps.remind.next: …`): shape by
// zod part by part, segment rules by the segment rule parser, then the graph — every reference names a step, no
// cycles, and (for publishing) every step reachable from the start. Pure.
import type { z } from 'zod';
import { invalid } from '../../core/errors.ts';
import { parseRule } from '../segments/rules/index.ts';
import { EntrySchema, GoalSchema, StepSchema, STEP_ID_PATTERN, TriggerSchema, type Definition, type Goal, type Step } from './schema.ts';

export const DEFINITION_INVALID = 'journey.definition_invalid';
const TOP_KEYS = ['trigger', 'entry', 'goal', 'holdout', 'start', 'steps'];
const MAX_STEPS = 200;

const fail = (field: string, what: string): never => {
  throw invalid(DEFINITION_INVALID, `${field}: ${what}`, field);
};

/** `definition` + ['steps', 'a', 'next'] → `definition.steps.a.next`; list indexes as `[1]`. */
function joinPath(base: string, segments: readonly PropertyKey[]): string {
  let out = base;
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : `.${String(s)}`;
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** zod parse of one part; the first (deepest) issue becomes the error at its full path. */
function part<T extends z.ZodType>(schema: T, raw: unknown, path: string): z.output<T> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  let issue = r.error.issues[0] as z.core.$ZodIssue;
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // The branch that got furthest into the input says most.
    let best: z.core.$ZodIssue | undefined;
    for (const branch of issue.errors) for (const i of branch) if (!best || i.path.length > best.path.length) best = i;
    if (best) issue = { ...best, path: [...issue.path, ...best.path] } as z.core.$ZodIssue;
  }
  if (issue.code === 'unrecognized_keys') return fail(joinPath(path, [...issue.path, issue.keys[0]]), `unknown key "${issue.keys[0]}"`);
  return fail(joinPath(path, issue.path), issue.message);
}

/** Parses a segment rule at `path`, re-raised as a definition error with the same pointer. */
function rule(raw: unknown, path: string): void {
  try {
    parseRule(raw, path);
  } catch (e) {
    const err = e as { message?: string; field?: string };
    throw invalid(DEFINITION_INVALID, err.message ?? String(e), err.field ?? path);
  }
}

/** The step ids a step leads to, with the field naming each. */
export function exitsOf(step: Step): { field: (string | number)[]; to: string }[] {
  const out: { field: (string | number)[]; to: string }[] = [];
  const add = (field: (string | number)[], to: string | undefined) => to !== undefined && out.push({ field, to });
  switch (step.type) {
    case 'wait_event':
      add(['on_event'], step.on_event);
      add(['on_timeout'], step.on_timeout);
      break;
    case 'condition':
      add(['then'], step.then);
      add(['else'], step.else);
      break;
    case 'split':
      step.branches.forEach((b, i) => add(['branches', i, 'next'], b.next));
      break;
    case 'exit':
      break;
    default:
      add(['next'], step.next);
  }
  return out;
}

/**
 * Validates a definition. `publish` adds the checks a draft may still fail: every step reachable from the start.
 * @example parseDefinition({ trigger: { type: 'event', event: 'Signed Up' }, start: 'hi', steps: { hi: { type: 'exit' } } })
 */
export function parseDefinition(raw: unknown, opts: { path?: string; publish?: boolean } = {}): Definition {
  const path = opts.path ?? 'definition';
  if (!isObject(raw)) return fail(path, 'expected an object with trigger, start and steps');
  for (const k of Object.keys(raw)) if (!TOP_KEYS.includes(k)) fail(joinPath(path, [k]), `unknown key "${k}"; expected ${TOP_KEYS.join(', ')}`);
  if (raw.trigger === undefined) fail(joinPath(path, ['trigger']), 'a journey needs a trigger');
  const trigger = part(TriggerSchema, raw.trigger, joinPath(path, ['trigger']));
  const entry = part(EntrySchema, raw.entry ?? {}, joinPath(path, ['entry']));
  // Order triggers expose the order's fields as entry properties (order_id, amount, channel…), like an entry event.
  const hasEntryProps = trigger.type === 'event' || trigger.type === 'order';
  if (entry.key !== undefined && !hasEntryProps) fail(joinPath(path, ['entry', 'key']), 'an entry key is read from the entry event or order: only event and order triggers take one');

  let goal: Goal | undefined;
  if (raw.goal !== undefined) {
    goal = part(GoalSchema, raw.goal, joinPath(path, ['goal'])) as Goal;
    if ('rule' in goal) rule(goal.rule, joinPath(path, ['goal', 'rule']));
    else if ('event' in goal && goal.match && !hasEntryProps) fail(joinPath(path, ['goal', 'match']), 'match compares with the entry event: only event and order triggers take it');
  }
  const holdout = raw.holdout === undefined ? 0 : raw.holdout;
  if (typeof holdout !== 'number' || !(holdout >= 0 && holdout <= 0.9)) fail(joinPath(path, ['holdout']), 'holdout is a share between 0 and 0.9');

  if (!isObject(raw.steps)) return fail(joinPath(path, ['steps']), 'steps is an object of steps keyed by step id');
  const ids = Object.keys(raw.steps);
  if (ids.length === 0) fail(joinPath(path, ['steps']), 'a journey needs at least one step');
  if (ids.length > MAX_STEPS) fail(joinPath(path, ['steps']), `a journey has at most ${MAX_STEPS} steps`);
  const steps: Record<string, Step> = {};
  for (const id of ids) {
    const at = joinPath(path, ['steps', id]);
    if (!STEP_ID_PATTERN.test(id)) fail(at, 'step ids are 1–64 letters, digits, _ or -');
    const s = part(StepSchema, raw.steps[id], at);
    if (s.type === 'condition') rule(s.rule, joinPath(at, ['rule']));
    if (s.type === 'wait_event' && s.match && !hasEntryProps) fail(joinPath(at, ['match']), 'match compares with the entry event: only event and order triggers take it');
    steps[id] = s;
  }
  if (typeof raw.start !== 'string') return fail(joinPath(path, ['start']), 'start names the first step');
  if (!steps[raw.start]) fail(joinPath(path, ['start']), `no step "${raw.start}"; steps are ${ids.join(', ')}`);
  for (const id of ids) {
    for (const e of exitsOf(steps[id])) if (!steps[e.to]) fail(joinPath(path, ['steps', id, ...e.field]), `no step "${e.to}"`);
  }
  checkAcyclic(steps, path);
  if (opts.publish) {
    const reached = reachable(steps, raw.start);
    const lost = ids.find((id) => !reached.has(id));
    if (lost) fail(joinPath(path, ['steps', lost]), `step "${lost}" cannot be reached from the start; link it or remove it`);
  }
  return { trigger, entry, ...(goal ? { goal } : {}), holdout: holdout as number, start: raw.start, steps };
}

/** Step ids reachable from `start`. */
export function reachable(steps: Record<string, Step>, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id) || !steps[id]) continue;
    seen.add(id);
    for (const e of exitsOf(steps[id])) stack.push(e.to);
  }
  return seen;
}

/** Journeys run forwards: a loop would repeat side effects without end, so a reference back is refused. */
function checkAcyclic(steps: Record<string, Step>, path: string): void {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string): void => {
    state.set(id, 'open');
    for (const e of exitsOf(steps[id])) {
      const s = state.get(e.to);
      if (s === 'open') fail(joinPath(path, ['steps', id, ...e.field]), `"${e.to}" leads back here: journeys may not loop`);
      if (s === undefined) visit(e.to);
    }
    state.set(id, 'done');
  };
  for (const id of Object.keys(steps)) if (!state.has(id)) visit(id);
}

/** The property names a wait_event step matches on: its own list, else the entry key. */
export function matchOf(def: Definition, step: { match?: string[] }): string[] {
  return step.match ?? (def.entry.key ? [def.entry.key] : []);
}
