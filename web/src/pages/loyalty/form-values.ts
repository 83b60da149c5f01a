// The loyalty program form's values and their mapping to and from the stored program (pure, no I/O). Fields the form
// does not show (campaign multipliers, checkout settings, event `where`…) are kept as they were.
import type { LoyaltyTier } from '../../api/types';

export const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export type Obj = Record<string, unknown>;
/** A stored JSON value as an object to read from (`{}` when it is not one). */
export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export interface TierRow { code: string; name_zh: string; name_en: string; threshold: number; pointsMultiplier: number; discountPercent: number; freeShipping: boolean; gift: 'none' | 'points' | 'coupon'; giftPoints?: number; giftCoupon?: string }
export interface EventRow { event: string; points: number; day?: number | null; week?: number | null; month?: number | null; lifetime?: number | null; track?: string[] }
export interface ProgramFormValues {
  metric: 'points_earned' | 'spend' | 'order_count';
  window: 'rolling' | 'calendar_year';
  days?: number;
  downgrade: 'never' | 'periodic_review' | 'anniversary';
  period?: 'month' | 'quarter' | 'half_year' | 'year';
  graceDays?: number;
  steps?: 'to_qualified' | 'one_level';
  tiers: TierRow[];
  ratePoints: number;
  ratePer: number;
  rounding: 'floor' | 'round' | 'ceil';
  minOrderAmount: number;
  memberDayFactor: number;
  tierMultiplier: boolean;
  maxPointsPerOrder?: number | null;
  excludedCategories: string[];
  events: EventRow[];
  expiry: 'never' | 'days' | 'end_of_month' | 'end_of_year';
  expiryDays?: number;
  monthsAfter?: number;
  yearsAfter?: number;
  pendingDays: number;
}

/** The stored program (or the example) as form values. */
export function programToForm(p: { program: Obj; earn?: Obj | null; lots?: unknown }): ProgramFormValues {
  const program = p.program;
  const basis = obj(program.basis);
  const win = obj(basis.window);
  const down = obj(program.downgrade);
  const order = obj(obj(p.earn).order);
  const rate = obj(order.rate);
  const lots = obj(p.lots);
  const expiry = obj(lots.expiry);
  const tiers = ((program.tiers as LoyaltyTier[] | undefined) ?? []).map((t): TierRow => {
    const b = obj(t.benefits);
    const gift = obj(b.birthdayGift);
    const name = typeof t.name === 'string' ? { zh: t.name, en: t.name } : t.name;
    return {
      code: t.code, name_zh: name.zh ?? '', name_en: name.en ?? '', threshold: t.threshold,
      pointsMultiplier: Number(b.pointsMultiplier ?? 1), discountPercent: Number(b.discountPercent ?? 0), freeShipping: Boolean(b.freeShipping),
      gift: gift.points ? 'points' : gift.couponTemplateId ? 'coupon' : 'none', giftPoints: gift.points as number | undefined, giftCoupon: gift.couponTemplateId as string | undefined,
    };
  });
  const events = ((obj(p.earn).events as Obj[] | undefined) ?? []).map((e): EventRow => {
    const caps = obj(e.caps);
    return { event: String(e.event ?? ''), points: Number(e.points ?? 1), day: caps.day as number, week: caps.week as number, month: caps.month as number, lifetime: caps.lifetime as number, track: e.track === undefined ? [] : ([] as string[]).concat(e.track as string) };
  });
  return {
    metric: (basis.metric as ProgramFormValues['metric']) ?? 'points_earned',
    window: (win.type as ProgramFormValues['window']) ?? 'rolling',
    days: (win.days as number) ?? 365,
    downgrade: (down.mode as ProgramFormValues['downgrade']) ?? 'never',
    period: (down.period as ProgramFormValues['period']) ?? 'year',
    graceDays: (down.graceDays as number) ?? 0,
    steps: (down.steps as ProgramFormValues['steps']) ?? 'to_qualified',
    tiers,
    ratePoints: Number(rate.points ?? 1), ratePer: Number(rate.per ?? 1), rounding: (order.rounding as ProgramFormValues['rounding']) ?? 'floor',
    minOrderAmount: Number(order.minOrderAmount ?? 0), memberDayFactor: Number(order.memberDayFactor ?? 1), tierMultiplier: order.tierMultiplier !== false,
    maxPointsPerOrder: (order.maxPointsPerOrder as number | null) ?? null, excludedCategories: (order.excludedCategories as string[]) ?? [],
    events,
    expiry: (expiry.type as ProgramFormValues['expiry']) ?? 'never', expiryDays: (expiry.days as number) ?? 365, monthsAfter: (expiry.monthsAfter as number) ?? 0, yearsAfter: (expiry.yearsAfter as number) ?? 1,
    pendingDays: Number(lots.pendingDays ?? 0),
  };
}

