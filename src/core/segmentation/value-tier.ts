// Value tiers (high-value, potential, ordinary, silent): validated thresholds and a pure classifier from spend and activity.
import { z } from 'zod';
import { invalid } from '../errors.ts';
import { discreteCutPoints, parseWith } from './shared.ts';

export const VALUE_TIERS = ['high_value', 'potential', 'ordinary', 'silent'] as const;
export type ValueTier = (typeof VALUE_TIERS)[number];

/** Chinese and English display names of each tier. */
export const VALUE_TIER_NAMES: Record<ValueTier, { zh: string; en: string }> = {
  high_value: { zh: '高价值', en: 'High value' },
  potential: { zh: '潜力', en: 'Potential' },
  ordinary: { zh: '普通', en: 'Ordinary' },
  silent: { zh: '沉默', en: 'Silent' },
};

/**
 * Thresholds. Spend is the member's net spend over the chosen window, activity the calendar days since their last
 * event or order (either counts). Bounds are inclusive ("at least").
 */
export const ValueTierConfigSchema = z
  .object({
    activeDays: z.number().int().nonnegative().default(90),
    highValueMinSpend: z.number().finite().nonnegative().default(2000),
    highValueMinOrders: z.number().int().nonnegative().default(2),
    potentialMinSpend: z.number().finite().nonnegative().default(500),
    potentialMinOrders: z.number().int().nonnegative().default(2),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.potentialMinSpend > c.highValueMinSpend)
      ctx.addIssue({ code: 'custom', path: ['potentialMinSpend'], message: 'potentialMinSpend must be ≤ highValueMinSpend' });
  });

export type ValueTierConfig = z.output<typeof ValueTierConfigSchema>;
export type ValueTierConfigInput = z.input<typeof ValueTierConfigSchema>;

/** Validates value-tier thresholds, filling defaults; errors are `value_tier.invalid_config` with `field`. */
export const parseValueTierConfig = (raw: unknown = {}): ValueTierConfig => parseWith(ValueTierConfigSchema, 'value_tier', raw);

/** One member's facts; daysSinceLastActivity is null when they were never active. */
export interface ValueTierFacts { spend: number; orderCount: number; daysSinceLastActivity: number | null }

/**
 * The tier of one member; first matching rule wins (one SQL CASE in this order):
 * silent (never active, or last activity > activeDays ago) → high_value (spend ≥ highValueMinSpend and
 * orders ≥ highValueMinOrders) → potential (spend ≥ potentialMinSpend or orders ≥ potentialMinOrders) → ordinary.
 * @example classifyValueTier({ spend: 2500, orderCount: 3, daysSinceLastActivity: 4 }, parseValueTierConfig()) // 'high_value'
 */
export function classifyValueTier(f: ValueTierFacts, c: ValueTierConfig): ValueTier {
  if (f.daysSinceLastActivity === null || f.daysSinceLastActivity > c.activeDays) return 'silent';
  if (f.spend >= c.highValueMinSpend && f.orderCount >= c.highValueMinOrders) return 'high_value';
  if (f.spend >= c.potentialMinSpend || f.orderCount >= c.potentialMinOrders) return 'potential';
  return 'ordinary';
}

/**
 * Spend thresholds from the data: the top `highShare` of positive spends reach highValueMinSpend and the top
 * `potentialShare` reach potentialMinSpend. Each threshold is the value at 1-based rank ceil(n·share) of the spends > 0
 * sorted descending — SQL `percentile_disc(share) WITHIN GROUP (ORDER BY spend DESC)` — so with `spend ≥ threshold`
 * exactly that share qualifies when there are no ties; members tied with the threshold all qualify.
 * Returns null when nobody spent anything.
 * @example spendThresholdsFromValues([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000], 0.2, 0.5) // { highValueMinSpend: 900, potentialMinSpend: 600 }
 */
export function spendThresholdsFromValues(
  spends: readonly number[],
  highShare = 0.2,
  potentialShare = 0.5,
): { highValueMinSpend: number; potentialMinSpend: number } | null {
  if (!(highShare > 0 && highShare <= potentialShare && potentialShare <= 1))
    throw invalid('value_tier.invalid_config', 'shares must satisfy 0 < highShare ≤ potentialShare ≤ 1', highShare > 0 && highShare <= 1 ? 'potentialShare' : 'highShare');
  // Negating turns "rank k descending" into "rank k ascending" for the shared percentile_disc helper.
  const cuts = discreteCutPoints(spends.filter((s) => s > 0).map((s) => -s), [highShare, potentialShare]);
  if (!cuts) return null;
  return { highValueMinSpend: -cuts[0], potentialMinSpend: -cuts[1] };
}
