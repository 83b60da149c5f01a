// Date and time parsing for imports: explicit formats (YYYYMMDD, `YYYY-MM-DD HH:MM:SS`, …) read as wall time in a zone.

/** Date formats a mapping may name in a `{ date: FORMAT }` transform. `auto` accepts any of them. */
export const DATE_FORMATS = [
  'auto',
  'iso',
  'YYYYMMDD',
  'YYYY-MM-DD',
  'YYYY-MM-DD HH:MM:SS',
  'YYYY/MM/DD',
  'YYYY/MM/DD HH:MM:SS',
  'DD/MM/YYYY',
  'DD/MM/YYYY HH:MM',
  'MM/DD/YYYY',
  'MM/DD/YYYY HH:MM',
  'epoch_s',
  'epoch_ms',
] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

interface Wall {
  y: number;
  m: number;
  d: number;
  hh: number;
  mi: number;
  ss: number;
  ms: number;
}

const OFFSET_RE = /^(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$/i;

/** Offset in minutes of a fixed zone like `+08:00`, `Z` or `UTC`; null for IANA names. */
function fixedOffset(tz: string): number | null {
  if (!OFFSET_RE.test(tz)) return null;
  if (/^(Z|UTC|GMT)$/i.test(tz)) return 0;
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

const formatters = new Map<string, Intl.DateTimeFormat>();
// Offsets change at most at hour boundaries; caching per zone and hour keeps 500k-row imports cheap.
const offsetCache = new Map<string, number>();

/** Offset in minutes of an IANA zone at a UTC instant. */
function zoneOffset(tz: string, utcMs: number): number {
  const key = `${tz}|${Math.floor(utcMs / 3_600_000)}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(utcMs))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const offset = Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
  if (offsetCache.size > 50_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/** True when `tz` is a fixed offset or an IANA zone this runtime knows. */
export function isValidTimezone(tz: string): boolean {
  if (fixedOffset(tz) !== null) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The UTC instant of a wall-clock time in `tz` (fixed offset or IANA zone; DST handled by re-checking). */
function wallToUtc(w: Wall, tz: string): number {
  const naive = Date.UTC(w.y, w.m - 1, w.d, w.hh, w.mi, w.ss, w.ms);
  const fixed = fixedOffset(tz);
  if (fixed !== null) return naive - fixed * 60_000;
  let utc = naive - zoneOffset(tz, naive) * 60_000;
  const again = zoneOffset(tz, utc);
  utc = naive - again * 60_000;
  return utc;
}

function validWall(w: Wall): boolean {
  if (w.m < 1 || w.m > 12 || w.d < 1 || w.hh > 23 || w.mi > 59 || w.ss > 60) return false;
  const dim = new Date(Date.UTC(w.y, w.m, 0)).getUTCDate();
  return w.d <= dim && w.y >= 1000 && w.y <= 9999;
}

const num = (s: string | undefined) => (s ? Number(s) : 0);
const fraction = (s: string | undefined) => (s ? Math.round(Number('0.' + s) * 1000) : 0);

const PATTERNS: Record<Exclude<DateFormat, 'auto' | 'iso' | 'epoch_s' | 'epoch_ms'>, RegExp> = {
  YYYYMMDD: /^(\d{4})(\d{2})(\d{2})$/,
  'YYYY-MM-DD': /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
  'YYYY-MM-DD HH:MM:SS': /^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/,
  'YYYY/MM/DD': /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/,
  'YYYY/MM/DD HH:MM:SS': /^(\d{4})\/(\d{1,2})\/(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/,
  'DD/MM/YYYY': /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/,
  'DD/MM/YYYY HH:MM': /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/,
  'MM/DD/YYYY': /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/,
  'MM/DD/YYYY HH:MM': /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/,
};

function wallFrom(format: keyof typeof PATTERNS, s: string): Wall | null {
  const m = PATTERNS[format].exec(s);
  if (!m) return null;
  if (format.startsWith('DD/')) return { y: num(m[3]), m: num(m[2]), d: num(m[1]), hh: num(m[4]), mi: num(m[5]), ss: num(m[6]), ms: 0 };
  if (format.startsWith('MM/')) return { y: num(m[3]), m: num(m[1]), d: num(m[2]), hh: num(m[4]), mi: num(m[5]), ss: num(m[6]), ms: 0 };
  return { y: num(m[1]), m: num(m[2]), d: num(m[3]), hh: num(m[4]), mi: num(m[5]), ss: num(m[6]), ms: fraction(m[7]) };
}

// ISO 8601 with an explicit offset or Z: the instant is unambiguous, the zone is ignored.
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const AUTO_ORDER = ['YYYY-MM-DD HH:MM:SS', 'YYYY-MM-DD', 'YYYYMMDD', 'YYYY/MM/DD HH:MM:SS', 'YYYY/MM/DD'] as const;

/**
 * Parses a date-time to an ISO UTC string, reading zone-less values as wall time in `tz`; null when it does not parse.
 * Spreadsheet Date cells arrive as Date objects holding the wall time in UTC fields.
 * @example parseDateTime('2010-12-01 08:34:00', 'YYYY-MM-DD HH:MM:SS', 'Europe/London') // '2010-12-01T08:34:00.000Z'
 */
export function parseDateTime(value: unknown, format: DateFormat = 'auto', tz = 'UTC'): string | null {
  // Files repeat timestamps a lot (every line of an invoice, every event of a second): remember recent answers.
  if (typeof value === 'string') {
    const key = `${format}|${tz}|${value}`;
    let hit = recent.get(key);
    if (hit === undefined) {
      hit = parseDateTimeUncached(value, format, tz);
      if (recent.size >= 20_000) recent.clear();
      recent.set(key, hit);
    }
    return hit;
  }
  return parseDateTimeUncached(value, format, tz);
}

const recent = new Map<string, string | null>();

function parseDateTimeUncached(value: unknown, format: DateFormat, tz: string): string | null {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    const w: Wall = {
      y: value.getUTCFullYear(), m: value.getUTCMonth() + 1, d: value.getUTCDate(),
      hh: value.getUTCHours(), mi: value.getUTCMinutes(), ss: value.getUTCSeconds(), ms: value.getUTCMilliseconds(),
    };
    return new Date(wallToUtc(w, tz)).toISOString();
  }
  if (typeof value === 'number' && (format === 'epoch_s' || format === 'epoch_ms')) {
    const d = new Date(format === 'epoch_s' ? value * 1000 : value);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const s = String(value).trim();
  if (!s) return null;
  if (format === 'epoch_s' || format === 'epoch_ms') {
    if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
    return parseDateTimeUncached(Number(s), format, tz);
  }
  if (format === 'iso' || format === 'auto') {
    if (ISO_WITH_ZONE.test(s)) {
      const d = new Date(s);
      return Number.isNaN(d.getTime()) ? null : d.toISOString();
    }
    if (format === 'iso') return null;
    for (const f of AUTO_ORDER) {
      const w = wallFrom(f, s);
      if (w) return validWall(w) ? new Date(wallToUtc(w, tz)).toISOString() : null;
    }
    return null;
  }
  const w = wallFrom(format, s);
  if (!w || !validWall(w)) return null;
  return new Date(wallToUtc(w, tz)).toISOString();
}

/**
 * Parses a calendar date (birthday) to `YYYY-MM-DD`; no zone is involved. Null when it does not parse.
 * @example parseDate('19900315', 'YYYYMMDD') // '1990-03-15'
 */
export function parseDate(value: unknown, format: DateFormat = 'auto'): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString().slice(0, 10);
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const s = String(value).trim();
  if (!s) return null;
  const formats = format === 'auto' || format === 'iso' ? ['YYYY-MM-DD', 'YYYYMMDD', 'YYYY/MM/DD'] as const : [format];
  for (const f of formats) {
    if (!(f in PATTERNS)) return null;
    const w = wallFrom(f as keyof typeof PATTERNS, s);
    if (w) {
      if (!validWall(w)) return null;
      return `${String(w.y).padStart(4, '0')}-${String(w.m).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
    }
  }
  return null;
}
