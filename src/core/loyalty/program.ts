// Loyalty program and tiers: the validated definition (tiers, basis, downgrade mode, benefits) and the pure
// decision of a member's tier — upgrade at once on crossing a threshold, downgrade only when the mode says so.
import { z } from 'zod';
import { SiyuError } from '../errors.ts';
import { localDateOf, periodStartDate, nextPeriodStartDate, startOfLocalDayMs, TimeZone, parts, ymd, daysInMonth, addDays } from './local-time.ts';
import { I18nName, Instant, Points, Slug, iso, ms, parseWith } from './shared.ts';
import { DiscountExclusionsSchema, PointsValueSchema } from './checkout.ts';

/** What a tier gives its members. `discountPercent` 5 means 5 % off (95 折). */
export const TierBenefitsSchema = z
  .object({
    pointsMultiplier: z.number().min(0).max(100).default(1),
    discountPercent: z.number().min(0).max(100).default(0),
    /** Birthday gift: points, or a coupon template to issue; null for none. */
    birthdayGift: z
      .union([z.object({ points: Points.min(1) }).strict(), z.object({ couponTemplateId: z.string().min(1).max(128) }).strict()])
      .nullable()
      .default(null),
    freeShipping: z.boolean().default(false),
  })
  .strict();

export const TierSchema = z
  .object({
    code: Slug,
    name: I18nName,
    /** Lowest qualifying value (points earned, spend in currency units, or orders) that reaches this tier. */
    threshold: z.number().finite().min(0),
    benefits: TierBenefitsSchema.default(TierBenefitsSchema.parse({})),
  })
  .strict();

/**
 * What qualifies a member: points *earned* (never the balance, so spending points cannot cost a tier), spend, or
 * order count; counted over the last `days` days or the current calendar year (local to the program's zone).
 */
export const TierBasisSchema = z
  .object({
    metric: z.enum(['points_earned', 'spend', 'order_count']),
    window: z.discriminatedUnion('type', [
      z.object({ type: z.literal('rolling'), days: z.number().int().min(1).max(3660) }).strict(),
      z.object({ type: z.literal('calendar_year') }).strict(),
    ]),
  })
  .strict();

/**
 * When a member may lose a tier. `periodic_review`: at the start of each local month/quarter/half-year/year;
 * `anniversary`: on each anniversary of joining. Either way the downgrade waits `graceDays` after the review, so a
 * member has time to requalify, and `steps` says whether it drops to the qualified tier or one level at a time.
 */
export const DowngradeSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('never') }).strict(),
  z
    .object({
      mode: z.literal('periodic_review'),
      period: z.enum(['month', 'quarter', 'half_year', 'year']).default('year'),
      graceDays: z.number().int().min(0).max(366).default(0),
      steps: z.enum(['to_qualified', 'one_level']).default('to_qualified'),
    })
    .strict(),
  z
    .object({
      mode: z.literal('anniversary'),
      graceDays: z.number().int().min(0).max(366).default(0),
      steps: z.enum(['to_qualified', 'one_level']).default('to_qualified'),
    })
    .strict(),
]);

export const ProgramSchema = z
  .object({
    tiers: z.array(TierSchema).min(1).max(20),
    basis: TierBasisSchema,
    downgrade: DowngradeSchema.default({ mode: 'never' }),
    timezone: TimeZone,
    /** Points as money at checkout (`{ points: 100, amount: 1, maxShare: 0.5 }`); null = points do not pay at checkout. */
    pointsValue: PointsValueSchema.nullable().default(null),
    /** Lines the tiers' `discountPercent` leaves out at checkout. */
    discountExclusions: DiscountExclusionsSchema.default(DiscountExclusionsSchema.parse({})),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.tiers[0].threshold !== 0) ctx.addIssue({ code: 'custom', path: ['tiers', 0, 'threshold'], message: 'the first tier must start at 0 so every member has a tier' });
    const seen = new Set<string>();
    p.tiers.forEach((t, i) => {
      if (seen.has(t.code)) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'code'], message: `duplicate tier code "${t.code}"` });
      seen.add(t.code);
      if (i > 0 && t.threshold <= p.tiers[i - 1].threshold)
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'threshold'], message: 'thresholds must increase from tier to tier' });
    });
  });

export type Program = z.output<typeof ProgramSchema>;
export type ProgramInput = z.input<typeof ProgramSchema>;
export type Tier = z.output<typeof TierSchema>;
export type TierBenefits = z.output<typeof TierBenefitsSchema>;

