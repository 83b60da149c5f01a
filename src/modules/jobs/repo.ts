// SQL of the jobs table: insert (idempotent on the live key), claim under a lease, finish with a fencing check,
// lease renewal and recovery, and the admin reads and writes. One dialect for both engines; the only difference
// (row locks that skip locked rows) comes from the store's `skipLocked` capability.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';
import type { JobState } from './types.ts';

export interface JobRow {
  workspace_id: string;
  id: string;
  kind: string;
  payload: any;
  job_key: string | null;
  state: JobState;
  priority: number;
  run_at: string;
  attempt: number;
  max_attempts: number;
  locked_by: string | null;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** A row to insert; `payload` is nested as is (serialised by the repo). */
export interface NewJob {
  id: string;
  kind: string;
  payload: unknown;
  key: string | null;
  priority: number;
  runAt: string;
  maxAttempts: number;
}

/** A running job as this worker holds it: the (id, attempt) pair fences every write against a stale runner. */
export interface Lease {
  id: string;
  attempt: number;
}

const COLS =
  'workspace_id, id, kind, payload, job_key, state, priority, run_at, attempt, max_attempts, locked_by, lease_until, last_error, created_at, updated_at, started_at, finished_at';
const LEASE_COLS: JsonColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'attempt', type: 'bigint' },
];
/** Only the current holder of a job's lease may finish, renew or release it. */
const HELD = `jobs.state = 'running' AND jobs.locked_by = $1`;

