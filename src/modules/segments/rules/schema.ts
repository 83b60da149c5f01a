// The segment rule language as zod schemas: one strict object per node kind, each with exactly one discriminating
// key. These give the types and the OpenAPI shape; parse.ts adds the checks that depend on the field (ops per type).
import { z } from 'zod';
import { LIFECYCLE_STAGES, RFM_SEGMENTS, VALUE_TIERS } from '../../../core/segmentation/index.ts';

/** Limits that keep a rule cheap to validate and to compile. */
export const RULE_LIMITS = {
  maxDepth: 20,
  maxNodes: 200,
  maxChildren: 100,
  maxListValues: 1000,
  /** All list values of a rule together (each becomes a bound parameter; PostgreSQL takes at most 65,535). */
  maxTotalValues: 5000,
  maxPropertyFilters: 20,
  maxSequenceSteps: 5,
  maxDays: 3660,
} as const;

/** Comparison operators. Which ones a field accepts depends on its type (see fields.ts). */
export const COMPARE_OPS = [
  '=', '!=', '<', '<=', '>', '>=', 'in', 'not_in', 'contains', 'exists', 'not_exists', 'between',
  'within_last_days', 'within_next_days', 'more_than_days_ago', 'anniversary_within_days',
] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

/** Operators for counts and amounts (event counts, order aggregates). */
export const COUNT_OPS = ['>=', '>', '<=', '<', '=', '!='] as const;
export type CountOp = (typeof COUNT_OPS)[number];

const Scalar = z.union([z.string().max(1000), z.number().finite(), z.boolean()], { error: 'expected a string, number or boolean' });
export type Scalar = z.infer<typeof Scalar>;

/** `op` plus an optional `value` (a scalar, or a list for in / not_in / between); checked per field type later. */
const comparison = {
  op: z.enum(COMPARE_OPS),
  value: z
    .union([Scalar, z.array(Scalar).max(RULE_LIMITS.maxListValues)], { error: 'expected a string, number, boolean or a list of them' })
    .optional(),
};

const Name = z.string().min(1).max(200);
const Days = z.number().int().min(1).max(RULE_LIMITS.maxDays);
/** `YYYY-MM-DD` (a whole local day in the workspace time zone) or an ISO instant with a zone (`…Z`, `…+08:00`). */
const DateOrInstant = z.string().regex(
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/,
  'must be a date YYYY-MM-DD or an ISO instant with a zone (2026-01-01T00:00:00Z)',
);
const Between = z.tuple([DateOrInstant, DateOrInstant]);

/** A time window: the last `within_days` × 24 h up to now, or `between` two dates/instants; neither = all time. */
const windowFields = { within_days: Days.optional(), between: Between.optional() };

export const PropertyFilterSchema = z.object({ property: Name, ...comparison }).strict();
export type PropertyFilter = z.infer<typeof PropertyFilterSchema>;

export const CountSchema = z.object({ op: z.enum(COUNT_OPS), value: z.number().int().min(0).max(1e9) }).strict();

export const AttributeRuleSchema = z.object({ attribute: Name, ...comparison }).strict();
export const TraitRuleSchema = z.object({ trait: Name, ...comparison }).strict();

const TagRef = z.string().min(1).max(200);
const TagRefs = z.union([TagRef, z.array(TagRef).min(1).max(RULE_LIMITS.maxChildren)], { error: 'expected a tag id or name, or a non-empty list of them' });
export const HasTagRuleSchema = z.object({ has_tag: TagRefs }).strict();
export const LacksTagRuleSchema = z.object({ lacks_tag: TagRefs }).strict();

export const EventRuleSchema = z
  .object({
    event: z
      .object({
        name: Name,
        where: z.array(PropertyFilterSchema).max(RULE_LIMITS.maxPropertyFilters).optional(),
        /** Default: at least once. */
        count: CountSchema.optional(),
        ...windowFields,
      })
      .strict(),
  })
  .strict();

export const SequenceStepSchema = z
  .object({ name: Name, where: z.array(PropertyFilterSchema).max(RULE_LIMITS.maxPropertyFilters).optional() })
  .strict();

export const SequenceRuleSchema = z
  .object({
    sequence: z
      .object({
        steps: z.array(SequenceStepSchema).min(2).max(RULE_LIMITS.maxSequenceSteps),
        /** Every step must follow the first one within this many hours. */
        within_hours: z.number().positive().max(24 * RULE_LIMITS.maxDays).optional(),
        ...windowFields,
      })
      .strict(),
  })
  .strict();