/** Form values back to the PUT /api/loyalty/program body, on top of what was stored (unshown fields kept). */
export function formToProgram(v: ProgramFormValues, base: { program: Obj; earn?: Obj | null; lots?: unknown }) {
  const prevEvents = new Map(((obj(base.earn).events as Obj[] | undefined) ?? []).map((e) => [String(e.event), e]));
  const caps = (e: EventRow) => Object.fromEntries((['day', 'week', 'month', 'lifetime'] as const).filter((k) => typeof e[k] === 'number').map((k) => [k, e[k]]));
  const downgrade = v.downgrade === 'never' ? { mode: 'never' } : v.downgrade === 'periodic_review' ? { mode: v.downgrade, period: v.period, graceDays: v.graceDays ?? 0, steps: v.steps } : { mode: v.downgrade, graceDays: v.graceDays ?? 0, steps: v.steps };
  const expiry = v.expiry === 'days' ? { type: 'days', days: v.expiryDays } : v.expiry === 'end_of_month' ? { type: 'end_of_month', monthsAfter: v.monthsAfter ?? 0 } : v.expiry === 'end_of_year' ? { type: 'end_of_year', yearsAfter: v.yearsAfter ?? 0 } : { type: 'never' };
  const prevOrder = obj(obj(base.earn).order);
  return {
    program: {
      ...base.program,
      basis: { metric: v.metric, window: v.window === 'rolling' ? { type: 'rolling', days: v.days } : { type: 'calendar_year' } },
      downgrade,
      tiers: v.tiers.map((t) => ({
        code: t.code.trim(), name: { zh: t.name_zh.trim(), en: t.name_en.trim() }, threshold: t.threshold,
        benefits: {
          pointsMultiplier: t.pointsMultiplier, discountPercent: t.discountPercent, freeShipping: Boolean(t.freeShipping),
          birthdayGift: t.gift === 'points' ? { points: t.giftPoints } : t.gift === 'coupon' ? { couponTemplateId: t.giftCoupon } : null,
        },
      })),
    },
    earn: {
      ...obj(base.earn),
      order: {
        ...prevOrder, rate: { points: v.ratePoints, per: v.ratePer }, rounding: v.rounding, minOrderAmount: v.minOrderAmount ?? 0, memberDayFactor: v.memberDayFactor,
        tierMultiplier: v.tierMultiplier, maxPointsPerOrder: v.maxPointsPerOrder ?? null, excludedCategories: v.excludedCategories ?? [],
      },
      events: (v.events ?? []).map((e) => {
        const prev = { ...(prevEvents.get(e.event) ?? {}) };
        delete prev.track;
        return { ...prev, event: e.event.trim(), points: e.points, caps: caps(e), ...(e.track?.length ? { track: e.track.length === 1 ? e.track[0] : e.track } : {}) };
      }),
    },
    lots: { ...obj(base.lots), expiry, pendingDays: v.pendingDays ?? 0 },
  };
}
