// Points earned by an order: rate per amount paid, rounding, minimum order, excluded lines, and multipliers, with an
// explanation per line so operators (and members) can see why an order earned what it did.
import { z } from 'zod';
import { type AppliedMultiplier, CampaignMultiplierSchema, Combine, type EarnContext, campaignActive, combineFactors } from './multipliers.ts';
import { EventRuleSchema } from './event-rules.ts';
import { TimeZone } from './local-time.ts';
import { Money, Points, Rounding, allocate, fromCents, ms, parseWith, roundPoints, toCents } from './shared.ts';

/** How an order earns points. Amounts are in currency units (yuan), like orders. */
export const OrderEarnRuleSchema = z
  .object({
    /** `points` per `per` currency units paid: { points: 1, per: 1 } is 1 point per ¥1. */
    rate: z.object({ points: z.number().positive().max(1e6), per: z.number().positive().max(1e6) }).strict().default({ points: 1, per: 1 }),
    /** Applied once to the order's total (rounding each line would lose up to a point per line). */
    rounding: Rounding.default('floor'),
    /** Orders paying less than this earn nothing (compared with the whole amount paid, as members read "满 X"). */
    minOrderAmount: Money.default(0),
    excludedCategories: z.array(z.string().min(1)).max(1000).default([]),
    excludedProducts: z.array(z.string().min(1)).max(10000).default([]),
    /** Factor on member days (2 = double points); 1 = none. */
    memberDayFactor: z.number().positive().max(100).default(1),
    /** Whether the member's tier `pointsMultiplier` applies. */
    tierMultiplier: z.boolean().default(true),
    campaigns: z.array(CampaignMultiplierSchema).max(100).default([]),
    combine: Combine.default('multiply'),
    /** Most points one order can earn; null = no cap. */
    maxPointsPerOrder: Points.min(1).nullable().default(null),
  })
  .strict();
export type OrderEarnRule = z.output<typeof OrderEarnRuleSchema>;

/** The whole earn configuration of a program: orders, events, and the zone their days are counted in. */
export const EarnRulesSchema = z
  .object({
    order: OrderEarnRuleSchema.default(OrderEarnRuleSchema.parse({})),
    events: z.array(EventRuleSchema).max(100).default([]),
    timezone: TimeZone,
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.events.forEach((e, i) => {
      if (seen.has(e.event)) ctx.addIssue({ code: 'custom', path: ['events', i, 'event'], message: `duplicate rule for event "${e.event}"` });
      seen.add(e.event);
    });
  });
export type EarnRules = z.output<typeof EarnRulesSchema>;

/** Validates earn rules; errors are `loyalty.invalid_config` / `loyalty.unknown_field` with the field path. */
export const parseEarnRules = (raw: unknown = {}): EarnRules => parseWith(EarnRulesSchema, 'loyalty', raw);

/** One order line as stored (amount before the order-level discount). */
export interface EarnLine {
  lineNo?: number;
  productId: string | null;
  category: string | null;
  amount: number;
}

/** An order as earn rules see it: `amount` is what the member paid (after discounts, without points used). */
export interface EarnOrder {
  amount: number;
  paidAt: string;
  channel?: string | null;
  items: readonly EarnLine[];
}

export interface LineEarning {
  lineNo: number;
  productId: string | null;
  category: string | null;
  /** The line's share of the amount paid (the order discount spread over lines in proportion). */
  paidAmount: number;
  excludedBy: 'category' | 'product' | null;
  /** Points before multipliers (fractional). */
  basePoints: number;
  multipliers: AppliedMultiplier[];
  factor: number;
  /** basePoints × factor (fractional). */
  rawPoints: number;
  /** The line's whole points: the order's rounded total spread over lines by rawPoints, so lines sum to `points`. */
  points: number;
}

export interface OrderEarning {
  points: number;
  reason: 'earned' | 'below_minimum' | 'nothing_eligible';
  /** Paid amount of the lines that earn. */
  eligibleAmount: number;
  rawPoints: number;
  /** True when maxPointsPerOrder cut the total. */
  capped: boolean;
  lines: LineEarning[];
}

