// Converts DuckDB result values to the plain JS shapes the port promises.
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { bigintToJs, parseJsonValue } from '../normalise.ts';

const MS_PER_DAY = 86_400_000;

/** One DuckDB value → number | string | boolean | null | array | object. */
export function fromDuckValue(v: DuckDBValue, type?: DuckDBType): any {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return bigintToJs(v);
  if (typeof v === 'string') return type?.alias === 'JSON' ? parseJsonValue(v) : v;
  if (typeof v !== 'object') return v;
  if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue) {
    return new Date(Number(v.micros / 1000n)).toISOString();
  }
  if (v instanceof DuckDBDateValue) return new Date(v.days * MS_PER_DAY).toISOString().slice(0, 10);
  if (v instanceof DuckDBDecimalValue) return v.toDouble();
  if (v instanceof DuckDBListValue) return v.items.map((x) => fromDuckValue(x));
  if (v instanceof DuckDBStructValue) {
    const out: Record<string, any> = {};
    for (const [k, x] of Object.entries(v.entries)) out[k] = fromDuckValue(x);
    return out;
  }
  return String(v);
}