const Refs = z.array(z.string().min(1).max(200)).min(1).max(RULE_LIMITS.maxListValues);
export const OrdersRuleSchema = z
  .object({
    orders: z
      .object({
        measure: z.enum(['count', 'sum', 'avg']),
        op: z.enum(COUNT_OPS),
        value: z.number().finite().min(0),
        ...windowFields,
        categories: Refs.optional(),
        products: Refs.optional(),
        channels: Refs.optional(),
      })
      .strict(),
  })
  .strict();

const SegmentRef = z.string().min(1).max(200);
export const InSegmentRuleSchema = z.object({ in_segment: SegmentRef }).strict();
export const NotInSegmentRuleSchema = z.object({ not_in_segment: SegmentRef }).strict();
export const HasIdentityRuleSchema = z.object({ has_identity: z.string().min(1).max(100) }).strict();

// Community (社群): the member is now in a customer group (WeCom group chat) that matches every given condition —
// group ids or chat ids, Siyu's positioning, value tier or tag of the group, its owner (WeCom userid). `{}`: any
// active group. Makes groups broadcast and journey audiences like any segment.
const GroupText = z.string().trim().min(1).max(200);
export const InGroupRuleSchema = z
  .object({
    in_group: z
      .object({
        groups: z.array(GroupText).min(1).max(RULE_LIMITS.maxChildren).optional(),
        positioning: GroupText.optional(),
        value_tier: GroupText.optional(),
        tag: GroupText.optional(),
        owner: GroupText.optional(),
      })
      .strict(),
  })
  .strict();

const oneOrMore = <T extends readonly [string, ...string[]]>(values: T) => {
  const v = z.enum(values);
  return z.union([v, z.array(v).min(1).max(values.length)], { error: `expected one of ${values.join(', ')}, or a non-empty list of them` });
};
const RFM_IDS = RFM_SEGMENTS.map((s) => s.id) as unknown as readonly [string, ...string[]];
export const RfmSegmentRuleSchema = z.object({ rfm_segment: oneOrMore(RFM_IDS) }).strict();
export const LifecycleStageRuleSchema = z.object({ lifecycle_stage: oneOrMore(LIFECYCLE_STAGES) }).strict();
export const ValueTierRuleSchema = z.object({ value_tier: oneOrMore(VALUE_TIERS) }).strict();

export const CLV_FIELDS = ['p_alive', 'expected_purchases', 'expected_avg_value', 'clv'] as const;
export const ClvRuleSchema = z
  .object({ clv: z.object({ field: z.enum(CLV_FIELDS), op: z.enum(COMPARE_OPS), value: comparison.value }).strict() })
  .strict();

// Loyalty (the loyalty module's tables): points balance, tier, points expiring within N days.
const PointsValue = z.number().int().min(0).max(1e12);
export const PointsBalanceRuleSchema = z.object({ points_balance: z.object({ op: z.enum(COUNT_OPS), value: PointsValue }).strict() }).strict();
const TierCode = z.string().min(1).max(64);
export const TierRuleSchema = z
  .object({ tier: z.union([TierCode, z.array(TierCode).min(1).max(20)], { error: 'expected a tier code or a non-empty list of them' }) })
  .strict();
export const PointsExpiringRuleSchema = z
  .object({ points_expiring: z.object({ within_days: Days, op: z.enum(COUNT_OPS), value: PointsValue }).strict() })
  .strict();

// Coupons (the coupons module's member_coupons): how many unused coupons the member holds — issued or claimed,
// neither used nor voided, and not past the end of their window — optionally of some templates (id or name) and
// expiring within D days.
const TemplateRef = z.string().min(1).max(200);
export const CouponsRuleSchema = z
  .object({
    coupons: z
      .object({
        op: z.enum(COUNT_OPS),
        value: z.number().int().min(0).max(1e9),
        templates: z.union([TemplateRef, z.array(TemplateRef).min(1).max(RULE_LIMITS.maxChildren)], { error: 'expected a coupon template id or name, or a non-empty list of them' }).optional(),
        expiring_within_days: Days.optional(),
      })
      .strict(),
  })
  .strict();

// Recommendations (the recommendations module's member_recommendations): "likely to buy category X" — a product of
// the category (or one of the categories) is within the first `rank_at_most` of the member's stored list.
const CategoryRef = z.string().min(1).max(200);
export const RecommendedRuleSchema = z
  .object({
    recommended: z
      .object({
        category: z.union([CategoryRef, z.array(CategoryRef).min(1).max(RULE_LIMITS.maxChildren)], { error: 'expected a category or a non-empty list of them' }),
        rank_at_most: z.number().int().min(1).max(200).default(10),
        algorithm: z.enum(['als', 'item_cf']).default('als'),
      })
      .strict(),
  })
  .strict();

