// Request validation for the CLV API (zod, strict) and the keyset cursor of member pages.
import { z } from 'zod';
import { invalid } from '../../core/errors.ts';
import { isIanaZone } from './local-days.ts';
import { SORTS, type SortColumn } from './repo.ts';
import { pageLimit } from '../../core/pagination.ts';

export const FitBody = z
  .object({
    /** Last day of the calibration period (local date, YYYY-MM-DD); default today in the time zone. */
    calibration_end: z.iso.date().optional(),
    time_unit: z.enum(['week', 'day']).default('week'),
    /** Prediction horizon in time units for expected_purchases and clv; default one year (52 weeks / 365 days). */
    horizon: z.number().positive().max(3653).optional(),
    /** Discount rate per period (default 1% a month, as lifetimes). */
    discount_rate: z.number().min(0).max(1).default(0.01),
    /** Discounting period in time units; default one month (4.348 weeks / 30.44 days). */
    period_length: z.number().positive().max(3653).optional(),
    /** Profit margin applied to the expected value (1 = revenue). */
    margin: z.number().min(0).max(1).default(1),
    /** IANA zone for local purchase days; default the workspace's. */
    timezone: z.string().max(64).refine(isIanaZone, 'an IANA time zone such as Asia/Shanghai or UTC').optional(),
  })
  .strict();
export type FitInput = z.input<typeof FitBody>;

export const FitsQuery = z.object({ limit: pageLimit(20, 500) }).strict();

export const MembersQuery = z
  .object({
    sort: z.enum(SORTS).default('clv'),
    order: z.enum(['asc', 'desc']).default('desc'),
    limit: pageLimit(100, 10_000),
    cursor: z.string().min(1).max(1000).optional(),
    /** Fail with 409 clv.fit_replaced when the current fit is another (a newer fit replaced the rows). */
    fit_id: z.string().min(1).max(100).optional(),
  })
  .strict();
export type MembersQueryInput = z.infer<typeof MembersQuery>;

export const DistributionQuery = z.object({ buckets: z.coerce.number().int().min(1).max(100).default(10) }).strict();

export const RefParam = z.object({ ref: z.string().min(1).max(300) }).strict();

/** Keyset of a member page: the sort it belongs to and the last row's sort value and member id. */
export interface PageCursor {
  sort: SortColumn;
  desc: boolean;
  value: number | string | null;
  id: string;
}

export const encodeCursor = (c: PageCursor): string => Buffer.from(JSON.stringify([c.sort, c.desc ? 1 : 0, c.value, c.id]), 'utf8').toString('base64url');

/** Decodes a cursor made by {@link encodeCursor} for the same sort; 400 `clv.invalid_cursor` otherwise. */
export function decodeCursor(cursor: string, sort: SortColumn, desc: boolean): PageCursor {
  const bad = () => invalid('clv.invalid_cursor', 'cursor is not a CLV member cursor of this sort and order', 'cursor');
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || v.length !== 4) throw bad();
  const [s, d, value, id] = v;
  if (s !== sort || d !== (desc ? 1 : 0) || typeof id !== 'string' || id === '') throw bad();
  const okValue = sort === 'member_id' ? value === null || typeof value === 'string' : value === null || (typeof value === 'number' && Number.isFinite(value));
  if (!okValue) throw bad();
  return { sort, desc, value, id };
}
