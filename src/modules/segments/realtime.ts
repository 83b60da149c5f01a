// Realtime membership: committed data changes are coalesced per workspace for a short window, then the realtime
// segments they can affect are re-evaluated for the changed members only. Never blocks the writer that published.
import type { DataChange } from '../../core/change-feed.ts';
import type { RuleDeps } from './rules/index.ts';

/** What changed in one workspace since its last evaluation (several DataChanges merged). */
export interface PendingChange {
  /** Changed member → the earliest commit time (ms) among the changes naming it, for latency. */
  members: Map<string, number>;
  /** Members to evaluate against every realtime segment whatever its dependencies (new or merged members). */
  everything: Set<string>;
  events: Set<string>;
  orders: boolean;
  attributes: boolean;
  tags: boolean;
  identities: boolean;
  /** Members' coupons changed (the coupons module publishes `coupons: true`). */
  coupons: boolean;
  groups: boolean;
}

/** A DataChange, or an internal one asking for every segment to be checked (`everything`: merges). */
export type QueuedChange = DataChange & { everything?: boolean };

export function emptyPending(): PendingChange {
  return { members: new Map(), everything: new Set(), events: new Set(), orders: false, attributes: false, tags: false, identities: false, coupons: false, groups: false };
}

/** Folds one change into the pending set. */
export function mergeChange(p: PendingChange, c: QueuedChange): void {
  const note = (id: string) => {
    const seen = p.members.get(id);
    if (seen === undefined || c.committedAt < seen) p.members.set(id, c.committedAt);
  };
  for (const id of c.memberIds) {
    note(id);
    if (c.everything) p.everything.add(id);
  }
  for (const id of c.created ?? []) {
    note(id);
    p.everything.add(id);
  }
  for (const e of c.events) p.events.add(e);
  p.orders ||= !!c.orders;
  p.attributes ||= !!c.attributes;
  p.tags ||= !!c.tags;
  p.identities ||= !!c.identities;
  p.coupons ||= !!c.coupons;
  p.groups ||= !!c.groups;
}

/**
 * True when a rule with these dependencies can change its answer for the pending members.
 * @example touches({ events: ['Signed In'], anyEvent: false, … }, pendingWith({ events: ['Signed In'] })) // true
 */
export function touches(deps: RuleDeps, p: PendingChange): boolean {
  if (p.events.size > 0 && (deps.anyEvent || deps.events.some((e) => p.events.has(e)))) return true;
  return (p.orders && deps.orders) || (p.attributes && deps.attributes) || (p.tags && deps.tags) || (p.identities && deps.identities)
    || (p.coupons && !!deps.coupons) || (p.groups && !!deps.groups);
}

export interface RealtimeQueueOptions {
  /** Evaluates one workspace's pending change; must not throw (errors are logged by the callee). */
  evaluate(workspaceId: string, pending: PendingChange): Promise<void>;
  /** How long changes are gathered before one evaluation (ms). */
  windowMs: number;
}

/**
 * Per workspace: the first change starts a short timer; changes arriving meanwhile join the same evaluation.
 * While a workspace is being evaluated, new changes gather for the next round, so evaluations never overlap and
 * a burst of ingest commits costs one evaluation per window, not one per commit.
 */
export class RealtimeQueue {
  private readonly pending = new Map<string, PendingChange>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly opts: RealtimeQueueOptions) {}

  /** Queues a committed change (synchronous, cheap: the publisher is on its hot path). */
  push(change: QueuedChange): void {
    if (this.closed || change.memberIds.length === 0) return;
    let p = this.pending.get(change.workspaceId);
    if (!p) this.pending.set(change.workspaceId, (p = emptyPending()));
    mergeChange(p, change);
    this.schedule(change.workspaceId);
  }

  /** Evaluates everything queued now and waits for it (tests, shutdown). */
  async flush(): Promise<void> {
    for (;;) {
      for (const [ws, t] of this.timers) {
        clearTimeout(t);
        this.timers.delete(ws);
        this.start(ws);
      }
      const busy = [...this.running.values()];
      if (busy.length === 0 && this.pending.size === 0) return;
      if (busy.length === 0) for (const ws of this.pending.keys()) this.start(ws);
      await Promise.all([...this.running.values()]);
    }
  }

  /** Stops taking changes and finishes what is queued. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private schedule(ws: string) {
    if (this.timers.has(ws) || this.running.has(ws)) return;
    const t = setTimeout(() => {
      this.timers.delete(ws);
      this.start(ws);
    }, this.opts.windowMs);
    t.unref?.();
    this.timers.set(ws, t);
  }

  private start(ws: string) {
    if (this.running.has(ws)) return;
    const p = this.pending.get(ws);
    if (!p) return;
    this.pending.delete(ws);
    const run = this.opts
      .evaluate(ws, p)
      .catch(() => undefined)
      .finally(() => {
        this.running.delete(ws);
        if (this.pending.has(ws)) {
          if (this.closed) this.start(ws);
          else this.schedule(ws);
        }
      });
    this.running.set(ws, run);
  }
}
