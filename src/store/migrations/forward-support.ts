// Shared by forward-duckdb.test.ts and forward-postgres.test.ts. Upgrades tested forward from every earlier schema version on a populated database, on both engines: a store is
// built at version v, every table that exists at v gets representative rows (synthesised from the column types,
// realistic for the core tables), then it is migrated to the latest version; the rows must survive and the app
// must answer on it (member profile, a segment count and preview, KPIs).
import { expect } from 'vitest';
import type { Store } from '../port.ts';
import { dialectTypes, LATEST_VERSION, migrate, MIGRATIONS } from './index.ts';
import { readCatalog, type TableInfo } from '../../modules/backup/catalog.ts';
import { dumpTables, synthesiseRows } from '../../modules/backup/testing.ts';
import { createServices } from '../../server/services.ts';
import { createMetrics } from '../../server/metrics.ts';
import { preparePii } from '../../modules/pii/setup.ts';
import { loadConfig } from '../../core/config.ts';

export const WS = 'ws_upgrade';
export const LATEST = LATEST_VERSION();
// A version whose migration is empty on both engines has the schema of the one before: its upgrade path is that one's.
export const VERSIONS = MIGRATIONS.filter((m) => m.version < LATEST && (m.up(dialectTypes('duckdb')).length || m.up(dialectTypes('postgres')).length)).map((m) => m.version);

/**
 * Tables a later migration rebuilds from other tables by design (their rows are derived, not kept):
 * member_event_months is recomputed from events by migration 20.
 */
const DERIVED = new Set(['member_event_months']);

// From migration 24 on, personal columns hold ciphertext the app opens with its keys: synthesise them as NULL there
// (rows from before 24 hold plaintext the app seals at its first start, which the upgrade exercises).
const sealed = (t: TableInfo) => t.columns.some((c) => c.name === 'phone_hash' || c.name === 'value_enc');
const nulls = (t: TableInfo, c: { name: string }) => sealed(t) && ['name', 'phone', 'email', 'address', 'value_enc', 'name_hash', 'phone_hash', 'email_hash'].includes(c.name);

/** The rows of every table, projected on the columns it had at version v. */
async function rowsAt(store: Store, tables: TableInfo[]): Promise<Record<string, string[]>> {
  const all = await dumpTables(store, (t) => !tables.some((x) => x.name === t));
  const now = new Map((await readCatalog(store)).map((t) => [t.name, t]));
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    const cols = now.get(t.name)!.columns.map((c) => c.name);
    const keep = t.columns.map((c) => cols.indexOf(c.name));
    out[t.name] = all[t.name].map((line) => JSON.stringify(keep.map((k) => (JSON.parse(line) as unknown[])[k]))).sort();
  }
  return out;
}

/** Populates a store at version v, migrates it to the latest and checks rows and services on it. */
export async function upgradeAndCheck(store: Store, v: number) {
  const tables = await readCatalog(store);
  await synthesiseRows(store, WS, { nulls });
  const before = await rowsAt(store, tables);
  const applied = await migrate(store);
  expect(applied[applied.length - 1]).toBe(LATEST);
  const after = await rowsAt(store, tables);
  for (const t of tables) {
    if (DERIVED.has(t.name)) continue;
    expect(after[t.name], `${t.name} after upgrading from version ${v}`).toEqual(before[t.name]);
  }
  // The services the API runs on (the HTTP layer adds nothing store-related and costs seconds to build per store).
  const config = loadConfig({ logLevel: 'silent' }, {});
  await preparePii(store, config);
  const services = createServices(store, config, createMetrics());
  try {
    const at = `after upgrading from version ${v}`;
    const profile = await services.members.get(WS, 'mem_0');
    expect(profile.id, at).toBe('mem_0');
    const preview = await services.segments.preview(WS, { rule: { attribute: 'city', op: '=', value: '上海' }, sample: 5 });
    expect(typeof preview.count, at).toBe('number'); // later columns (erased_at…) may exclude synthesised members
    if (tables.some((t) => t.name === 'segments')) expect(typeof (await services.segments.count(WS, 'segment_0')).count, at).toBe('number');
    const kpis = await services.analytics.kpis(WS, { period: 'month', date: '2024-03-15' });
    expect(kpis.kpis.find((k) => k.metric === 'members')?.value, at).toBeGreaterThan(0);
  } finally {
    await services.close();
  }
}

/** Runs `fn` over `items` with at most `n` at once. */
export async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let x = queue.shift(); x !== undefined; x = queue.shift()) await fn(x);
  }));
}

