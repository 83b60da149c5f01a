// RFM model: validated configuration, per-member facts, 1–5 scores (quintile or custom cut points), the eight segments.
import { z } from 'zod';
import { IsoDate, calendarDaysBetween, discreteCutPoints, mean, median, parseWith, utcDate } from './shared.ts';

/** Stable ids of the eight classic RFM segments (R, F, M each high or low). */
export type RfmSegmentId =
  | 'important_value'
  | 'important_develop'
  | 'important_retain'
  | 'important_winback'
  | 'general_value'
  | 'general_develop'
  | 'general_retain'
  | 'general_winback';

/** One row of the segment table: id, Chinese and English names, and the R/F/M high(true)/low(false) pattern. */
export interface RfmSegmentInfo { id: RfmSegmentId; zh: string; en: string; r: boolean; f: boolean; m: boolean }

/** The eight segments, in the conventional order. English names follow the common RFM marketing vocabulary. */
export const RFM_SEGMENTS: readonly RfmSegmentInfo[] = [
  { id: 'important_value', zh: '重要价值客户', en: 'Champions', r: true, f: true, m: true },
  { id: 'important_develop', zh: '重要发展客户', en: 'Potential Loyalists', r: true, f: false, m: true },
  { id: 'important_retain', zh: '重要保持客户', en: "Can't Lose Them", r: false, f: true, m: true },
  { id: 'important_winback', zh: '重要挽留客户', en: 'At Risk', r: false, f: false, m: true },
  { id: 'general_value', zh: '一般价值客户', en: 'Loyal Customers', r: true, f: true, m: false },
  { id: 'general_develop', zh: '一般发展客户', en: 'Recent Customers', r: true, f: false, m: false },
  { id: 'general_retain', zh: '一般保持客户', en: 'Need Attention', r: false, f: true, m: false },
  { id: 'general_winback', zh: '一般挽留客户', en: 'Lost', r: false, f: false, m: false },
];

/** The segment for an R/F/M high-low pattern. */
export function rfmSegmentOf(rHigh: boolean, fHigh: boolean, mHigh: boolean): RfmSegmentId {
  return RFM_SEGMENTS.find((s) => s.r === rHigh && s.f === fHigh && s.m === mHigh)!.id;
}

const Ascending4 = z
  .array(z.number().finite())
  .length(4)
  .refine((a) => a.every((v, i) => i === 0 || v > a[i - 1]), 'thresholds must be strictly ascending');

/**
 * RFM configuration. `scoring: 'quintile'` derives cut points from the data; a custom object gives, per dimension,
 * four ascending upper bounds (see scoreAscending / scoreRecency). `split` picks mean or median as the high/low line and
 * `splitOn` whether it is drawn on the 1–5 scores (default, the usual practice) or on the raw values.
 */
export const RfmConfigSchema = z
  .object({
    asOf: IsoDate,
    windowDays: z.number().int().positive().optional(),
    scoring: z
      .union([z.literal('quintile'), z.object({ r: Ascending4, f: Ascending4, m: Ascending4 }).strict()], {
        error: "must be 'quintile' or { r, f, m } with four ascending thresholds each",
      })
      .default('quintile'),
    split: z.enum(['mean', 'median']).default('mean'),
    splitOn: z.enum(['score', 'value']).default('score'),
  })
  .strict();

export type RfmConfig = z.output<typeof RfmConfigSchema>;
export type RfmConfigInput = z.input<typeof RfmConfigSchema>;

/** Validates an RFM config, filling defaults; errors are `rfm.invalid_config` / `rfm.unknown_field` with `field`. */
export const parseRfmConfig = (raw: unknown): RfmConfig => parseWith(RfmConfigSchema, 'rfm', raw);

/** One buying member's facts as of the as-of date. */
export interface RfmFacts { recencyDays: number; frequency: number; monetary: number }

/** One order as the RFM model sees it: when it was placed and its revenue net of refunds. */
export interface RfmOrder { orderId: string; orderedAt: string; netAmount: number }

/**
 * Facts of one member from their orders, or null when they bought nothing in the window (including an as-of date
 * before their first order). Orders count when as-of − windowDays < order date ≤ as-of (UTC calendar dates, so the
 * window covers exactly windowDays days ending on the as-of day); frequency counts distinct order ids.
 * @example rfmFactsFromOrders([{ orderId: 'o1', orderedAt: '2024-01-01T10:00:00Z', netAmount: 50 }], parseRfmConfig({ asOf: '2024-01-31' }))
 *   // { recencyDays: 30, frequency: 1, monetary: 50 }
 */
export function rfmFactsFromOrders(orders: readonly RfmOrder[], config: RfmConfig): RfmFacts | null {
  const ids = new Set<string>();
  let last: string | null = null;
  let monetary = 0;
  for (const o of orders) {
    const age = calendarDaysBetween(o.orderedAt, config.asOf);
    if (age < 0) continue;
    if (config.windowDays !== undefined && age >= config.windowDays) continue;
    ids.add(o.orderId);
    monetary += o.netAmount;
    const d = utcDate(o.orderedAt);
    if (last === null || d > last) last = d;
  }
  if (last === null) return null;
  return { recencyDays: calendarDaysBetween(last, config.asOf), frequency: ids.size, monetary };
}

/** Four cut points per dimension; a value equal to a cut point falls in the lower-valued bucket. */
export interface RfmCutPoints { r: number[]; f: number[]; m: number[] }

