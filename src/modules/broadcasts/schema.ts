// Request validation for broadcasts (zod, strict): create, edit (drafts only), schedule, send-test, list.
import { z } from 'zod';
import { PURPOSES } from '../delivery/types.ts';
import { pageLimit } from '../../core/pagination.ts';

const ref = z.string().trim().min(1).max(200);
const isoInstant = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && /(Z|[+-]\d{2}:?\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), 'an ISO time with a UTC offset, e.g. 2026-12-05T10:00:00+08:00');
const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD').refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'a real calendar date');
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM (00:00–23:59)');

/** now · at a time · at a local time in each member's time zone (attribute `timezone`, else the workspace's). */
export const ScheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('now') }).strict(),
  z.object({ type: z.literal('at'), at: isoInstant }).strict(),
  z.object({ type: z.literal('local_time'), date: localDate, time: localTime }).strict(),
]);

const fields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).nullable(),
  /** Segment (or static list) id or name: its members when the broadcast starts are the audience. */
  segment: ref,
  /** Message template id or name; its current version is pinned when the broadcast is scheduled. */
  template: ref,
  /** Messaging channel id or name. */
  channel: ref,
  purpose: z.enum(PURPOSES),
  /** Share of the audience held out as a control group (never sent), 0 to 0.9. */
  holdout_share: z.number().min(0).max(0.9),
  schedule: ScheduleSchema,
  /** Messages per second across all workers; null: as fast as the pipeline goes. */
  rate_limit_per_second: z.number().int().min(1).max(1_000_000).nullable(),
};

export const BroadcastCreate = z
  .object({
    ...fields,
    description: fields.description.optional(),
    purpose: fields.purpose.default('marketing'),
    holdout_share: fields.holdout_share.default(0),
    schedule: fields.schedule.default({ type: 'now' }),
    rate_limit_per_second: fields.rate_limit_per_second.default(null),
  })
  .strict();
export type BroadcastCreate = z.infer<typeof BroadcastCreate>;

export const BroadcastPatch = z.object(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]> }).strict();
export type BroadcastPatch = z.infer<typeof BroadcastPatch>;

/** POST /:id/schedule — optionally sets the schedule at the same time. */
export const ScheduleBody = z.object({ schedule: ScheduleSchema.optional() }).strict();

/** POST /:id/send-test — the template rendered for real members, sent without guard or holdout, not counted. */
export const SendTestBody = z
  .object({
    members: z.array(z.string().trim().min(1).max(600)).min(1).max(20),
    /** Addresses merged over each member's own (e.g. `{ "phone": "138…" }` to send to a staff phone). */
    to: z.record(z.string().min(1).max(100), z.string().min(1).max(2000)).optional(),
  })
  .strict();
export type SendTestBody = z.infer<typeof SendTestBody>;

export const IdParam = z.object({ id: z.string().min(1).max(200) }).strict();

export const BROADCAST_STATUSES = ['draft', 'scheduled', 'running', 'completed', 'cancelled', 'failed'] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];

export const ListQuery = z
  .object({
    status: z.enum(BROADCAST_STATUSES).optional(),
    limit: pageLimit(50, 500),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();
export type ListQuery = z.infer<typeof ListQuery>;
