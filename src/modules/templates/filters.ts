// Liquid filters for Chinese operators (pure): money in yuan, dates in the workspace's time zone in Chinese, phone
// masking. Registered on the sandboxed engine in engine.ts; `default` and the standard filters come with liquidjs.

const DEFAULT_TZ = 'Asia/Shanghai';
const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];

/**
 * `{{ 1234.5 | money }}` → `¥1,234.50`; `{{ x | money: "" }}` without the symbol. Blank for non-numbers, so a
 * missing amount renders as nothing rather than `¥NaN`.
 */
export function money(value: unknown, symbol: unknown = '¥'): string {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return '';
  const [int, frac] = Math.abs(n).toFixed(2).split('.');
  return `${n < 0 ? '-' : ''}${String(symbol ?? '')}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

/**
 * `{{ "13812345678" | mask_phone }}` → `138****5678`. A leading +86/0086 is dropped; other numbers keep their first
 * three and last four digits (or only the last two when short).
 */
export function maskPhone(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value).replace(/[\s-]/g, '');
  s = s.replace(/^(\+86|0086)(?=1\d{10}$)/, '');
  if (s.length >= 8) return s.slice(0, 3) + '*'.repeat(s.length - 7) + s.slice(-4);
  if (s.length > 2) return '*'.repeat(s.length - 2) + s.slice(-2);
  return s;
}

export type DateZhStyle = 'date' | 'datetime' | 'short' | 'time' | 'month' | 'weekday';
const STYLES = new Set<string>(['date', 'datetime', 'short', 'time', 'month', 'weekday']);

const formatters = new Map<string, Intl.DateTimeFormat>();
/** UTC offset (minutes) of a zone per UTC quarter-hour: Intl costs ~10 µs a call, a render batch reuses offsets. */
const offsets = new Map<string, Map<number, number>>();
const QUARTER_MS = 15 * 60_000;

function offsetMinutes(tz: string, ms: number): number {
  let byQuarter = offsets.get(tz);
  if (!byQuarter) offsets.set(tz, (byQuarter = new Map()));
  const key = Math.floor(ms / QUARTER_MS);
  const hit = byQuarter.get(key);
  if (hit !== undefined) return hit;
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  const offset = Math.round((local - Math.floor(ms / 60_000) * 60_000) / 60_000);
  if (byQuarter.size > 100_000) byQuarter.clear();
  byQuarter.set(key, offset);
  return offset;
}

function partsIn(tz: string, d: Date) {
  // Zone offsets change on quarter-hour boundaries at most, so the offset of this quarter-hour is exact.
  const local = new Date(d.getTime() + offsetMinutes(tz, d.getTime()) * 60_000);
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate(), h: local.getUTCHours(), min: local.getUTCMinutes(), wd: local.getUTCDay() };
}

/** A known IANA zone, else the default (a bad zone in data must not break every render). */
export function safeZone(tz: unknown): string {
  if (typeof tz !== 'string' || tz === '') return DEFAULT_TZ;
  if (formatters.has(tz)) return tz;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz;
  } catch {
    return DEFAULT_TZ;
  }
}

/**
 * `{{ member.traits.last_order_at | date_zh }}` → `2025年6月18日` in the workspace's zone; styles: date, datetime
 * (`2025年6月18日 10:30`), short (`6月18日`), time (`10:30`), month (`2025年6月`), weekday (`星期三`). A plain
 * `YYYY-MM-DD` date (a birthday) is taken as that calendar day, not shifted by the zone.
 */
export function dateZh(value: unknown, style: unknown = 'date', tz: string = DEFAULT_TZ): string {
  if (value === null || value === undefined || value === '') return '';
  const st = typeof style === 'string' && STYLES.has(style) ? (style as DateZhStyle) : 'date';
  let p: { y: number; m: number; d: number; h: number; min: number; wd: number };
  const plain = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (plain) {
    const [y, m, d] = [Number(plain[1]), Number(plain[2]), Number(plain[3])];
    p = { y, m, d, h: 0, min: 0, wd: new Date(Date.UTC(y, m - 1, d)).getUTCDay() };
  } else {
    const date = value instanceof Date ? value : value === 'now' || value === 'today' ? new Date() : new Date(typeof value === 'number' ? value : String(value));
    if (Number.isNaN(date.getTime())) return String(value);
    p = partsIn(safeZone(tz), date);
  }
  const hm = `${String(p.h).padStart(2, '0')}:${String(p.min).padStart(2, '0')}`;
  switch (st) {
    case 'datetime':
      return `${p.y}年${p.m}月${p.d}日 ${hm}`;
    case 'short':
      return `${p.m}月${p.d}日`;
    case 'time':
      return hm;
    case 'month':
      return `${p.y}年${p.m}月`;
    case 'weekday':
      return WEEKDAYS[p.wd] ?? '';
    default:
      return `${p.y}年${p.m}月${p.d}日`;
  }
}
