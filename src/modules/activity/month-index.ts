// Local calendar months of instants in a time zone, without a formatter call per instant.
import { localMidnightUtc } from '../analytics/calendar.ts';

/** A local month as one number: year × 12 + month − 1 (January 2026 → 24312). */
export type MonthIndex = number;

/** Year and 0-based month of a month index. @example splitMonth(24312) // { year: 2026, month: 0 } */
export const splitMonth = (m: MonthIndex) => ({ year: Math.floor(m / 12), month: ((m % 12) + 12) % 12 });

const pad = (n: number) => String(n).padStart(2, '0');
const firstDay = (m: MonthIndex) => {
  const { year, month } = splitMonth(m);
  return `${String(year).padStart(4, '0')}-${pad(month + 1)}-01`;
};

/**
 * Maps instants to local months of one zone. The UTC instants at which local months start come from
 * localMidnightUtc (memoised per month); an instant's local month is its UTC month or a neighbour (offsets stay
 * within ±14 h), and the month of the previous call is checked first, so a batch of recent events costs two
 * comparisons each. Agrees with SQL's `EXTRACT(MONTH FROM ts AT TIME ZONE tz)`.
 * @example new LocalMonths('Asia/Shanghai').of(Date.parse('2025-12-31T16:30:00Z')) // 24312 (January 2026)
 */
export class LocalMonths {
  private readonly starts = new Map<MonthIndex, number>();
  private lo = 0;
  private hi = -1;
  private loIso = '';
  private hiIso = '';
  private last: MonthIndex = 0;

  constructor(readonly tz: string) {}

  /** UTC ms at which local month `m` starts. */
  start(m: MonthIndex): number {
    let s = this.starts.get(m);
    if (s === undefined) {
      s = Date.parse(localMidnightUtc(firstDay(m), this.tz));
      this.starts.set(m, s);
    }
    return s;
  }

  /** The month of an ISO instant; ISO strings of the form toISOString() gives (`…Z`, 24 characters) of the last
   * month seen are matched as text, the cheapest test on the ingest path. */
  ofIso(ts: string): MonthIndex {
    if (ts.length === 24 && ts >= this.loIso && ts < this.hiIso) return this.last;
    return this.of(Date.parse(ts));
  }

  of(ms: number): MonthIndex {
    if (ms >= this.lo && ms < this.hi) return this.last;
    const d = new Date(ms);
    let m = d.getUTCFullYear() * 12 + d.getUTCMonth();
    if (ms < this.start(m)) m--;
    else if (ms >= this.start(m + 1)) m++;
    this.lo = this.start(m);
    this.hi = this.start(m + 1);
    this.loIso = new Date(this.lo).toISOString();
    this.hiIso = new Date(this.hi).toISOString();
    this.last = m;
    return m;
  }
}
