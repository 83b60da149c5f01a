// Recommendations benchmark (issue 8): training time and memory of item-CF and ALS on the online-retail file (the
// pure models) and on a generated brand in the store (the whole `POST /api/recommendations/train`: read, train,
// score, write), then the serving latency p50/p99 of GET /api/members/{ref}/recommendations and
// /api/products/{id}/also-bought. Run alone: node --import tsx bench/recommend.ts [--sizes 20000,1000000] [--samples 300]
// or through `npm run bench -- --only recommend --rec-sizes 20000`.
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildInteractions, batchTopN, trainAls, trainItemCf } from '../src/core/models/recommend/index.ts';
import { readCsvInteractions } from '../src/modules/recommendations/csv-source.ts';
import { evaluateFile } from '../src/cli/commands/recommend.ts';
import { evaluationTable } from '../src/modules/recommendations/report.ts';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/core/config.ts';
import { BENCH_WORKSPACE, ensureDataset } from './big-brand/datasets.ts';
import { openStore } from '../src/store/open-store.ts';

export interface RecommendBenchOptions {
  /** Generated big-brand sizes to train in the store (DuckDB); 1000000 uses the cached 1M brand. */
  sizes: number[];
  samples: number;
  retail: string;
  root: string;
  log: (s: string) => void;
}

const MB = 1048576;
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const rssMb = () => process.memoryUsage().rss / MB;
const peakMb = () => process.resourceUsage().maxRSS / 1024;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

/** One measured step: wall time, heap in use right after it (before a collection) and the process's peak RSS. */
function measure<T>(fn: () => T): { value: T; ms: number; cpuMs: number; heapMb: number; peakRssMb: number } {
  globalThis.gc?.();
  const t = performance.now();
  const c = process.cpuUsage();
  const value = fn();
  const d = process.cpuUsage(c);
  return { value, ms: performance.now() - t, cpuMs: (d.user + d.system) / 1000, heapMb: process.memoryUsage().heapUsed / MB, peakRssMb: peakMb() };
}

/** Wall and CPU time: the models run on one thread, so CPU time is what the wall time is on an idle core. */
const tm = (x: { ms: number; cpuMs: number }) => `${fmt(x.ms)} ms (CPU ${fmt(x.cpuMs)} ms)`;

/** The pure models on the online-retail purchases (all of them, as a nightly training would see them). */
async function retailModels(o: RecommendBenchOptions): Promise<string[]> {
  if (!existsSync(o.retail)) return [`online-retail: skipped, ${o.retail} not found`];
  o.log('recommend: online-retail, reading the CSV …');
  const rows = await readCsvInteractions(o.retail);
  const m = measure(() => buildInteractions(rows));
  const matrix = m.value;
  const lines = [`| online-retail (${fmt(matrix.users.length)} customers, ${fmt(matrix.items.length)} products, ${fmt(matrix.userItems.length)} pairs) | matrix | ${tm(m)} | ${fmt(m.heapMb)} MB | ${fmt(m.peakRssMb)} MB |`];
  o.log('recommend: online-retail, item-CF …');
  const cf = measure(() => trainItemCf(matrix));
  const cfTop = measure(() => batchTopN(matrix, cf.value, 30, true));
  lines.push(`| | item-CF train (K = ${cf.value.options.neighbours}) | ${tm(cf)} | ${fmt(cf.heapMb)} MB | ${fmt(cf.peakRssMb)} MB |`);
  lines.push(`| | item-CF top-30 for every customer | ${tm(cfTop)} | ${fmt(cfTop.heapMb)} MB | ${fmt(cfTop.peakRssMb)} MB |`);
  o.log('recommend: online-retail, ALS …');
  const als = measure(() => trainAls(matrix));
  const alsTop = measure(() => batchTopN(matrix, als.value, 30, true));
  const p = als.value.options;
  lines.push(`| | ALS train (${p.factors} factors, ${p.iterations} iterations, ${p.solver}) | ${tm(als)} | ${fmt(als.heapMb)} MB | ${fmt(als.peakRssMb)} MB |`);
  lines.push(`| | ALS top-30 for every customer | ${tm(alsTop)} | ${fmt(alsTop.heapMb)} MB | ${fmt(alsTop.peakRssMb)} MB |`);
  return lines;
}

