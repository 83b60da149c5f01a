// Loyalty benchmarks (issue 4): earn/redeem ledger transactions per second on DuckDB and PostgreSQL, in-process
// (the group-commit ledger) and over HTTP (a `siyu serve` process and a separate load generator); earn rules over
// the whole online-retail import (the earn-orders sweep); expiring 1M lots. After each: the drift check (balances
// = sums of entries = sums of lots), which must find nothing.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectApi } from '../src/cli/api-client.ts';
import { loadConfig } from '../src/core/config.ts';
import { EXAMPLE_PROGRAM } from '../src/core/loyalty/index.ts';
import { runImport } from '../src/modules/imports/run-import.ts';
import { DEFAULT_WORKSPACE } from '../src/modules/workspaces/service.ts';
import { buildApp } from '../src/server/app.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store } from '../src/store/port.ts';
import { startPostgres, type BenchPostgres } from './pg-server.ts';
import { exited, waitForLine } from './support/child-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_KEY = 'sk_admin_bench_loyalty_0123456789';
export const LOYALTY_GOAL = 5_000;

export interface LoyaltyBenchOptions {
  engines: Set<string>;
  seconds: number;
  members: number;
  /** Operations in flight in the in-process run. */
  inflight: number;
  connections: number;
  lots: number;
  retail: string;
  log: (s: string) => void;
}

export interface LoyaltyRow { what: string; store: string; result: string; p50: string; p99: string; notes: string }

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '—');
const PROGRAM = { program: { ...EXAMPLE_PROGRAM, timezone: 'Asia/Shanghai' }, lots: { expiry: { type: 'days', days: 365 }, pendingDays: 0 } };

async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'siyu-bench-loyalty-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);

/** Drift of the default workspace as a note: "zero drift (…)" or the mismatch count. */
async function driftNote(store: Store, ws = DEFAULT_WORKSPACE): Promise<string> {
  const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}) });
  await app.ready();
  try {
    const d = await services.loyalty.ledger.drift(ws);
    return d.mismatched === 0
      ? `zero drift: ${fmt(d.accounts)} accounts, balance ${fmt(d.balance)} = entries ${fmt(d.entries)} = lots ${fmt(d.lots)}`
      : `DRIFT: ${d.mismatched} accounts mismatched ${JSON.stringify(d.examples)}`;
  } finally {
    await app.close();
  }
}

