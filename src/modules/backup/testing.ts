// Test helpers: rows for every table of a store synthesised from the catalog's column types (ids that join up,
// awkward text, microsecond timestamps, NULLs), and a comparison of two stores table by table through the port.
import type { JsonColumn, Store } from '../../store/port.ts';
import { ident, readCatalog, sqlType, type ColumnInfo, type TableInfo } from './catalog.ts';

const singular = (t: string) => (t.endsWith('ies') ? t.slice(0, -3) + 'y' : t.endsWith('s') ? t.slice(0, -1) : t);
// Ids whose shape the app checks (member refs are `mem_…`).
const ID_PREFIX: Record<string, string> = { member: 'mem' };
const idOf = (entity: string, i: number) => `${ID_PREFIX[entity] ?? entity}_${i}`;

/** Values that make the app work on synthesised rows (valid time zones, statuses, rules…), by table and column. */
const REALISTIC: Record<string, Record<string, (i: number) => unknown>> = {
  '*': {
    timezone: () => 'Asia/Shanghai',
    currency: () => 'CNY',
    channel: () => 'miniprogram',
    source_channel: () => 'miniprogram',
  },
  workspaces: { name: (i) => `品牌 ${i}` },
  members: { merged_into: () => null, gender: () => 'f', city: (i) => (i % 2 ? '上海' : '北京'), birthday: () => '1990-05-06' },
  orders: { status: () => 'paid', amount: (i) => (100 + i * 10).toFixed(2), discount: () => '0.00', refunded_amount: () => '0.00' },
  events: { type: () => 'track', name: () => 'Product Viewed' },
  identities: { type: () => 'user_id' },
  segments: { kind: () => 'dynamic', rule: () => JSON.stringify({ attribute: 'city', op: '=', value: '上海' }), schedule: () => null },
  tags: { kind: () => 'manual', group_id: () => null },
  // NULL parts of a loyalty program read as the defaults (a synthesised JSON object is no valid program).
  loyalty_programs: Object.fromEntries(['program', 'earn', 'lots', 'refunds', 'transfers', 'member_day', 'birthday'].map((k) => [k, () => null])),
};

const AWKWARD = ['含 "引号"、\\反斜杠\\ 与\n换行', "it's 😀 emoji", '  spaces  ', ''];

/** One synthesised value of column `c` for row `i` (0-based) of table `t`, as archive text/JSON. */
export function synthValue(t: TableInfo, c: ColumnInfo, i: number, ws: string): unknown {
  const real = REALISTIC[t.name]?.[c.name] ?? REALISTIC['*'][c.name];
  // A fixed value in a primary key would repeat: the rows after the first vary it.
  const key = t.primary_key.includes(c.name) && i > 0;
  if (real) return key ? `${real(0)}_${i}` : real(i);
  if (c.name === 'workspace_id') return key && t.primary_key.length === 1 ? `${ws}_${i}` : ws;
  switch (c.type) {
    case 'text':
      if (c.name === 'id') return t.name === 'workspaces' ? (i === 0 ? ws : `${ws}_${i}`) : idOf(singular(t.name), i);
      if (c.name.endsWith('_id')) return idOf(c.name.slice(0, -3), i);
      return i === 1 ? AWKWARD[0] : i === 2 ? AWKWARD[1] : `${c.name} ${i}`;
    case 'integer':
      return i + 1;
    case 'bigint':
      return 1_099_511_627_776 + i; // 2^40: beyond 32 bits
    case 'double':
      return i === 1 ? 0.1 : 1.5 + i;
    case 'decimal': {
      const scale = c.scale ?? 2;
      return (1.25 * (i + 1)).toFixed(scale);
    }
    case 'boolean':
      return i % 2 === 0;
    case 'timestamptz':
      return `2024-03-0${(i % 9) + 1}T0${i % 10}:02:03.${String(123456 + i).padStart(6, '0')}Z`;
    case 'timestamp':
      return `2024-03-0${(i % 9) + 1}T04:05:06.5`;
    case 'date':
      return `2024-03-0${(i % 9) + 1}`;
    case 'json':
      return JSON.stringify({ k: i, s: '值 "q"', nested: [1, 2.5, { a: null, b: true }] });
  }
}

/**
 * Inserts `rows` synthesised rows into every table of the store that `only` accepts (default: every table that is
 * still empty). Row 0 fills every column; the last row leaves nullable columns NULL (when there are 2+ rows).
 */
export async function synthesiseRows(store: Store, ws: string, opts: { rows?: number; only?: (t: TableInfo) => boolean; nulls?: (t: TableInfo, c: ColumnInfo) => boolean } = {}): Promise<Record<string, number>> {
  const n = opts.rows ?? 3;
  const out: Record<string, number> = {};
  for (const t of await readCatalog(store)) {
    if (opts.only ? !opts.only(t) : (await store.query(`SELECT 1 AS x FROM ${ident(t.name)} LIMIT 1`)).length > 0) continue;
    const rows: Record<string, unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const o: Record<string, unknown> = {};
      t.columns.forEach((c, k) => {
        const keyCol = t.primary_key.includes(c.name);
        const nullIt = (n > 1 && i === n - 1 && c.nullable && !keyCol) || opts.nulls?.(t, c);
        o[`c${k}`] = nullIt ? null : synthValue(t, c, i, ws);
      });
      rows.push(o);
    }
    await insertRows(store, t, rows);
    out[t.name] = n;
  }
  return out;
}

async function insertRows(store: Store, t: TableInfo, rows: Record<string, unknown>[]) {
  const cols: JsonColumn[] = t.columns.map((_, i) => ({ name: `c${i}`, type: 'text' }));
  const exprs = t.columns.map((c, i) => (c.type === 'text' ? `r."c${i}"` : `CAST(r."c${i}" AS ${sqlType(c)})`));
  try {
    await store.exec(`INSERT INTO ${ident(t.name)} (${t.columns.map((c) => ident(c.name)).join(', ')}) SELECT ${exprs.join(', ')} FROM ${store.jsonRows(1, cols, 'r')}`, [JSON.stringify(rows)]);
  } catch (e) {
    throw new Error(`synthesising rows of ${t.name}: ${(e as Error).message}`);
  }
}

/** Every table's rows through the port (`SELECT *`), each as JSON text, sorted: equal when two stores hold the same. */
export async function dumpTables(store: Store, skip: (table: string) => boolean = () => false): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of await readCatalog(store)) {
    if (skip(t.name)) continue;
    const rows = await store.query(`SELECT * FROM ${ident(t.name)}`);
    out[t.name] = rows.map((r) => JSON.stringify(t.columns.map((c) => r[c.name]))).sort();
  }
  return out;
}
