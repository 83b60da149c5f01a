// The demo brand's calendar: 18 months of days with seasonality, Spring Festival, shopping festivals and member days.

const DAY_MS = 86_400_000;
/** China Standard Time has no daylight saving: local midnight is 16:00 UTC of the day before. */
const CST_OFFSET_MS = 8 * 3_600_000;

/** Spring Festival (lunar new year's day) by year; the dip around it moves every year. */
const SPRING_FESTIVAL: Record<number, string> = {
  2020: '01-25', 2021: '02-12', 2022: '02-01', 2023: '01-22', 2024: '02-10', 2025: '01-29', 2026: '02-17', 2027: '02-06',
  2028: '01-26', 2029: '02-13', 2030: '02-03', 2031: '01-23', 2032: '02-11', 2033: '01-31', 2034: '02-19', 2035: '02-08',
};

// Iced fruit tea sells in July, hot milk tea carries the winter: overall demand per month (Jan..Dec).
const MONTH_FACTOR = [0.84, 0.8, 0.9, 1.0, 1.1, 1.3, 1.42, 1.4, 1.15, 1.0, 0.95, 0.92];
// Monday..Sunday; Wednesday is the member day and gets its own multiplier below.
const WEEKDAY_FACTOR = [0.92, 0.95, 1.0, 0.97, 1.08, 1.18, 1.12];
export const MEMBER_DAY_WEEKDAY = 2; // Wednesday (0 = Monday): 每周三会员日
const MEMBER_DAY_FACTOR = 1.22;

/** A promotion window: month-day range, demand multiplier on its days and the coupon it hands out. */
export interface Promotion {
  id: string;
  name: string;
  coupon: string;
  /** [month (1-12), day, multiplier] per day of the promotion. */
  days: [number, number, number][];
}

export const PROMOTIONS: Promotion[] = [
  { id: '618', name: '618年中大促', coupon: 'P618-40-8', days: [[6, 14, 1.2], [6, 15, 1.2], [6, 16, 1.25], [6, 17, 1.3], [6, 18, 1.9]] },
  { id: 'double11', name: '双11', coupon: 'P1111-50-12', days: [...Array.from({ length: 10 }, (_, i) => [11, i + 1, 1.12] as [number, number, number]), [11, 11, 2.0]] },
  { id: 'double12', name: '双12', coupon: 'P1212-30-6', days: [[12, 12, 1.4]] },
  { id: 'valentine', name: '情人节', coupon: 'FEST-30-5', days: [[2, 14, 1.3]] },
  { id: 'womens_day', name: '女神节', coupon: 'FEST-30-5', days: [[3, 7, 1.15], [3, 8, 1.35]] },
  { id: '520', name: '520告白日', coupon: 'FEST-30-5', days: [[5, 20, 1.35]] },
  { id: 'first_autumn_tea', name: '秋天的第一杯奶茶', coupon: 'AUTUMN-1ST', days: [[8, 7, 1.6], [8, 8, 1.5]] },
  { id: 'summer_ice', name: '夏日冰饮节', coupon: 'SUMMER-2ND', days: Array.from({ length: 17 }, (_, i) => [7, i + 15, 1.15] as [number, number, number]) },
  { id: 'christmas', name: '圣诞季', coupon: 'FEST-30-5', days: [[12, 24, 1.25], [12, 25, 1.2]] },
];

/** One local (Asia/Shanghai) day of the demo window. */
export interface Day {
  /** UTC epoch ms of local midnight. */
  startMs: number;
  year: number;
  month: number; // 1-12
  dayOfMonth: number;
  weekday: number; // 0 = Monday
  /** Relative demand (mean about 1 over the window), seasonality and growth included. */
  weight: number;
  promotion: Promotion | null;
  memberDay: boolean;
  /** Within the Spring Festival holiday (most people travel home; city stores are quiet). */
  springFestival: boolean;
}

export interface Calendar {
  days: Day[];
  /** Cumulative day weights (for drawing a day in proportion to demand). */
  cum: Float64Array;
  startMs: number;
  endMs: number;
  /** The first and the exclusive last local date, YYYY-MM-DD. */
  startDate: string;
  endDate: string;
}

/** Local date (YYYY-MM-DD) of a UTC instant in Asia/Shanghai. */
export function cstDate(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
}