/** Validates a program; errors are `loyalty.invalid_config` / `loyalty.unknown_field` with the field path. */
export const parseProgram = (raw: unknown): Program => parseWith(ProgramSchema, 'loyalty', raw);

/** The classic four tiers 普通/银卡/金卡/黑金 on points earned in the last 365 days, never downgraded — a starting point. */
export const EXAMPLE_PROGRAM: ProgramInput = {
  basis: { metric: 'points_earned', window: { type: 'rolling', days: 365 } },
  tiers: [
    { code: 'regular', name: { zh: '普通', en: 'Regular' }, threshold: 0 },
    { code: 'silver', name: { zh: '银卡', en: 'Silver' }, threshold: 1000, benefits: { pointsMultiplier: 1.2 } },
    { code: 'gold', name: { zh: '金卡', en: 'Gold' }, threshold: 5000, benefits: { pointsMultiplier: 1.5, discountPercent: 5, birthdayGift: { points: 500 } } },
    { code: 'black', name: { zh: '黑金', en: 'Black Gold' }, threshold: 20000, benefits: { pointsMultiplier: 2, discountPercent: 10, birthdayGift: { points: 2000 }, freeShipping: true } },
  ],
};

/** Position of a tier code (0 = lowest); throws `loyalty.tier_unknown` for a code the program does not have. */
export function tierRank(p: Program, code: string): number {
  const i = p.tiers.findIndex((t) => t.code === code);
  if (i < 0) throw new SiyuError('invalid_data', 'loyalty.tier_unknown', `tier: no tier "${code}" in the program`, { field: 'tier' });
  return i;
}

/** The tier with this code (throws `loyalty.tier_unknown`); its `benefits` feed earn rules and birthday gifts. */
export const tierByCode = (p: Program, code: string): Tier => p.tiers[tierRank(p, code)];

/** The highest tier whose threshold is ≤ the qualifying value. @example tierForQualifying(p, 1000).code // 'silver' */
export function tierForQualifying(p: Program, value: number): Tier {
  let best = p.tiers[0];
  for (const t of p.tiers) if (value >= t.threshold) best = t;
  return best;
}

/**
 * The instants the qualifying value is counted over at `now`: [from, to). Rolling: the last `days` local days
 * including today; calendar year: from local 1 January. The store sums earned points / spend / orders in it.
 */
export function qualifyingWindow(p: Program, now: string): { from: string; to: string } {
  const today = localDateOf(now, p.timezone);
  const w = p.basis.window;
  const first = w.type === 'rolling' ? addDays(today, -(w.days - 1)) : periodStartDate(today, 'year');
  return { from: iso(startOfLocalDayMs(first, p.timezone)), to: iso(ms(now) + 1) };
}

/** A manual assignment: holds at least `tier` until `expiresAt` (null = until removed). */
export const ManualAssignmentSchema = z
  .object({ tier: Slug, reason: z.string().min(1).max(500), operator: z.string().min(1).max(128), assignedAt: Instant, expiresAt: Instant.nullable() })
  .strict();
export type ManualAssignment = z.output<typeof ManualAssignmentSchema>;

/** What the store knows about a member's tier. */
export interface TierState {
  tier: string;
  /** When the member reached the current tier (an upgrade or downgrade resets it). */
  since: string;
  manual?: ManualAssignment | null;
  /** The last review instant already applied to this member (see `TierDecision.reviewAt`). */
  lastReviewAt?: string | null;
}

/** Facts the downgrade modes need. */
export interface TierFacts {
  /** When the member joined; required by the anniversary mode. */
  memberSince?: string | null;
}

export type TierChange = 'upgrade' | 'downgrade' | 'none';
export type TierReason =
  | 'threshold_crossed' | 'manual_assignment' | 'manual_expired' | 'qualified' | 'downgrade_disabled' | 'manual_hold'
  | 'reached_after_review' | 'no_review_yet' | 'already_reviewed' | 'in_grace' | 'review';

export interface TierDecision {
  tier: string;
  change: TierChange;
  reason: TierReason;
  /** A review instant the caller must store as `lastReviewAt` (reviewed, whatever the outcome), else null. */
  reviewAt: string | null;
  /** True when the manual assignment has expired and should be cleared. */
  clearManual: boolean;
}

/**
 * The member's tier at `now` given the qualifying value counted over `qualifyingWindow`.
 * - Upgrade at once when the value reaches a higher tier, or when an active manual assignment is higher.
 * - An active manual assignment is a floor: no downgrade below it; upgrades above it still happen.
 * - An expired manual assignment drops straight to the qualified tier (whatever the mode: it was granted for a time).
 * - Otherwise a lower qualified tier downgrades only when the mode allows: never → never; review modes → once per
 *   review, `graceDays` after it, using the value at that evaluation (the grace lets the member requalify). A tier
 *   reached after the latest review is not reviewed until the next one.
 * @example evaluateTier(p, { tier: 'regular', since }, 1200, now).change // 'upgrade'
 */
