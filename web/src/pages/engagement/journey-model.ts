// The journey definition as the editor holds it (plain JSON, as docs/journeys.md describes it) and the pure edits
// on it: where each step leads (one handle per exit), linking and unlinking, adding, renaming and removing steps, a
// layered layout for the canvas, and mapping a server error's field (`definition.steps.remind.next`) to its node.

export const STEP_TYPES = ['wait', 'wait_event', 'condition', 'split', 'send', 'issue_coupon', 'grant_points', 'add_tag', 'remove_tag', 'set_attribute', 'staff_task', 'exit'] as const;
export type StepType = (typeof STEP_TYPES)[number];
export const TRIGGER_TYPES = ['event', 'segment', 'date', 'schedule', 'order'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
export const FILTER_OPS = ['exists', 'missing', 'eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte'] as const;

export interface Filter { property: string; op: string; value?: unknown }
export type Step = { type: StepType; name?: string } & Record<string, unknown>;
export type Trigger = { type: TriggerType } & Record<string, unknown>;
export interface JourneyDef {
  trigger: Trigger;
  entry?: { reentry?: string; key?: string };
  goal?: Record<string, unknown>;
  holdout?: number;
  start: string;
  steps: Record<string, Step>;
}

/** The canvas id of the trigger node (not a valid step id: step ids have no colons). */
export const TRIGGER_NODE = 'trigger:';

export interface ApiJourney {
  id: string; name: string; description: string | null; status: string; version: number; template: string | null;
  draft: unknown; definition: unknown; live_since: string | null; created_at: string; updated_at?: string; published_at: string | null;
}
export interface JourneyPlay { id: string; name: string; name_zh: string; description: string; params: Array<{ name: string; description: string; required: boolean; default?: string | number }>; example: unknown }
export interface StrandedStep { version: number; step_id: string; members: number }

export function emptyDefinition(): JourneyDef {
  return { trigger: { type: 'event', event: '', where: [] }, entry: { reentry: 'after_exit' }, holdout: 0, start: '', steps: {} };
}

/** Reads a stored draft into the editor's shape (tolerating partial drafts). */
export function asDefinition(raw: unknown): JourneyDef {
  const d = (raw && typeof raw === 'object' ? raw : {}) as Partial<JourneyDef>;
  const base = emptyDefinition();
  return {
    ...base,
    ...d,
    trigger: (d.trigger && typeof d.trigger === 'object' ? d.trigger : base.trigger) as Trigger,
    steps: (d.steps && typeof d.steps === 'object' ? d.steps : {}) as Record<string, Step>,
    start: typeof d.start === 'string' ? d.start : '',
  };
}

/** What the API is sent: empty optional parts left out. */
export function toApi(def: JourneyDef): Record<string, unknown> {
  const out: Record<string, unknown> = { trigger: def.trigger, start: def.start, steps: def.steps };
  if (def.entry && (def.entry.reentry || def.entry.key)) out.entry = Object.fromEntries(Object.entries(def.entry).filter(([, v]) => v !== undefined && v !== ''));
  if (def.goal) out.goal = def.goal;
  if (def.holdout) out.holdout = def.holdout;
  return out;
}

export interface Exit {
  /** Handle id on the canvas and the path of the field holding the target: `next`, `then`, `branches.1.next`. */
  handle: string;
  /** Label key for single-purpose exits, or the branch name. */
  label: string;
  to?: string;
}

export function exitsOf(step: Step): Exit[] {
  const s = step as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  switch (step.type) {
    case 'exit':
      return [];
    case 'wait_event':
      return [{ handle: 'on_event', label: 'on_event', to: str(s.on_event) }, { handle: 'on_timeout', label: 'on_timeout', to: str(s.on_timeout) }];
    case 'condition':
      return [{ handle: 'then', label: 'then', to: str(s.then) }, { handle: 'else', label: 'else', to: str(s.else) }];
    case 'split':
      return ((s.branches as Array<{ name?: string; next?: string }>) ?? []).map((b, i) => ({ handle: `branches.${i}.next`, label: b.name || `#${i + 1}`, to: str(b.next) }));
    default:
      return [{ handle: 'next', label: 'next', to: str(s.next) }];
  }
}

/** The step with the exit `handle` pointing at `to` (or unlinked when `to` is undefined). */
export function withExit(step: Step, handle: string, to: string | undefined): Step {
  const m = /^branches\.(\d+)\.next$/.exec(handle);
  if (m) {
    const branches = [...((step.branches as Array<Record<string, unknown>>) ?? [])];
    const i = Number(m[1]);
    const b = { ...branches[i] };
    if (to) b.next = to;
    else delete b.next;
    branches[i] = b;
    return { ...step, branches };
  }
  const next = { ...step } as Record<string, unknown>;
  if (to) next[handle] = to;
  else delete next[handle];
  return next as Step;
}

export function link(def: JourneyDef, from: string, handle: string, to: string | undefined): JourneyDef {
  if (from === TRIGGER_NODE) return { ...def, start: to ?? '' };
  const step = def.steps[from];
  if (!step) return def;
  return { ...def, steps: { ...def.steps, [from]: withExit(step, handle, to) } };
}

/** True when `to` leads (directly or not) back to `from`: linking from → to would make a loop. */
export function wouldLoop(def: JourneyDef, from: string, to: string): boolean {
  if (from === TRIGGER_NODE) return false;
  const seen = new Set<string>();
  const stack = [to];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === from) return true;
    if (seen.has(id) || !def.steps[id]) continue;
    seen.add(id);
    for (const e of exitsOf(def.steps[id])) if (e.to) stack.push(e.to);
  }
  return false;
}

