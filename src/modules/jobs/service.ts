// The job queue's service: handlers by kind, enqueue (idempotent on a key, optionally inside a caller's
// transaction), admin reads and writes, recurring schedules, and the worker that runs it all in this process.
import type { Registry } from 'prom-client';
import { invalid, notFound, SiyuError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { isTx, type SqlExecutor, type Store, type TxExecutor } from '../../store/port.ts';
import { cronError, isTimeZone, nextTick } from './cron.ts';
import { createJobMetrics, type JobMetrics } from './metrics.ts';
import { jobsRepo, type NewJob } from './repo.ts';
import { schedulesRepo } from './schedule-repo.ts';
import { decodeCursor, encodeCursor, jobView, scheduleView } from './views.ts';
import { fireDueSchedules } from './scheduler.ts';
import { parseStates, scheduleName, type JobListQuery } from './schema.ts';
import type { HandlerOptions, JobHandler, JobSpec } from './types.ts';
import { Worker } from './worker.ts';
import type { ErrorLogger, Registered, WorkerOptions } from './worker-options.ts';

export interface JobServiceDeps {
  store: Store;
  /** The workspace's IANA time zone: the default time zone of its schedules. */
  timezoneOf(ws: string): Promise<string>;
  /** Registers the job metrics here (the app's registry). */
  registry?: Registry;
  /** The clock (tests move it to expire leases and pass backoff delays without waiting). */
  now?: () => Date;
  log?: ErrorLogger;
}

export interface ScheduleInput {
  name: string;
  cron: string;
  /** Default: the workspace's time zone. */
  timezone?: string;
  kind: string;
  payload?: unknown;
  enabled?: boolean;
}

const DEFAULT_MAX_ATTEMPTS = 5;
const INSERT_CHUNK = 5000;

/**
 * @example
 * jobs.register('messaging.send_batch', async (job, { signal }) => { … }, { concurrency: 8 });
 * await jobs.enqueue(ws, { kind: 'messaging.send_batch', payload: { … }, key: `broadcast:${id}:0` });
 * jobs.startWorker(); … await jobs.stopWorker();
 */
export class JobService {
  private readonly store: Store;
  private readonly handlers = new Map<string, Registered>();
  private readonly metrics: JobMetrics | null;
  private readonly now: () => Date;
  private log: ErrorLogger;
  private worker: Worker | null = null;

  constructor(private readonly deps: JobServiceDeps) {
    this.store = deps.store;
    this.now = deps.now ?? (() => new Date());
    this.log = deps.log ?? ((err, msg) => console.error(msg, err));
    this.metrics = deps.registry ? createJobMetrics(deps.registry, deps.store, this.now) : null;
    // Does nothing: lets operators check that workers run (`siyu jobs schedule-set ping --cron '* * * * *' --kind jobs.noop`).
    this.register('jobs.noop', async () => undefined, { concurrency: 1 });
  }

  setLogger(log: ErrorLogger): void {
    this.log = log;
  }

  /** Sets the handler of `kind` (one per kind; registering again replaces it). Jobs of unregistered kinds wait. */
  register(kind: string, handler: JobHandler, opts: HandlerOptions = {}): void {
    if (!kind) throw new Error('job kind must not be empty');
    this.handlers.set(kind, {
      handler,
      concurrency: Math.max(1, opts.concurrency ?? 4),
      leaseMs: Math.max(50, opts.leaseMs ?? 30_000),
      maxAttempts: Math.max(1, opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
      backoff: opts.backoff,
      timeoutMs: opts.timeoutMs,
    });
  }

  /** Kinds with a handler in this process, sorted. */
  kinds(): string[] {
    return [...this.handlers.keys()].sort();
  }

  // ---- enqueue ----

  /**
   * Enqueues one job. With a key, returns the unfinished job of the same kind holding it instead of adding one
   * (`created: false`). With `tx`, the job commits or rolls back with the caller's transaction.
   */
  async enqueue(ws: string, spec: JobSpec, tx?: SqlExecutor): Promise<{ id: string; created: boolean }> {
    const job = this.newJob(spec);
    const now = this.now().toISOString();
    const run = async (db: SqlExecutor) => {
      // A key's holder may finish between a conflicting insert and the look-up: then the insert succeeds next time.
      for (let i = 0; i < 5; i++) {
        if ((await jobsRepo.insert(db, ws, job, now)) > 0) return { id: job.id, created: true };
        const existing = job.key ? await jobsRepo.liveByKey(db, ws, job.kind, job.key) : null;
        if (existing) return { id: existing, created: false };
      }
      throw Object.assign(new SiyuError('conflict', 'job.key_busy', `key ${job.key} of ${job.kind} is changing hands; try again`, { field: 'key' }), { retryable: true });
    };
    const result = tx ? await run(tx) : await this.store.transaction(run);
    this.wakeAfter(tx, result.created ? [job.kind] : []);
    return result;
  }

  /** Enqueues many jobs in one statement per chunk; jobs whose key an unfinished job holds are skipped. Returns how many were added. */
  async enqueueMany(ws: string, specs: JobSpec[], tx?: SqlExecutor): Promise<number> {
    const seen = new Set<string>();
    const jobs: NewJob[] = [];
    for (const spec of specs) {
      const j = this.newJob(spec);
      if (j.key !== null) {
        const k = j.kind + '\u0000' + j.key;
        if (seen.has(k)) continue;
        seen.add(k);
      }
      jobs.push(j);
    }
    const now = this.now().toISOString();
    const run = async (db: SqlExecutor) => {
      let n = 0;
      for (let i = 0; i < jobs.length; i += INSERT_CHUNK) n += await jobsRepo.insertMany(db, this.store, ws, jobs.slice(i, i + INSERT_CHUNK), now);
      return n;
    };
    const n = jobs.length === 0 ? 0 : tx ? await run(tx) : await this.store.transaction(run);
    this.wakeAfter(tx, n > 0 ? new Set(jobs.map((j) => j.kind)) : []);
    return n;
  }

  /** Enqueue from the API: only kinds with a handler, fields in snake_case. */
  create(ws: string, body: { kind: string; payload?: unknown; run_at?: string; key?: string; max_attempts?: number; priority?: number }) {
    this.requireKind(body.kind);
    return this.enqueue(ws, { kind: body.kind, payload: body.payload ?? null, runAt: body.run_at, key: body.key, maxAttempts: body.max_attempts, priority: body.priority });
  }

  // ---- reads and admin writes ----

  async get(ws: string, id: string) {
    const row = await jobsRepo.get(this.store, ws, id);
    if (!row) throw notFound('job.not_found', `No job ${id}`, 'id');
    return jobView(row);
  }

  /** Jobs newest first with filters; page with `next_cursor`. */
  async list(ws: string, q: JobListQuery) {
    const before = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await jobsRepo.list(this.store, ws, { states: parseStates(q.state), kind: q.kind, key: q.key, before, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    return { data: page.map(jobView), next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1].id) : null };
  }

  /** Cancels a queued or running job (a running handler is aborted at its next lease renewal). Cancelling twice is a no-op. */
  async cancel(ws: string, id: string) {
    const n = await this.store.transaction((tx) => jobsRepo.cancel(tx, ws, id, this.now().toISOString()));
    const job = await this.get(ws, id);
    if (n === 0 && job.state !== 'cancelled') throw new SiyuError('conflict', 'job.not_cancellable', `job ${id} is ${job.state}; only queued or running jobs can be cancelled`, { field: 'id' });
    return job;
  }

  /** Runs a dead or cancelled job again with fresh attempts, or a queued one (waiting for backoff) now. */
  async retry(ws: string, id: string) {
    const job = await this.get(ws, id);
    if (job.state === 'running' || job.state === 'done') {
      throw new SiyuError('conflict', 'job.not_retryable', `job ${id} is ${job.state}; only dead, cancelled or queued jobs can be retried`, { field: 'id' });
    }
    if (job.key && job.state !== 'queued') {
      const holder = await jobsRepo.liveByKey(this.store, ws, job.kind, job.key);
      if (holder && holder !== id) throw new SiyuError('conflict', 'job.key_taken', `job ${holder} already holds key ${job.key} of ${job.kind}`, { field: 'key' });
    }
    await this.store.transaction((tx) => jobsRepo.retry(tx, ws, id, this.now().toISOString()));
    this.worker?.wake([job.kind]);
    return this.get(ws, id);
  }

  /** Counts by kind and state, and the age of the oldest due job per kind. */
  async stats(ws: string) {
    const now = this.now();
    const [counts, oldest] = await Promise.all([jobsRepo.counts(this.store, ws), jobsRepo.oldestDue(this.store, now.toISOString(), ws)]);
    return {
      counts: counts.map((c) => ({ kind: c.kind, state: c.state, count: Number(c.n) })),
      lag_seconds: Object.fromEntries(oldest.map((o) => [o.kind, Math.max(0, (now.getTime() - Date.parse(o.oldest)) / 1000)])),
      kinds: this.kinds(),
    };
  }

  // ---- schedules ----

  /** Creates or replaces the schedule `name`; its next tick is kept when cron and time zone stay the same. */
  async schedule(ws: string, input: ScheduleInput) {
    const name = scheduleName.safeParse(input.name);
    if (!name.success) throw invalid('schedule.name_invalid', 'name: letters, digits and . _ : - only, at most 100 characters', 'name');
    const cron = input.cron.trim();
    const why = cronError(cron);
    if (why) throw invalid('schedule.cron_invalid', `cron ${JSON.stringify(cron)} is not a valid pattern: ${why}`, 'cron');
    const timezone = input.timezone ?? (await this.deps.timezoneOf(ws));
    if (!isTimeZone(timezone)) throw invalid('schedule.timezone_invalid', `timezone ${JSON.stringify(timezone)} is not an IANA time zone`, 'timezone');
    this.requireKind(input.kind);
    const enabled = input.enabled ?? true;
    const now = this.now();
    await this.store.transaction(async (tx) => {
      const old = await schedulesRepo.get(tx, ws, name.data);
      const keepTick = old && old.enabled && enabled && old.cron === cron && old.timezone === timezone && old.next_run_at;
      const values = { cron, timezone, kind: input.kind, payload: input.payload ?? null, enabled, nextRunAt: keepTick ? old.next_run_at : enabled ? nextTick(cron, timezone, now) : null };
      if (old) await schedulesRepo.update(tx, ws, old.id, values, now.toISOString());
      else await schedulesRepo.insert(tx, ws, newId('jsch'), name.data, values, now.toISOString());
    });
    return this.getSchedule(ws, name.data);
  }

  /** Changes some fields of a schedule. */
  async updateSchedule(ws: string, name: string, patch: Partial<Omit<ScheduleInput, 'name'>>) {
    const old = await this.getSchedule(ws, name);
    return this.schedule(ws, {
      name,
      cron: patch.cron ?? old.cron,
      timezone: patch.timezone ?? old.timezone,
      kind: patch.kind ?? old.kind,
      payload: patch.payload !== undefined ? patch.payload : old.payload,
      enabled: patch.enabled ?? old.enabled,
    });
  }

  async getSchedule(ws: string, name: string) {
    const row = await schedulesRepo.get(this.store, ws, name);
    if (!row) throw notFound('schedule.not_found', `No schedule ${name}`, 'name');
    return scheduleView(row);
  }

  async listSchedules(ws: string) {
    return (await schedulesRepo.list(this.store, ws)).map(scheduleView);
  }

  /** Deletes a schedule; jobs it already enqueued stay. */
  async deleteSchedule(ws: string, name: string): Promise<void> {
    if ((await this.store.transaction((tx) => schedulesRepo.delete(tx, ws, name))) === 0) throw notFound('schedule.not_found', `No schedule ${name}`, 'name');
  }

  /** Fires every due schedule now (the worker does this each second); returns how many ticks fired. */
  fireSchedules(now = this.now()): Promise<number> {
    return fireDueSchedules(this.store, now, (tx, ws, spec) => this.enqueue(ws, spec, tx), this.log);
  }

  // ---- workers ----

  /** Starts the worker loop in this process (`siyu serve` and `siyu worker` do). */
  startWorker(opts: WorkerOptions = {}): void {
    if (this.worker?.running) return;
    this.worker = new Worker(this.workerDeps(), opts);
    this.worker.start();
  }

  /** Stops the worker: running handlers get `graceMs` to finish, then their jobs go back to the queue. */
  async stopWorker(graceMs?: number): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.stop(graceMs);
  }

  get workerRunning(): boolean {
    return this.worker?.running ?? false;
  }

  get workerId(): string | null {
    return this.worker?.id ?? null;
  }

  /**
   * Runs every due job of the given kinds (default all) in this process until none is left, without a loop: tests,
   * one-off catch-ups. Schedules fire too when `schedules` is true. Returns how many attempts ran.
   */
  drain(opts: { kinds?: string[]; schedules?: boolean; workerId?: string } = {}): Promise<number> {
    return new Worker(this.workerDeps(), { kinds: opts.kinds, schedules: opts.schedules ?? false, workerId: opts.workerId }).drain();
  }

  close(): Promise<void> {
    return this.stopWorker();
  }

  // ---- helpers ----

  private workerDeps() {
    return { store: this.store, handlers: this.handlers, now: this.now, log: (e: unknown, m: string) => this.log(e, m), metrics: this.metrics, fireSchedules: (now: Date) => this.fireSchedules(now) };
  }

  private requireKind(kind: string): void {
    if (!this.handlers.has(kind)) throw invalid('job.kind_unknown', `no handler for job kind ${JSON.stringify(kind)}; known kinds: ${this.kinds().join(', ')}`, 'kind');
  }

  private newJob(spec: JobSpec): NewJob {
    if (!spec || typeof spec.kind !== 'string' || spec.kind.length === 0 || spec.kind.length > 100) throw invalid('job.kind_invalid', 'kind must be a non-empty string of at most 100 characters', 'kind');
    const runAt = spec.runAt ?? this.now().toISOString();
    if (Number.isNaN(Date.parse(runAt))) throw invalid('job.run_at_invalid', `runAt ${JSON.stringify(spec.runAt)} is not an ISO time`, 'run_at');
    const max = spec.maxAttempts ?? this.handlers.get(spec.kind)?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(max) || max < 1) throw invalid('job.max_attempts_invalid', 'maxAttempts must be an integer ≥ 1', 'max_attempts');
    const priority = spec.priority ?? 0;
    if (!Number.isInteger(priority)) throw invalid('job.priority_invalid', 'priority must be an integer', 'priority');
    if (spec.key !== undefined && (typeof spec.key !== 'string' || spec.key.length === 0 || spec.key.length > 500)) throw invalid('job.key_invalid', 'key must be a non-empty string of at most 500 characters', 'key');
    return { id: newId('job'), kind: spec.kind, payload: spec.payload ?? null, key: spec.key ?? null, priority, runAt: new Date(runAt).toISOString(), maxAttempts: max };
  }

  /** Wakes this process's worker once the job is visible: at once, or when the caller's transaction commits. */
  private wakeAfter(tx: SqlExecutor | undefined, kinds: Iterable<string>): void {
    const list = [...kinds];
    if (list.length === 0) return;
    if (tx && isTx(tx)) (tx as TxExecutor).afterEnd((committed) => committed && this.worker?.wake(list));
    else this.worker?.wake(list);
  }
}
