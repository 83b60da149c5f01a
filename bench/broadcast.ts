// Broadcast benchmark (issue 5): personalised messages rendered and handed to a local webhook sink per second, for a
// 1M-member broadcast of the cached big brand — on DuckDB (workers in the one process that owns the file) and on
// PostgreSQL with 1 and 2 `siyu worker` processes. Everything goes through the product: BroadcastService → jobs →
// delivery pipeline (addresses, guard, render, at-most-once send) → webhook adapter (batch mode) → a sink process
// that counts each message id once. The clock runs from `schedule` to `completed`; the sink's counts are checked.
//
// DuckDB: the cached brand is read-only here; members, identities, order traits and the workspace are copied into
// a working file under data/bench/tmp/ once (kept between runs; --broadcast-fresh rebuilds it). PostgreSQL: the
// cached database on the persistent bench cluster (data/bench/pg) is used in place; the bench deletes its own rows
// (broadcast, snapshot, sends, jobs) afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/core/config.ts';
import { pipelineTimings } from '../src/modules/broadcasts/runner.ts';
import { buildApp } from '../src/server/app.ts';
import type { Services } from '../src/server/services.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store } from '../src/store/port.ts';
import { BENCH_WORKSPACE, ensureDataset, type Dataset } from './big-brand/datasets.ts';
import { startCluster, type BenchCluster } from './big-brand/pg-cluster.ts';
import { openCached } from './segmentation.ts';
import { exited, waitForLine } from './support/child-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BROADCAST_GOAL = 20_000;
const KINDS = 'broadcast.start,broadcast.chunk';

export interface BroadcastBenchOptions {
  engines: Set<string>;
  /** Audience on DuckDB (the first N members of the big brand; default all 1M). */
  members: number;
  /** Audience on PostgreSQL. */
  pgMembers: number;
  /** Worker process counts to measure on PostgreSQL. */
  pgWorkers: number[];
  /** Rebuild the DuckDB working copy. */
  fresh: boolean;
  /** data/bench */
  root: string;
  log: (s: string) => void;
}

export interface BroadcastRow {
  what: string;
  store: string;
  result: string;
  notes: string;
}

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '—');

/** The personalised template: each member's name, city and order traits. */
export const BENCH_TEMPLATE = {
  webhook: {
    body: {
      text: "{{ member.name | default: '亲爱的会员' }},您在{{ member.city | default: '本地' }}门店累计消费{{ member.traits.total_spend | money }},共{{ member.traits.order_count | default: 0 }}单,双12会员日全场8折。回T退订",
    },
  },
};

interface Sink {
  url: string;
  proc: ChildProcess;
  stats(): Promise<{ messages: number; members: number; duplicates: number; requests: number; first: number; last: number; samples: unknown[]; cpu_ms: number }>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/support/webhook-sink.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = (await waitForLine(proc, /sink listening on (http:\/\/\S+)/, 60_000))[1];
  return {
    url,
    proc,
    stats: async () => (await fetch(`${url}/stats`)).json() as any,
    reset: async () => void (await fetch(`${url}/reset`, { method: 'POST' })),
    stop: async () => {
      proc.kill('SIGTERM');
      await exited(proc);
    },
  };
}

// ---- data ----

/** The DuckDB working copy: the first `members` members of the cached brand with their identities and traits. */
async function duckCopy(dataset: Dataset, o: BroadcastBenchOptions): Promise<string> {
  const dir = join(o.root, 'tmp');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `broadcast-v1-${o.members}.duckdb`);
  if (existsSync(path) && !o.fresh) return path;
  for (const f of [path, path + '.wal']) rmSync(f, { force: true });
  o.log(`  copying ${fmt(o.members)} members (+ identities, order traits) from ${dataset.duckPath} into ${path} (read-only attach; once) …`);
  const t = performance.now();
  const store = await openStore({ dbPath: path });
  try {
    // ATTACH takes no parameters: the path is the benchmark's own cache location, not input.
    await store.exec(`ATTACH '${dataset.duckPath.replace(/'/g, "''")}' AS src (READ_ONLY)`);
    await store.exec('INSERT INTO workspaces SELECT * FROM src.workspaces');
    await store.exec(`CREATE TEMP TABLE picked AS SELECT id FROM src.members WHERE workspace_id = $1 AND merged_into IS NULL ORDER BY id LIMIT $2`, [BENCH_WORKSPACE, o.members]);
    await store.exec('INSERT INTO members SELECT m.* FROM src.members m WHERE m.id IN (SELECT id FROM picked)');
    await store.exec('INSERT INTO identities SELECT i.* FROM src.identities i WHERE i.member_id IN (SELECT id FROM picked)');
    await store.exec('INSERT INTO member_traits SELECT t.* FROM src.member_traits t WHERE t.member_id IN (SELECT id FROM picked)');
    await store.exec('DETACH src');
    await store.exec('CHECKPOINT');
  } finally {
    await store.close();
  }
  o.log(`  copied in ${fmt((performance.now() - t) / 1000, 0)} s`);
  return path;
}