export function evaluateTier(p: Program, state: TierState, qualifyingValue: number, now: string, facts: TierFacts = {}): TierDecision {
  const t = ms(now, 'now');
  const current = tierRank(p, state.tier);
  const natural = tierRank(p, tierForQualifying(p, qualifyingValue).code);
  const m = state.manual ?? null;
  const manualActive = m !== null && (m.expiresAt === null || t < ms(m.expiresAt, 'manual.expiresAt'));
  const floor = manualActive ? tierRank(p, m.tier) : 0;
  const clearManual = m !== null && !manualActive;
  const out = (rank: number, change: TierChange, reason: TierReason, reviewAt: string | null = null): TierDecision => ({
    tier: p.tiers[rank].code, change, reason, reviewAt, clearManual,
  });

  const target = Math.max(natural, floor);
  if (target > current) return out(target, 'upgrade', natural >= floor ? 'threshold_crossed' : 'manual_assignment');
  if (clearManual && natural < current) return out(natural, 'downgrade', 'manual_expired');
  if (target === current) return out(current, 'none', natural < current ? 'manual_hold' : 'qualified', pendingReview(p, state, t, facts));

  // target < current: a lower qualified tier, downgrade only per the mode.
  const d = p.downgrade;
  if (d.mode === 'never') return out(current, 'none', 'downgrade_disabled');
  const review = lastReviewMs(p, t, facts);
  if (review === null) return out(current, 'none', 'no_review_yet');
  if (ms(state.since, 'since') >= review) return out(current, 'none', 'reached_after_review');
  if (state.lastReviewAt && ms(state.lastReviewAt, 'lastReviewAt') >= review) return out(current, 'none', 'already_reviewed');
  if (t < review + d.graceDays * 86_400_000) return out(current, 'none', 'in_grace');
  const to = d.steps === 'one_level' ? current - 1 : target;
  return out(Math.max(to, floor), 'downgrade', 'review', iso(review));
}

/** A review the member passed (kept the tier) that the caller should record, once past its grace. */
function pendingReview(p: Program, state: TierState, t: number, facts: TierFacts): string | null {
  const d = p.downgrade;
  if (d.mode === 'never') return null;
  const review = lastReviewMs(p, t, facts);
  if (review === null || t < review + d.graceDays * 86_400_000) return null;
  if (state.lastReviewAt && ms(state.lastReviewAt) >= review) return null;
  return iso(review);
}

/** The latest review instant ≤ t, or null when there has been none (anniversary mode in the first year). */
export function lastReviewMs(p: Program, t: number, facts: TierFacts = {}): number | null {
  const d = p.downgrade;
  const today = localDateOf(t, p.timezone);
  if (d.mode === 'periodic_review') return startOfLocalDayMs(periodStartDate(today, d.period), p.timezone);
  if (d.mode !== 'anniversary') return null;
  if (!facts.memberSince) throw new SiyuError('invalid_data', 'loyalty.member_since_required', 'memberSince: the anniversary mode needs the join date', { field: 'memberSince' });
  const joined = parts(localDateOf(facts.memberSince, p.timezone));
  const { y } = parts(today);
  for (const year of [y, y - 1]) {
    if (year <= joined.y) return null;
    // A 29 February join is reviewed on 28 February in common years.
    const date = ymd(year, joined.m, Math.min(joined.d, daysInMonth(year, joined.m)));
    if (date <= today) return startOfLocalDayMs(date, p.timezone);
  }
  return null;
}

/** The next review instant after `now` (for scheduling the review job), or null for the never mode. */
export function nextReview(p: Program, now: string, facts: TierFacts = {}): string | null {
  const d = p.downgrade;
  if (d.mode === 'never') return null;
  const today = localDateOf(now, p.timezone);
  if (d.mode === 'periodic_review') return iso(startOfLocalDayMs(nextPeriodStartDate(periodStartDate(today, d.period), d.period), p.timezone));
  const joined = parts(localDateOf(facts.memberSince ?? now, p.timezone));
  for (let year = parts(today).y; ; year++) {
    const date = ymd(year, joined.m, Math.min(joined.d, daysInMonth(year, joined.m)));
    if (year > joined.y && date > today) return iso(startOfLocalDayMs(date, p.timezone));
  }
}
