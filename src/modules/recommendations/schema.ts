// Request validation of the recommendations API (zod, strict): serving queries, training and evaluation bodies.
import { z } from 'zod';
import { pageLimit } from '../../core/pagination.ts';

/** Algorithms a member's list may come from: the two trained ones and the two fallbacks. */
export const SERVE_ALGORITHMS = ['als', 'item_cf', 'popularity', 'trending'] as const;
export type ServeAlgorithm = (typeof SERVE_ALGORITHMS)[number];
export const TRAINED_ALGORITHMS = ['als', 'item_cf'] as const;
export type TrainedAlgorithm = (typeof TRAINED_ALGORITHMS)[number];

/** The algorithm served when none is asked for: ALS won the offline evaluation on online-retail (README). */
export const DEFAULT_ALGORITHM: TrainedAlgorithm = 'als';

const n = z.coerce.number().int().min(1).max(100).default(10);

export const MemberRecommendationsQuery = z
  .object({
    n,
    algorithm: z.enum(SERVE_ALGORITHMS).default(DEFAULT_ALGORITHM),
    category: z.string().min(1).max(200).optional(),
    channel: z.string().min(1).max(64).optional(),
    /** Leave out products the member bought in the last N days (0 = none). */
    exclude_recent_days: z.coerce.number().int().min(0).max(3650).optional(),
  })
  .strict();
export type MemberRecommendationsInput = z.infer<typeof MemberRecommendationsQuery>;

export const AlsoBoughtQuery = z
  .object({ n, category: z.string().min(1).max(200).optional(), channel: z.string().min(1).max(64).optional() })
  .strict();

export const RefParam = z.object({ ref: z.string().min(1).max(300) }).strict();
export const ProductParam = z.object({ id: z.string().min(1).max(128) }).strict();

export const ItemCfParams = z
  .object({
    neighbours: z.number().int().min(1).max(1000).optional(),
    alpha: z.number().min(0).max(1).optional(),
    shrink: z.number().min(0).max(1e6).optional(),
    user_damping: z.boolean().optional(),
    normalise: z.boolean().optional(),
  })
  .strict();

export const AlsParams = z
  .object({
    factors: z.number().int().min(1).max(256).optional(),
    lambda: z.number().min(0).max(1e6).optional(),
    alpha: z.number().min(0).max(1e6).optional(),
    iterations: z.number().int().min(1).max(100).optional(),
    confidence: z.enum(['linear', 'log']).optional(),
    epsilon: z.number().positive().max(1e6).optional(),
    solver: z.enum(['cg', 'cholesky']).optional(),
    cg_steps: z.number().int().min(1).max(50).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  })
  .strict();

export const TrainBody = z
  .object({
    algorithms: z.array(z.enum(TRAINED_ALGORITHMS)).min(1).max(2).default(['item_cf', 'als']),
    /** Products stored per member and algorithm (the API filters within them and fills up with fallbacks). */
    top_n: z.number().int().min(1).max(200).default(30),
    /** "Also bought" products stored per product. */
    neighbours: z.number().int().min(1).max(200).default(20),
    /** Leave products a member already bought out of their stored list (discovery). */
    exclude_bought: z.boolean().default(true),
    /** Half-life of the recency-weighted popularity (trending fallback), in days. */
    trending_half_life_days: z.number().positive().max(3650).default(30),
    item_cf: ItemCfParams.default({}),
    als: AlsParams.default({}),
  })
  .strict();
export type TrainInput = z.input<typeof TrainBody>;

export const EvaluateBody = z
  .object({
    split_date: z.iso.date(),
    k: z.number().int().min(1).max(100).default(10),
    exclude_bought: z.boolean().default(true),
    item_cf: ItemCfParams.default({}),
    als: AlsParams.default({}),
  })
  .strict();
export type EvaluateInput = z.input<typeof EvaluateBody>;

export const ModelsQuery = z.object({ limit: pageLimit(20, 200) }).strict();