/** Training through the service on a generated brand in DuckDB, then the API's latency. */
async function storeRun(members: number, o: RecommendBenchOptions): Promise<{ train: string[]; latency: string[] }> {
  const dataset = await ensureDataset('big', members, { root: o.root, regenerate: false, cluster: null, log: o.log });
  // Pending migrations are applied in place (recommendations only add their own tables); the other benches' derived
  // state is left as it is.
  const store = await openStore({ dbPath: dataset.duckPath });
  const label = `big brand ${fmt(members)} members (DuckDB)`;
  try {
    const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent', port: 0 }), logger: false });
    try {
      await app.ready();
      const before = rssMb();
      o.log(`recommend: ${label}, training …`);
      const t = performance.now();
      const c = process.cpuUsage();
      const models = await services.recommendations.train(BENCH_WORKSPACE, { top_n: 20 }, { schedule: false });
      const wall = performance.now() - t;
      const cpu = process.cpuUsage(c);
      const peak = peakMb();
      const train = models.map((m) => {
        const x = m.metrics as Record<string, number>;
        return `| ${label}: ${fmt(m.members)} buyers, ${fmt(m.items)} products, ${fmt(m.interactions)} pairs | ${m.algorithm} | train ${fmt(x.train_ms)} ms, top-20 ${fmt(x.score_ms)} ms | read ${fmt(x.read_ms)} ms, write (both) ${fmt(x.write_ms)} ms | whole run ${fmt(wall)} ms (process CPU ${fmt((cpu.user + cpu.system) / 1000)} ms) | peak RSS ${fmt(peak)} MB (from ${fmt(before)} MB) |`;
      });
      const ids = (await store.query<{ member_id: string }>(
        `SELECT member_id FROM member_recommendations WHERE workspace_id = $1 AND algorithm = 'als' AND rank = 1 ORDER BY hash(member_id) LIMIT $2`,
        [BENCH_WORKSPACE, o.samples],
      )).map((r) => r.member_id);
      const products = (await store.query<{ product_id: string }>('SELECT product_id FROM recommendation_items WHERE workspace_id = $1', [BENCH_WORKSPACE])).map((r) => r.product_id);
      const category = (await store.query<{ category: string | null }>('SELECT category FROM recommendation_items WHERE workspace_id = $1 AND category IS NOT NULL LIMIT 1', [BENCH_WORKSPACE]))[0]?.category;
      const key = (await services.workspaces.createKey(BENCH_WORKSPACE, 'admin')).secret;
      const time = async (urls: string[]) => {
        const ms: number[] = [];
        for (const url of urls) {
          const s = performance.now();
          const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
          ms.push(performance.now() - s);
          if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
        }
        return `p50 ${fmt(pct(ms, 0.5), 1)} ms | p99 ${fmt(pct(ms, 0.99), 1)} ms`;
      };
      o.log(`recommend: ${label}, latency (${ids.length} requests each) …`);
      const latency = [
        `| ${label} | GET /api/members/{id}/recommendations?n=10 | ${await time(ids.map((id) => `/api/members/${id}/recommendations?n=10`))} |`,
        `| | … &algorithm=item_cf&exclude_recent_days=30 | ${await time(ids.map((id) => `/api/members/${id}/recommendations?n=10&algorithm=item_cf&exclude_recent_days=30`))} |`,
        ...(category ? [`| | … &category=${category} | ${await time(ids.map((id) => `/api/members/${id}/recommendations?n=10&category=${encodeURIComponent(category)}`))} |`] : []),
        `| | GET /api/products/{id}/also-bought?n=10 | ${await time(ids.map((_, k) => `/api/products/${encodeURIComponent(products[k % products.length]!)}/also-bought?n=10`))} |`,
      ];
      return { train, latency };
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
  }
}

/** Runs everything and returns the Markdown the README carries. */
export async function runRecommendBench(o: RecommendBenchOptions): Promise<string> {
  const out: string[] = [`Recommendations (issue 8) — ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')}`, ''];
  if (existsSync(o.retail)) {
    o.log('recommend: online-retail evaluation (split 2011-09-01, k 10) …');
    out.push('Offline evaluation, online-retail, `siyu recommend evaluate --file … --split-date 2011-09-01 --k 10`:', '', evaluationTable(await evaluateFile(o.retail, '2011-09-01', 10, true)));
  }
  out.push('Training on the online-retail purchases (pure models, all purchases; heap in use after the step, peak RSS of the process so far):', '',
    '| data | step | time | heap | peak RSS |', '|---|---|---:|---:|---:|', ...(await retailModels(o)), '');
  const train: string[] = [];
  const latency: string[] = [];
  for (const size of o.sizes) {
    const r = await storeRun(size, o);
    train.push(...r.train);
    latency.push(...r.latency);
  }
  if (train.length) {
    out.push('Training in the store (`POST /api/recommendations/train`, both algorithms, top-20 per member):', '', '| data | algorithm | model | store | total | memory |', '|---|---|---|---|---|---|', ...train, '');
    out.push(`Serving latency (${o.samples} sequential requests, in-process HTTP):`, '', '| data | request | p50 | p99 |', '|---|---|---:|---:|', ...latency, '');
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: a } = parseArgs({ options: { sizes: { type: 'string', default: '20000' }, samples: { type: 'string', default: '300' } } });
  const text = await runRecommendBench({
    sizes: a.sizes!.split(',').filter(Boolean).map(Number), samples: Number(a.samples),
    retail: fileURLToPath(new URL('../../shared/data/online-retail/online_retail.csv.gz', import.meta.url)),
    root: fileURLToPath(new URL('../data/bench', import.meta.url)), log: (s) => process.stderr.write(s + '\n'),
  });
  process.stdout.write(text + '\n');
}
