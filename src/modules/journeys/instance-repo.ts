// SQL of members' positions in journeys (journey_instances) and the step log: idempotent entry, claims under a
// lease (PostgreSQL skips rows other workers hold), fenced position writes, and the reads of triggers and views.
import type { JsonColumn, Row, SqlExecutor, Store } from '../../store/port.ts';

export type InstanceState = 'active' | 'completed' | 'exited' | 'goal' | 'holdout' | 'failed' | 'archived';
export const ENDED_STATES: InstanceState[] = ['completed', 'exited', 'goal', 'holdout', 'failed', 'archived'];

export interface InstanceContext {
  /** The entry event (event triggers) or what else entered the member. */
  entry?: { event?: string; message_id?: string; properties?: Record<string, unknown>; ts?: string; source?: string; order_id?: string };
  /** The coupon an issue_coupon step gave, for later sends (`coupon` in templates). */
  coupon?: Record<string, unknown>;
  /** Branch taken per split/condition step id. */
  branches?: Record<string, string>;
  /** Times each step was reached (a send's source key carries the visit when > 1). */
  visits?: Record<string, number>;
  [k: string]: unknown;
}

export interface InstanceRow {
  id: string;
  journey_id: string;
  version: number;
  member_id: string;
  instance_key: string;
  entry_key: string;
  entry_seq: number;
  state: InstanceState;
  step_id: string | null;
  seq: number;
  wake_at: string | null;
  wait_until: string | null;
  wait_event: string | null;
  anchor_at: string;
  attempts: number;
  last_error: string | null;
  context: InstanceContext;
  entered_at: string;
  updated_at: string;
  ended_at: string | null;
  locked_by: string | null;
  lease_until: string | null;
}

export interface NewInstance {
  id: string;
  journey_id: string;
  version: number;
  member_id: string;
  instance_key: string;
  entry_key: string;
  entry_seq: number;
  state: InstanceState;
  step_id: string;
  wake_at: string | null;
  anchor_at: string;
  context: InstanceContext;
  locked_by: string | null;
  lease_until: string | null;
  ended_at: string | null;
}

/** A position written back after a round of steps (fenced on the seq it was read with and the lease holder). */
export interface PositionWrite {
  id: string;
  prev_seq: number;
  state: InstanceState;
  step_id: string | null;
  seq: number;
  wake_at: string | null;
  wait_until: string | null;
  wait_event: string | null;
  anchor_at: string;
  attempts: number;
  last_error: string | null;
  context: InstanceContext;
  ended_at: string | null;
  /** Give the lease up (the instance is done for now). */
  release: boolean;
}

export interface LogRow {
  instance_id: string;
  seq: number;
  journey_id: string;
  version: number;
  member_id: string;
  step_id: string;
  step_type: string;
  outcome: string;
  detail: Record<string, unknown> | null;
}

/** Every column of journey_instances, in toInstance's order. */
export const COLS =
  'id, journey_id, version, member_id, instance_key, entry_key, entry_seq, state, step_id, seq, wake_at, wait_until, wait_event, anchor_at, attempts, last_error, context, entered_at, updated_at, ended_at, locked_by, lease_until';
const IN_CHUNK = 1000;
const col = (name: string, type: JsonColumn['type']): JsonColumn => ({ name, type });

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());

export function toInstance(r: Row): InstanceRow {
  return {
    ...(r as InstanceRow),
    version: Number(r.version),
    entry_seq: Number(r.entry_seq),
    seq: Number(r.seq),
    attempts: Number(r.attempts),
    context: (json(r.context) ?? {}) as InstanceContext,
    wake_at: iso(r.wake_at),
    wait_until: iso(r.wait_until),
    anchor_at: iso(r.anchor_at)!,
    entered_at: iso(r.entered_at)!,
    updated_at: iso(r.updated_at)!,
    ended_at: iso(r.ended_at),
    lease_until: iso(r.lease_until),
  };
}

