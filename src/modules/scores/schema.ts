// Request validation for the score routes (zod, strict). Model configs are checked by the pure parsers in the service,
// so their errors name the exact field (`config.scoring.r.2`) with the model's own code (`rfm.invalid_config`).
import { z } from 'zod';
import { LIFECYCLE_STAGES, RFM_SEGMENTS, VALUE_TIERS } from '../../core/segmentation/index.ts';
import { pageLimit } from '../../core/pagination.ts';

const date = z.string().describe('calendar date YYYY-MM-DD (default: today in the workspace time zone)');
const windowDays = z.number().int().positive().max(36_500).describe('only orders of the last N local calendar days up to as_of');
const config = z.record(z.string(), z.unknown());

export const RfmComputeBody = z
  .object({
    as_of: date.optional(),
    window_days: windowDays.optional(),
    config: config
      .optional()
      .describe("RFM config of src/core/segmentation: { scoring: 'quintile' | { r, f, m: four ascending cut points }, split: 'mean' | 'median', splitOn: 'score' | 'value' }"),
  })
  .strict();
export type RfmComputeBody = z.infer<typeof RfmComputeBody>;

export const LifecycleComputeBody = z
  .object({
    as_of: date.optional(),
    config: config.optional().describe('lifecycle thresholds: { newDays, activeDays, atRiskDays, churnDays, repeatMinOrders }'),
  })
  .strict();
export type LifecycleComputeBody = z.infer<typeof LifecycleComputeBody>;

export const ValueTierComputeBody = z
  .object({
    as_of: date.optional(),
    window_days: windowDays.optional().describe('spend and orders of the last N days (default all history); activity always looks at all history'),
    config: config
      .optional()
      .describe('value-tier thresholds: { activeDays, highValueMinSpend, highValueMinOrders, potentialMinSpend, potentialMinOrders }'),
    derive_spend: z
      .object({ high_share: z.number(), potential_share: z.number() })
      .strict()
      .optional()
      .describe('derive both spend thresholds from the data: the top high_share / potential_share of positive spends'),
  })
  .strict();
export type ValueTierComputeBody = z.infer<typeof ValueTierComputeBody>;

const score = z.coerce.number().int().min(1).max(5);

export const RfmMembersQuery = z
  .object({
    segment: z.enum(RFM_SEGMENTS.map((s) => s.id) as [string, ...string[]]).optional(),
    r_score: score.optional(),
    f_score: score.optional(),
    m_score: score.optional(),
    limit: pageLimit(100, 50_000),
    cursor: z.string().min(1).max(200).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type RfmMembersQuery = z.infer<typeof RfmMembersQuery>;

export const TransitionsQuery = z.object({ from: z.string(), to: z.string() }).strict();

export const RunsQuery = z
  .object({
    kind: z.enum(['rfm', 'lifecycle', 'value_tier']).optional(),
    limit: pageLimit(20, 200),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

export const RefParam = z.object({ ref: z.string().min(1).max(600) }).strict();

/** Labels each kind can hold, for documentation and checks. */
export const LABELS = { rfm: RFM_SEGMENTS.map((s) => s.id), lifecycle: [...LIFECYCLE_STAGES], value_tier: [...VALUE_TIERS] };
