// The job queue on both stores: enqueue/claim/complete, idempotent keys, retries with backoff then dead, lease
// expiry and re-claim, heartbeats, graceful stop. A fake clock moves leases and backoff without waiting.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { forEachStore } from '../../../test/support/stores.ts';
import type { Store } from '../../store/port.ts';
import { backoffDelay } from './backoff.ts';
import { jobsRepo } from './repo.ts';
import { JobService } from './service.ts';
import { PermanentJobError, type ClaimedJob, type JobContext } from './types.ts';

/** A clock the test moves by hand. */
function fakeClock(start = Date.parse('2026-03-01T08:00:00Z')) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms), get ms() { return t; } };
}

const ws = () => 'ws_' + randomBytes(5).toString('hex');
const kind = () => 'test.k' + randomBytes(4).toString('hex');
const quiet = (e: unknown, m: string) => void (process.env.JOBS_DEBUG && console.error(m, e));

function service(store: Store, clock: { now: () => Date } = fakeClock(), registry?: Registry) {
  return new JobService({ store, timezoneOf: async () => 'Asia/Shanghai', now: clock.now, log: quiet, registry });
}

describe('backoff', () => {
  it('doubles per attempt within [step/2, step], capped', () => {
    expect(backoffDelay(1, { baseMs: 1000 }, () => 0)).toBe(500);
    expect(backoffDelay(1, { baseMs: 1000 }, () => 1)).toBe(1000);
    expect(backoffDelay(4, { baseMs: 1000 }, () => 1)).toBe(8000);
    expect(backoffDelay(30, { baseMs: 1000, maxMs: 60_000 }, () => 1)).toBe(60_000);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3, { baseMs: 100 });
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });
});

