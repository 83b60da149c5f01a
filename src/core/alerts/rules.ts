// Alert rules as data (zod): static thresholds and weekly-seasonal anomaly detection, with severity bands.
import { z } from 'zod';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Higher is worse. */
export const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, critical: 3 };

const bands = (what: string) =>
  z
    .object({ info: z.number().finite().optional(), warning: z.number().finite().optional(), critical: z.number().finite().optional() })
    .strict()
    .refine((b) => b.info !== undefined || b.warning !== undefined || b.critical !== undefined, { message: `at least one ${what} (info, warning or critical)` });

/**
 * A fixed threshold: breached when the value is above (or below) the lowest band for `periods` consecutive periods;
 * the severity is the highest band the latest value crosses.
 * @example { type: 'static', op: 'above', thresholds: { warning: 0.05, critical: 0.1 }, periods: 2 }
 */
export const StaticRule = z
  .object({
    type: z.literal('static'),
    op: z.enum(['above', 'below']),
    thresholds: bands('threshold'),
    periods: z.number().int().min(1).max(30).default(1),
    /** Periods whose volume (orders, sends, members… see the metric) is below this never alert. */
    min_volume: z.number().min(0).default(0),
  })
  .strict();

/**
 * An anomaly against the same weekday (hourly monitors: the same weekday and hour) of the last `weeks` weeks: robust
 * z = 0.6745·(x − median)/MAD, MAD floored at `mad_floor` (default: the metric unit's floor or 5% of the median,
 * whichever is larger). Severity by z bands.
 * @example { type: 'anomaly', direction: 'up', weeks: 6, bands: { warning: 3, critical: 5 }, min_volume: 20 }
 */
export const AnomalyRule = z
  .object({
    type: z.literal('anomaly'),
    direction: z.enum(['up', 'down', 'both']).default('both'),
    weeks: z.number().int().min(2).max(26).default(6),
    /** Fewest same-weekday values needed for a baseline; fewer: no verdict. */
    min_history: z.number().int().min(2).max(26).default(3),
    bands: bands('z band').default({ warning: 3, critical: 5 }),
    min_volume: z.number().min(0).default(0),
    mad_floor: z.number().positive().optional(),
  })
  .strict();

/** Bands must grow worse with severity: for `above` and anomalies info ≤ warning ≤ critical, for `below` the reverse. */
export const Rule = z.discriminatedUnion('type', [StaticRule, AnomalyRule]).superRefine((r, ctx) => {
  const b = r.type === 'static' ? r.thresholds : r.bands;
  const key = r.type === 'static' ? 'thresholds' : 'bands';
  const set = SEVERITIES.filter((s) => b[s] !== undefined).map((s) => [s, b[s]!] as const);
  const descending = r.type === 'static' && r.op === 'below';
  for (let i = 1; i < set.length; i++) {
    const [prevS, prev] = set[i - 1];
    const [s, v] = set[i];
    if (descending ? v > prev : v < prev) {
      ctx.addIssue({ code: 'custom', path: [key, s], message: `${s} must be ${descending ? 'at most' : 'at least'} ${prevS} (${prev})` });
    }
  }
  if (r.type === 'anomaly') for (const [s, v] of set) if (!(v > 0)) ctx.addIssue({ code: 'custom', path: ['bands', s], message: `${s}: z bands are positive` });
  if (r.type === 'anomaly' && r.min_history > r.weeks) ctx.addIssue({ code: 'custom', path: ['min_history'], message: 'min_history cannot exceed weeks' });
});

export type Rule = z.infer<typeof Rule>;
export type RuleInput = z.input<typeof Rule>;
export type StaticRule = z.infer<typeof StaticRule>;
export type AnomalyRule = z.infer<typeof AnomalyRule>;
