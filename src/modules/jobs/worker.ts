// The claim loop of one worker process: claims due jobs per kind up to its concurrency under a lease, runs their
// handlers, renews leases while they run, finishes each with a fencing check, recovers jobs of dead workers, fires
// due schedules, and on stop finishes or releases what it holds.
import { SiyuError } from '../../core/errors.ts';
import type { TxExecutor } from '../../store/port.ts';
import { backoffDelay } from './backoff.ts';
import { GroupCommit } from './group-commit.ts';
import { jobsRepo, type Lease } from './repo.ts';
import { isPermanent, type ClaimedJob } from './types.ts';
import { aborted, claimedOf, defaultWorkerId, errorText, iso, settleWithin, type Registered, type WorkerDeps, type WorkerOptions } from './worker-options.ts';

interface InFlight {
  job: ClaimedJob;
  reg: Registered;
  abort: AbortController;
  /** Handed back to the queue by stop: whatever the handler does afterwards is ignored. */
  released: boolean;
  /** Cancelled, or the lease expired and someone else may hold the job: the result is ignored. */
  lost: boolean;
  timedOut: boolean;
  done: Promise<void>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_BATCH = 100;
/** How often the renewal timer looks for leases past a third of their length. */
const RENEW_TICK_MS = 100;

export class Worker {
  readonly id: string;
  private readonly inflight = new Map<string, InFlight>();
  private stopping = false;
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private lastRecover = 0;
  private lastSchedules = 0;
  private lastPurge = 0;
  private renewing = false;
  private readonly lastRenew = new Map<string, number>();
  /** Kinds whose last claim found nothing: not claimed again before this time unless an enqueue here wakes them. */
  private readonly idleUntil = new Map<string, number>();
  /** Completions of concurrently finishing jobs share one transaction. */
  private readonly completions = new GroupCommit<Lease, boolean>(async (leases) => {
    const held = await this.write((tx) => jobsRepo.completeMany(tx, this.deps.store, this.id, leases, this.nowIso()));
    return leases.map((l) => held.has(l.id));
  });

  constructor(private readonly deps: WorkerDeps, private readonly opts: WorkerOptions = {}) {
    this.id = opts.workerId ?? defaultWorkerId();
  }

  get running(): boolean {
    return this.loopDone !== null && !this.stopping;
  }

  /** Jobs this worker is running now. */
  get busy(): number {
    return this.inflight.size;
  }

  /** Starts the claim loop and lease renewal. */
  start(): void {
    if (this.loopDone) return;
    this.renewTimer = setInterval(() => void this.renewAll(), RENEW_TICK_MS);
    this.renewTimer.unref();
    this.loopDone = this.loop();
  }