export const jobsRepo = {
  /** Inserts one job unless an unfinished job of the kind holds the key; returns rows inserted (0 or 1). */
  insert(db: SqlExecutor, ws: string, j: NewJob, now: string): Promise<number> {
    return db.execCount(
      `INSERT INTO jobs (workspace_id, id, kind, payload, job_key, live_key, state, priority, run_at, attempt, max_attempts, created_at, updated_at)
       VALUES ($1, $2, $3, $4::JSON, $5, $5, 'queued', $6, $7::TIMESTAMPTZ, 0, $8, $9::TIMESTAMPTZ, $9::TIMESTAMPTZ)
       ${j.key === null ? '' : 'ON CONFLICT DO NOTHING'}`,
      [ws, j.id, j.kind, JSON.stringify(j.payload ?? null), j.key, j.priority, j.runAt, j.maxAttempts, now],
    );
  },

  /**
   * Inserts a batch (keys already unique within it) as one JSON parameter per statement; returns rows inserted.
   * Keyless jobs go in a statement without ON CONFLICT: DuckDB 1.5's target-less `ON CONFLICT DO NOTHING` treats
   * rows whose unique columns are NULL as duplicates of each other within one statement (40 keyless rows → 1).
   */
  async insertMany(db: SqlExecutor, store: Store, ws: string, jobs: NewJob[], now: string): Promise<number> {
    const keyed = jobs.filter((j) => j.key !== null);
    const keyless = jobs.filter((j) => j.key === null);
    return (keyed.length ? await this.insertBatch(db, store, ws, keyed, now, true) : 0) + (keyless.length ? await this.insertBatch(db, store, ws, keyless, now, false) : 0);
  },

  insertBatch(db: SqlExecutor, store: Store, ws: string, jobs: NewJob[], now: string, keyed: boolean): Promise<number> {
    const cols: JsonColumn[] = [
      { name: 'id', type: 'text' },
      { name: 'kind', type: 'text' },
      { name: 'payload', type: 'json' },
      { name: 'job_key', type: 'text' },
      { name: 'priority', type: 'bigint' },
      { name: 'run_at', type: 'timestamptz' },
      { name: 'max_attempts', type: 'bigint' },
    ];
    const rows = jobs.map((j) => ({ id: j.id, kind: j.kind, payload: j.payload ?? null, job_key: j.key, priority: j.priority, run_at: j.runAt, max_attempts: j.maxAttempts }));
    return db.execCount(
      `INSERT INTO jobs (workspace_id, id, kind, payload, job_key, live_key, state, priority, run_at, attempt, max_attempts, created_at, updated_at)
       SELECT $2, r.id, r.kind, r.payload, r.job_key, r.job_key, 'queued', r.priority, r.run_at, 0, r.max_attempts, $3::TIMESTAMPTZ, $3::TIMESTAMPTZ
       FROM ${store.jsonRows(1, cols, 'r')}
       ${keyed ? 'ON CONFLICT DO NOTHING' : ''}`,
      [JSON.stringify(rows), ws, now],
    );
  },

  /** The unfinished job of `kind` holding `key`, if any. */
  async liveByKey(db: SqlExecutor, ws: string, kind: string, key: string): Promise<string | null> {
    const r = await db.query<{ id: string }>('SELECT id FROM jobs WHERE workspace_id = $1 AND kind = $2 AND live_key = $3', [ws, kind, key]);
    return r[0]?.id ?? null;
  },

  async get(db: SqlExecutor, ws: string, id: string): Promise<JobRow | null> {
    const r = await db.query<JobRow>(`SELECT ${COLS} FROM jobs WHERE workspace_id = $1 AND id = $2`, [ws, id]);
    return r[0] ?? null;
  },

  /** A page of a workspace's jobs, newest first (ids sort by creation time), after the id `before`. */
  list(db: SqlExecutor, ws: string, f: { states?: JobState[]; kind?: string; key?: string; before?: string; limit: number }): Promise<JobRow[]> {
    const params: (string | number)[] = [ws];
    const where = ['workspace_id = $1'];
    if (f.states?.length) where.push(`state IN (${f.states.map((s) => `$${params.push(s)}`).join(', ')})`);
    if (f.kind) where.push(`kind = $${params.push(f.kind)}`);
    if (f.key) where.push(`job_key = $${params.push(f.key)}`);
    if (f.before) where.push(`id < $${params.push(f.before)}`);
    return db.query<JobRow>(`SELECT ${COLS} FROM jobs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.push(f.limit)}`, params);
  },

  /**
   * Claims up to `n` due jobs of `kind` for `worker` until `leaseUntil`, highest priority first. PostgreSQL skips
   * rows other workers hold locked (so concurrent claimers split the queue); DuckDB (one process) serialises
   * conflicting claims through the store's conflict retry.
   */
  claim(db: SqlExecutor, skipLocked: boolean, kind: string, n: number, worker: string, now: string, leaseUntil: string): Promise<JobRow[]> {
    return db.query<JobRow>(
      `WITH picked AS MATERIALIZED (
         SELECT id FROM jobs WHERE state = 'queued' AND kind = $1 AND run_at <= $2::TIMESTAMPTZ
         ORDER BY priority DESC, run_at, id LIMIT $3 ${skipLocked ? 'FOR UPDATE SKIP LOCKED' : ''})
       UPDATE jobs SET state = 'running', attempt = attempt + 1, locked_by = $4, lease_until = $5::TIMESTAMPTZ,
         started_at = $2::TIMESTAMPTZ, updated_at = $2::TIMESTAMPTZ
       WHERE id IN (SELECT id FROM picked) AND state = 'queued'
       RETURNING ${COLS}`,
      [kind, now, n, worker, leaseUntil],
    );
  },

  /**
   * Which of `kinds` have a due queued job: one probe for all idle kinds instead of one claim each (an index probe
   * per kind on PostgreSQL, one semi-join scan on DuckDB).
   */
  async dueKinds(db: SqlExecutor, store: Store, kinds: string[], now: string): Promise<Set<string>> {
    const rows = await db.query<{ kind: string }>(
      `SELECT k.kind FROM ${store.jsonRows(1, [{ name: 'kind', type: 'text' }], 'k')}
       WHERE EXISTS (SELECT 1 FROM jobs WHERE jobs.kind = k.kind AND jobs.state = 'queued' AND jobs.run_at <= $2::TIMESTAMPTZ)`,
      [JSON.stringify(kinds.map((kind) => ({ kind }))), now],
    );
    return new Set(rows.map((r) => r.kind));
  },

  /** Marks a held job done; 0 when the lease was lost (cancelled, expired and re-claimed). */
  complete(db: SqlExecutor, worker: string, l: Lease, now: string): Promise<number> {
    return db.execCount(
      `UPDATE jobs SET state = 'done', live_key = NULL, locked_by = NULL, lease_until = NULL, finished_at = $4::TIMESTAMPTZ, updated_at = $4::TIMESTAMPTZ
       WHERE ${HELD} AND jobs.id = $2 AND jobs.attempt = $3`,
      [worker, l.id, l.attempt, now],
    );
  },

  /** Marks many held jobs done in one statement (group commit); returns the ids still held, i.e. completed. */
  async completeMany(db: SqlExecutor, store: Store, worker: string, leases: Lease[], now: string): Promise<Set<string>> {
    const rows = await db.query<{ id: string }>(
      `UPDATE jobs SET state = 'done', live_key = NULL, locked_by = NULL, lease_until = NULL, finished_at = $2::TIMESTAMPTZ, updated_at = $2::TIMESTAMPTZ
       FROM ${store.jsonRows(3, LEASE_COLS, 'h')}
       WHERE ${HELD} AND jobs.id = h.id AND jobs.attempt = h.attempt RETURNING jobs.id`,
      [worker, now, JSON.stringify(leases)],
    );
    return new Set(rows.map((r) => r.id));
  },

  /** Puts a held job back in the queue for `runAt`; `refund` gives the attempt back (a continuation, not a failure). */
  requeue(db: SqlExecutor, worker: string, l: Lease, o: { runAt: string; error: string | null; refund: boolean }, now: string): Promise<number> {
    return db.execCount(
      `UPDATE jobs SET state = 'queued', attempt = attempt - $5, run_at = $4::TIMESTAMPTZ, last_error = COALESCE($6, last_error),
         locked_by = NULL, lease_until = NULL, updated_at = $7::TIMESTAMPTZ
       WHERE ${HELD} AND jobs.id = $2 AND jobs.attempt = $3`,
      [worker, l.id, l.attempt, o.runAt, o.refund ? 1 : 0, o.error, now],
    );
  },

  /** A held job failed for the last time: dead, with the error kept. */
  bury(db: SqlExecutor, worker: string, l: Lease, error: string, now: string): Promise<number> {
    return db.execCount(
      `UPDATE jobs SET state = 'dead', live_key = NULL, last_error = $4, locked_by = NULL, lease_until = NULL,
         finished_at = $5::TIMESTAMPTZ, updated_at = $5::TIMESTAMPTZ
       WHERE ${HELD} AND jobs.id = $2 AND jobs.attempt = $3`,
      [worker, l.id, l.attempt, error, now],
    );
  },

  /** Renews the leases this worker holds; returns the ids it still holds (the others were lost). */
  async renew(db: SqlExecutor, store: Store, worker: string, leases: Lease[], leaseUntil: string): Promise<Set<string>> {
    const rows = await db.query<{ id: string }>(
      `UPDATE jobs SET lease_until = $2::TIMESTAMPTZ FROM ${store.jsonRows(3, LEASE_COLS, 'h')}
       WHERE ${HELD} AND jobs.id = h.id AND jobs.attempt = h.attempt RETURNING jobs.id`,
      [worker, leaseUntil, JSON.stringify(leases)],
    );
    return new Set(rows.map((r) => r.id));
  },

  /** Hands held jobs back unfinished (graceful stop): queued again, the attempt not counted. */
  release(db: SqlExecutor, store: Store, worker: string, leases: Lease[], now: string): Promise<number> {
    return db.execCount(
      `UPDATE jobs SET state = 'queued', attempt = jobs.attempt - 1, locked_by = NULL, lease_until = NULL, updated_at = $2::TIMESTAMPTZ
       FROM ${store.jsonRows(3, LEASE_COLS, 'h')}
       WHERE ${HELD} AND jobs.id = h.id AND jobs.attempt = h.attempt`,
      [worker, now, JSON.stringify(leases)],
    );
  },

  /**
   * Jobs whose lease ran out (their worker died or hung): queued again to be claimed with attempt + 1, or dead when
   * that was their last attempt. Returns how many of each.
   */
  async recoverExpired(db: SqlExecutor, now: string): Promise<{ requeued: number; dead: number }> {
    const why = `'lease expired: worker ' || COALESCE(locked_by, '?') || ' stopped renewing it'`;
    const dead = await db.execCount(
      `UPDATE jobs SET state = 'dead', live_key = NULL, last_error = ${why}, locked_by = NULL, lease_until = NULL,
         finished_at = $1::TIMESTAMPTZ, updated_at = $1::TIMESTAMPTZ
       WHERE state = 'running' AND lease_until < $1::TIMESTAMPTZ AND attempt >= max_attempts`,
      [now],
    );
    const requeued = await db.execCount(
      `UPDATE jobs SET state = 'queued', last_error = ${why}, locked_by = NULL, lease_until = NULL, updated_at = $1::TIMESTAMPTZ
       WHERE state = 'running' AND lease_until < $1::TIMESTAMPTZ AND attempt < max_attempts`,
      [now],
    );
    return { requeued, dead };
  },

  /** Cancels a queued or running job (a running one's worker learns it at its next lease renewal). */
  cancel(db: SqlExecutor, ws: string, id: string, now: string): Promise<number> {
    return db.execCount(
      `UPDATE jobs SET state = 'cancelled', live_key = NULL, locked_by = NULL, lease_until = NULL, finished_at = $3::TIMESTAMPTZ, updated_at = $3::TIMESTAMPTZ
       WHERE workspace_id = $1 AND id = $2 AND state IN ('queued', 'running')`,
      [ws, id, now],
    );
  },

  /** Dead or cancelled → queued with fresh attempts; queued → due now. */
  retry(db: SqlExecutor, ws: string, id: string, now: string): Promise<number> {
    return db.execCount(
      `UPDATE jobs SET attempt = CASE WHEN state = 'queued' THEN attempt ELSE 0 END, state = 'queued', live_key = job_key,
         run_at = $3::TIMESTAMPTZ, finished_at = NULL, updated_at = $3::TIMESTAMPTZ
       WHERE workspace_id = $1 AND id = $2 AND state IN ('queued', 'dead', 'cancelled')`,
      [ws, id, now],
    );
  },

  /** Job counts by kind and state, of one workspace or of all. */
  counts(db: SqlExecutor, ws?: string): Promise<Array<{ kind: string; state: JobState; n: number }>> {
    return ws
      ? db.query(`SELECT kind, state, count(*) AS n FROM jobs WHERE workspace_id = $1 GROUP BY kind, state ORDER BY kind, state`, [ws])
      : db.query(`SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state ORDER BY kind, state`);
  },

  /** The oldest due run_at among queued jobs, per kind (queue lag), of one workspace or of all. */
  oldestDue(db: SqlExecutor, now: string, ws?: string): Promise<Array<{ kind: string; oldest: string }>> {
    return ws
      ? db.query(`SELECT kind, min(run_at) AS oldest FROM jobs WHERE workspace_id = $2 AND state = 'queued' AND run_at <= $1::TIMESTAMPTZ GROUP BY kind`, [now, ws])
      : db.query(`SELECT kind, min(run_at) AS oldest FROM jobs WHERE state = 'queued' AND run_at <= $1::TIMESTAMPTZ GROUP BY kind`, [now]);
  },

  /** Deletes done and cancelled jobs finished before `doneBefore`, dead ones before `deadBefore`. */
  purge(db: SqlExecutor, doneBefore: string, deadBefore: string): Promise<number> {
    return db.execCount(
      `DELETE FROM jobs WHERE (state IN ('done', 'cancelled') AND finished_at < $1::TIMESTAMPTZ) OR (state = 'dead' AND finished_at < $2::TIMESTAMPTZ)`,
      [doneBefore, deadBefore],
    );
  },
};
