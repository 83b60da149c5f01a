// Points multipliers (member day, tier, campaign windows) and how several of them combine into one factor.
import { z } from 'zod';
import { Instant, Slug } from './shared.ts';

/**
 * How applicable multipliers combine. `multiply`: member day ×2 and gold ×1.5 give ×3 (generous, the usual
 * default in CRM tools). `max`: the best single one wins, ×2 — brands pick it to keep stacked promotions bounded.
 */
export const Combine = z.enum(['multiply', 'max']);
export type Combine = z.output<typeof Combine>;

/** A campaign window multiplying points earned between `startsAt` (inclusive) and `endsAt` (exclusive). */
export const CampaignMultiplierSchema = z
  .object({
    id: Slug,
    name: z.string().min(1).max(128).optional(),
    factor: z.number().positive().max(100),
    startsAt: Instant,
    endsAt: Instant,
    /** Limit to lines of these categories / products (either matches); empty = every line. */
    categories: z.array(z.string().min(1)).max(1000).default([]),
    products: z.array(z.string().min(1)).max(10000).default([]),
    /** Limit to orders from these channels; empty = every channel. */
    channels: z.array(z.string().min(1)).max(100).default([]),
    /** Also applies to event points (sign-in, review …), not only to orders. */
    events: z.boolean().default(false),
  })
  .strict()
  .refine((c) => Date.parse(c.endsAt) > Date.parse(c.startsAt), { message: 'endsAt must be after startsAt', path: ['endsAt'] });
export type CampaignMultiplier = z.output<typeof CampaignMultiplierSchema>;

/** One multiplier that applied, for the explanation shown to operators and members. */
export interface AppliedMultiplier {
  source: 'member_day' | 'tier' | 'campaign';
  /** The campaign id for campaign multipliers. */
  id?: string;
  factor: number;
}

/** Is the campaign running at `at` (ms)? */
export const campaignActive = (c: CampaignMultiplier, at: number): boolean => at >= Date.parse(c.startsAt) && at < Date.parse(c.endsAt);

/**
 * One factor from the applicable multipliers. No multiplier → 1. Under `max` the best factor wins even if below 1
 * only when it is the sole one (a 0.5 tier alone halves points; next to a ×2 member day, ×2 wins).
 * @example combineFactors([{ source: 'member_day', factor: 2 }, { source: 'tier', factor: 1.5 }], 'multiply') // 3
 */
export function combineFactors(applied: readonly AppliedMultiplier[], mode: Combine): number {
  if (applied.length === 0) return 1;
  if (mode === 'max') return Math.max(...applied.map((a) => a.factor));
  return applied.reduce((f, a) => f * a.factor, 1);
}

/** What the caller knows about the moment of earning: computed with member-day.ts and the member's tier benefits. */
export interface EarnContext {
  isMemberDay: boolean;
  /** The member's tier `benefits.pointsMultiplier` (1 for none). */
  tierMultiplier: number;
}