/**
 * Runs `sql(list)` where the SQL says `… IN (${list})` for `keys` ($1 is the workspace, `extra` params follow): a
 * subquery over one JSON parameter where the engine hashes IN (DuckDB), bound keys in chunks elsewhere (PostgreSQL
 * answers those from an index).
 */
export async function byKeys<T extends Row>(store: Store, db: SqlExecutor, ws: string, keys: string[], sql: (list: string) => string, extra: (string | number | null)[] = []): Promise<T[]> {
  if (keys.length === 0) return [];
  if (store.capabilities.subqueryJoins) {
    const list = `SELECT _k.k FROM ${store.jsonRows(2 + extra.length, [col('k', 'text')], '_k')}`;
    return db.query<T>(sql(list), [ws, ...extra, JSON.stringify(keys.map((k) => ({ k })))]);
  }
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += IN_CHUNK) {
    const chunk = keys.slice(i, i + IN_CHUNK);
    const list = chunk.map((_, j) => `$${2 + extra.length + j}`).join(', ');
    out.push(...(await db.query<T>(sql(list), [ws, ...extra, ...chunk])));
  }
  return out;
}

const INSERT_COLS: JsonColumn[] = [
  col('id', 'text'), col('journey_id', 'text'), col('version', 'bigint'), col('member_id', 'text'), col('instance_key', 'text'),
  col('entry_key', 'text'), col('entry_seq', 'bigint'), col('state', 'text'), col('step_id', 'text'), col('wake_at', 'timestamptz'),
  col('anchor_at', 'timestamptz'), col('context', 'json'), col('locked_by', 'text'), col('lease_until', 'timestamptz'), col('ended_at', 'timestamptz'),
];

const POSITION_COLS: JsonColumn[] = [
  col('id', 'text'), col('prev_seq', 'bigint'), col('state', 'text'), col('step_id', 'text'), col('seq', 'bigint'), col('wake_at', 'timestamptz'),
  col('wait_until', 'timestamptz'), col('wait_event', 'text'), col('anchor_at', 'timestamptz'), col('attempts', 'bigint'), col('last_error', 'text'),
  col('context', 'json'), col('ended_at', 'timestamptz'), col('release', 'boolean'),
];

const LOG_COLS: JsonColumn[] = [
  col('instance_id', 'text'), col('seq', 'bigint'), col('journey_id', 'text'), col('version', 'bigint'), col('member_id', 'text'),
  col('step_id', 'text'), col('step_type', 'text'), col('outcome', 'text'), col('detail', 'json'),
];