/** Removes what earlier runs of this bench left: broadcasts, snapshots, sends, jobs, its segment, channel, template. */
async function reset(store: Store, ws: string): Promise<void> {
  // guard_state: the frequency-cap counters earlier runs took (a rerun the same day would be capped).
  for (const t of ['broadcast_members', 'broadcast_chunks', 'broadcasts', 'message_sends', 'jobs', 'guard_state']) await store.exec(`DELETE FROM ${t} WHERE workspace_id = $1`, [ws]);
  await store.exec(`DELETE FROM segment_members WHERE workspace_id = $1 AND segment_id = 'seg_bench_broadcast'`, [ws]);
  await store.exec(`DELETE FROM segments WHERE workspace_id = $1 AND id = 'seg_bench_broadcast'`, [ws]);
}

/** A static segment of the first `n` surviving members, written directly (the bench measures sending, not segmenting). */
async function audienceSegment(store: Store, ws: string, n: number): Promise<void> {
  const now = new Date().toISOString();
  await store.transaction(async (tx) => {
    await tx.exec(
      `INSERT INTO segments (workspace_id, id, name, description, kind, realtime, member_count, created_at, updated_at)
       VALUES ($1, 'seg_bench_broadcast', 'bench broadcast audience', 'first members of the big brand', 'static', false, 0, $2::TIMESTAMPTZ, $2::TIMESTAMPTZ)`,
      [ws, now],
    );
    await tx.exec(
      `INSERT INTO segment_members (workspace_id, segment_id, member_id, entered_at)
       SELECT $1, 'seg_bench_broadcast', id, $2::TIMESTAMPTZ FROM (SELECT id FROM members WHERE workspace_id = $1 AND merged_into IS NULL ORDER BY id LIMIT $3) p`,
      [ws, now, n],
    );
    await tx.exec(`UPDATE segments SET member_count = (SELECT count(*) FROM segment_members WHERE workspace_id = $1 AND segment_id = 'seg_bench_broadcast') WHERE workspace_id = $1 AND id = 'seg_bench_broadcast'`, [ws]);
  });
}

/**
 * Channel (webhook, batch mode, to the sink) and template, replaced on every run; the guard rails stay on with their
 * defaults (consent, caps, dedupe) except quiet hours, so the bench runs at any hour.
 */
async function setup(services: Services, ws: string, sinkUrl: string): Promise<void> {
  await services.consent.updateGuardConfig(ws, { quiet_hours: null });
  await services.messaging.upsertChannel(ws, 'bench-sink', {
    type: 'webhook', config: { url: sinkUrl, mode: 'batch' },
    options: { batch_size: 1000, concurrency: 4, retries: 3, backoff_ms: 200, timeout_ms: 60_000 },
  } as any);
  await services.templates.delete(ws, 'bench-broadcast').catch(() => undefined);
  await services.templates.create(ws, { name: 'bench-broadcast', content: BENCH_TEMPLATE });
}

// ---- one run ----

interface RunResult {
  sent: number;
  audience: number;
  seconds: number;
  snapshotSeconds: number;
  sink: Awaited<ReturnType<Sink['stats']>>;
  status: string;
  /** CPU seconds the sending processes (this one, or the worker processes) and the sink used during the run. */
  cpuSeconds: number;
  /** 1-minute load average at the end (other work on the machine slows every figure). */
  load: number;
  /** Share of the run this process's event loop was busy (in-process workers: the JS thread's saturation). */
  elu: number;
}

