// Request validation of /api/jobs and /api/jobs/schedules (zod, strict), shared by the routes and the service.
import { z } from 'zod';
import { JOB_STATES, type JobState } from './types.ts';
import { pageLimit } from '../../core/pagination.ts';

const kind = z.string().trim().min(1).max(100).regex(/^[a-z0-9_.:-]+$/i, 'letters, digits and . _ : - only');
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 time');

export const JobListQuery = z
  .object({
    /** One state or several, comma-separated (queued,running,done,dead,cancelled). */
    state: z
      .string()
      .optional()
      .refine((s) => !s || s.split(',').every((x) => (JOB_STATES as string[]).includes(x.trim())), `states are ${JOB_STATES.join(', ')}`),
    kind: z.string().min(1).max(100).optional(),
    key: z.string().min(1).max(500).optional(),
    limit: pageLimit(50, 500),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();
export type JobListQuery = z.infer<typeof JobListQuery>;

export const parseStates = (s?: string): JobState[] | undefined => (s ? (s.split(',').map((x) => x.trim()) as JobState[]) : undefined);

export const JobIdParam = z.object({ id: z.string().min(1).max(100) }).strict();

/** Enqueue a job of a registered kind by hand (operations: run a task now or at a time). */
export const JobCreate = z
  .object({
    kind,
    payload: z.unknown().optional(),
    run_at: isoTime.optional(),
    key: z.string().min(1).max(500).optional(),
    max_attempts: z.number().int().min(1).max(100).optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
  })
  .strict();
export type JobCreate = z.infer<typeof JobCreate>;

export const ScheduleNameParam = z.object({ name: z.string().min(1).max(100) }).strict();

/** A whole schedule (PUT creates or replaces it by name). */
export const ScheduleBody = z
  .object({
    /** croner pattern: 5 fields (minute first) or 6 (seconds first), e.g. `0 9 * * *`. */
    cron: z.string().trim().min(1).max(200),
    /** IANA time zone the pattern is read in (default: the workspace's time zone). */
    timezone: z.string().min(1).max(64).optional(),
    kind,
    payload: z.unknown().optional(),
    enabled: z.boolean().default(true),
  })
  .strict();
export type ScheduleBody = z.infer<typeof ScheduleBody>;

export const SchedulePatch = z
  .object({
    cron: z.string().trim().min(1).max(200).optional(),
    timezone: z.string().min(1).max(64).optional(),
    kind: kind.optional(),
    payload: z.unknown().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type SchedulePatch = z.infer<typeof SchedulePatch>;

export const scheduleName = z.string().trim().min(1).max(100).regex(/^[a-z0-9_.:-]+$/i, 'letters, digits and . _ : - only');