function springFestivalFactor(year: number, localUtc: number): number {
  let factor = 1;
  for (const y of [year - 1, year, year + 1]) {
    const sf = SPRING_FESTIVAL[y] ?? '02-01';
    const d = Math.round((localUtc - Date.parse(`${y}-${sf}T00:00:00Z`)) / DAY_MS);
    if (d >= -7 && d < 0) factor = Math.min(factor, 0.85 + d * 0.035); // the exodus home: 0.82 → 0.60
    else if (d >= 0 && d <= 6) factor = Math.min(factor, 0.45);
    else if (d > 6 && d <= 14) factor = Math.min(factor, 0.8);
  }
  return factor;
}

const PROMO_BY_DAY = new Map<string, { promo: Promotion; factor: number }>();
for (const p of PROMOTIONS) for (const [m, d, f] of p.days) PROMO_BY_DAY.set(`${m}-${d}`, { promo: p, factor: f });

/**
 * The days from `months` before `endDate` (inclusive) to `endDate` (exclusive), local time.
 * @example buildCalendar('2026-11-23').days.length // 549
 */
export function buildCalendar(endDate: string, months = 18): Calendar {
  const end = new Date(`${endDate}T00:00:00Z`);
  if (Number.isNaN(end.getTime())) throw new Error(`not a date: ${endDate}`);
  const start = new Date(end);
  start.setUTCMonth(start.getUTCMonth() - months);
  const n = Math.round((end.getTime() - start.getTime()) / DAY_MS);
  const days: Day[] = [];
  for (let i = 0; i < n; i++) {
    const localUtc = start.getTime() + i * DAY_MS;
    const dt = new Date(localUtc);
    const year = dt.getUTCFullYear(), month = dt.getUTCMonth() + 1, dayOfMonth = dt.getUTCDate();
    const weekday = (dt.getUTCDay() + 6) % 7;
    const memberDay = weekday === MEMBER_DAY_WEEKDAY;
    const promo = PROMO_BY_DAY.get(`${month}-${dayOfMonth}`) ?? null;
    const sf = springFestivalFactor(year, localUtc);
    const nationalDay = month === 10 && dayOfMonth <= 7 ? 0.9 : 1;
    const growth = 0.75 + 0.5 * (i / n); // the brand opens stores and grows its private domain
    const weight = MONTH_FACTOR[month - 1] * WEEKDAY_FACTOR[weekday] * (memberDay ? MEMBER_DAY_FACTOR : 1) *
      (promo?.factor ?? 1) * sf * nationalDay * growth;
    days.push({ startMs: localUtc - CST_OFFSET_MS, year, month, dayOfMonth, weekday, weight, promotion: promo?.promo ?? null, memberDay, springFestival: sf < 0.7 });
  }
  const mean = days.reduce((s, d) => s + d.weight, 0) / n;
  const cum = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    days[i].weight /= mean;
    cum[i] = s += days[i].weight;
  }
  return { days, cum, startMs: days[0].startMs, endMs: days[0].startMs + n * DAY_MS, startDate: cstDate(days[0].startMs), endDate };
}

/** Demand weight of the days in [from, to) (day indexes). */
export function weightBetween(cal: Calendar, from: number, to: number): number {
  if (to <= from) return 0;
  return cal.cum[to - 1] - (from > 0 ? cal.cum[from - 1] : 0);
}

/** Index of the day holding `u` ∈ [0,1) of the demand between days [from, to). */
export function dayAt(cal: Calendar, from: number, to: number, u: number): number {
  const base = from > 0 ? cal.cum[from - 1] : 0;
  const x = base + u * (cal.cum[to - 1] - base);
  let lo = from, hi = to - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cal.cum[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// Orders per hour of day: breakfast coffee, the 3 pm afternoon-tea peak, an evening bump.
export const ORDER_HOUR_WEIGHTS = [0.25, 0.1, 0.03, 0, 0, 0, 0.1, 0.9, 2.4, 2.6, 2.7, 3.0, 3.4, 3.0, 3.5, 3.8, 3.3, 2.8, 2.6, 2.7, 2.5, 1.9, 1.1, 0.55];
// Browsing without buying leans later into the evening (scrolling the app at home).
export const BROWSE_HOUR_WEIGHTS = [0.8, 0.4, 0.15, 0.05, 0.05, 0.1, 0.3, 1.0, 1.8, 1.6, 1.6, 2.2, 2.6, 2.0, 1.9, 2.0, 1.9, 2.0, 2.4, 2.8, 3.1, 3.2, 2.6, 1.6];
export { DAY_MS, CST_OFFSET_MS };