/** CPU milliseconds a process has used (Linux /proc; 0 elsewhere). */
function procCpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}
const selfCpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** Creates and schedules the broadcast, waits for it to complete (polling progress), and reads the sink's counts. */
async function runOnce(services: Services, ws: string, sink: Sink, label: string, log: (s: string) => void, workerPids: number[] = []): Promise<RunResult> {
  await sink.reset();
  const cpuOf = () => (workerPids.length ? workerPids.reduce((a, pid) => a + procCpuMs(pid), 0) : selfCpuMs());
  const cpu0 = cpuOf();
  const elu0 = performance.eventLoopUtilization();
  const sinkCpu0 = (await sink.stats()).cpu_ms;
  const b = await services.broadcasts.create(ws, { name: `bench ${label} ${new Date().toISOString()}`, segment: 'seg_bench_broadcast', template: 'bench-broadcast', channel: 'bench-sink', purpose: 'marketing', holdout_share: 0, schedule: { type: 'now' }, rate_limit_per_second: null });
  const t0 = performance.now();
  await services.broadcasts.schedule(ws, b.id);
  let p = await services.broadcasts.progress(ws, b.id);
  let lastLog = 0;
  while (p.status === 'scheduled' || p.status === 'running') {
    await new Promise((r) => setTimeout(r, 250));
    p = await services.broadcasts.progress(ws, b.id);
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`    ${label}: ${p.status}, sent ${fmt(p.counts.sent)} of ${fmt(p.audience ?? 0)}, ${fmt((performance.now() - t0) / 1000, 0)} s`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuOf();
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const full = await services.broadcasts.get(ws, b.id);
  const snapshotSeconds = full.started_at && full.scheduled_at ? (Date.parse(full.started_at) - Date.parse(full.scheduled_at)) / 1000 : NaN;
  const stats = await sink.stats();
  return { sent: p.counts.sent, audience: p.audience ?? 0, seconds, snapshotSeconds, sink: stats, status: p.status, cpuSeconds: (cpu1 - cpu0 + stats.cpu_ms - sinkCpu0) / 1000, load: loadavg()[0], elu };
}

function cpuNote(r: RunResult, who: string): string {
  return `${fmt(r.sent / r.cpuSeconds)} messages per CPU-second (${who} + sink, ${fmt(r.cpuSeconds, 0)} CPU-s); load average ${fmt(r.load, 1)} at the end`;
}

function verdict(r: RunResult): string {
  const ok = r.status === 'completed' && r.sink.messages === r.sent && r.sink.members === r.sent && r.sent === r.audience && r.sink.duplicates === 0;
  return ok
    ? `all ${fmt(r.sent)} members received exactly one message at the sink`
    : `MISMATCH: ${r.status}, sent ${fmt(r.sent)} of ${fmt(r.audience)}, sink ${fmt(r.sink.messages)} messages / ${fmt(r.sink.members)} members / ${fmt(r.sink.duplicates)} duplicates`;
}

/** Where a chunk's time went (addresses and guard run side by side, so their shares overlap). */
function stageNote(): string {
  const t = pipelineTimings;
  const total = Math.max(t.addresses ?? 0, t.guard ?? 0) + (t.render ?? 0) + (t.send ?? 0);
  if (!total) return '';
  const pct = (v = 0) => `${fmt((100 * v) / total, 0)}%`;
  return `; chunk time: addresses ${pct(t.addresses)} ∥ guard ${pct(t.guard)}, render ${pct(t.render)}, send ${pct(t.send)}`;
}

async function runDuck(dataset: Dataset, sink: Sink, o: BroadcastBenchOptions): Promise<BroadcastRow> {
  const path = await duckCopy(dataset, o);
  const store = await openStore({ dbPath: path });
  const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}), logger: false });
  await app.ready();
  try {
    const ws = BENCH_WORKSPACE;
    await reset(store, ws);
    await audienceSegment(store, ws, o.members);
    await setup(services, ws, sink.url);
    for (const k of Object.keys(pipelineTimings)) delete pipelineTimings[k];
    services.jobs.startWorker({ kinds: KINDS.split(','), pollMs: 20, schedules: false });
    o.log(`  DuckDB: broadcast to ${fmt(o.members)} members …`);
    const r = await runOnce(services, ws, sink, 'duckdb', o.log);
    await services.jobs.stopWorker();
    const rate = r.sent / r.seconds;
    o.log(`    ${fmt(rate)} messages/s (${fmt(r.seconds, 1)} s)`);
    return {
      what: `broadcast to ${fmt(r.audience)} members, personalised webhook messages (in-process worker)`,
      store: 'DuckDB file',
      result: `${fmt(rate)} messages/s`,
      notes: `${fmt(r.seconds, 1)} s schedule → completed (audience snapshot ${fmt(r.snapshotSeconds, 1)} s); ${verdict(r)}; goal ≥ ${fmt(BROADCAST_GOAL)}/s ${rate >= BROADCAST_GOAL ? 'met' : 'NOT met'}; ${cpuNote(r, 'this process')}; JS thread busy ${fmt(100 * r.elu, 0)}%${stageNote()}`,
    };
  } finally {
    await app.close();
    await store.close();
  }
}