export type AttributeRule = z.infer<typeof AttributeRuleSchema>;
export type TraitRule = z.infer<typeof TraitRuleSchema>;
export type HasTagRule = z.infer<typeof HasTagRuleSchema>;
export type LacksTagRule = z.infer<typeof LacksTagRuleSchema>;
export type EventRule = z.infer<typeof EventRuleSchema>;
export type SequenceRule = z.infer<typeof SequenceRuleSchema>;
export type OrdersRule = z.infer<typeof OrdersRuleSchema>;
export type InSegmentRule = z.infer<typeof InSegmentRuleSchema>;
export type NotInSegmentRule = z.infer<typeof NotInSegmentRuleSchema>;
export type HasIdentityRule = z.infer<typeof HasIdentityRuleSchema>;
export type InGroupRule = z.infer<typeof InGroupRuleSchema>;
export type RfmSegmentRule = z.infer<typeof RfmSegmentRuleSchema>;
export type LifecycleStageRule = z.infer<typeof LifecycleStageRuleSchema>;
export type ValueTierRule = z.infer<typeof ValueTierRuleSchema>;
export type ClvRule = z.infer<typeof ClvRuleSchema>;
export type PointsBalanceRule = z.infer<typeof PointsBalanceRuleSchema>;
export type TierRule = z.infer<typeof TierRuleSchema>;
export type PointsExpiringRule = z.infer<typeof PointsExpiringRuleSchema>;
export type CouponsRule = z.infer<typeof CouponsRuleSchema>;
export type RecommendedRule = z.infer<typeof RecommendedRuleSchema>;
export type Window = { within_days?: number; between?: [string, string] };

/** A segment rule: the JSON stored in segments.rule. */
export type Rule =
  | { and: Rule[] }
  | { or: Rule[] }
  | { not: Rule }
  | AttributeRule
  | TraitRule
  | HasTagRule
  | LacksTagRule
  | EventRule
  | SequenceRule
  | OrdersRule
  | InSegmentRule
  | NotInSegmentRule
  | HasIdentityRule
  | InGroupRule
  | RfmSegmentRule
  | LifecycleStageRule
  | ValueTierRule
  | ClvRule
  | PointsBalanceRule
  | TierRule
  | PointsExpiringRule
  | CouponsRule
  | RecommendedRule;

/** Leaf node schemas by their discriminating key. */
export const LEAF_SCHEMAS = {
  attribute: AttributeRuleSchema,
  trait: TraitRuleSchema,
  has_tag: HasTagRuleSchema,
  lacks_tag: LacksTagRuleSchema,
  event: EventRuleSchema,
  sequence: SequenceRuleSchema,
  orders: OrdersRuleSchema,
  in_segment: InSegmentRuleSchema,
  not_in_segment: NotInSegmentRuleSchema,
  has_identity: HasIdentityRuleSchema,
  in_group: InGroupRuleSchema,
  rfm_segment: RfmSegmentRuleSchema,
  lifecycle_stage: LifecycleStageRuleSchema,
  value_tier: ValueTierRuleSchema,
  clv: ClvRuleSchema,
  points_balance: PointsBalanceRuleSchema,
  tier: TierRuleSchema,
  points_expiring: PointsExpiringRuleSchema,
  coupons: CouponsRuleSchema,
  recommended: RecommendedRuleSchema,
} as const;
export type LeafKind = keyof typeof LEAF_SCHEMAS;

/** Every discriminating key, groups first. */
export const NODE_KINDS = ['and', 'or', 'not', ...(Object.keys(LEAF_SCHEMAS) as LeafKind[])] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/**
 * The whole rule as one recursive zod schema (request bodies, OpenAPI). It checks shape only; use
 * {@link parseRule} for the full validation with JSON-path errors.
 */
export const RuleSchema: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.object({ and: z.array(RuleSchema).min(1).max(RULE_LIMITS.maxChildren) }).strict(),
    z.object({ or: z.array(RuleSchema).min(1).max(RULE_LIMITS.maxChildren) }).strict(),
    z.object({ not: RuleSchema }).strict(),
    ...Object.values(LEAF_SCHEMAS),
  ]),
) as z.ZodType<Rule>;