/** Earn/redeem through the ledger service (group commit), `inflight` operations outstanding, for `seconds`. */
async function inProcess(label: string, store: Store, o: LoyaltyBenchOptions): Promise<LoyaltyRow> {
  const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}) });
  await app.ready();
  const ws = DEFAULT_WORKSPACE;
  try {
    await services.workspaces.ensureDefault();
    await services.loyalty.setProgram(ws, PROGRAM);
    const L = services.loyalty.ledger;
    let seq = 0;
    let rnd = 0x2545f491;
    const next = () => ((rnd = (Math.imul(rnd, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296);
    const latencies: number[] = [];
    let applied = 0;
    let refused = 0;
    const warmupEnd = performance.now() + 2000;
    const stopAt = warmupEnd + o.seconds * 1000;
    const worker = async () => {
      while (performance.now() < stopAt) {
        const member = `bm_${(next() * o.members) | 0}`;
        const earn = next() < 2 / 3;
        const at = new Date().toISOString();
        const t = performance.now();
        const r = await L.writer.submit(ws, earn
          ? { kind: 'earn', key: `ip-${++seq}`, member, points: 10, at }
          : { kind: 'redeem', key: `ip-${++seq}`, member, points: 5, at });
        const done = performance.now();
        if (t >= warmupEnd && done <= stopAt) {
          latencies.push(done - t);
          if (r.ok) applied++;
          else refused++;
        }
      }
    };
    await Promise.all(Array.from({ length: o.inflight }, worker));
    latencies.sort((x, y) => x - y);
    const rate = (applied + refused) / o.seconds;
    return {
      what: `ledger earn/redeem 2:1 in-process (group commit, ${o.inflight} in flight, ${fmt(o.members)} members, ${o.seconds} s)`,
      store: label, result: `${fmt(rate)} tx/s`, p50: `${fmt(pct(latencies, 50), 1)} ms`, p99: `${fmt(pct(latencies, 99), 1)} ms`,
      notes: `${fmt(applied)} applied, ${fmt(refused)} refused (points.insufficient); ${rate >= LOYALTY_GOAL ? 'goal met' : 'below goal'}; ${await driftNote(store)}`,
    };
  } finally {
    await app.close();
  }
}

/** A `siyu serve` process and a separate load-generator process: POST /api/loyalty/earn|redeem. */
async function overHttp(label: string, target: { db?: string; databaseUrl?: string }, o: LoyaltyBenchOptions): Promise<LoyaltyRow[]> {
  const dbArgs = target.databaseUrl ? ['--database-url', target.databaseUrl] : ['--db', target.db!];
  const server = spawn(process.execPath, ['bin/siyu.mjs', 'serve', '--port', '0', ...dbArgs], {
    cwd: ROOT, env: { ...process.env, SIYU_ADMIN_KEY: ADMIN_KEY, SIYU_LOG_LEVEL: 'warn', SIYU_RATE_LIMIT_INGEST: '0', SIYU_RATE_LIMIT_API: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = (await waitForLine(server, /Siyu listening on (http:\/\/\S+)/, 60_000))[1];
    const call = async (method: string, path: string, body: unknown) => {
      const r = await fetch(url + path, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json();
    };
    await call('PUT', '/api/loyalty/program', PROGRAM);
    for (let i = 0; i < o.members; i += 1000) {
      await call('POST', '/api/members', { members: Array.from({ length: Math.min(1000, o.members - i) }, (_, k) => ({ user_id: `lb-${i + k}` })) });
    }
    // Single operations per request, then batches (POS-style uploads) on the same server and members.
    const shapes = [{ connections: o.connections, batch: 0 }, { connections: 16, batch: 100 }];
    const results = [];
    for (const shape of shapes) {
      const gen = spawn(process.execPath, ['--import', 'tsx', 'bench/loyalty-load.ts', '--url', url, '--key', ADMIN_KEY, '--seconds', String(o.seconds),
        '--connections', String(shape.connections), '--members', String(o.members), '--batch', String(shape.batch), '--run', `b${shape.batch}`],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      gen.stdout!.on('data', (d) => (out += d));
      if ((await exited(gen)) !== 0) throw new Error(`load generator failed: ${out}`);
      results.push({ shape, r: JSON.parse(out.trim().split('\n').pop()!) });
    }
    server.kill('SIGTERM');
    await exited(server);
    const store = await openStore(target.databaseUrl ? { databaseUrl: target.databaseUrl } : { dbPath: target.db });
    try {
      const drift = await driftNote(store);
      return results.map(({ shape, r }) => {
        const other = Object.entries(r.statuses as Record<string, number>).filter(([s]) => s !== '201' && s !== '409');
        return {
          what: shape.batch > 0
            ? `POST /api/loyalty/batch (${shape.connections} conns × ${shape.batch} earn/redeem 2:1, ${fmt(o.members)} members, ${o.seconds} s)`
            : `POST /api/loyalty/earn|redeem 2:1 over HTTP (${shape.connections} conns, ${fmt(o.members)} members, ${o.seconds} s)`,
          store: label, result: `${fmt(r.txPerSecond)} tx/s`, p50: `${fmt(r.p50, 1)} ms`, p99: `${fmt(r.p99, 1)} ms`,
          notes: `${fmt(r.statuses['201'] ?? 0)} applied, ${fmt(r.statuses['409'] ?? 0)} refused${other.length ? `, other statuses ${JSON.stringify(Object.fromEntries(other))}` : ''}; after both runs ${drift}`,
        };
      });
    } finally {
      await store.close();
    }
  } finally {
    if (server.exitCode === null) {
      server.kill('SIGKILL');
      await exited(server);
    }
  }
}

/** Imports online-retail, then times the earn-orders sweep that applies the earn rules to every order and refund. */
async function retailSweep(label: string, target: { db?: string; databaseUrl?: string }, dir: string, o: LoyaltyBenchOptions): Promise<LoyaltyRow> {
  const api = await connectApi(target);
  try {
    const s = await runImport({ api, kind: 'orders', file: o.retail, mapping: 'online-retail', reportPath: join(dir, 'report.csv') });
    const put = await api.request('PUT', '/api/loyalty/program', { ...PROGRAM, lots: { expiry: { type: 'end_of_year', yearsAfter: 1 }, pendingDays: 7 } });
    if (put.status !== 200) throw new Error(JSON.stringify(put.body));
    const t = performance.now();
    const r = await api.request('POST', '/api/loyalty/earn-orders');
    const secs = (performance.now() - t) / 1000;
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    const drift = (await api.request('GET', '/api/loyalty/drift')).body;
    const ops = r.body.orders + r.body.refunds;
    return {
      what: 'earn rules over the online-retail import (earn-orders sweep, in-process API)',
      store: label, result: `${fmt(ops / secs)} orders+refunds/s`, p50: '', p99: '',
      notes: `${fmt(s.orders)} orders, ${fmt(s.refunds)} refunds imported; sweep ${fmt(secs, 1)} s: ${fmt(r.body.earned)} earned ${fmt(r.body.points)} points, ` +
        `${fmt(r.body.refunds)} refunds reversed (the file's cancellations name no original invoice, so none is pro-rated), ${fmt(r.body.failed)} refused; ` +
        (drift.mismatched === 0 ? `zero drift (${fmt(drift.accounts)} accounts, balance ${fmt(drift.balance)} = entries = lots)` : `DRIFT ${drift.mismatched}`),
    };
  } finally {
    await api.close();
  }
}

/** Seeds `lots` lots over lots/10 members with matching entries and accounts, then times one expiry of all of them. */
async function expireLots(label: string, store: Store, o: LoyaltyBenchOptions): Promise<LoyaltyRow> {
  const ws = 'ws_bench_expire';
  const members = Math.max(1, Math.floor(o.lots / 10));
  const earned = '2024-01-01T00:00:00.000Z';
  const expires = '2025-01-01T00:00:00.000Z';
  const t0 = performance.now();
  await store.exec(
    `INSERT INTO points_lots (workspace_id, id, member_id, points, remaining, earned_at, available_at, expires_at, status, order_id, source, updated_at)
     SELECT $1, 'blot_' || CAST(g.i AS VARCHAR), 'bm_' || CAST(g.i % $2 AS VARCHAR), 10, 10, CAST($3 AS TIMESTAMPTZ), CAST($3 AS TIMESTAMPTZ),
            CAST($4 AS TIMESTAMPTZ), 'available', NULL, 'earn', now()
     FROM generate_series(1, $5) AS g(i)`,
    [ws, members, earned, expires, o.lots],
  );
  await store.exec(
    `INSERT INTO points_entries (workspace_id, id, member_id, version, line, idempotency_key, kind, points, lot_id, deductions, order_id, reason, operator, created_at, recorded_at)
     SELECT CAST($1 AS VARCHAR), 'bseed#' || id, member_id, CAST(substr(id, 6) AS BIGINT), 0, 'bseed:' || id, 'earn', points, id, NULL, NULL, NULL, NULL, earned_at, now()
     FROM points_lots WHERE workspace_id = $1`,
    [ws],
  );
  await store.exec(
    `INSERT INTO points_accounts (workspace_id, member_id, balance, available, pending, debt, earned_total, version, updated_at)
     SELECT CAST($1 AS VARCHAR), member_id, SUM(remaining), SUM(remaining), 0, 0, SUM(points), MAX(CAST(substr(id, 6) AS BIGINT)), now()
     FROM points_lots WHERE workspace_id = $1 GROUP BY member_id`,
    [ws],
  );
  const seeded = (performance.now() - t0) / 1000;
  const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}) });
  await app.ready();
  try {
    await services.workspaces.create({ id: ws, name: 'bench expire' });
    const t = performance.now();
    const r = await services.loyalty.ledger.expireAll(ws, '2025-06-01T00:00:00.000Z', 'bench-expire');
    const secs = (performance.now() - t) / 1000;
    return {
      what: `expire ${fmt(o.lots)} lots of ${fmt(members)} members (one set-based job)`,
      store: label, result: `${fmt(secs, 2)} s`, p50: '', p99: '',
      notes: `${fmt(r.lots)} lots, ${fmt(r.points)} points, ${fmt(r.members)} expire entries (${fmt(r.lots / secs)} lots/s; seeding took ${fmt(seeded, 1)} s); ${await driftNote(store, ws)}`,
    };
  } finally {
    await app.close();
  }
}

/** Runs every loyalty benchmark on the requested engines; returns table rows. */
export async function runLoyaltyBench(o: LoyaltyBenchOptions): Promise<LoyaltyRow[]> {
  const rows: LoyaltyRow[] = [];
  let pg: BenchPostgres | null = null;
  try {
    if (o.engines.has('postgres')) {
      o.log('loyalty: starting PostgreSQL (fsync on) …');
      pg = await startPostgres();
    }
    const pgLabel = pg ? `PostgreSQL ${pg.version.split(' ')[0]} (fsync on)` : '';
    // In-process ledger throughput.
    if (o.engines.has('duckdb')) {
      o.log('loyalty: in-process ledger on DuckDB …');
      await withTmp(async (dir) => {
        const store = await openStore({ dbPath: join(dir, 'l.duckdb') });
        try {
          rows.push(await inProcess('DuckDB file', store, o));
        } finally {
          await store.close();
        }
      });
    }
    if (pg) {
      o.log('loyalty: in-process ledger on PostgreSQL …');
      const store = await openStore({ databaseUrl: await pg.createDatabase() });
      try {
        rows.push(await inProcess(pgLabel, store, o));
      } finally {
        await store.close();
      }
    }
    // Over HTTP.
    if (o.engines.has('duckdb')) {
      o.log('loyalty: HTTP on DuckDB …');
      await withTmp(async (dir) => rows.push(...(await overHttp('DuckDB file', { db: join(dir, 'h.duckdb') }, o))));
    }
    if (pg) {
      o.log('loyalty: HTTP on PostgreSQL …');
      rows.push(...(await overHttp(pgLabel, { databaseUrl: await pg.createDatabase() }, o)));
    }
    // Earn rules over the online-retail import.
    if (existsSync(o.retail)) {
      if (o.engines.has('duckdb')) {
        o.log('loyalty: online-retail import + earn-orders sweep on DuckDB …');
        await withTmp(async (dir) => rows.push(await retailSweep('DuckDB file', { db: join(dir, 'r.duckdb') }, dir, o)));
      }
      if (pg) {
        o.log('loyalty: online-retail import + earn-orders sweep on PostgreSQL …');
        const url = await pg.createDatabase();
        await withTmp(async (dir) => rows.push(await retailSweep(pgLabel, { databaseUrl: url }, dir, o)));
      }
    } else {
      rows.push({ what: 'earn rules over the online-retail import', store: '—', result: 'skipped', p50: '', p99: '', notes: `data file not found at ${o.retail}` });
    }
    // Expiring 1M lots.
    if (o.engines.has('duckdb')) {
      o.log(`loyalty: expiring ${fmt(o.lots)} lots on DuckDB …`);
      await withTmp(async (dir) => {
        const store = await openStore({ dbPath: join(dir, 'x.duckdb') });
        try {
          rows.push(await expireLots('DuckDB file', store, o));
        } finally {
          await store.close();
        }
      });
    }
    if (pg) {
      o.log(`loyalty: expiring ${fmt(o.lots)} lots on PostgreSQL …`);
      const store = await openStore({ databaseUrl: await pg.createDatabase() });
      try {
        rows.push(await expireLots(pgLabel, store, o));
      } finally {
        await store.close();
      }
    }
  } finally {
    await pg?.stop();
  }
  return rows;
}

/** The rows as a Markdown table. */
export function formatLoyaltyTable(rows: LoyaltyRow[]): string {
  const head: LoyaltyRow = { what: 'benchmark', store: 'store', result: 'result', p50: 'p50', p99: 'p99', notes: 'notes' };
  const cols = Object.keys(head) as (keyof LoyaltyRow)[];
  const width = (c: keyof LoyaltyRow) => Math.max(...[head, ...rows].map((r) => [...r[c]].length));
  const line = (r: LoyaltyRow) => '| ' + cols.map((c) => r[c] + ' '.repeat(width(c) - [...r[c]].length)).join(' | ') + ' |';
  return [line(head), '|' + cols.map((c) => '-'.repeat(width(c) + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}