async function runPg(dataset: Dataset, sink: Sink, workers: number, o: BroadcastBenchOptions, version: string): Promise<BroadcastRow> {
  const store = await openCached(dataset, 'postgres', o.log);
  const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}), logger: false });
  await app.ready();
  const procs: ChildProcess[] = [];
  try {
    const ws = BENCH_WORKSPACE;
    await reset(store, ws);
    await audienceSegment(store, ws, o.pgMembers);
    await setup(services, ws, sink.url);
    for (let i = 0; i < workers; i++) {
      const p = spawn(process.execPath, ['bin/siyu.mjs', 'worker', '--database-url', dataset.pgUrl!, '--kinds', KINDS, '--poll-ms', '20', '--no-schedules'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIYU_LOG_LEVEL: 'silent' } });
      procs.push(p);
    }
    await Promise.all(procs.map((p) => waitForLine(p, /siyu worker \S+ running/, 120_000)));
    o.log(`  PostgreSQL: broadcast to ${fmt(o.pgMembers)} members with ${workers} worker process${workers > 1 ? 'es' : ''} …`);
    const r = await runOnce(services, ws, sink, `postgres ×${workers}`, o.log, procs.map((p) => p.pid!));
    const rate = r.sent / r.seconds;
    o.log(`    ${fmt(rate)} messages/s (${fmt(r.seconds, 1)} s)`);
    return {
      what: `broadcast to ${fmt(r.audience)} members, personalised webhook messages (${workers} × siyu worker)`,
      store: `PostgreSQL ${version.split(' ')[0]} (fsync on)`,
      result: `${fmt(rate)} messages/s`,
      notes: `${fmt(r.seconds, 1)} s schedule → completed (audience snapshot ${fmt(r.snapshotSeconds, 1)} s); ${verdict(r)}; ${cpuNote(r, `worker process${workers > 1 ? 'es' : ''}`)} (PostgreSQL's own CPU not counted)`,
    };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map(exited));
    await reset(store, BENCH_WORKSPACE).catch(() => undefined);
    await app.close();
    await store.close();
  }
}

/** Runs the broadcast benchmark on the cached big brand; never builds the cache (fails if it is missing). */
export async function runBroadcastBench(o: BroadcastBenchOptions): Promise<BroadcastRow[]> {
  const rows: BroadcastRow[] = [];
  if (!existsSync(join(o.root, 'big-v3-1000000', 'manifest.json'))) {
    return [{ what: 'broadcast benchmark', store: '—', result: 'skipped', notes: `the cached big brand is missing under ${o.root}; run --only segmentation once to build it` }];
  }
  const sink = await startSink();
  let cluster: BenchCluster | null = null;
  try {
    if (o.engines.has('postgres')) {
      o.log('starting the PostgreSQL bench cluster (data/bench/pg) …');
      cluster = await startCluster(join(o.root, 'pg'));
    }
    const dataset = await ensureDataset('big', 1_000_000, { root: o.root, regenerate: false, cluster, log: o.log });
    const attempt = async (label: string, fn: () => Promise<BroadcastRow>) => {
      try {
        rows.push(await fn());
      } catch (e) {
        const error = String((e as Error)?.message ?? e).split('\n')[0].slice(0, 200);
        o.log(`  ${label} failed: ${error}`);
        rows.push({ what: 'broadcast', store: label, result: 'error', notes: error });
      }
    };
    if (o.engines.has('duckdb')) await attempt('DuckDB file', () => runDuck(dataset, sink, o));
    if (cluster) for (const w of o.pgWorkers) await attempt(`PostgreSQL ×${w}`, () => runPg(dataset, sink, w, o, cluster!.version));
  } finally {
    await cluster?.stop();
    await sink.stop();
  }
  return rows;
}

export function formatBroadcastTable(rows: BroadcastRow[]): string {
  const head: BroadcastRow = { what: 'benchmark', store: 'store', result: 'result', notes: 'notes' };
  const cols = Object.keys(head) as (keyof BroadcastRow)[];
  const width = (c: keyof BroadcastRow) => Math.max(...[head, ...rows].map((r) => [...r[c]].length));
  const line = (r: BroadcastRow) => '| ' + cols.map((c) => r[c] + ' '.repeat(width(c) - [...r[c]].length)).join(' | ') + ' |';
  return [line(head), '|' + cols.map((c) => '-'.repeat(width(c) + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}
