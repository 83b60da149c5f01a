// SQL of journey instances outside the hot path: reads for the API, and the lifecycle writes of publishing with
// migration, archiving and member merges.
import type { SqlExecutor } from '../../store/port.ts';
import { COLS, toInstance, type InstanceRow, type InstanceState } from './instance-repo.ts';

export const instanceAdmin = {
  async get(db: SqlExecutor, ws: string, id: string): Promise<InstanceRow | null> {
    const rows = await db.query(`SELECT ${COLS} FROM journey_instances WHERE workspace_id = $1 AND id = $2`, [ws, id]);
    return rows[0] ? toInstance(rows[0]) : null;
  },

  /** A page of a journey's instances (newest first), optionally by state, member or step. */
  async list(db: SqlExecutor, ws: string, q: { journeyId?: string; memberId?: string; states?: string[]; step?: string; before?: string; limit: number }): Promise<InstanceRow[]> {
    const where = ['workspace_id = $1'];
    const params: (string | number)[] = [ws];
    const add = (sql: (p: string) => string, v: string | number) => {
      params.push(v);
      where.push(sql(`$${params.length}`));
    };
    if (q.journeyId) add((p) => `journey_id = ${p}`, q.journeyId);
    if (q.memberId) add((p) => `member_id = ${p}`, q.memberId);
    if (q.step) add((p) => `step_id = ${p}`, q.step);
    if (q.before) add((p) => `id < ${p}`, q.before);
    if (q.states?.length) where.push(`state IN (${q.states.map((s) => (params.push(s), `$${params.length}`)).join(', ')})`);
    params.push(q.limit);
    const rows = await db.query(`SELECT ${COLS} FROM journey_instances WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`, params);
    return rows.map(toInstance);
  },

  /** Active instances of a journey per version and step (what a migrating publish must place). */
  async occupied(db: SqlExecutor, ws: string, journeyId: string): Promise<{ version: number; step_id: string; n: number }[]> {
    const rows = await db.query<{ version: number; step_id: string; n: number }>(
      `SELECT version, step_id, count(*) AS n FROM journey_instances WHERE workspace_id = $1 AND journey_id = $2 AND state = 'active' GROUP BY version, step_id`,
      [ws, journeyId],
    );
    return rows.map((r) => ({ version: Number(r.version), step_id: r.step_id, n: Number(r.n) }));
  },

  /**
   * Moves active instances of version `fromVersion` at step `from` to `version` at step `into` (not those a worker
   * holds right now: they finish on their version). Same step type: the wait is kept; else the new step starts now.
   */
  migrate(db: SqlExecutor, ws: string, journeyId: string, m: { fromVersion: number; version: number; from: string; into: string; keepWait: boolean; now: string }): Promise<number> {
    return db.execCount(
      `UPDATE journey_instances SET version = $3, step_id = $5, updated_at = CAST($6 AS TIMESTAMPTZ),
         wait_until = CASE WHEN CAST($7 AS BOOLEAN) THEN wait_until ELSE NULL END,
         wait_event = CASE WHEN CAST($7 AS BOOLEAN) THEN wait_event ELSE NULL END,
         wake_at = CASE WHEN CAST($7 AS BOOLEAN) THEN wake_at ELSE CAST($6 AS TIMESTAMPTZ) END
       WHERE workspace_id = $1 AND journey_id = $2 AND state = 'active' AND version = $8 AND step_id = $4
         AND (lease_until IS NULL OR lease_until < CAST($6 AS TIMESTAMPTZ))`,
      [ws, journeyId, m.version, m.from, m.into, m.now, m.keepWait, m.fromVersion],
    );
  },

  /**
   * A member merged into another: its active instances follow the survivor (a cart reminder reaches the signed-in
   * member), except where the survivor already has an instance from the same trigger — that one ends as exited.
   */
  async moveOnMerge(db: SqlExecutor, ws: string, from: string, into: string, now: string): Promise<number> {
    await db.exec(
      `UPDATE journey_instances SET state = 'exited', ended_at = CAST($4 AS TIMESTAMPTZ), updated_at = CAST($4 AS TIMESTAMPTZ), wake_at = NULL,
         last_error = 'member merged into ' || $3
       WHERE workspace_id = $1 AND member_id = $2 AND state = 'active'
         AND EXISTS (SELECT 1 FROM journey_instances j2 WHERE j2.workspace_id = $1 AND j2.journey_id = journey_instances.journey_id
                       AND j2.member_id = $3 AND j2.entry_key = journey_instances.entry_key)`,
      [ws, from, into, now],
    );
    return db.execCount(`UPDATE journey_instances SET member_id = $3, updated_at = CAST($4 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND member_id = $2 AND state = 'active'`, [ws, from, into, now]);
  },

  /** Ends every active instance of a journey (archive), logging where each stood. Returns how many ended. */
  async endAll(db: SqlExecutor, ws: string, journeyId: string, state: InstanceState, outcome: string, now: string): Promise<number> {
    await db.exec(
      `INSERT INTO journey_step_log (workspace_id, instance_id, seq, journey_id, version, member_id, step_id, step_type, outcome, detail, logged_at)
       SELECT workspace_id, id, seq + 1, journey_id, version, member_id, step_id, 'end', $3, NULL, CAST($4 AS TIMESTAMPTZ)
       FROM journey_instances WHERE workspace_id = $1 AND journey_id = $2 AND state = 'active'
       ON CONFLICT (workspace_id, instance_id, seq) DO NOTHING`,
      [ws, journeyId, outcome, now],
    );
    return db.execCount(
      `UPDATE journey_instances SET state = $3, seq = seq + 1, ended_at = CAST($4 AS TIMESTAMPTZ), updated_at = CAST($4 AS TIMESTAMPTZ),
         wake_at = NULL, wait_until = NULL, wait_event = NULL, locked_by = NULL, lease_until = NULL
       WHERE workspace_id = $1 AND journey_id = $2 AND state = 'active'`,
      [ws, journeyId, state, now],
    );
  },
};
