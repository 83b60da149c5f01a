// The journey engine of one process: entries, claims and the runner together. Entries a trigger makes are run at
// once by the process that saw the trigger (held under a lease from birth, so nobody else takes them meanwhile);
// everything due later — waits, retries, a crashed worker's instances once their lease lapses — is claimed in
// batches by whichever worker runs `runDue` (the `journeys.pump` job), several at once on PostgreSQL.
import type { ChangeFeed } from '../../core/change-feed.ts';
import { newId } from '../../core/ids.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { Effects } from './effects.ts';
import { Entries, type Candidate, type EntryResult } from './entry.ts';
import { instancesRepo } from './instance-repo.ts';
import { LiveJourneys } from './live.ts';
import { Runner, type ErrorLogger, type ProcessResult } from './runner.ts';

export interface EngineDeps {
  store: Store;
  effects: Effects;
  now(): Date;
  timezoneOf(ws: string): Promise<string>;
  holdout(ws: string, sourceKey: string, share: number, memberIds: string[], tx: SqlExecutor): Promise<Set<string>>;
  changes?: ChangeFeed;
  log: ErrorLogger;
  /** Lease on claimed instances (default 60 s). */
  leaseMs?: number;
  /** Instances claimed per batch (default 500). */
  batch?: number;
  /** Many instances became due at once (a bulk entry): let other workers help. */
  onBulk?(ws: string): void;
  onSoonWake?(ws: string, at: string): void;
  beforePersist?(ws: string, ids: string[]): void | Promise<void>;
}

/** Entries up to this many are run inline under their birth lease; larger ones go through batched claims. */
const INLINE_ENTRIES = 500;

export class JourneyEngine {
  readonly live: LiveJourneys;
  readonly entries: Entries;
  readonly runner: Runner;
  readonly workerId = newId('jw');
  private readonly leaseMs: number;
  private readonly zones = new Map<string, { tz: Promise<string>; at: number }>();
  /** Instances claimed per batch. */
  batch: number;

  constructor(private readonly d: EngineDeps) {
    this.leaseMs = d.leaseMs ?? 60_000;
    this.batch = d.batch ?? 500;
    this.live = new LiveJourneys(d.store);
    const definitionOf = (ws: string, id: string, v: number) => this.live.definition(ws, id, v);
    this.entries = new Entries({ store: d.store, now: d.now, workerId: this.workerId, leaseMs: this.leaseMs, definitionOf, holdout: d.holdout });
    this.runner = new Runner({
      store: d.store, effects: d.effects, now: d.now, timezoneOf: (ws) => this.timezone(ws), definitionOf, workerId: this.workerId, leaseMs: this.leaseMs,
      log: d.log, onSoonWake: d.onSoonWake, beforePersist: (ws, ids) => d.beforePersist?.(ws, ids),
    });
  }

  /** Enters candidates and runs the new instances right away (small entries inline, large ones in claimed batches). */
  async enterAndRun(ws: string, journeyId: string, candidates: Candidate[]): Promise<EntryResult & { steps: number }> {
    const inline = candidates.length <= INLINE_ENTRIES;
    const r = await this.entries.enter(ws, journeyId, candidates, { claim: inline });
    let steps = 0;
    if (inline) steps = (await this.runner.process(ws, r.instances)).steps;
    else if (r.instances.length > 0) {
      this.d.onBulk?.(ws);
      steps = (await this.runDue(ws)).steps;
    }
    return { ...r, steps };
  }

  /**
   * Enters candidates and starts running the new instances without waiting for them (`done` settles when they have
   * run): a listener enters its next batch while this one sends. Large entries run to the end before returning.
   */
  async enterAndStart(ws: string, journeyId: string, candidates: Candidate[]): Promise<{ entry: EntryResult; done: Promise<unknown> }> {
    if (candidates.length > INLINE_ENTRIES) {
      const r = await this.enterAndRun(ws, journeyId, candidates);
      return { entry: r, done: Promise.resolve() };
    }
    const entry = await this.entries.enter(ws, journeyId, candidates, { claim: true });
    return { entry, done: entry.instances.length > 0 ? this.runner.process(ws, entry.instances) : Promise.resolve() };
  }

  /** Claims due instances in batches and runs them until none is due (or `maxBatches` ran). */
  async runDue(ws: string, opts: { maxBatches?: number; signal?: AbortSignal } = {}): Promise<ProcessResult & { batches: number; full: boolean }> {
    const total = { processed: 0, steps: 0, goals: 0, batches: 0, full: false };
    for (let b = 0; b < (opts.maxBatches ?? Infinity); b++) {
      if (opts.signal?.aborted) break;
      const now = this.d.now();
      const claimed = await this.d.store.transaction((tx) =>
        instancesRepo.claimDue(tx, this.d.store.capabilities.skipLocked, ws, { now: now.toISOString(), n: this.batch, worker: this.workerId, leaseUntil: new Date(now.getTime() + this.leaseMs).toISOString() }),
      );
      if (claimed.length === 0) break;
      total.batches++;
      total.full = claimed.length === this.batch;
      if (total.full && b === 0) this.d.onBulk?.(ws);
      const r = await this.runner.process(ws, claimed);
      total.processed += r.processed;
      total.steps += r.steps;
      total.goals += r.goals;
      if (claimed.length < this.batch) break;
    }
    return total;
  }

  /**
   * Runs the listed instances now if their lease is free: `forced` ones run their step before their wake time (an
   * awaited event arrived); the others only have their goal checked (and run if due anyway).
   */
  async wake(ws: string, ids: string[], forced: Set<string>): Promise<ProcessResult> {
    if (ids.length === 0) return { processed: 0, steps: 0, goals: 0 };
    const now = this.d.now();
    const claimed = await this.d.store.transaction((tx) =>
      instancesRepo.claimIds(this.d.store, tx, ws, ids, { now: now.toISOString(), worker: this.workerId, leaseUntil: new Date(now.getTime() + this.leaseMs).toISOString() }),
    );
    return this.runner.process(ws, claimed, forced);
  }

  /** The workspace's time zone (cached a minute: read on every processing pass). */
  timezone(ws: string): Promise<string> {
    const hit = this.zones.get(ws);
    if (hit && Date.now() - hit.at < 60_000) return hit.tz;
    const tz = this.d.timezoneOf(ws);
    tz.catch(() => this.zones.delete(ws));
    this.zones.set(ws, { tz, at: Date.now() });
    return tz;
  }

  /** When the next instance of the workspace is due (null: none active in a live journey). */
  nextWake(ws: string): Promise<string | null> {
    return instancesRepo.nextWake(this.d.store, ws);
  }
}
