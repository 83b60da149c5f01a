// The worker's options and dependencies, a registered kind's resolved options, and small helpers of the claim loop.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Store } from '../../store/port.ts';
import type { JobMetrics } from './metrics.ts';
import type { JobRow } from './repo.ts';
import type { ClaimedJob, HandlerOptions, JobHandler } from './types.ts';

export type ErrorLogger = (err: unknown, msg: string) => void;

/** A registered kind with its options resolved. */
export interface Registered {
  handler: JobHandler;
  concurrency: number;
  leaseMs: number;
  maxAttempts: number;
  backoff: HandlerOptions['backoff'];
  timeoutMs?: number;
}

export interface WorkerOptions {
  /** Only run these kinds (default: every registered kind). */
  kinds?: string[];
  /** Sleep between claim rounds while idle (default 250 ms); enqueues in this process and finished jobs wake it early. */
  pollMs?: number;
  /** Recover jobs with expired leases this often (default 1 s). */
  recoverEveryMs?: number;
  /** Fire due recurring schedules in this process (default true), checked this often (default 1 s). */
  schedules?: boolean;
  scheduleEveryMs?: number;
  /** How long stop waits for running handlers before releasing their jobs to the queue (default 10 s). */
  graceMs?: number;
  /** Keep done and cancelled jobs this long (default 7 days), dead ones this long (default 30 days). */
  retainDoneMs?: number;
  retainDeadMs?: number;
  /** Names this worker in `locked_by` (default host:pid:random). */
  workerId?: string;
}

export interface WorkerDeps {
  store: Store;
  handlers: Map<string, Registered>;
  now(): Date;
  log: ErrorLogger;
  metrics: JobMetrics | null;
  /** Fires the due schedules (enqueueing one job per tick); returns how many fired. */
  fireSchedules(now: Date): Promise<number>;
}

export const iso = (d: Date | number) => new Date(d).toISOString();
export const errorText = (e: unknown) => (e instanceof Error ? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e)).slice(0, 4000);

export const defaultWorkerId = () => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/** A claimed row as its handler sees it. */
export function claimedOf(r: JobRow): ClaimedJob {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    kind: r.kind,
    payload: r.payload,
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    key: r.job_key,
    runAt: r.run_at,
    leaseUntil: r.lease_until ?? r.run_at,
  };
}

/** Rejects with the signal's reason once it aborts (never settles otherwise). */
export function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Waits for all `ps` to settle, or `ms`, whichever comes first. */
export async function settleWithin(ps: Promise<unknown>[], ms: number): Promise<void> {
  if (ps.length === 0) return;
  let t: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(ps), new Promise<void>((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}