  /** Claims as soon as possible (an enqueue in this process committed, or a slot freed); `kinds` got new jobs. */
  wake(kinds?: Iterable<string>): void {
    if (kinds) for (const k of kinds) this.idleUntil.delete(k);
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  /**
   * Stops claiming, waits up to `graceMs` for running handlers, then aborts the rest and releases their jobs to the
   * queue (their attempt not counted) so another worker takes them over at once.
   */
  async stop(graceMs = this.opts.graceMs ?? 10_000): Promise<void> {
    if (!this.loopDone || this.stopping) return;
    this.stopping = true;
    this.wake();
    await this.loopDone;
    const running = [...this.inflight.values()];
    await settleWithin(running.map((f) => f.done), graceMs);
    const left = [...this.inflight.values()];
    if (left.length) {
      for (const f of left) {
        f.released = true;
        f.abort.abort(new SiyuError('unavailable', 'job.worker_stopping', 'the worker is stopping; the job goes back to the queue'));
      }
      await this.write((tx) => jobsRepo.release(tx, this.deps.store, this.id, left.map(leaseOf), this.nowIso())).catch((e) =>
        this.deps.log(e, `jobs: releasing ${left.length} jobs on stop failed; their leases will expire instead`),
      );
      await settleWithin(left.map((f) => f.done), 1000);
    }
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
  }

  /**
   * Runs every job due now (and whatever becomes due while doing so) in this process until none is left, without
   * the loop: for tests, the CLI and one-off catch-ups. Returns how many attempts ran.
   */
  async drain(): Promise<number> {
    let ran = 0;
    for (;;) {
      await this.maintain(true);
      ran += (await this.claimRound(true)).length;
      if (this.inflight.size === 0) return ran;
      await Promise.race([...this.inflight.values()].map((f) => f.done));
    }
  }

  // ---- the loop ----

  private async loop(): Promise<void> {
    const pollMs = this.opts.pollMs ?? 250;
    while (!this.stopping) {
      let started = 0;
      try {
        await this.maintain(false);
        started = (await this.claimRound()).length;
      } catch (e) {
        this.deps.log(e, 'jobs: claim round failed; retrying after the poll interval');
      }
      if (started === 0 && !this.stopping) await this.sleep(pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private *kinds(): Iterable<[string, Registered]> {
    for (const [kind, reg] of this.deps.handlers) if (!this.opts.kinds || this.opts.kinds.includes(kind)) yield [kind, reg];
  }

  /** Lease recovery, schedules and retention, each on its own cadence (`force`: all of them now). */
  private async maintain(force: boolean): Promise<void> {
    const now = this.deps.now();
    const t = Date.now();
    if (force || t - this.lastRecover >= (this.opts.recoverEveryMs ?? 1000)) {
      this.lastRecover = t;
      await this.write((tx) => jobsRepo.recoverExpired(tx, iso(now)));
    }
    if (this.opts.schedules !== false && (force || t - this.lastSchedules >= (this.opts.scheduleEveryMs ?? 1000))) {
      this.lastSchedules = t;
      await this.deps.fireSchedules(now);
    }
    if (!force && t - this.lastPurge >= HOUR) {
      this.lastPurge = t;
      const done = iso(now.getTime() - (this.opts.retainDoneMs ?? 7 * DAY));
      const dead = iso(now.getTime() - (this.opts.retainDeadMs ?? 30 * DAY));
      await this.write((tx) => jobsRepo.purge(tx, done, dead));
    }
  }

  /**
   * Claims what each kind has room for and starts it; returns the jobs started. Kinds that had nothing last time are
   * probed together at most once per poll interval, so many idle kinds cost one query, not one each per wake-up.
   */
  private async claimRound(force = false): Promise<ClaimedJob[]> {
    const started: ClaimedJob[] = [];
    const t = Date.now();
    const room = new Map<string, { reg: Registered; free: number }>();
    const busy = new Map<string, number>();
    for (const f of this.inflight.values()) busy.set(f.job.kind, (busy.get(f.job.kind) ?? 0) + 1);
    for (const [kind, reg] of this.kinds()) {
      const free = Math.min(reg.concurrency - (busy.get(kind) ?? 0), MAX_BATCH);
      if (free > 0 && (force || (this.idleUntil.get(kind) ?? 0) <= t)) room.set(kind, { reg, free });
    }
    const idle = [...room.keys()].filter((k) => this.idleUntil.has(k));
    if (idle.length > 1) {
      const due = await jobsRepo.dueKinds(this.deps.store, this.deps.store, idle, iso(this.deps.now()));
      for (const k of idle) {
        if (due.has(k)) continue;
        room.delete(k);
        this.idleUntil.set(k, t + (this.opts.pollMs ?? 250));
      }
    }
    for (const [kind, { reg, free }] of room) {
      if (this.stopping) break;
      const now = this.deps.now();
      const rows = await this.write((tx) => jobsRepo.claim(tx, this.deps.store.capabilities.skipLocked, kind, free, this.id, iso(now), iso(now.getTime() + reg.leaseMs)));
      for (const row of rows) {
        const job = claimedOf(row);
        this.deps.metrics?.claimed.inc({ kind });
        this.deps.metrics?.claimLag.observe({ kind }, Math.max(0, (now.getTime() - Date.parse(job.runAt)) / 1000));
        this.run(job, reg);
        started.push(job);
      }
      if (rows.length === 0) this.idleUntil.set(kind, t + (this.opts.pollMs ?? 250));
      else this.idleUntil.delete(kind);
    }
    return started;
  }

  // ---- one job ----

  private run(job: ClaimedJob, reg: Registered): void {
    // A job this worker still runs from an attempt whose lease expired (the process stalled): that run lost it.
    const stale = this.inflight.get(job.id);
    if (stale) {
      stale.lost = true;
      stale.abort.abort(new SiyuError('conflict', 'job.lease_lost', 'the lease expired and the job was claimed again'));
    }
    const f = { job, reg, abort: new AbortController(), released: false, lost: false, timedOut: false } as InFlight;
    f.done = this.execute(f).finally(() => {
      if (this.inflight.get(job.id) === f) this.inflight.delete(job.id);
      this.wake();
    });
    this.inflight.set(job.id, f);
  }

  private async execute(f: InFlight): Promise<void> {
    const { job, reg } = f;
    const timer = reg.timeoutMs
      ? setTimeout(() => {
          f.timedOut = true;
          f.abort.abort(new SiyuError('unavailable', 'job.timeout', `the attempt ran longer than ${reg.timeoutMs} ms`));
        }, reg.timeoutMs)
      : null;
    const started = performance.now();
    const ctx = { signal: f.abort.signal, heartbeat: () => this.renewOne(f) };
    let outcome: { ok: true; retryAt?: string } | { ok: false; error: unknown };
    try {
      // An aborted attempt (stop, cancel, lost lease, timeout) frees its slot even if the handler ignores the signal.
      const r = await Promise.race([Promise.resolve().then(() => reg.handler(job, ctx)), aborted(f.abort.signal)]);
      outcome = f.timedOut ? { ok: false, error: f.abort.signal.reason } : { ok: true, retryAt: r ? r.retryAt : undefined };
    } catch (e) {
      outcome = { ok: false, error: f.timedOut ? f.abort.signal.reason : e };
    } finally {
      if (timer) clearTimeout(timer);
    }
    this.deps.metrics?.duration.observe({ kind: job.kind }, (performance.now() - started) / 1000);
    if (f.released || f.lost) return;
    try {
      await this.finish(f, outcome);
    } catch (e) {
      // The lease runs out and another attempt follows: at-least-once, never lost.
      this.deps.log(e, `jobs: recording the outcome of ${job.kind} job ${job.id} failed; it will run again after its lease expires`);
    }
  }

  private async finish(f: InFlight, outcome: { ok: true; retryAt?: string } | { ok: false; error: unknown }): Promise<void> {
    const { job, reg } = f;
    const lease = leaseOf(f);
    const now = this.deps.now();
    if (outcome.ok) {
      if (outcome.retryAt) {
        await this.write((tx) => jobsRepo.requeue(tx, this.id, lease, { runAt: outcome.retryAt!, error: null, refund: true }, iso(now)));
      } else if (await this.completions.submit(lease)) {
        this.deps.metrics?.completed.inc({ kind: job.kind });
      }
      return;
    }
    const error = errorText(outcome.error);
    if (isPermanent(outcome.error) || job.attempt >= job.maxAttempts) {
      if ((await this.write((tx) => jobsRepo.bury(tx, this.id, lease, error, iso(now)))) > 0) this.deps.metrics?.failed.inc({ kind: job.kind, outcome: 'dead' });
      return;
    }
    const runAt = iso(now.getTime() + backoffDelay(job.attempt, reg.backoff));
    if ((await this.write((tx) => jobsRepo.requeue(tx, this.id, lease, { runAt, error, refund: false }, iso(now)))) > 0) {
      this.deps.metrics?.failed.inc({ kind: job.kind, outcome: 'retry' });
    }
  }

  // ---- leases ----

  private async renewOne(f: InFlight): Promise<void> {
    const until = iso(this.deps.now().getTime() + f.reg.leaseMs);
    const held = await this.write((tx) => jobsRepo.renew(tx, this.deps.store, this.id, [leaseOf(f)], until));
    if (!held.has(f.job.id)) {
      this.lose(f);
      throw new SiyuError('conflict', 'job.lease_lost', `job ${f.job.id} is no longer held by this worker (cancelled, or its lease expired)`);
    }
    f.job.leaseUntil = until;
  }

  /** Renews every held lease, one statement per kind; aborts the handlers of jobs it no longer holds. */
  private async renewAll(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      await this.renewDue();
    } finally {
      this.renewing = false;
    }
  }

  private async renewDue(): Promise<void> {
    const byKind = new Map<string, InFlight[]>();
    for (const f of this.inflight.values()) if (!f.released && !f.lost) byKind.set(f.job.kind, [...(byKind.get(f.job.kind) ?? []), f]);
    for (const [kind, fs] of byKind) {
      const t = Date.now();
      if (t - (this.lastRenew.get(kind) ?? 0) < fs[0].reg.leaseMs / 3) continue;
      this.lastRenew.set(kind, t);
      const until = iso(this.deps.now().getTime() + fs[0].reg.leaseMs);
      try {
        const held = await this.write((tx) => jobsRepo.renew(tx, this.deps.store, this.id, fs.map(leaseOf), until));
        for (const f of fs) {
          if (held.has(f.job.id)) f.job.leaseUntil = until;
          else this.lose(f);
        }
      } catch (e) {
        this.deps.log(e, 'jobs: renewing leases failed; retrying at the next renewal');
      }
    }
  }

  private lose(f: InFlight): void {
    if (f.lost || f.released) return;
    f.lost = true;
    f.abort.abort(new SiyuError('conflict', 'job.lease_lost', `job ${f.job.id} was cancelled or its lease expired`));
  }

  // ---- helpers ----

  /** Every write runs in a short transaction so DuckDB's write-write conflicts are retried by the store. */
  private write<T>(fn: (tx: TxExecutor) => Promise<T>): Promise<T> {
    return this.deps.store.transaction((tx) => fn(tx));
  }

  private nowIso(): string {
    return iso(this.deps.now());
  }
}

function leaseOf(f: InFlight): Lease {
  return { id: f.job.id, attempt: f.job.attempt };
}