forEachStore('jobs', (ctx) => {
  it('enqueues, claims by priority and completes', async () => {
    const jobs = service(ctx.store);
    const w = ws();
    const k = kind();
    const seen: Array<{ payload: any; attempt: number }> = [];
    jobs.register(k, async (job) => void seen.push({ payload: job.payload, attempt: job.attempt }), { concurrency: 1 });
    await jobs.enqueue(w, { kind: k, payload: { n: 1 } });
    await jobs.enqueue(w, { kind: k, payload: { n: 2 }, priority: 5 });
    await jobs.enqueue(w, { kind: k, payload: { n: 3 }, runAt: new Date(Date.parse('2026-03-01T09:00:00Z')).toISOString() }); // later
    expect(await jobs.drain({ kinds: [k] })).toBe(2);
    expect(seen.map((s) => s.payload.n)).toEqual([2, 1]);
    expect(seen.every((s) => s.attempt === 1)).toBe(true);
    const page = await jobs.list(w, { limit: 10, kind: k });
    expect(page.data.map((j) => j.state).sort()).toEqual(['done', 'done', 'queued']);
    const done = page.data.find((j) => j.state === 'done')!;
    expect(done.finished_at).not.toBeNull();
    expect(done.locked_by).toBeNull();
  });

  it('is idempotent on a key while the job is unfinished, also in batches and in a caller transaction', async () => {
    const clock = fakeClock();
    const jobs = service(ctx.store, clock);
    const w = ws();
    const k = kind();
    jobs.register(k, async () => undefined);
    const a = await jobs.enqueue(w, { kind: k, payload: 1, key: 'order:1' });
    const b = await jobs.enqueue(w, { kind: k, payload: 2, key: 'order:1' });
    expect(a.created).toBe(true);
    expect(b).toEqual({ id: a.id, created: false });
    // Another workspace or kind may use the same key.
    expect((await jobs.enqueue(ws(), { kind: k, payload: 1, key: 'order:1' })).created).toBe(true);
    expect((await jobs.enqueue(w, { kind: k + 'x', payload: 1, key: 'order:1' })).created).toBe(true);
    // Batches skip keys an unfinished job holds and repeated keys within the batch.
    const n = await jobs.enqueueMany(w, [
      { kind: k, payload: 1, key: 'order:1' },
      { kind: k, payload: 1, key: 'order:2' },
      { kind: k, payload: 1, key: 'order:2' },
      { kind: k, payload: 1 },
    ]);
    expect(n).toBe(2);
    await jobs.drain({ kinds: [k] });
    // Once finished, the key is free again.
    const c = await jobs.enqueue(w, { kind: k, payload: 3, key: 'order:1' });
    expect(c.created).toBe(true);
    expect(c.id).not.toBe(a.id);
    // Inside a caller's transaction: rolled back with it, committed with it.
    await expect(
      ctx.store.transaction(async (tx) => {
        await jobs.enqueue(w, { kind: k, payload: 4, key: 'tx:1' }, tx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await jobs.list(w, { limit: 10, key: 'tx:1' })).data).toHaveLength(0);
    const committed = await ctx.store.transaction((tx) => jobs.enqueue(w, { kind: k, payload: 4, key: 'tx:1' }, tx));
    expect((await jobs.get(w, committed.id)).state).toBe('queued');
  });

  it('retries with exponential backoff, then goes dead with the last error kept', async () => {
    const clock = fakeClock();
    const jobs = service(ctx.store, clock);
    const w = ws();
    const k = kind();
    let calls = 0;
    jobs.register(k, async (job) => {
      calls++;
      throw new Error(`boom ${job.attempt}`);
    }, { backoff: { baseMs: 10_000 } });
    const { id } = await jobs.enqueue(w, { kind: k, payload: null, maxAttempts: 3 });
    expect(await jobs.drain({ kinds: [k] })).toBe(1);
    let j = await jobs.get(w, id);
    expect(j).toMatchObject({ state: 'queued', attempt: 1, last_error: 'boom 1' });
    const delay1 = Date.parse(j.run_at) - clock.ms;
    expect(delay1).toBeGreaterThanOrEqual(5_000);
    expect(delay1).toBeLessThanOrEqual(10_000);
    // Not due yet: nothing runs.
    expect(await jobs.drain({ kinds: [k] })).toBe(0);
    clock.advance(delay1);
    expect(await jobs.drain({ kinds: [k] })).toBe(1);
    j = await jobs.get(w, id);
    expect(j).toMatchObject({ state: 'queued', attempt: 2, last_error: 'boom 2' });
    const delay2 = Date.parse(j.run_at) - clock.ms;
    expect(delay2).toBeGreaterThanOrEqual(10_000);
    expect(delay2).toBeLessThanOrEqual(20_000);
    clock.advance(delay2);
    await jobs.drain({ kinds: [k] });
    j = await jobs.get(w, id);
    expect(j).toMatchObject({ state: 'dead', attempt: 3, last_error: 'boom 3' });
    expect(calls).toBe(3);
    // retry: fresh attempts, and it runs again.
    const r = await jobs.retry(w, id);
    expect(r).toMatchObject({ state: 'queued', attempt: 0 });
    await jobs.drain({ kinds: [k] });
    expect(calls).toBe(4);
  });

  it('buries a permanent failure at once and treats retryAt as a continuation', async () => {
    const clock = fakeClock();
    const jobs = service(ctx.store, clock);
    const w = ws();
    const k = kind();
    let slices = 0;
    jobs.register(k, async (job) => {
      if (job.payload === 'bad') throw new PermanentJobError('unknown template');
      slices++;
      if (slices < 3) return { retryAt: new Date(clock.ms + 1000).toISOString() };
    });
    const bad = await jobs.enqueue(w, { kind: k, payload: 'bad' });
    const cont = await jobs.enqueue(w, { kind: k, payload: 'ok', maxAttempts: 1 });
    await jobs.drain({ kinds: [k] });
    expect(await jobs.get(w, bad.id)).toMatchObject({ state: 'dead', attempt: 1, last_error: 'PermanentJobError: unknown template' });
    for (let i = 0; i < 2; i++) {
      expect((await jobs.get(w, cont.id)).state).toBe('queued');
      clock.advance(1000);
      await jobs.drain({ kinds: [k] });
    }
    // Three slices with max_attempts 1: a continuation does not use up an attempt.
    expect(await jobs.get(w, cont.id)).toMatchObject({ state: 'done', attempt: 1 });
    expect(slices).toBe(3);
  });

  it('fails an attempt that outlives its timeout, even if the handler ignores the signal', async () => {
    const jobs = service(ctx.store);
    const w = ws();
    const k = kind();
    jobs.register(k, () => new Promise(() => undefined), { timeoutMs: 30, maxAttempts: 1 });
    const { id } = await jobs.enqueue(w, { kind: k, payload: null });
    expect(await jobs.drain({ kinds: [k] })).toBe(1);
    expect(await jobs.get(w, id)).toMatchObject({ state: 'dead', last_error: 'SiyuError: the attempt ran longer than 30 ms' });
  });

  it('re-claims the job of a dead worker after its lease expires, with attempt + 1, fencing the old holder', async () => {
    const clock = fakeClock();
    const jobs = service(ctx.store, clock);
    const w = ws();
    const k = kind();
    const runs: ClaimedJob[] = [];
    jobs.register(k, async (job) => void runs.push(job), { leaseMs: 30_000 });
    const { id } = await jobs.enqueue(w, { kind: k, payload: 'x' });
    // A worker claims it and dies (never renews, never finishes).
    const now = clock.now().toISOString();
    const claimed = await ctx.store.transaction((tx) => jobsRepo.claim(tx, ctx.store.capabilities.skipLocked, k, 10, 'dead-worker', now, new Date(clock.ms + 30_000).toISOString()));
    expect(claimed.map((r) => r.id)).toEqual([id]);
    expect(await jobs.drain({ kinds: [k] })).toBe(0); // still leased
    clock.advance(30_001);
    expect(await jobs.drain({ kinds: [k] })).toBe(1);
    expect(runs.map((r) => r.attempt)).toEqual([2]);
    const j = await jobs.get(w, id);
    expect(j).toMatchObject({ state: 'done', attempt: 2 });
    expect(j.last_error).toContain('lease expired: worker dead-worker');
    // The dead worker's late completion no longer counts.
    expect(await ctx.store.transaction((tx) => jobsRepo.complete(tx, 'dead-worker', { id, attempt: 1 }, clock.now().toISOString()))).toBe(0);
  });

  it('buries a job whose last attempt lost its lease', async () => {
    const clock = fakeClock();
    const jobs = service(ctx.store, clock);
    const w = ws();
    const k = kind();
    jobs.register(k, async () => undefined);
    const { id } = await jobs.enqueue(w, { kind: k, payload: 'x', maxAttempts: 1 });
    await ctx.store.transaction((tx) => jobsRepo.claim(tx, ctx.store.capabilities.skipLocked, k, 10, 'dead-worker', clock.now().toISOString(), new Date(clock.ms + 1000).toISOString()));
    clock.advance(1001);
    expect(await jobs.drain({ kinds: [k] })).toBe(0);
    expect(await jobs.get(w, id)).toMatchObject({ state: 'dead', attempt: 1 });
  });

  it('a heartbeat keeps the lease; cancel aborts the running handler', async () => {
    const clock = fakeClock();
    const a = service(ctx.store, clock);
    const b = service(ctx.store, clock);
    const w = ws();
    const k = kind();
    let ctxA: JobContext | undefined;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    a.register(k, async (_job, c) => {
      ctxA = c;
      started();
      await gate;
    }, { leaseMs: 10_000 });
    let stolen = 0;
    b.register(k, async () => void stolen++, { leaseMs: 10_000 });
    const { id } = await a.enqueue(w, { kind: k, payload: 1 });
    const drained = a.drain({ kinds: [k], workerId: 'worker-a' });
    await running;
    clock.advance(9_000);
    await ctxA!.heartbeat(); // lease now until +19 s
    clock.advance(9_000); // past the first lease, within the renewed one
    expect(await b.drain({ kinds: [k] })).toBe(0);
    release();
    await drained;
    expect(stolen).toBe(0);
    expect(await a.get(w, id)).toMatchObject({ state: 'done', attempt: 1 });

    // Cancelling a running job: its heartbeat fails and its signal aborts; the job stays cancelled.
    let signal: AbortSignal | undefined;
    let beat: (() => Promise<void>) | undefined;
    let go!: () => void;
    const gate2 = new Promise<void>((r) => (go = r));
    let started2!: () => void;
    const running2 = new Promise<void>((r) => (started2 = r));
    a.register(k, async (_job, c) => {
      signal = c.signal;
      beat = c.heartbeat;
      started2();
      await gate2;
    });
    const second = await a.enqueue(w, { kind: k, payload: 2 });
    const drained2 = a.drain({ kinds: [k] });
    await running2;
    expect((await a.cancel(w, second.id)).state).toBe('cancelled');
    await expect(beat!()).rejects.toMatchObject({ code: 'job.lease_lost' });
    expect(signal!.aborted).toBe(true);
    go();
    await drained2;
    expect((await a.get(w, second.id)).state).toBe('cancelled');
  });

  it('runs jobs with the worker loop, per-kind concurrency, and on stop hands unfinished jobs back', async () => {
    const jobs = service(ctx.store, { now: () => new Date() });
    const w = ws();
    const k = kind();
    const slow = kind();
    let active = 0;
    let peak = 0;
    let count = 0;
    jobs.register(k, async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 2));
      active--;
      count++;
    }, { concurrency: 3 });
    let stuckStarted!: () => void;
    const stuck = new Promise<void>((r) => (stuckStarted = r));
    jobs.register(slow, async (_job, { signal }) => {
      stuckStarted();
      await new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    jobs.startWorker({ kinds: [k, slow], pollMs: 20 });
    expect(await jobs.enqueueMany(w, Array.from({ length: 40 }, (_, i) => ({ kind: k, payload: i })))).toBe(40);
    const { id } = await jobs.enqueue(w, { kind: slow, payload: null });
    await stuck;
    while (count < 40) await new Promise((r) => setTimeout(r, 10));
    expect(peak).toBeLessThanOrEqual(3);
    await jobs.stopWorker(20);
    expect(jobs.workerRunning).toBe(false);
    // The stuck job is back in the queue, its attempt not counted.
    expect(await jobs.get(w, id)).toMatchObject({ state: 'queued', attempt: 0, locked_by: null });
    expect((await jobs.list(w, { limit: 100, kind: k, state: 'done' })).data).toHaveLength(40);
  });

  it('exports metrics: claims, completions, failures, queue depth and lag', async () => {
    const registry = new Registry();
    const clock = fakeClock();
    const jobs = service(ctx.store, clock, registry);
    const w = ws();
    const k = kind();
    jobs.register(k, async (job) => {
      if (job.payload === 'fail') throw new Error('no');
    });
    await jobs.enqueue(w, { kind: k, payload: 'ok' });
    await jobs.enqueue(w, { kind: k, payload: 'fail', maxAttempts: 1 });
    await jobs.enqueue(w, { kind: k, payload: 'later', runAt: new Date(clock.ms + 60_000).toISOString() });
    await jobs.drain({ kinds: [k] });
    const text = await registry.metrics();
    expect(text).toContain(`siyu_jobs_claimed_total{kind="${k}"} 2`);
    expect(text).toContain(`siyu_jobs_completed_total{kind="${k}"} 1`);
    expect(text).toContain(`siyu_jobs_failed_total{kind="${k}",outcome="dead"} 1`);
    expect(text).toContain(`siyu_jobs_queue_depth{kind="${k}",state="queued"} 1`);
    expect(text).toContain(`siyu_jobs_queue_depth{kind="${k}",state="dead"} 1`);
    clock.advance(90_000);
    expect(await registry.metrics()).toContain(`siyu_jobs_lag_seconds{kind="${k}"} 30`);
  });
});
