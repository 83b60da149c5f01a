// The public shapes of the job queue: what callers enqueue, what handlers receive, and the options of a kind.

/** States a job moves through: queued → running → done, or back to queued (retry), or dead / cancelled. */
export type JobState = 'queued' | 'running' | 'done' | 'dead' | 'cancelled';
export const JOB_STATES: JobState[] = ['queued', 'running', 'done', 'dead', 'cancelled'];
/** States a job may still leave; its key is unique among these. */
export const UNFINISHED: JobState[] = ['queued', 'running'];

/**
 * One job to enqueue.
 * @example { kind: 'messaging.send_batch', payload: { broadcastId, offset }, key: `broadcast:${id}:${offset}` }
 */
export interface JobSpec {
  kind: string;
  payload: unknown;
  /** ISO time before which the job is not claimed (default: now). */
  runAt?: string;
  /** Unique per workspace + kind while the job is unfinished: enqueueing the same key again returns that job. */
  key?: string;
  /** Attempts before the job goes dead (default: the kind's `maxAttempts`, else 5). */
  maxAttempts?: number;
  /** Higher runs first among due jobs of the kind (default 0). */
  priority?: number;
}

/** A job as its handler sees it, claimed under a lease by this worker. */
export interface ClaimedJob {
  id: string;
  workspaceId: string;
  kind: string;
  payload: any;
  /** 1 on the first run; a job whose worker died is claimed again with attempt + 1. */
  attempt: number;
  maxAttempts: number;
  key: string | null;
  /** When the job became due (for a schedule's job: the tick it fires for). */
  runAt: string;
  leaseUntil: string;
}

export interface JobContext {
  /** Extends the lease now (the worker also renews leases of running jobs on its own). Throws when the lease was lost. */
  heartbeat(): Promise<void>;
  /** Aborted when the worker stops, the job is cancelled, its lease is lost or its timeout passes. */
  signal: AbortSignal;
}

/**
 * Runs one job. Resolve to finish it (state done); resolve `{ retryAt }` to run it again later without counting a
 * failure (a continuation, e.g. the next throttled slice); throw to fail the attempt (retried with backoff, dead
 * after max attempts). Handlers must be idempotent: execution is at least once.
 */
export type JobHandler = (job: ClaimedJob, ctx: JobContext) => Promise<void | { retryAt?: string }>;

export interface BackoffOptions {
  /** Delay after the first failure (default 1 s); doubles with each further attempt. */
  baseMs?: number;
  /** Longest delay (default 1 h). */
  maxMs?: number;
}

export interface HandlerOptions {
  /** Jobs of this kind one worker process runs at once (default 4). */
  concurrency?: number;
  /** Lease length (default 30 s); the worker renews it every third of that while the handler runs. */
  leaseMs?: number;
  backoff?: BackoffOptions;
  /** Default attempts for jobs of this kind (default 5). */
  maxAttempts?: number;
  /** Aborts and fails an attempt that runs longer (default: no limit). */
  timeoutMs?: number;
}

/** A handler error that should not be retried: the job goes dead at once with this message. */
export class PermanentJobError extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

export const isPermanent = (e: unknown): boolean => (e as { permanent?: unknown })?.permanent === true;