/**
 * Score 1–5 where bigger values are better (F, M): 1 + the number of cut points strictly below the value.
 * Cut point t_k is the largest value that still scores k. SQL: `1 + (v > t1)::int + (v > t2)::int + …` (or CASE).
 * @example scoreAscending(3, [1, 2, 3, 5]) // 3
 */
export function scoreAscending(value: number, cuts: readonly number[]): number {
  let s = 1;
  for (const c of cuts) if (value > c) s++;
  return s;
}

/**
 * Recency score 1–5 where fewer days are better: 5 − the number of cut points strictly below recency_days.
 * Cut point t_k is the largest recency that still scores 6 − k: with [30, 60, 90, 180], 0–30 days → 5, 181+ → 1.
 */
export function scoreRecency(recencyDays: number, cuts: readonly number[]): number {
  let s = 5;
  for (const c of cuts) if (recencyDays > c) s--;
  return s;
}

/**
 * Quintile cut points of one dimension: the values at fractions 0.2, 0.4, 0.6, 0.8 by `percentile_disc`
 * (1-based rank ceil(n·k/5) of the ascending values). Equal values always get equal scores; where ties straddle a cut
 * point all of them go to the lower bucket, so buckets can be uneven (or empty) on heavily tied data such as F.
 * @example quintileCutPoints([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) // [2, 4, 6, 8]
 */
export function quintileCutPoints(values: readonly number[]): number[] | null {
  return discreteCutPoints(values, [0.2, 0.4, 0.6, 0.8]);
}

/** Everything needed to score any member: cut points and the high/low split line per dimension. */
export interface RfmThresholds { cuts: RfmCutPoints; split: { r: number; f: number; m: number }; splitOn: 'score' | 'value' }

/** A scored member. */
export interface RfmScore { rScore: number; fScore: number; mScore: number; segment: RfmSegmentId }

/** Scores without a segment (the split line needs every member's scores first). */
export function rfmScores(facts: RfmFacts, cuts: RfmCutPoints): Omit<RfmScore, 'segment'> {
  return {
    rScore: scoreRecency(facts.recencyDays, cuts.r),
    fScore: scoreAscending(facts.frequency, cuts.f),
    mScore: scoreAscending(facts.monetary, cuts.m),
  };
}

/**
 * Thresholds from the population of buying members' facts, or null when there are none. With `scoring: 'quintile'`
 * the cut points come from quintileCutPoints of recency_days, frequency and monetary; the split is the mean or
 * (continuous) median of the scores or of the values across all buying members.
 */
export function rfmThresholds(population: readonly RfmFacts[], config: RfmConfig): RfmThresholds | null {
  if (population.length === 0) return null;
  const cuts: RfmCutPoints =
    config.scoring === 'quintile'
      ? {
          r: quintileCutPoints(population.map((p) => p.recencyDays))!,
          f: quintileCutPoints(population.map((p) => p.frequency))!,
          m: quintileCutPoints(population.map((p) => p.monetary))!,
        }
      : { r: [...config.scoring.r], f: [...config.scoring.f], m: [...config.scoring.m] };
  const centre = config.split === 'mean' ? mean : median;
  let r: number[], f: number[], m: number[];
  if (config.splitOn === 'score') {
    const scores = population.map((p) => rfmScores(p, cuts));
    r = scores.map((s) => s.rScore); f = scores.map((s) => s.fScore); m = scores.map((s) => s.mScore);
  } else {
    r = population.map((p) => p.recencyDays); f = population.map((p) => p.frequency); m = population.map((p) => p.monetary);
  }
  return { cuts, split: { r: centre(r)!, f: centre(f)!, m: centre(m)! }, splitOn: config.splitOn };
}

/**
 * Scores one member and names their segment. High means strictly better than the split line: on scores,
 * score > split for R, F and M alike; on values, recency_days < split (more recent), frequency > split,
 * monetary > split. A member exactly on the line is low, so a population of identical members is all "low".
 */
export function scoreRfm(facts: RfmFacts, t: RfmThresholds): RfmScore {
  const s = rfmScores(facts, t.cuts);
  const high =
    t.splitOn === 'score'
      ? [s.rScore > t.split.r, s.fScore > t.split.f, s.mScore > t.split.m]
      : [facts.recencyDays < t.split.r, facts.frequency > t.split.f, facts.monetary > t.split.m];
  return { ...s, segment: rfmSegmentOf(high[0], high[1], high[2]) };
}

/**
 * Reference implementation over a whole population (what the SQL version must reproduce): validates the config,
 * derives thresholds and scores every member. Members with no facts (no orders in the window) are left out.
 * @example computeRfm(new Map([['m1', { recencyDays: 3, frequency: 2, monetary: 90 }]]), { asOf: '2024-01-31' })
 */
export function computeRfm(
  facts: ReadonlyMap<string, RfmFacts | null>,
  rawConfig: RfmConfigInput | RfmConfig,
): { thresholds: RfmThresholds | null; scores: Map<string, RfmFacts & RfmScore> } {
  const config = parseRfmConfig(rawConfig);
  const buyers = [...facts].filter((e): e is [string, RfmFacts] => e[1] !== null);
  const thresholds = rfmThresholds(buyers.map((b) => b[1]), config);
  const scores = new Map<string, RfmFacts & RfmScore>();
  if (thresholds) for (const [id, f] of buyers) scores.set(id, { ...f, ...scoreRfm(f, thresholds) });
  return { thresholds, scores };
}
