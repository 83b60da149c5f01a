// `npm run bench:soak`: minutes of steady load against a real `siyu serve`, to show throughput and memory stay flat.
// Keep-alive clients ingest track events over /v1/batch; every few seconds a reader lists members and segments and
// reads a member's segments, and a dynamic segment (events in the last 30 days) is recomputed. Every --interval
// seconds one row: events/s acknowledged, ingest p95, read p95, the server's RSS (from /proc) and V8 heap (its
// /metrics). The verdict compares the first and last thirds: throughput change % and RSS growth MB.
// node --import tsx bench/soak.ts [--minutes 3] [--interval 15] [--engines duckdb[,postgres]] [--connections 8]
//   [--batch 200] [--users 20000] [--recompute-every 30] [--read-every-ms 500] [--warmup 30] [--max-drop 15]
//   [--max-rss-growth 64] [--rate 4000 (events/s offered; 0 = as fast as the server takes)]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startServe, stop, type ServeProcess } from '../test/faults/support.ts';
import { keepAlivePoster, percentile, seededRandom } from './support/http-load.ts';
import { startPostgres, type BenchPostgres } from './pg-server.ts';

const { values: a } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    interval: { type: 'string', default: '15' },
    engines: { type: 'string', default: 'duckdb' },
    connections: { type: 'string', default: '8' },
    batch: { type: 'string', default: '200' },
    users: { type: 'string', default: '20000' },
    'recompute-every': { type: 'string', default: '30' },
    'read-every-ms': { type: 'string', default: '500' },
    // Samples in the first seconds are shown but left out of the verdict: JIT, caches and the DuckDB buffer pool warm up.
    warmup: { type: 'string', default: '30' },
    'max-drop': { type: 'string', default: '15' },
    'max-rss-growth': { type: 'string', default: '64' },
    // Offered load in events/s shared by the connections (a soak holds a steady rate; 0 = as fast as the server takes).
    rate: { type: 'string', default: '4000' },
  },
});

const MINUTES = Number(a.minutes);
const INTERVAL_S = Number(a.interval);
const CONNECTIONS = Number(a.connections);
const BATCH = Number(a.batch);
const USERS = Number(a.users);
const RATE = Number(a.rate);
const log = (s: string) => process.stderr.write(s + '\n');

interface Sample {
  t: number;
  eventsPerSecond: number;
  ingestP95: number;
  readP95: number;
  errors: number;
  rssMb: number;
  heapMb: number;
  /** DuckDB: the database file plus its WAL (RSS grows with it: DuckDB's buffer pool caches the data). */
  dbMb: number;
  recomputes: number;
}

/** The server's resident set, from /proc (Linux); NaN elsewhere. */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const fileMb = (path: string) => {
  try {
    return statSync(path).size / 1024 / 1024;
  } catch {
    return 0;
  }
};

