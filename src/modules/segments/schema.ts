// Request validation for segments (zod, strict). Rules arrive as JSON and are validated by the rule parser, whose
// errors name the bad node (`rule.and[1].event.count.value`).
import { z } from 'zod';
import { pageLimit } from '../../core/pagination.ts';

const name = z.string().trim().min(1).max(100);
const description = z.string().trim().max(1000);
/** A cron expression (5 or 6 fields), checked by the service with croner. */
const schedule = z.string().trim().min(1).max(100);

/** Largest static list one upload may carry (the CLI sends a whole file in one request, so replace is atomic). */
export const MAX_UPLOAD = 200_000;
/** Bodies of static uploads: 200k refs of up to ~40 bytes. */
export const UPLOAD_BODY_LIMIT = 32 * 1024 * 1024;

export const SegmentCreate = z
  .object({
    name,
    description: description.optional(),
    /** dynamic (a rule, recomputed) or static (an uploaded list); inferred from `rule` when left out. */
    kind: z.enum(['dynamic', 'static']).optional(),
    rule: z.unknown().optional(),
    /** Follow ingested data within seconds (dynamic only; default true). */
    realtime: z.boolean().optional(),
    /** Cron of scheduled full recomputes; null: every `segmentSchedule` when the rule is time-relative. */
    schedule: schedule.nullable().optional(),
    /** Initial members of a static segment (member refs). */
    members: z.array(z.string().min(1).max(600)).max(MAX_UPLOAD).optional(),
  })
  .strict();
export type SegmentCreate = z.infer<typeof SegmentCreate>;

export const SegmentPatch = z
  .object({
    name: name.optional(),
    description: description.nullable().optional(),
    rule: z.unknown().optional(),
    realtime: z.boolean().optional(),
    schedule: schedule.nullable().optional(),
  })
  .strict();
export type SegmentPatch = z.infer<typeof SegmentPatch>;

export const PreviewBody = z
  .object({
    rule: z.unknown(),
    /** How many members to show (newest first). */
    sample: z.number().int().min(0).max(100).default(10),
  })
  .strict();

export const SegmentParam = z.object({ ref: z.string().min(1).max(200) }).strict();
export const MemberParam = z.object({ ref: z.string().min(1).max(600) }).strict();

export const MembersQuery = z
  .object({
    limit: pageLimit(50, 1000),
    cursor: z.string().min(1).max(2000).optional(),
  })
  .strict();

export const ExportQuery = z.object({ format: z.enum(['csv', 'xlsx']).default('csv') }).strict();

export const UploadBody = z
  .object({
    members: z.array(z.string().min(1).max(600)).min(1).max(MAX_UPLOAD),
    /** replace: the list becomes exactly these members; append: add them; remove: take them out. */
    mode: z.enum(['replace', 'append', 'remove']).default('append'),
  })
  .strict();
export type UploadBody = z.infer<typeof UploadBody>;

export const HistoryQuery = z
  .object({
    /** Membership at the end of this day (workspace time zone); without it, the size trend. */
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD').optional(),
    /** Trend: how many days back. */
    days: z.coerce.number().int().min(1).max(366).default(30),
    limit: pageLimit(50, 1000),
    cursor: z.string().min(1).max(2000).optional(),
  })
  .strict();

export const RunsQuery = z.object({ limit: pageLimit(20, 200) }).strict();
