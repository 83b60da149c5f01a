// The backup archive format: one gzip'd stream of JSON lines, engine-neutral.
//
//   {"format":"siyu-backup","format_version":1,"schema_version":27,"migrations":[[1,"core"],…],"source":"duckdb",
//    "created_at":"…","tables":[{"name":"members","rows":100000},…]}                          ← header
//   {"table":"members","columns":[{"name":"id","type":"text"},…],"primary_key":[…],"rows":100000} ← table start
//   ["ws_default","m_1",…]                                                                     ← one row per line
//   {"end_table":"members","rows":100000,"checksum":"<32 hex>"}                                ← table end
//   {"end":"siyu-backup","tables":103,"rows":1234567}                                          ← trailer
//
// Values are JSON: text, integers, doubles (non-finite as "NaN"/"Infinity"/"-Infinity"), booleans, and the exact
// text of decimals, dates, JSON documents and timestamps (ISO 8601 with microseconds, `Z` for timestamptz).
// The checksum of a table is the sum of the SHA-256 of its row lines (first 128 bits) modulo 2^128: it does not
// depend on row order, so a restore verifies a table read back in any order, on either engine.
import { createHash } from 'node:crypto';
import type { Row } from '../../store/port.ts';
import type { ColumnInfo } from './catalog.ts';

export const FORMAT = 'siyu-backup';
export const FORMAT_VERSION = 1;

export interface ArchiveHeader {
  format: typeof FORMAT;
  format_version: number;
  /** Highest migration applied to the store that was backed up. */
  schema_version: number;
  /** The applied migrations, [version, name]; a restore refuses an archive whose names differ from this build's. */
  migrations: [number, string][];
  /** Engine the archive was taken from (informative: any archive restores into either engine). */
  source: string;
  created_at: string;
  tables: { name: string; rows: number }[];
}

export interface TableStart {
  table: string;
  columns: ColumnInfo[];
  primary_key: string[];
  rows: number;
}

export interface TableEnd {
  end_table: string;
  rows: number;
  checksum: string;
}

export interface Trailer {
  end: typeof FORMAT;
  tables: number;
  rows: number;
}

const MOD = 1n << 128n;

/** Order-independent checksum of row lines: add each line with {@link add}, read with {@link hex}. */
export class RowChecksum {
  private sum = 0n;
  count = 0;
  add(line: string): void {
    const h = createHash('sha256').update(line).digest();
    this.sum = (this.sum + (h.readBigUInt64BE(0) << 64n) + h.readBigUInt64BE(8)) % MOD;
    this.count++;
  }
  hex(): string {
    return this.sum.toString(16).padStart(32, '0');
  }
}

const TS = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?)?$/;

/** Canonical text of a timestamp read as text by either engine: `2024-01-02T03:04:05.123456Z` (fraction trimmed). */
export function canonicalTimestamp(text: string, withZone: boolean): string {
  const m = TS.exec(text);
  if (!m) return text; // infinity, BC dates: kept verbatim
  const [, y, mo, d, h, mi, s, frac, sign, oh, om] = m;
  const f = frac ? frac.replace(/0+$/, '') : '';
  const local = `${y}-${mo}-${d}T${h}:${mi}:${s}${f ? '.' + f : ''}`;
  if (!withZone) return local;
  if (!sign || (Number(oh) === 0 && Number(om ?? 0) === 0)) return local + 'Z';
  // Both stores run in UTC, so an offset is unexpected; convert it (micro-seconds beyond milliseconds kept).
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${sign}${oh}:${om ?? '00'}`);
  const iso = new Date(ms).toISOString().slice(0, 19);
  return `${iso}${f ? '.' + f : ''}Z`;
}

/** One value as read by {@link readExpr} → its archive JSON value. */
export function encodeValue(c: ColumnInfo, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'timestamptz':
      return canonicalTimestamp(String(v), true);
    case 'timestamp':
      return canonicalTimestamp(String(v), false);
    case 'double':
      return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
    case 'decimal':
    case 'date':
    case 'json':
      return String(v);
    default:
      return v;
  }
}

/** The archive line of one row (a JSON array in column order). */
export function encodeRow(columns: ColumnInfo[], row: Row): string {
  const out = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) out[i] = encodeValue(columns[i], row[columns[i].name]);
  return JSON.stringify(out);
}