export function defaultStep(type: StepType): Step {
  switch (type) {
    case 'wait': return { type, duration: '1d' };
    case 'wait_event': return { type, event: 'Order Completed', where: [], timeout: '2h' };
    case 'condition': return { type, rule: { trait: 'order_count', op: '>=', value: 1 } };
    case 'split': return { type, branches: [{ name: 'A', weight: 50 }, { name: 'B', weight: 50 }] };
    case 'send': return { type, channel: '', template: '', purpose: 'marketing' };
    case 'issue_coupon': return { type, coupon: '' };
    case 'grant_points': return { type, points: 10 };
    case 'add_tag': case 'remove_tag': return { type, tag: '' };
    case 'set_attribute': return { type, attribute: '', value: '' };
    case 'staff_task': return { type, task: 'message', due_in_hours: 24 };
    case 'exit': return { type };
  }
}

export function newStepId(def: JourneyDef, type: StepType): string {
  for (let n = 1; ; n++) {
    const id = `${type}_${n}`;
    if (!def.steps[id]) return id;
  }
}

/**
 * Adds a step of `type`; when `after` names a step (or the trigger) with a free exit, the new step is linked there.
 * The first step of an empty journey becomes the start.
 */
export function addStep(def: JourneyDef, type: StepType, after?: string | null): { def: JourneyDef; id: string } {
  const id = newStepId(def, type);
  let next: JourneyDef = { ...def, steps: { ...def.steps, [id]: defaultStep(type) } };
  if (!next.start) next.start = id;
  else if (after === TRIGGER_NODE && !def.steps[def.start]) next.start = id;
  else if (after && def.steps[after]) {
    const free = exitsOf(def.steps[after]).find((e) => !e.to);
    if (free) next = link(next, after, free.handle, id);
  }
  return { def: next, id };
}

/** Removes a step and every link to it (the start moves to the step it led to, if one). */
export function removeStep(def: JourneyDef, id: string): JourneyDef {
  const gone = def.steps[id];
  if (!gone) return def;
  const steps: Record<string, Step> = {};
  for (const [sid, s] of Object.entries(def.steps)) {
    if (sid === id) continue;
    let step = s;
    for (const e of exitsOf(s)) if (e.to === id) step = withExit(step, e.handle, undefined);
    steps[sid] = step;
  }
  const start = def.start === id ? (exitsOf(gone).find((e) => e.to && steps[e.to])?.to ?? Object.keys(steps)[0] ?? '') : def.start;
  return { ...def, start, steps };
}

