// SQL of job_schedules: recurring schedules and the compare-and-set on next_run_at that fires each tick once.
import type { SqlExecutor } from '../../store/port.ts';

export interface ScheduleRow {
  workspace_id: string;
  id: string;
  name: string;
  cron: string;
  timezone: string;
  kind: string;
  payload: any;
  enabled: boolean;
  next_run_at: string | null;
  last_run_at: string | null;
  last_job_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ScheduleValues {
  cron: string;
  timezone: string;
  kind: string;
  payload: unknown;
  enabled: boolean;
  nextRunAt: string | null;
}

const COLS = 'workspace_id, id, name, cron, timezone, kind, payload, enabled, next_run_at, last_run_at, last_job_id, created_at, updated_at';

export const schedulesRepo = {
  async get(db: SqlExecutor, ws: string, name: string): Promise<ScheduleRow | null> {
    const r = await db.query<ScheduleRow>(`SELECT ${COLS} FROM job_schedules WHERE workspace_id = $1 AND name = $2`, [ws, name]);
    return r[0] ?? null;
  },

  list(db: SqlExecutor, ws: string): Promise<ScheduleRow[]> {
    return db.query<ScheduleRow>(`SELECT ${COLS} FROM job_schedules WHERE workspace_id = $1 ORDER BY name`, [ws]);
  },

  insert(db: SqlExecutor, ws: string, id: string, name: string, v: ScheduleValues, now: string): Promise<void> {
    return db.exec(
      `INSERT INTO job_schedules (workspace_id, id, name, cron, timezone, kind, payload, enabled, next_run_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::JSON, $8, $9::TIMESTAMPTZ, $10::TIMESTAMPTZ, $10::TIMESTAMPTZ)`,
      [ws, id, name, v.cron, v.timezone, v.kind, JSON.stringify(v.payload ?? null), v.enabled, v.nextRunAt, now],
    );
  },

  update(db: SqlExecutor, ws: string, id: string, v: ScheduleValues, now: string): Promise<number> {
    return db.execCount(
      `UPDATE job_schedules SET cron = $3, timezone = $4, kind = $5, payload = $6::JSON, enabled = $7, next_run_at = $8::TIMESTAMPTZ, updated_at = $9::TIMESTAMPTZ
       WHERE workspace_id = $1 AND id = $2`,
      [ws, id, v.cron, v.timezone, v.kind, JSON.stringify(v.payload ?? null), v.enabled, v.nextRunAt, now],
    );
  },

  delete(db: SqlExecutor, ws: string, name: string): Promise<number> {
    return db.execCount('DELETE FROM job_schedules WHERE workspace_id = $1 AND name = $2', [ws, name]);
  },

  /** Enabled schedules of every workspace whose next tick is at or before `now`, oldest tick first. */
  due(db: SqlExecutor, now: string, limit: number): Promise<ScheduleRow[]> {
    return db.query<ScheduleRow>(
      `SELECT ${COLS} FROM job_schedules WHERE enabled AND next_run_at <= $1::TIMESTAMPTZ ORDER BY next_run_at, workspace_id, id LIMIT $2`,
      [now, limit],
    );
  },

  /** The earliest next tick of any enabled schedule (null: none), so the scheduler can sleep until then. */
  async earliest(db: SqlExecutor): Promise<string | null> {
    const r = await db.query<{ t: string | null }>('SELECT min(next_run_at) AS t FROM job_schedules WHERE enabled');
    return r[0]?.t ?? null;
  },

  /**
   * Claims tick `tick` of a schedule: moves next_run_at on to `next` only if it still equals `tick`. Exactly one of
   * several processes racing for the same tick sees 1; the others see 0 and enqueue nothing.
   */
  advance(db: SqlExecutor, ws: string, id: string, tick: string, next: string | null, now: string): Promise<number> {
    return db.execCount(
      `UPDATE job_schedules SET next_run_at = $4::TIMESTAMPTZ, last_run_at = $3::TIMESTAMPTZ, updated_at = $5::TIMESTAMPTZ
       WHERE workspace_id = $1 AND id = $2 AND enabled AND next_run_at = $3::TIMESTAMPTZ`,
      [ws, id, tick, next, now],
    );
  },

  setLastJob(db: SqlExecutor, ws: string, id: string, jobId: string): Promise<void> {
    return db.exec('UPDATE job_schedules SET last_job_id = $3 WHERE workspace_id = $1 AND id = $2', [ws, id, jobId]);
  },
};