/** The server's V8 heap in use, from its Prometheus metrics. */
async function heapMb(url: string, auth: string): Promise<number> {
  try {
    const text = await (await fetch(url + '/metrics', { headers: { authorization: auth } })).text();
    const m = /^siyu_nodejs_heap_size_used_bytes (\S+)/m.exec(text);
    return m ? Number(m[1]) / 1024 / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function soak(engine: 'duckdb' | 'postgres', pg?: BenchPostgres): Promise<Sample[]> {
  const adminKey = 'sk_admin_soak_' + randomBytes(12).toString('hex');
  const writeKey = 'wk_soak_' + randomBytes(12).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'siyu-soak-'));
  const store: { dbPath?: string; databaseUrl?: string } = engine === 'postgres' ? { databaseUrl: await pg!.createDatabase() } : { dbPath: join(dir, 'soak.duckdb') };
  let server: ServeProcess | undefined;
  try {
    server = await startServe(store, { SIYU_ADMIN_KEY: adminKey, SIYU_WRITE_KEY: writeKey, SIYU_LOG_LEVEL: 'error' });
    const url = server.url;
    const admin = `Bearer ${adminKey}`;
    const api = async (method: string, path: string, body?: unknown) => {
      const t = performance.now();
      const r = await fetch(url + path, { method, headers: { authorization: admin, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      await r.arrayBuffer();
      return { status: r.status, ms: performance.now() - t };
    };
    const seg = await api('POST', '/api/segments', { name: 'soak-active-30d', rule: { event: { name: 'product_view', count: { op: '>=', value: 1 }, within_days: 30 } } });
    if (seg.status >= 300) throw new Error(`could not create the soak segment (${seg.status})`);

    const poster = keepAlivePoster(url, 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64'), CONNECTIONS);
    const next = seededRandom(0x5eed);
    const EVENTS = ['product_view', 'add_to_cart', 'app_open', 'coupon_claimed', 'sign_in'];
    let seq = 0;
    const body = () => {
      const now = new Date().toISOString();
      const parts = new Array<string>(BATCH);
      for (let i = 0; i < BATCH; i++) {
        parts[i] = `{"type":"track","messageId":"soak-${++seq}","userId":"su${(next() * USERS) | 0}","event":"${EVENTS[(next() * EVENTS.length) | 0]}","timestamp":"${now}","properties":{"price":19.5}}`;
      }
      return `{"batch":[${parts.join(',')}]}`;
    };

    // Per-window counters, reset at each sample.
    let acked = 0, errors = 0, recomputes = 0;
    let ingestLat: number[] = [], readLat: number[] = [];
    const endAt = performance.now() + MINUTES * 60_000;
    const running = () => performance.now() < endAt;

    // At a target rate each connection sends one batch every CONNECTIONS × BATCH / RATE seconds, on a fixed schedule
    // (a late batch does not shift the next one), so throughput below the rate means the server fell behind.
    const period = RATE > 0 ? (CONNECTIONS * BATCH * 1000) / RATE : 0;
    const ingester = async (_: unknown, k: number) => {
      let due = performance.now() + (period * k) / CONNECTIONS;
      while (running()) {
        if (period) {
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          due += period;
          if (!running()) break;
        }
        const t = performance.now();
        try {
          const r = await poster.post('/v1/batch', body());
          if (r.status === 200) {
            acked += BATCH;
            ingestLat.push(performance.now() - t);
          } else errors++;
        } catch {
          errors++;
        }
      }
    };
    const reader = async () => {
      const readEvery = Number(a['read-every-ms']);
      for (let i = 0; running(); i++) {
        for (const path of ['/api/members?limit=20', '/api/segments', `/api/members/user_id:su${(next() * USERS) | 0}/segments`]) {
          const r = await api('GET', path);
          if (r.status < 300 || r.status === 404) readLat.push(r.ms);
          else errors++;
        }
        await new Promise((r) => setTimeout(r, readEvery));
      }
    };
    const recomputer = async () => {
      while (running()) {
        await new Promise((r) => setTimeout(r, Number(a['recompute-every']) * 1000));
        if (!running()) break;
        const r = await api('POST', '/api/segments/soak-active-30d/recompute');
        if (r.status < 300) recomputes++;
        else errors++;
      }
    };

    const samples: Sample[] = [];
    const sampler = async () => {
      const started = performance.now();
      let last = started;
      while (running()) {
        await new Promise((r) => setTimeout(r, Math.min(INTERVAL_S * 1000, Math.max(0, endAt - performance.now()))));
        const now = performance.now();
        const ing = ingestLat.sort((x, y) => x - y), rd = readLat.sort((x, y) => x - y);
        const s: Sample = {
          t: Math.round((now - started) / 1000),
          eventsPerSecond: acked / ((now - last) / 1000),
          ingestP95: percentile(ing, 95),
          readP95: percentile(rd, 95),
          errors,
          rssMb: rssMb(server!.proc.pid!),
          heapMb: await heapMb(url, admin),
          dbMb: store.dbPath ? fileMb(store.dbPath) + fileMb(store.dbPath + '.wal') : NaN,
          recomputes,
        };
        acked = 0; errors = 0; recomputes = 0; ingestLat = []; readLat = [];
        last = now;
        samples.push(s);
        log(`[${engine}] ${fmtRow(s)}`);
      }
    };
    await Promise.all([sampler(), recomputer(), reader(), ...Array.from({ length: CONNECTIONS }, ingester)]);
    poster.close();
    return samples;
  } finally {
    await stop(server?.proc, 'SIGTERM', 60_000).catch(() => stop(server?.proc));
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const fmtRow = (s: Sample) =>
  `| ${s.t} | ${f(s.eventsPerSecond)} | ${f(s.ingestP95, 1)} | ${f(s.readP95, 1)} | ${f(s.rssMb)} | ${f(s.heapMb)} | ${f(s.dbMb)} | ${s.recomputes} | ${s.errors} |`;
const HEADER = '| t (s) | events/s | ingest p95 ms | read p95 ms | RSS MB | heap MB | DB MB | recomputes | errors |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|';

/** First third against last third: throughput change and memory growth, and whether they stay within bounds. */
function verdict(all: Sample[]) {
  const warm = all.filter((s) => s.t > Number(a.warmup));
  const samples = warm.length >= 3 ? warm : all;
  const third = Math.max(1, Math.floor(samples.length / 3));
  const first = samples.slice(0, third), lastT = samples.slice(-third);
  const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const tputChange = (avg(lastT.map((s) => s.eventsPerSecond)) / avg(first.map((s) => s.eventsPerSecond)) - 1) * 100;
  const rssGrowth = avg(lastT.map((s) => s.rssMb)) - avg(first.map((s) => s.rssMb));
  const heapGrowth = avg(lastT.map((s) => s.heapMb)) - avg(first.map((s) => s.heapMb));
  const dbGrowth = avg(lastT.map((s) => s.dbMb)) - avg(first.map((s) => s.dbMb));
  // DuckDB's buffer pool keeps the blocks of a growing database: RSS may grow by what the data grew, not more. The
  // V8 heap (our objects) must not grow at all beyond the bound.
  const cacheAllowance = Number.isFinite(dbGrowth) ? Math.max(0, dbGrowth) : 0;
  const errors = all.reduce((s, x) => s + x.errors, 0);
  const flat = tputChange > -Number(a['max-drop']) && rssGrowth < Number(a['max-rss-growth']) + cacheAllowance && heapGrowth < Number(a['max-rss-growth']) && errors === 0;
  return { tputChange, rssGrowth, heapGrowth, dbGrowth, flat, errors };
}

const engines = a.engines!.split(',').map((e) => e.trim()) as ('duckdb' | 'postgres')[];
log(`soak: ${MINUTES} min per engine, samples every ${INTERVAL_S} s, ${CONNECTIONS} connections × ${BATCH} events; ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const pg = engines.includes('postgres') ? await startPostgres() : undefined;
const results: { engine: string; samples: Sample[] }[] = [];
try {
  for (const engine of engines) results.push({ engine, samples: await soak(engine, pg) });
} finally {
  await pg?.stop();
}
for (const { engine, samples } of results) {
  const v = verdict(samples);
  console.log(`\n## soak [${engine}] — ${MINUTES} min, ${RATE > 0 ? `${RATE} events/s offered by ` : ''}${CONNECTIONS} connections × ${BATCH} events, reads every ${a['read-every-ms']} ms, recompute every ${a['recompute-every']} s\n`);
  console.log(HEADER);
  for (const s of samples) console.log(fmtRow(s));
  console.log(
    `\nverdict: throughput ${v.tputChange >= 0 ? '+' : ''}${f(v.tputChange, 1)} % (last third vs first), RSS ${v.rssGrowth >= 0 ? '+' : ''}${f(v.rssGrowth, 1)} MB, heap ${v.heapGrowth >= 0 ? '+' : ''}${f(v.heapGrowth, 1)} MB` +
      (Number.isFinite(v.dbGrowth) ? ` (database +${f(v.dbGrowth, 1)} MB)` : '') + `, ` +
      `${v.errors} errors → ${v.flat ? 'FLAT' : 'NOT FLAT'} (after a ${a.warmup} s warm-up; bounds: drop < ${a['max-drop']} %, heap growth < ${a['max-rss-growth']} MB, RSS growth < ${a['max-rss-growth']} MB + database growth, no errors)`,
  );
}
