// Pure shaping of score reports: distributions with zh/en names, the R×F grid, transition matrices from counts.
import {
  LIFECYCLE_STAGES,
  LIFECYCLE_STAGE_NAMES,
  RFM_SEGMENTS,
  TRANSITION_STATES,
  VALUE_TIERS,
  VALUE_TIER_NAMES,
  type TransitionMatrix,
  type TransitionState,
} from '../../core/segmentation/index.ts';

type CountRow = Record<string, number | string | null>;

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const cents = (v: number) => Math.round(v * 100) / 100;
const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/** One RFM segment in the distribution report. */
export interface RfmSegmentStats {
  segment: string;
  name_zh: string;
  name_en: string;
  count: number;
  share: number;
  revenue: number;
  revenue_share: number;
  avg_recency_days: number | null;
  avg_frequency: number | null;
  avg_monetary: number | null;
  avg_r_score: number | null;
  avg_f_score: number | null;
  avg_m_score: number | null;
}

/**
 * All eight segments in the conventional order (zeros included) from per-segment rows of repo.labelCounts.
 * share = members / buying members; revenue_share = the segment's monetary / all monetary.
 */
export function rfmDistribution(rows: CountRow[]): { members: number; revenue: number; segments: RfmSegmentStats[] } {
  const by = new Map(rows.map((r) => [String(r.label), r]));
  const members = rows.reduce((s, r) => s + num(r.n), 0);
  const revenue = cents(rows.reduce((s, r) => s + num(r.revenue), 0));
  const avg = (r: CountRow | undefined, k: string) => (r && r[k] !== null && r[k] !== undefined ? Number(r[k]) : null);
  const segments = RFM_SEGMENTS.map((s) => {
    const r = by.get(s.id);
    const count = num(r?.n);
    const rev = cents(num(r?.revenue));
    return {
      segment: s.id,
      name_zh: s.zh,
      name_en: s.en,
      count,
      share: ratio(count, members),
      revenue: rev,
      revenue_share: ratio(rev, revenue),
      avg_recency_days: avg(r, 'avg_recency_days'),
      avg_frequency: avg(r, 'avg_frequency'),
      avg_monetary: r ? cents(num(r.avg_monetary)) : null,
      avg_r_score: avg(r, 'avg_r_score'),
      avg_f_score: avg(r, 'avg_f_score'),
      avg_m_score: avg(r, 'avg_m_score'),
    };
  });
  return { members, revenue, segments };
}

/** Lifecycle stages or value tiers in their model order, with names, counts and shares (zeros included). */
export function labelDistribution(
  kind: 'lifecycle' | 'value_tier',
  rows: CountRow[],
): { members: number; revenue?: number; labels: Array<Record<string, string | number | null>> } {
  const ids: readonly string[] = kind === 'lifecycle' ? LIFECYCLE_STAGES : VALUE_TIERS;
  const names: Record<string, { zh: string; en: string }> = kind === 'lifecycle' ? LIFECYCLE_STAGE_NAMES : VALUE_TIER_NAMES;
  const key = kind === 'lifecycle' ? 'stage' : 'tier';
  const by = new Map(rows.map((r) => [String(r.label), r]));
  const members = rows.reduce((s, r) => s + num(r.n), 0);
  const revenue = cents(rows.reduce((s, r) => s + num(r.revenue), 0));
  const labels = ids.map((id) => {
    const r = by.get(id);
    const count = num(r?.n);
    const base: Record<string, string | number | null> = { [key]: id, name_zh: names[id].zh, name_en: names[id].en, count, share: ratio(count, members) };
    base.avg_order_count = r ? num(r.avg_order_count) : null;
    if (kind === 'value_tier') {
      base.spend = cents(num(r?.revenue));
      base.spend_share = ratio(cents(num(r?.revenue)), revenue);
      base.avg_spend = r ? cents(num(r.avg_spend)) : null;
    }
    return base;
  });
  return kind === 'value_tier' ? { members, revenue, labels } : { members, labels };
}

/** The 5×5 R×F grid: every (r_score, f_score) cell from 1 to 5, zeros included, R descending then F ascending. */
export function rfmGridCells(rows: Array<{ r_score: number; f_score: number; n: number; revenue: number }>) {
  const by = new Map(rows.map((r) => [`${Number(r.r_score)}:${Number(r.f_score)}`, r]));
  const members = rows.reduce((s, r) => s + num(r.n), 0);
  const revenue = cents(rows.reduce((s, r) => s + num(r.revenue), 0));
  const cells = [];
  for (let r = 5; r >= 1; r--) {
    for (let f = 1; f <= 5; f++) {
      const row = by.get(`${r}:${f}`);
      const count = num(row?.n);
      const rev = cents(num(row?.revenue));
      cells.push({ r_score: r, f_score: f, count, share: ratio(count, members), revenue: rev, revenue_share: ratio(rev, revenue) });
    }
  }
  return { members, revenue, cells };
}

/**
 * The same matrix as the pure transitionMatrix, built from SQL counts of (from_stage, to_stage) pairs.
 * @example transitionsFromCounts([{ from_stage: 'new', to_stage: 'repeat', n: 3 }]).counts.new.repeat // 3
 */
export function transitionsFromCounts(rows: Array<{ from_stage: string; to_stage: string; n: number }>): TransitionMatrix {
  const grid = () =>
    Object.fromEntries(TRANSITION_STATES.map((a) => [a, Object.fromEntries(TRANSITION_STATES.map((b) => [b, 0]))])) as Record<TransitionState, Record<TransitionState, number>>;
  const counts = grid();
  for (const r of rows) {
    const a = r.from_stage as TransitionState;
    const b = r.to_stage as TransitionState;
    if (!(a in counts) || !(b in counts)) throw new Error(`unknown lifecycle state ${a} → ${b}`);
    counts[a][b] += Number(r.n);
  }
  const rowTotals = Object.fromEntries(TRANSITION_STATES.map((a) => [a, TRANSITION_STATES.reduce((s, b) => s + counts[a][b], 0)])) as Record<TransitionState, number>;
  const rates = grid();
  for (const a of TRANSITION_STATES) for (const b of TRANSITION_STATES) rates[a][b] = rowTotals[a] ? counts[a][b] / rowTotals[a] : 0;
  const total = TRANSITION_STATES.reduce((s, a) => s + rowTotals[a], 0);
  return { states: TRANSITION_STATES, counts, rowTotals, rates, total };
}