/**
 * Points for an order. Each line earns on its share of the amount paid unless its product or category is excluded;
 * multipliers (member day, tier, campaigns active at `paidAt` for the line) combine per `combine`; the order total
 * is rounded once and capped; an order below `minOrderAmount` earns 0 but still gets its explanation.
 * @example orderPoints(rule, { amount: 100, paidAt, items: [] }, { isMemberDay: true, tierMultiplier: 1 }).points // 200 with memberDayFactor 2
 */
export function orderPoints(rule: OrderEarnRule, order: EarnOrder, ctx: EarnContext): OrderEarning {
  const paidCents = toCents(order.amount);
  const items: EarnLine[] = order.items.length > 0 ? [...order.items] : [{ productId: null, category: null, amount: order.amount }];
  const shares = allocate(paidCents, items.map((l) => Math.max(0, toCents(l.amount))));
  const at = ms(order.paidAt, 'paidAt');
  const excludedCats = new Set(rule.excludedCategories);
  const excludedProducts = new Set(rule.excludedProducts);

  const lines: LineEarning[] = items.map((l, i) => {
    const excludedBy = l.productId !== null && excludedProducts.has(l.productId) ? 'product' : l.category !== null && excludedCats.has(l.category) ? 'category' : null;
    const basePoints = excludedBy ? 0 : (shares[i] * rule.rate.points) / (rule.rate.per * 100);
    const multipliers = excludedBy ? [] : lineMultipliers(rule, l, order.channel ?? null, at, ctx);
    const factor = combineFactors(multipliers, rule.combine);
    return {
      lineNo: l.lineNo ?? i + 1, productId: l.productId, category: l.category, paidAmount: fromCents(shares[i]),
      excludedBy, basePoints, multipliers, factor, rawPoints: basePoints * factor, points: 0,
    };
  });

  const eligibleCents = lines.reduce((s, l, i) => s + (l.excludedBy ? 0 : shares[i]), 0);
  const rawPoints = lines.reduce((s, l) => s + l.rawPoints, 0);
  const result = (points: number, reason: OrderEarning['reason'], capped = false): OrderEarning => {
    // Spread whole points in proportion to raw points (micro-point weights keep the split exact and deterministic).
    const split = allocate(points, lines.map((l) => Math.round(l.rawPoints * 1e6)));
    lines.forEach((l, i) => (l.points = split[i]));
    return { points, reason, eligibleAmount: fromCents(eligibleCents), rawPoints, capped, lines };
  };
  if (paidCents < toCents(rule.minOrderAmount)) return result(0, 'below_minimum');
  if (eligibleCents === 0) return result(0, 'nothing_eligible');
  const rounded = roundPoints(rawPoints, rule.rounding);
  const cap = rule.maxPointsPerOrder;
  return cap !== null && rounded > cap ? result(cap, 'earned', true) : result(rounded, 'earned');
}

/** The multipliers that apply to one line; factors of exactly 1 are left out of the explanation. */
function lineMultipliers(rule: OrderEarnRule, l: EarnLine, channel: string | null, at: number, ctx: EarnContext): AppliedMultiplier[] {
  const out: AppliedMultiplier[] = [];
  if (ctx.isMemberDay && rule.memberDayFactor !== 1) out.push({ source: 'member_day', factor: rule.memberDayFactor });
  if (rule.tierMultiplier && ctx.tierMultiplier !== 1) out.push({ source: 'tier', factor: ctx.tierMultiplier });
  for (const c of rule.campaigns) {
    if (!campaignActive(c, at)) continue;
    if (c.channels.length > 0 && (channel === null || !c.channels.includes(channel))) continue;
    const scoped = c.categories.length > 0 || c.products.length > 0;
    const matches = (l.category !== null && c.categories.includes(l.category)) || (l.productId !== null && c.products.includes(l.productId));
    if (scoped && !matches) continue;
    out.push({ source: 'campaign', id: c.id, factor: c.factor });
  }
  return out;
}
