// Request schemas of the measurement API (campaign reports, holdout look-ups).
import { z } from 'zod';
import { pageLimit } from '../../core/pagination.ts';

/** Longest attribution window accepted, in days. */
export const MAX_WINDOW_DAYS = 365;
export const DEFAULT_WINDOW_DAYS = 7;

export const SourceParam = z.object({ sourceKey: z.string().min(1).max(300) }).strict();

export const ReportQuery = z
  .object({
    /** Days after a touch (the send; the assignment for the holdout) in which an order counts as a conversion. */
    window_days: z.coerce.number().int().min(1).max(MAX_WINDOW_DAYS).default(DEFAULT_WINDOW_DAYS),
  })
  .strict();
export type ReportQuery = z.infer<typeof ReportQuery>;

export const ListQuery = ReportQuery.extend({
  limit: pageLimit(20, 100),
  /** Campaign keys sort newest activity first; the cursor is the last key of the previous page. */
  cursor: z.string().min(1).max(300).optional(),
  /** Only campaign keys starting with this (e.g. `broadcast:`). */
  prefix: z.string().min(1).max(300).optional(),
}).strict();
export type ListQuery = z.infer<typeof ListQuery>;

export const HoldoutBody = z
  .object({
    share: z.number().min(0).max(0.9),
    members: z.array(z.string().min(1).max(600)).min(1).max(100_000),
    salt: z.string().min(8).max(200).optional(),
    at: z.string().datetime({ offset: true }).optional(),
  })
  .strict();
export type HoldoutBody = z.infer<typeof HoldoutBody>;

export const GroupsQuery = z
  .object({
    group: z.enum(['treatment', 'holdout']).optional(),
    limit: pageLimit(1000, 10_000),
    cursor: z.string().min(1).max(300).optional(),
  })
  .strict();
export type GroupsQuery = z.infer<typeof GroupsQuery>;
