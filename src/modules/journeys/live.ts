// The live journeys of a workspace as the triggers see them, cached briefly: which event names enter members,
// which wake waiting members or end them by goal, which segments trigger entries. Publishing, pausing, resuming
// or archiving in this process clears the cache at once; other processes see a change within the TTL (and the
// entry transaction re-checks the journey's status under its lock anyway).
import type { Store } from '../../store/port.ts';
import { parseDefinition } from './definition.ts';
import { journeysRepo } from './repo.ts';
import type { Definition } from './schema.ts';

export interface LiveJourney {
  id: string;
  name: string;
  version: number;
  /** Triggers count what happens from here on (publish or resume). */
  liveSince: string;
  def: Definition;
}

export interface LiveSet {
  journeys: LiveJourney[];
  /** Event names that enter members into some journey (current versions). */
  triggerNames: Set<string>;
  /** Event names a wait_event step or an event goal of any published version listens for. */
  wakeNames: Set<string>;
  /** Some version has a goal rule: any change of member data may end instances. */
  ruleGoals: boolean;
  /** Per journey (any version): the goal event names and whether a goal rule or an order goal exists. */
  goals: Map<string, { events: Set<string>; rule: boolean; order: boolean }>;
  /** Some journey enters members on orders (current versions). */
  orderTriggers: boolean;
  /** Some version has an order goal: new orders may end instances. */
  orderGoals: boolean;
}

const TTL_MS = 2000;

export class LiveJourneys {
  private readonly cache = new Map<string, { at: number; set: Promise<LiveSet> }>();
  private readonly defs = new Map<string, Definition>();

  constructor(private readonly store: Store) {}

  /** A published definition; versions never change, so they are cached for the process's lifetime. */
  async definition(ws: string, journeyId: string, version: number): Promise<Definition> {
    const k = `${ws}|${journeyId}|${version}`;
    const hit = this.defs.get(k);
    if (hit) return hit;
    const v = await journeysRepo.version(this.store, ws, journeyId, version);
    if (!v) throw new Error(`journey ${journeyId} has no version ${version}`);
    const def = parseDefinition(v.definition);
    if (this.defs.size > 5000) this.defs.delete(this.defs.keys().next().value!);
    this.defs.set(k, def);
    return def;
  }

  get(ws: string): Promise<LiveSet> {
    const hit = this.cache.get(ws);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.set;
    const set = this.load(ws);
    this.cache.set(ws, { at: Date.now(), set });
    set.catch(() => this.cache.delete(ws));
    return set;
  }

  invalidate(ws: string): void {
    this.cache.delete(ws);
  }

  private async load(ws: string): Promise<LiveSet> {
    const rows = await journeysRepo.live(this.store, ws);
    const out: LiveSet = { journeys: [], triggerNames: new Set(), wakeNames: new Set(), ruleGoals: false, goals: new Map(), orderTriggers: false, orderGoals: false };
    for (const r of rows) {
      const def = await this.definition(ws, r.id, r.version);
      out.journeys.push({ id: r.id, name: r.name, version: r.version, liveSince: new Date(r.live_since ?? r.published_at ?? r.created_at).toISOString(), def });
      if (def.trigger.type === 'event') out.triggerNames.add(def.trigger.event);
      if (def.trigger.type === 'order') out.orderTriggers = true;
      // Instances may still stand on older versions: their waits and goals count too.
      const goals = { events: new Set<string>(), rule: false, order: false };
      for (let v = 1; v <= r.version; v++) {
        const d = v === r.version ? def : await this.definition(ws, r.id, v);
        for (const s of Object.values(d.steps)) if (s.type === 'wait_event') out.wakeNames.add(s.event);
        if (d.goal && 'event' in d.goal) {
          out.wakeNames.add(d.goal.event);
          goals.events.add(d.goal.event);
        }
        if (d.goal && 'rule' in d.goal) out.ruleGoals = goals.rule = true;
        if (d.goal && 'order' in d.goal) out.orderGoals = goals.order = true;
      }
      out.goals.set(r.id, goals);
    }
    return out;
  }
}
