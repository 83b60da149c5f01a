// Journey latency benchmark (issue 5, item 10): the time from an event sent to a running `siyu serve` (POST
// /v1/track) to the journey step it triggers — a personalised webhook message arriving at a local sink — p50/p95
// over a few hundred events paced at a steady rate, on DuckDB and on PostgreSQL. Goal: p95 ≤ 1 s.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHttpSink } from '../src/modules/messaging/testing/http-sink.ts';
import { BENCH_ADMIN_KEY, BENCH_WRITE_KEY } from './ingest.ts';
import { startPostgres, type BenchPostgres } from './pg-server.ts';
import { exited, waitForLine } from './support/child-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const JOURNEY_GOAL_P95_MS = 1000;
const EVENT = 'Bench Signed Up';

export interface JourneyRow {
  store: string;
  events: number;
  rate: number;
  delivered: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface JourneyBenchOptions {
  engines: Set<string>;
  /** Events measured (after a short warm-up). */
  events: number;
  /** Events per second sent (paced, not waiting for each other). */
  rate: number;
  log(s: string): void;
  /** A PostgreSQL server to use (else one is started when the engines include postgres). */
  pg?: BenchPostgres | null;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(url: string, method: string, path: string, body?: unknown, auth = `Bearer ${BENCH_ADMIN_KEY}`) {
  const res = await fetch(url + path, { method, headers: { authorization: auth, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** One engine: serve, set up a journey "event → send", send paced events, time each to its message at the sink. */
async function measure(label: string, dbArgs: string[], o: JourneyBenchOptions): Promise<JourneyRow> {
  const arrived = new Map<string, number>();
  const sink = await startHttpSink({
    record: false,
    reply: (r) => {
      try {
        const u = JSON.parse(r.json?.content?.body ?? '{}').u;
        if (u && !arrived.has(u)) arrived.set(u, performance.now());
      } catch {
        // not one of ours
      }
      return {};
    },
  });
  const server = spawn(process.execPath, ['bin/siyu.mjs', 'serve', '--port', '0', ...dbArgs], {
    cwd: ROOT,
    env: { ...process.env, SIYU_ADMIN_KEY: BENCH_ADMIN_KEY, SIYU_WRITE_KEY: BENCH_WRITE_KEY, SIYU_LOG_LEVEL: 'warn', SIYU_RATE_LIMIT_INGEST: '0', SIYU_RATE_LIMIT_API: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = (await waitForLine(server, /Siyu listening on (http:\/\/\S+)/, 60_000))[1];
    if (process.env.BENCH_DEBUG) server.stderr!.on('data', (d) => process.stderr.write(d));
    const warm = 20;
    const total = warm + o.events;
    for (let i = 0; i < total; i += 1000) {
      await api(url, 'POST', '/api/members', { members: Array.from({ length: Math.min(1000, total - i) }, (_, k) => ({ user_id: `jb${i + k}`, name: `会员${i + k}` })) });
    }
    await api(url, 'POST', '/api/messaging/channels', { name: 'bench-hook', type: 'webhook', config: { url: sink.url + '/hook' }, options: { retries: 1, timeout_ms: 5000 } });
    await api(url, 'POST', '/api/templates', { name: 'bench-welcome', content: { webhook: { body: { u: '{{ member.user_id }}', text: '{{ member.name }},欢迎加入' } } } });
    const j = await api(url, 'POST', '/api/journeys', {
      name: 'bench-welcome',
      definition: { trigger: { type: 'event', event: EVENT }, entry: { reentry: 'once' }, start: 'hello', steps: { hello: { type: 'send', channel: 'bench-hook', template: 'bench-welcome', purpose: 'service' } } },
    });
    await api(url, 'POST', `/api/journeys/${j.id}/publish`, {});

    const write = 'Basic ' + Buffer.from(BENCH_WRITE_KEY + ':').toString('base64');
    const sent = new Map<string, number>();
    const track = async (i: number) => {
      const u = `jb${i}`;
      sent.set(u, performance.now());
      await api(url, 'POST', '/v1/track', { userId: u, event: EVENT, properties: { i } }, write);
    };
    for (let i = 0; i < warm; i++) await track(i);
    const start = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = warm; i < total; i++) {
      await sleep(Math.max(0, start + ((i - warm) * 1000) / o.rate - performance.now()));
      inflight.push(track(i));
    }
    await Promise.all(inflight);
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline && [...sent.keys()].slice(warm).some((u) => !arrived.has(u))) await sleep(20);
    if (process.env.BENCH_DEBUG) for (const [u, t0] of sent) process.stderr.write(`${u}\tsent +${(t0 - start).toFixed(0)}\tlatency ${((arrived.get(u) ?? NaN) - t0).toFixed(0)}\n`);
    const lat = [...sent.entries()].slice(warm).filter(([u]) => arrived.has(u)).map(([u, t0]) => arrived.get(u)! - t0).sort((a, b) => a - b);
    return { store: label, events: o.events, rate: o.rate, delivered: lat.length, p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), max: lat[lat.length - 1] };
  } finally {
    server.kill('SIGTERM');
    await exited(server);
    await sink.close();
  }
}

export async function runJourneyBench(o: JourneyBenchOptions): Promise<JourneyRow[]> {
  const rows: JourneyRow[] = [];
  if (o.engines.has('duckdb')) {
    const dir = mkdtempSync(join(tmpdir(), 'siyu-bench-journeys-'));
    try {
      o.log(`journeys: event → step latency on DuckDB (${o.events} events at ${o.rate}/s) …`);
      rows.push(await measure('DuckDB file', ['--db', join(dir, 'journeys.duckdb')], o));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (o.engines.has('postgres')) {
    const pg = o.pg ?? (await startPostgres());
    try {
      o.log(`journeys: event → step latency on PostgreSQL ${pg.version.split(' ')[0]} (${o.events} events at ${o.rate}/s) …`);
      rows.push(await measure(`PostgreSQL ${pg.version.split(' ')[0]} (fsync on)`, ['--database-url', await pg.createDatabase()], o));
    } finally {
      if (!o.pg) await pg.stop();
    }
  }
  return rows;
}

export function formatJourneyTable(rows: JourneyRow[]): string {
  const f = (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} ms` : '—');
  const lines = ['| store | events | rate | delivered | p50 | p95 | p99 | max | goal p95 ≤ 1 s |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(`| ${r.store} | ${r.events} | ${r.rate}/s | ${r.delivered} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${f(r.max)} | ${r.delivered === r.events && r.p95 <= JOURNEY_GOAL_P95_MS ? 'met' : 'NOT met'} |`);
  }
  return lines.join('\n');
}

// `node --import tsx bench/journeys.ts [--events 300] [--rate 20] [--engines duckdb,postgres]` runs it alone;
// BENCH_DEBUG=1 prints the server's log and each event's send time and latency.
if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (k: string, d: string) => {
    const i = process.argv.indexOf(`--${k}`);
    return i > 0 ? process.argv[i + 1] : d;
  };
  const rows = await runJourneyBench({ engines: new Set(arg('engines', 'duckdb,postgres').split(',')), events: Number(arg('events', '300')), rate: Number(arg('rate', '20')), log: (s) => process.stderr.write(s + '\n') });
  process.stdout.write(formatJourneyTable(rows) + '\n');
}