/** Renames a step id, keeping its place in the order and every link to it. */
export function renameStep(def: JourneyDef, from: string, to: string): JourneyDef {
  if (from === to || !def.steps[from] || def.steps[to]) return def;
  const steps: Record<string, Step> = {};
  for (const [sid, s] of Object.entries(def.steps)) {
    let step = s;
    for (const e of exitsOf(s)) if (e.to === from) step = withExit(step, e.handle, to);
    steps[sid === from ? to : sid] = step;
  }
  return { ...def, start: def.start === from ? to : def.start, steps };
}

export const STEP_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Canvas positions: the trigger on top, each step one row below the deepest step leading to it, and within a row
 * ordered by where its parents stand (so branches fan out under their step).
 */
export function layout(def: JourneyDef, size = { w: 240, h: 150 }): Record<string, { x: number; y: number }> {
  const ids = Object.keys(def.steps);
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) for (const e of exitsOf(def.steps[id])) if (e.to && preds.has(e.to)) preds.get(e.to)!.push(id);
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 1; // a loop in an unsaved draft: break it here
    visiting.add(id);
    const ps = preds.get(id) ?? [];
    const d = ps.length === 0 ? 1 : 1 + Math.max(...ps.map(depthOf));
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  // Breadth-first from the start gives a stable order for ties; unreachable steps come after.
  const order: string[] = [];
  const seen = new Set<string>();
  const queue = def.steps[def.start] ? [def.start] : [];
  while (queue.length) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    order.push(id);
    for (const e of exitsOf(def.steps[id])) if (e.to && def.steps[e.to]) queue.push(e.to);
  }
  for (const id of ids) if (!seen.has(id)) order.push(id);
  const rows = new Map<number, string[]>();
  for (const id of order) {
    const d = depthOf(id);
    rows.set(d, [...(rows.get(d) ?? []), id]);
  }
  const pos: Record<string, { x: number; y: number }> = { [TRIGGER_NODE]: { x: 0, y: 0 } };
  for (const d of [...rows.keys()].sort((a, b) => a - b)) {
    const row = rows.get(d)!;
    const key = (id: string) => {
      const xs = (preds.get(id) ?? []).map((p) => pos[p]?.x).filter((x): x is number => x !== undefined);
      if (xs.length === 0) return id === def.start ? 0 : Number.MAX_SAFE_INTEGER / 2;
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const sorted = [...row].sort((a, b) => key(a) - key(b) || order.indexOf(a) - order.indexOf(b));
    sorted.forEach((id, i) => (pos[id] = { x: (i - (sorted.length - 1) / 2) * size.w, y: d * size.h }));
  }
  return pos;
}

/** Where a server error points: `definition.steps.remind.next` → the step `remind`, field `next`. */
export function errorTarget(field: string | undefined): { node: string; field: string } | null {
  if (!field) return null;
  const m = /^definition\.steps\.([A-Za-z0-9_-]+)(?:[.[](.*))?$/.exec(field);
  if (m) return { node: m[1], field: m[2] ?? '' };
  const t = /^definition(?:\.(trigger|entry|goal|holdout|start|steps))?(?:[.[](.*))?$/.exec(field);
  if (t) return { node: TRIGGER_NODE, field: [t[1], t[2]].filter(Boolean).join('.') };
  return null;
}

/** A filter value typed in a text box: numbers for comparisons, lists for `in`, none for exists/missing. */
export function filterValue(op: string, raw: string): unknown {
  if (op === 'exists' || op === 'missing') return undefined;
  if (op === 'in') return raw.split(/[,，]/).map((s) => s.trim()).filter(Boolean).map((s) => (s !== '' && !Number.isNaN(Number(s)) ? Number(s) : s));
  if (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') return raw === '' ? undefined : Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
}

export function filterText(f: Filter): string {
  if (f.op === 'exists' || f.op === 'missing') return `${f.property} ${f.op}`;
  return `${f.property} ${f.op} ${Array.isArray(f.value) ? f.value.join(',') : String(f.value ?? '')}`;
}
