// The JSON shapes of jobs and schedules in the API and CLI (snake_case), and the opaque page cursor of job lists.
import { invalid } from '../../core/errors.ts';
import type { JobRow } from './repo.ts';
import type { ScheduleRow } from './schedule-repo.ts';

/** A job as the API shows it. */
export function jobView(r: JobRow) {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    payload: r.payload,
    key: r.job_key,
    priority: r.priority,
    run_at: r.run_at,
    attempt: r.attempt,
    max_attempts: r.max_attempts,
    locked_by: r.locked_by,
    lease_until: r.lease_until,
    last_error: r.last_error,
    created_at: r.created_at,
    updated_at: r.updated_at,
    started_at: r.started_at,
    finished_at: r.finished_at,
  };
}
export type JobView = ReturnType<typeof jobView>;

/** A schedule as the API shows it. */
export function scheduleView(r: ScheduleRow) {
  return {
    id: r.id,
    name: r.name,
    cron: r.cron,
    timezone: r.timezone,
    kind: r.kind,
    payload: r.payload,
    enabled: r.enabled,
    next_run_at: r.next_run_at,
    last_run_at: r.last_run_at,
    last_job_id: r.last_job_id,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
export type ScheduleView = ReturnType<typeof scheduleView>;

/** Page cursor of job lists: the last id returned (ids sort by creation time). */
export const encodeCursor = (id: string) => Buffer.from(id).toString('base64url');

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^job_[0-9A-Z]{26}$/.test(id)) throw invalid('request.invalid_cursor', 'cursor is not one this API returned', 'cursor');
  return id;
}
