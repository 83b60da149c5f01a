// Points for member actions (sign-in, review, share, profile completion …) with caps per local day, week (Monday
// start), month and lifetime. The store counts awards already given in each cap window; this decides the next one.
import { z } from 'zod';
import { SiyuError } from '../errors.ts';
import { type CalendarPeriod, periodBounds } from './local-time.ts';
import { type AppliedMultiplier, type CampaignMultiplier, type Combine, type EarnContext, campaignActive, combineFactors } from './multipliers.ts';
import { I18nName, Points, Rounding, ms, roundPoints, Slug } from './shared.ts';
import { PropertyFilterSchema, TrackName } from './tracked-events.ts';

/** Cap windows, shortest first; `lifetime` counts every award ever (profile completion: once). */
export const CAP_PERIODS = ['day', 'week', 'month', 'lifetime'] as const;
export type CapPeriod = (typeof CAP_PERIODS)[number];

const cap = z.number().int().min(1).max(1_000_000).optional();

/**
 * Points for one kind of event, e.g. `{ event: 'sign_in', points: 5, caps: { day: 1 } }`. Caps count awards.
 * Awarded through `POST /api/loyalty/earn` with `event`, and — when `track` names tracked events — automatically for
 * each such event the app sends (`{ …, track: 'Signed In' }`; `where` filters on its properties, e.g. a review with a
 * rating: `where: [{ property: 'rating', op: 'exists' }]`).
 */
export const EventRuleSchema = z
  .object({
    event: Slug,
    name: I18nName.optional(),
    points: Points.min(1),
    caps: z.object({ day: cap, week: cap, month: cap, lifetime: cap }).strict().default({}),
    /** Whether member-day, tier and event campaign multipliers apply (off by default: sign-in points stay flat). */
    multipliers: z.boolean().default(false),
    rounding: Rounding.default('floor'),
    /** Tracked event names that award this rule (one or a list); none = only the API awards it. */
    track: z
      .union([TrackName, z.array(TrackName).min(1).max(20)])
      .optional()
      .transform((t) => (t === undefined ? undefined : typeof t === 'string' ? [t] : [...new Set(t)])),
    /** Conditions on the tracked event's properties, all of which must hold. */
    where: z.array(PropertyFilterSchema).max(20).default([]),
  })
  .strict()
  .refine((r) => r.where.length === 0 || r.track !== undefined, { message: 'where filters need track (the tracked events they filter)', path: ['where'] });
export type EventRule = z.output<typeof EventRuleSchema>;

/** The part of the earn rules events need (an `EarnRules` fits). */
export interface EventEarnConfig {
  events: readonly EventRule[];
  timezone: string;
  order: { memberDayFactor: number; tierMultiplier: boolean; combine: Combine; campaigns: readonly CampaignMultiplier[] };
}

/** One window the store must count awards in: `at >= start AND at < end` (null bounds = open, for lifetime). */
export interface CapWindow {
  period: CapPeriod;
  limit: number;
  start: string | null;
  end: string | null;
}

/**
 * The cap windows of `rule` containing instant `at`, in the brand's zone.
 * @example capWindows({ …, caps: { day: 1 } }, '2024-05-08T20:00:00Z', 'Asia/Shanghai') // [{ period: 'day', limit: 1, start: '2024-05-08T16:00:00.000Z', end: '2024-05-09T16:00:00.000Z' }]
 */
export function capWindows(rule: EventRule, at: string, tz: string): CapWindow[] {
  const out: CapWindow[] = [];
  for (const period of CAP_PERIODS) {
    const limit = rule.caps[period];
    if (limit === undefined) continue;
    if (period === 'lifetime') out.push({ period, limit, start: null, end: null });
    else out.push({ period, limit, ...periodBounds(at, period as CalendarPeriod, tz) });
  }
  return out;
}

/** Awards already given to the member in each capped window (from `capWindows`). */
export type EventCounts = Partial<Record<CapPeriod, number>>;

export interface EventEarning {
  event: string;
  points: number;
  reason: 'earned' | 'cap_reached' | 'no_rule';
  /** The cap that blocked the award. */
  blockedBy: CapPeriod | null;
  multipliers: AppliedMultiplier[];
  factor: number;
  /** Awards still possible in each capped window after this one. */
  remaining: EventCounts;
}

/**
 * Points for one occurrence of `event` at `at`, given the awards already counted in its cap windows. An event
 * without a rule earns nothing (`no_rule`). A capped window without a count is a caller bug and throws
 * `loyalty.cap_count_missing`, since awarding blindly would break the cap.
 * @example eventPoints(rules, 'sign_in', { day: 0 }, now, ctx) // { points: 5, reason: 'earned', remaining: { day: 0 }, … }
 */
export function eventPoints(config: EventEarnConfig, event: string, counts: EventCounts, at: string, ctx: EarnContext): EventEarning {
  const rule = config.events.find((r) => r.event === event);
  if (!rule) return { event, points: 0, reason: 'no_rule', blockedBy: null, multipliers: [], factor: 1, remaining: {} };
  const remaining: EventCounts = {};
  let blockedBy: CapPeriod | null = null;
  for (const period of CAP_PERIODS) {
    const limit = rule.caps[period];
    if (limit === undefined) continue;
    const used = counts[period];
    if (used === undefined || !Number.isInteger(used) || used < 0)
      throw new SiyuError('invalid_data', 'loyalty.cap_count_missing', `counts.${period}: awards in the ${period} window are needed`, { field: `counts.${period}` });
    if (used >= limit && blockedBy === null) blockedBy = period;
    remaining[period] = Math.max(0, limit - used - 1);
  }
  if (blockedBy !== null) {
    for (const p of Object.keys(remaining) as CapPeriod[]) remaining[p] = Math.max(0, rule.caps[p]! - counts[p]!);
    return { event, points: 0, reason: 'cap_reached', blockedBy, multipliers: [], factor: 1, remaining };
  }
  const multipliers = rule.multipliers ? eventMultipliers(config, ms(at), ctx) : [];
  const factor = combineFactors(multipliers, config.order.combine);
  return { event, points: roundPoints(rule.points * factor, rule.rounding), reason: 'earned', blockedBy: null, multipliers, factor, remaining };
}

function eventMultipliers(config: EventEarnConfig, at: number, ctx: EarnContext): AppliedMultiplier[] {
  const o = config.order;
  const out: AppliedMultiplier[] = [];
  if (ctx.isMemberDay && o.memberDayFactor !== 1) out.push({ source: 'member_day', factor: o.memberDayFactor });
  if (o.tierMultiplier && ctx.tierMultiplier !== 1) out.push({ source: 'tier', factor: ctx.tierMultiplier });
  for (const c of o.campaigns) if (c.events && campaignActive(c, at)) out.push({ source: 'campaign', id: c.id, factor: c.factor });
  return out;
}
