// Request validation for /api/analytics/* (zod, strict). Cross-field checks (from ≤ to, …) live in periods.ts.
import { z } from 'zod';
import { PERIOD_UNITS } from './periods.ts';
import { PropertyFilterSchema } from './property-filter.ts';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

/** A period: `from` and `to` (inclusive local dates), or `period` (default month) around `date` (default today). */
export const PeriodFields = {
  from: date.optional(),
  to: date.optional(),
  period: z.enum(PERIOD_UNITS).optional(),
  date: date.optional(),
};

export const PeriodQuery = z.object(PeriodFields).strict();
export type PeriodQuery = z.infer<typeof PeriodQuery>;

export const CohortQuery = z
  .object({
    unit: z.enum(['month', 'week']).default('month'),
    /** Cohort = the unit of the first order (default) or of signup (members.created_at). */
    cohort_by: z.enum(['first_order', 'signup']).default('first_order'),
    /** Cohorts from the unit holding `from` to the unit holding `to` (default: 12 units ending with today's). */
    from: date.optional(),
    to: date.optional(),
    /** Highest offset (default: cohorts − 1, so the first cohort's row is complete). */
    offsets: z.coerce.number().int().min(0).max(120).optional(),
    /** Activity is counted up to this day (default today): later offsets are left out of the table. */
    as_of: date.optional(),
  })
  .strict();
export type CohortQuery = z.infer<typeof CohortQuery>;

/** A conversion window: a number with m (minutes), h (hours) or d (days). */
export const WINDOW_RE = /^(\d+(?:\.\d+)?)(m|h|d)$/;

export const FunnelStep = z
  .object({
    event: z.string().trim().min(1).max(200),
    where: z.array(PropertyFilterSchema).max(20).optional(),
  })
  .strict();

export const FunnelBody = z
  .object({
    steps: z.array(FunnelStep).min(2).max(10),
    /** Time allowed from step 1 to the last step, e.g. `7d`, `48h`, `30m` (default 7d, at most 366d). */
    window: z.string().regex(WINDOW_RE, 'a window like 7d, 48h or 30m').default('7d'),
    ...PeriodFields,
  })
  .strict();
export type FunnelBody = z.infer<typeof FunnelBody>;

export const TrendQuery = z
  .object({
    granularity: z.enum(['day', 'week', 'month']).default('day'),
    /** Default: the last 30 days, 12 weeks or 12 months ending today; ranges widen to whole weeks/months. */
    from: date.optional(),
    to: date.optional(),
  })
  .strict();
export type TrendQuery = z.infer<typeof TrendQuery>;
