// Lifecycle stages: validated thresholds, a pure classifier over one member's order facts, and a transition matrix.
import { z } from 'zod';
import { calendarDaysBetween, parseWith } from './shared.ts';

/** The stages, in the order rows and columns of a transition matrix use. */
export const LIFECYCLE_STAGES = ['prospect', 'new', 'active', 'repeat', 'at_risk', 'silent', 'churned'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Chinese and English display names of each stage. */
export const LIFECYCLE_STAGE_NAMES: Record<LifecycleStage, { zh: string; en: string }> = {
  prospect: { zh: '潜在客户', en: 'Prospect' },
  new: { zh: '新客', en: 'New' },
  active: { zh: '活跃', en: 'Active' },
  repeat: { zh: '复购', en: 'Repeat' },
  at_risk: { zh: '流失风险', en: 'At risk' },
  silent: { zh: '沉默', en: 'Silent' },
  churned: { zh: '流失', en: 'Churned' },
};

/**
 * Thresholds in calendar days since an order (0 = ordered on the as-of day). "Within D days" means days ≤ D.
 * newDays ≤ activeDays < atRiskDays < churnDays; repeatMinOrders ≥ 2.
 */
export const LifecycleConfigSchema = z
  .object({
    newDays: z.number().int().nonnegative().default(30),
    activeDays: z.number().int().nonnegative().default(90),
    atRiskDays: z.number().int().positive().default(180),
    churnDays: z.number().int().positive().default(365),
    repeatMinOrders: z.number().int().min(2).default(2),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.newDays > c.activeDays) ctx.addIssue({ code: 'custom', path: ['newDays'], message: 'newDays must be ≤ activeDays' });
    if (c.atRiskDays <= c.activeDays) ctx.addIssue({ code: 'custom', path: ['atRiskDays'], message: 'atRiskDays must be > activeDays' });
    if (c.churnDays <= c.atRiskDays) ctx.addIssue({ code: 'custom', path: ['churnDays'], message: 'churnDays must be > atRiskDays' });
  });

export type LifecycleConfig = z.output<typeof LifecycleConfigSchema>;
export type LifecycleConfigInput = z.input<typeof LifecycleConfigSchema>;

/** Validates lifecycle thresholds, filling defaults; errors are `lifecycle.invalid_config` with `field`. */
export const parseLifecycleConfig = (raw: unknown = {}): LifecycleConfig => parseWith(LifecycleConfigSchema, 'lifecycle', raw);

/** One member's order facts as of a date; the day counts are null when orderCount is 0. */
export interface LifecycleFacts { orderCount: number; daysSinceFirstOrder: number | null; daysSinceLastOrder: number | null }

/**
 * Facts from order dates as of `asOf` (UTC calendar days). Orders after the as-of date are ignored, so an as-of date
 * before the first order gives a prospect. Each entry is one order.
 */
export function lifecycleFactsFromOrders(orderDates: readonly string[], asOf: string): LifecycleFacts {
  let first: number | null = null;
  let last: number | null = null;
  let count = 0;
  for (const d of orderDates) {
    const age = calendarDaysBetween(d, asOf);
    if (age < 0) continue;
    count++;
    if (first === null || age > first) first = age;
    if (last === null || age < last) last = age;
  }
  return { orderCount: count, daysSinceFirstOrder: first, daysSinceLastOrder: last };
}

/**
 * The stage of one member. First matching rule wins, which SQL reproduces as one CASE in this order:
 * prospect (no order) → churned (last > churnDays) → silent (last > atRiskDays) → at_risk (last > activeDays)
 * → new (first ≤ newDays) → repeat (orders ≥ repeatMinOrders) → active.
 * @example classifyLifecycle({ orderCount: 1, daysSinceFirstOrder: 5, daysSinceLastOrder: 5 }, parseLifecycleConfig()) // 'new'
 */
export function classifyLifecycle(f: LifecycleFacts, c: LifecycleConfig): LifecycleStage {
  if (f.orderCount <= 0 || f.daysSinceLastOrder === null || f.daysSinceFirstOrder === null) return 'prospect';
  const last = f.daysSinceLastOrder;
  if (last > c.churnDays) return 'churned';
  if (last > c.atRiskDays) return 'silent';
  if (last > c.activeDays) return 'at_risk';
  if (f.daysSinceFirstOrder <= c.newDays) return 'new';
  if (f.orderCount >= c.repeatMinOrders) return 'repeat';
  return 'active';
}

/** A member present at only one of the two dates is `absent` at the other. */
export type TransitionState = LifecycleStage | 'absent';
export const TRANSITION_STATES: readonly TransitionState[] = [...LIFECYCLE_STAGES, 'absent'];

/** Counts from → to, every state present as a row and column (zeros included), with row totals and row shares. */
export interface TransitionMatrix {
  states: readonly TransitionState[];
  counts: Record<TransitionState, Record<TransitionState, number>>;
  rowTotals: Record<TransitionState, number>;
  /** counts / rowTotal of the from-state (0 for an empty row). */
  rates: Record<TransitionState, Record<TransitionState, number>>;
  total: number;
}

const grid = (): Record<TransitionState, Record<TransitionState, number>> =>
  Object.fromEntries(TRANSITION_STATES.map((a) => [a, Object.fromEntries(TRANSITION_STATES.map((b) => [b, 0]))])) as never;

/**
 * Transition matrix between two stage maps (member id → stage at date 1 and at date 2). Members in both maps count
 * once; members in only one count from/to `absent`.
 * @example transitionMatrix(new Map([['m1', 'new']]), new Map([['m1', 'repeat']])).counts.new.repeat // 1
 */
export function transitionMatrix(
  from: ReadonlyMap<string, LifecycleStage>,
  to: ReadonlyMap<string, LifecycleStage>,
): TransitionMatrix {
  const counts = grid();
  for (const [id, a] of from) counts[a][to.get(id) ?? 'absent']++;
  for (const [id, b] of to) if (!from.has(id)) counts.absent[b]++;
  const rowTotals = Object.fromEntries(
    TRANSITION_STATES.map((a) => [a, TRANSITION_STATES.reduce((s, b) => s + counts[a][b], 0)]),
  ) as Record<TransitionState, number>;
  const rates = grid();
  for (const a of TRANSITION_STATES) for (const b of TRANSITION_STATES) rates[a][b] = rowTotals[a] ? counts[a][b] / rowTotals[a] : 0;
  const total = TRANSITION_STATES.reduce((s, a) => s + rowTotals[a], 0);
  return { states: TRANSITION_STATES, counts, rowTotals, rates, total };
}