export const instancesRepo = {
  /** Prior instances of these members in a journey: what re-entry rules and entry-key dedupe need. */
  async priorOf(store: Store, db: SqlExecutor, ws: string, journeyId: string, memberIds: string[]) {
    return byKeys<{ member_id: string; instance_key: string; entry_key: string; entry_seq: number; state: string; entered_at: string; ended_at: string | null }>(
      store, db, ws, memberIds,
      (list) => `SELECT member_id, instance_key, entry_key, entry_seq, state, entered_at, ended_at FROM journey_instances WHERE workspace_id = $1 AND journey_id = $2 AND member_id IN (${list})`,
      [journeyId],
    );
  },

  /** Inserts new instances; an entry key already used by the member in the journey adds nothing. Returns rows added. */
  insert(db: SqlExecutor, store: Store, ws: string, rows: NewInstance[], now: string): Promise<number> {
    if (rows.length === 0) return Promise.resolve(0);
    return db.execCount(
      `INSERT INTO journey_instances (workspace_id, id, journey_id, version, member_id, instance_key, entry_key, entry_seq, state, step_id, seq,
         wake_at, anchor_at, attempts, context, locked_by, lease_until, entered_at, updated_at, ended_at)
       SELECT $2, r.id, r.journey_id, r.version, r.member_id, r.instance_key, r.entry_key, r.entry_seq, r.state, r.step_id, 0,
         r.wake_at, r.anchor_at, 0, r.context, r.locked_by, r.lease_until, CAST($3 AS TIMESTAMPTZ), CAST($3 AS TIMESTAMPTZ), r.ended_at
       FROM ${store.jsonRows(1, INSERT_COLS, 'r')}
       ON CONFLICT (workspace_id, journey_id, member_id, entry_key) DO NOTHING`,
      [JSON.stringify(rows), ws, now],
    );
  },

  /**
   * Claims up to `n` due active instances of live journeys under a lease, oldest wake first. PostgreSQL skips rows
   * other workers hold locked, so concurrent claimers split the work; DuckDB (one process) retries a conflict.
   */
  async claimDue(db: SqlExecutor, skipLocked: boolean, ws: string, o: { now: string; n: number; worker: string; leaseUntil: string }): Promise<InstanceRow[]> {
    const rows = await db.query(
      `WITH picked AS MATERIALIZED (
         SELECT i.id FROM journey_instances i
         WHERE i.workspace_id = $1 AND i.state = 'active' AND i.wake_at <= CAST($2 AS TIMESTAMPTZ)
           AND (i.lease_until IS NULL OR i.lease_until < CAST($2 AS TIMESTAMPTZ))
           AND i.journey_id IN (SELECT j.id FROM journeys j WHERE j.workspace_id = $1 AND j.status = 'live')
         ORDER BY i.wake_at LIMIT $3 ${skipLocked ? 'FOR UPDATE OF i SKIP LOCKED' : ''})
       UPDATE journey_instances SET locked_by = $4, lease_until = CAST($5 AS TIMESTAMPTZ)
       WHERE workspace_id = $1 AND id IN (SELECT id FROM picked) AND state = 'active'
         AND (lease_until IS NULL OR lease_until < CAST($2 AS TIMESTAMPTZ))
       RETURNING ${COLS}`,
      [ws, o.now, o.n, o.worker, o.leaseUntil],
    );
    return rows.map(toInstance);
  },

  /** Claims the listed active instances whose lease is free (woken by an event, checked for a goal). */
  async claimIds(store: Store, db: SqlExecutor, ws: string, ids: string[], o: { now: string; worker: string; leaseUntil: string }): Promise<InstanceRow[]> {
    if (ids.length === 0) return [];
    const rows = await db.query(
      `UPDATE journey_instances SET locked_by = $2, lease_until = CAST($3 AS TIMESTAMPTZ)
       WHERE workspace_id = $4 AND state = 'active' AND (lease_until IS NULL OR lease_until < CAST($5 AS TIMESTAMPTZ))
         AND id IN (SELECT r.id FROM ${store.jsonRows(1, [col('id', 'text')], 'r')})
         AND journey_id IN (SELECT j.id FROM journeys j WHERE j.workspace_id = $4 AND j.status = 'live')
       RETURNING ${COLS}`,
      [JSON.stringify(ids.map((id) => ({ id }))), o.worker, o.leaseUntil, ws, o.now],
    );
    return rows.map(toInstance);
  },

  /** Extends this worker's leases. */
  async renew(store: Store, db: SqlExecutor, ws: string, worker: string, ids: string[], leaseUntil: string): Promise<void> {
    if (ids.length === 0) return;
    await db.exec(
      `UPDATE journey_instances SET lease_until = CAST($3 AS TIMESTAMPTZ)
       WHERE workspace_id = $2 AND locked_by = $4 AND id IN (SELECT r.id FROM ${store.jsonRows(1, [col('id', 'text')], 'r')})`,
      [JSON.stringify(ids.map((id) => ({ id }))), ws, leaseUntil, worker],
    );
  },

  /** Gives leases up without moving the instances. */
  async release(store: Store, db: SqlExecutor, ws: string, worker: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await db.exec(
      `UPDATE journey_instances SET locked_by = NULL, lease_until = NULL
       WHERE workspace_id = $2 AND locked_by = $3 AND id IN (SELECT r.id FROM ${store.jsonRows(1, [col('id', 'text')], 'r')})`,
      [JSON.stringify(ids.map((id) => ({ id }))), ws, worker],
    );
  },

  /**
   * Writes positions, each only if the instance is still at the seq it was read with and this worker holds it (a
   * worker that lost its lease writes nothing). Returns how many were written.
   */
  writePositions(db: SqlExecutor, store: Store, ws: string, worker: string, rows: PositionWrite[], now: string): Promise<number> {
    if (rows.length === 0) return Promise.resolve(0);
    return db.execCount(
      `UPDATE journey_instances SET state = r.state, step_id = r.step_id, seq = r.seq, wake_at = r.wake_at, wait_until = r.wait_until,
         wait_event = r.wait_event, anchor_at = r.anchor_at, attempts = r.attempts, last_error = r.last_error, context = r.context,
         ended_at = r.ended_at, updated_at = CAST($3 AS TIMESTAMPTZ),
         locked_by = CASE WHEN r.release THEN NULL ELSE journey_instances.locked_by END,
         lease_until = CASE WHEN r.release THEN NULL ELSE journey_instances.lease_until END
       FROM ${store.jsonRows(1, POSITION_COLS, 'r')}
       WHERE journey_instances.workspace_id = $2 AND journey_instances.id = r.id AND journey_instances.seq = r.prev_seq
         AND journey_instances.locked_by = $4`,
      [JSON.stringify(rows), ws, now, worker],
    );
  },

  /** Which of these instances this worker still holds at the given seqs (after a short position write). */
  async held(store: Store, db: SqlExecutor, ws: string, worker: string, ids: string[]): Promise<Map<string, number>> {
    const rows = await byKeys<{ id: string; seq: number }>(store, db, ws, ids, (list) => `SELECT id, seq FROM journey_instances WHERE workspace_id = $1 AND locked_by = $2 AND id IN (${list})`, [worker]);
    return new Map(rows.map((r) => [r.id, Number(r.seq)]));
  },

  insertLog(db: SqlExecutor, store: Store, ws: string, rows: LogRow[], now: string): Promise<number> {
    if (rows.length === 0) return Promise.resolve(0);
    return db.execCount(
      `INSERT INTO journey_step_log (workspace_id, instance_id, seq, journey_id, version, member_id, step_id, step_type, outcome, detail, logged_at)
       SELECT $2, r.instance_id, r.seq, r.journey_id, r.version, r.member_id, r.step_id, r.step_type, r.outcome, r.detail, CAST($3 AS TIMESTAMPTZ)
       FROM ${store.jsonRows(1, LOG_COLS, 'r')}
       ON CONFLICT (workspace_id, instance_id, seq) DO NOTHING`,
      [JSON.stringify(rows), ws, now],
    );
  },

  /** Active instances of these members (optionally of some journeys): for waits woken by events and goal checks. */
  async activeOfMembers(store: Store, db: SqlExecutor, ws: string, memberIds: string[]) {
    return byKeys<{ id: string; journey_id: string; version: number; member_id: string; wait_event: string | null }>(
      store, db, ws, memberIds,
      (list) => `SELECT id, journey_id, version, member_id, wait_event FROM journey_instances WHERE workspace_id = $1 AND state = 'active' AND member_id IN (${list})`,
    );
  },

  /** When the earliest active instance of a live journey is due (null: none). */
  async nextWake(db: SqlExecutor, ws: string): Promise<string | null> {
    const rows = await db.query<{ w: string | null }>(
      `SELECT min(i.wake_at) AS w FROM journey_instances i
       WHERE i.workspace_id = $1 AND i.state = 'active' AND i.journey_id IN (SELECT j.id FROM journeys j WHERE j.workspace_id = $1 AND j.status = 'live')`,
      [ws],
    );
    return iso(rows[0]?.w ?? null);
  },
};
