// Issue-3 benchmarks: a 4-condition segment count, a full RFM recompute, a 12-month cohort table, a BG/NBD +
// Gamma-Gamma fit and ingest-to-membership latency, through the product's services, on the demo brand and on a
// brand ten times larger, each on DuckDB and PostgreSQL in one run. Hand-written SQL for the first three questions
// runs alongside as a reference. Datasets are cached under data/bench/ (see big-brand/datasets.ts).
import { join } from 'node:path';
import http from 'node:http';
import { loadConfig } from '../src/core/config.ts';
import { buildApp, type App } from '../src/server/app.ts';
import type { Services } from '../src/server/services.ts';
import { CohortQuery } from '../src/modules/analytics/schema.ts';
import { createHash } from 'node:crypto';
import { MIGRATIONS, migrate } from '../src/store/migrations/index.ts';
import { openStore } from '../src/store/open-store.ts';
import type { DialectTypes, Store } from '../src/store/port.ts';
import { BENCH_WORKSPACE, ensureDataset, saveManifest, type Dataset, type DatasetKind } from './big-brand/datasets.ts';
import { startCluster, type BenchCluster } from './big-brand/pg-cluster.ts';
import { REFERENCE_SQL, type ReferenceParams } from './big-brand/reference-sql.ts';

export interface SegmentationOptions {
  /** Which brands: demo (the demo generator) and/or big (the SQL generator). */
  sizes: DatasetKind[];
  demoMembers: number;
  bigMembers: number;
  engines: Set<string>;
  /** Timed runs after one warm-up (DuckDB; PostgreSQL takes `pgRuns` at the big size). */
  runs: number;
  pgRuns: number;
  latencySamples: number;
  /** Operation ids to measure (`segment`, `segment-ref`, `rfm`, …, `latency`); default all. */
  ops?: Set<string>;
  regenerate: boolean;
  /** Cache root (default data/bench). */
  root: string;
  log: (s: string) => void;
}

/** Timings of one operation on one engine (ms). */
export interface Timing {
  p50: number;
  min: number;
  runs: number;
  /** A short description of the answer (count, members scored …) to compare engines. */
  answer: string;
  /** Extra figures (fit vs summary SQL, latency p95 …). */
  extra?: Record<string, number>;
  error?: string;
}

export interface SegRow {
  operation: string;
  size: string;
  duck: Timing | null;
  pg: Timing | null;
  /** Goal text and check on the DuckDB figure (and the speed-up when `minSpeedup` is set). */
  goalMs?: number;
  minSpeedup?: number;
  /** For latency rows: the figure compared with the goal is p95 (in extra.p95), on both engines. */
  latency?: boolean;
  note?: string;
}

export const ISSUE_REFERENCE = 'issue 3, hand-written SQL at 1M: 111 ms / 0.41 s / 0.77 s on DuckDB vs 4.3 s / 6.1 s / 9.0 s on PostgreSQL 15';
const PROBE_EVENT = 'coupon_claimed';
const PROBE_COUPON = 'BENCH-PROBE';
const WRITE_KEY = 'wk_bench_segmentation_0123456789';
const DAY_MS = 86_400_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const fmtInt = (n: number) => n.toLocaleString('en-US');
export const fmtMs = (ms: number) => (!Number.isFinite(ms) ? '—' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);

/** Runs `fn` once to warm up, then `runs` times; p50 and min of the timed runs. */
async function timed(runs: number, fn: () => Promise<{ answer: string; extra?: Record<string, number> }>): Promise<Timing> {
  try {
    await fn();
    const times: number[] = [];
    let last: { answer: string; extra?: Record<string, number> } = { answer: '' };
    const extras: Record<string, number[]> = {};
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      last = await fn();
      times.push(performance.now() - t);
      for (const [k, v] of Object.entries(last.extra ?? {})) (extras[k] ??= []).push(v);
    }
    const extra = Object.fromEntries(Object.entries(extras).map(([k, v]) => [k, median(v)]));
    return { p50: median(times), min: Math.min(...times), runs, answer: last.answer, extra: Object.keys(extra).length ? extra : undefined };
  } catch (e) {
    return { p50: NaN, min: NaN, runs: 0, answer: '', error: String((e as Error)?.message ?? e).split('\n')[0].slice(0, 160) };
  }
}

// As src/store/migrations/index.ts declares them per engine.
const DIALECT: Record<'duckdb' | 'postgres', DialectTypes> = {
  duckdb: { json: 'JSON', double: 'DOUBLE', secondaryIndexes: false, storage: { plain: ' USING COMPRESSION uncompressed', dictionary: ' USING COMPRESSION dictionary' } },
  postgres: { json: 'JSON', double: 'DOUBLE PRECISION', secondaryIndexes: true, storage: { plain: '', dictionary: '' } },
};

/**
 * Opens a cached brand. Tables of migrations after the core one hold only derived state (segments, scores, CLV),
 * which the bench wipes anyway; when their definitions changed since the cache was built they are dropped and
 * migrated afresh, so the product's current schema runs on the cached data without regenerating it.
 */
export async function openCached(dataset: Dataset, engine: 'duckdb' | 'postgres', log: (s: string) => void): Promise<Store> {
  const store = await openStore(engine === 'duckdb' ? { dbPath: dataset.duckPath, migrate: false } : { databaseUrl: dataset.pgUrl, migrate: false });
  try {
    const derived = MIGRATIONS.filter((m) => m.version >= 2);
    const fingerprint = createHash('sha256').update(JSON.stringify(derived.map((m) => m.up(DIALECT[engine])))).digest('hex').slice(0, 16);
    if (dataset.manifest.schema?.[engine] !== fingerprint) {
      log(`  ${dataset.label} ${engine}: derived-state tables rebuilt from the current migrations`);
      const name = (stmts: string[], re: RegExp) => stmts.map((sql) => re.exec(sql)?.[1]).filter((t): t is string => !!t);
      const CREATE = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/i;
      const ALTER = /^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(\w+)/i;
      const created = new Set(derived.flatMap((m) => name(m.up(DIALECT[engine]), CREATE)));
      // A migration that adds columns to generated (core) tables stays applied: its columns are already on the
      // cached data and cannot be added twice; the tables it creates are kept with it.
      const kept = derived.filter((m) => name(m.up(DIALECT[engine]), ALTER).some((t) => !created.has(t)));
      const rebuilt = derived.filter((m) => !kept.includes(m));
      const stmts = rebuilt.flatMap((m) => m.up(DIALECT[engine]));
      const keptTables = new Set(kept.flatMap((m) => name(m.up(DIALECT[engine]), CREATE)));
      const tables = name(stmts, CREATE).filter((t) => !keptTables.has(t));
      const altered = name(stmts, ALTER).filter((t) => !tables.includes(t) && !keptTables.has(t));
      if (altered.length) throw new Error(`a migration alters the generated table(s) ${altered.join(', ')}`);
      // Indexes first: a later migration may index a core table (kept), then every table the migrations create.
      for (const i of name(stmts, /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/i)) await store.exec(`DROP INDEX IF EXISTS ${i}`);
      for (const v of name(stmts, /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(\w+)/i)) await store.exec(`DROP VIEW IF EXISTS ${v}`);
      for (const t of tables.reverse()) await store.exec(`DROP TABLE IF EXISTS ${t}`);
      const keptVersions = kept.map((m) => m.version);
      await store.exec(`DELETE FROM schema_migrations WHERE version >= 2${keptVersions.length ? ` AND version NOT IN (${keptVersions.join(', ')})` : ''}`);
      await migrate(store);
      dataset.manifest.schema = { ...dataset.manifest.schema, [engine]: fingerprint };
      saveManifest(dataset);
    }
    await migrate(store);
    return store;
  } catch (e) {
    await store.close();
    throw new Error(`the cached ${dataset.label} brand does not take the current migrations (${(e as Error).message}); run the bench with --regenerate`);
  }
}

/** The bench's own rows from earlier runs (segments, scores, CLV fits, probe events) are removed first. */
async function resetDerived(store: Store, ws: string, endIso: string) {
  for (const t of ['segment_membership_log', 'segment_members', 'segment_runs', 'segments', 'member_score_history', 'member_rfm', 'member_lifecycle',
    'member_value_tier', 'score_runs', 'member_clv', 'clv_fits']) {
    await store.exec(`DELETE FROM ${t} WHERE workspace_id = $1`, [ws]);
  }
  await store.exec(`DELETE FROM events WHERE workspace_id = $1 AND name = $2 AND ts >= $3::TIMESTAMPTZ AND message_id LIKE 'benchlat-%'`, [ws, PROBE_EVENT, endIso]);
}

/** The 4-condition audience: an attribute, an event count in 30 days, an order sum in 90 days, a tag. */
export function fourConditionRule(endIso: string) {
  const back = (days: number) => new Date(Date.parse(endIso) - days * DAY_MS).toISOString();
  return {
    and: [
      { attribute: 'gender', op: '=', value: 'female' },
      { event: { name: 'product_view', count: { op: '>=', value: 2 }, between: [back(30), endIso] } },
      { orders: { measure: 'sum', op: '>=', value: 100, between: [back(90), endIso] } },
      { has_tag: 'tag_coffee_lover' },
    ],
  };
}

interface EngineCtx {
  store: Store;
  services: Services;
  app: App;
  url: string;
  ws: string;
  dataset: Dataset;
  /** Instant the data ends (local midnight of the manifest's end date). */
  endIso: string;
  /** The last whole local day of data (as-of date of scores and cohorts). */
  lastDay: string;
}

type OpResult = Promise<{ answer: string; extra?: Record<string, number> }>;

/** One measured operation: product path or hand-written reference. */
interface Op {
  id: string;
  label: string;
  goalMs?: { demo?: number; big?: number };
  minSpeedup?: number;
  /** Timed runs on PostgreSQL at the big size when fewer than `pgRuns` (slow operations). */
  pgBigRuns?: number;
  run(ctx: EngineCtx): OpResult;
}

const OPS: Op[] = [
  {
    id: 'segment',
    label: 'segment count, 4 conditions (SegmentsService.preview)',
    goalMs: { big: 150, demo: 1000 },
    minSpeedup: 10,
    async run(c) {
      const r = await c.services.segments.preview(c.ws, { rule: fourConditionRule(c.endIso), sample: 0 });
      return { answer: `${fmtInt(r.count)} members` };
    },
  },
  {
    id: 'segment-ref',
    label: '  reference: hand-written SQL',
    async run(c) {
      const [r] = await c.store.query<{ n: number }>(REFERENCE_SQL.segment, refParams(c).segment);
      return { answer: `${fmtInt(Number(r.n))} members` };
    },
  },
  {
    id: 'rfm',
    label: 'RFM recompute, stored (ScoresService.computeRfm)',
    goalMs: { big: 1000, demo: 1000 },
    minSpeedup: 10,
    async run(c) {
      const r = await c.services.scores.computeRfm(c.ws, { as_of: c.lastDay });
      return { answer: `${fmtInt(r.run.member_count)} members scored` };
    },
  },
  {
    id: 'rfm-ref',
    label: '  reference: hand-written SQL (quintile scores, not stored)',
    async run(c) {
      const rows = await c.store.query<{ n: number }>(REFERENCE_SQL.rfm, refParams(c).rfm);
      return { answer: `${fmtInt(rows.reduce((s, r) => s + Number(r.n), 0))} members scored` };
    },
  },
  {
    id: 'cohort',
    label: 'cohort table, 12 months (AnalyticsService.cohorts)',
    goalMs: { big: 1000, demo: 1000 },
    minSpeedup: 10,
    pgBigRuns: 1,
    async run(c) {
      const t = await c.services.analytics.cohorts(c.ws, CohortQuery.parse({ unit: 'month', to: c.lastDay, as_of: c.lastDay }));
      const size = t.cohorts.reduce((s, x) => s + x.size, 0);
      return { answer: `${fmtInt(size)} members in ${t.cohorts.length} cohorts` };
    },
  },
  {
    id: 'cohort-ref',
    label: '  reference: hand-written SQL',
    pgBigRuns: 1,
    async run(c) {
      const rows = await c.store.query<{ members: number; month_offset: number }>(REFERENCE_SQL.cohort, refParams(c).cohort);
      return { answer: `${fmtInt(rows.filter((r) => Number(r.month_offset) === 0).reduce((s, r) => s + Number(r.members), 0))} members in 12 cohorts` };
    },
  },
  {
    id: 'clv',
    label: 'CLV fit, BG/NBD + Gamma-Gamma, stored (ClvService.fit, weeks)',
    goalMs: { big: 5000, demo: 1000 },
    pgBigRuns: 1,
    async run(c) {
      const r = await c.services.clv.fit(c.ws, { calibration_end: c.lastDay, time_unit: 'week' });
      const t = r.timings;
      return {
        answer: `${fmtInt(r.members)} members, r ${r.bgnbd.r.toFixed(3)} α ${r.bgnbd.alpha.toFixed(2)} a ${r.bgnbd.a.toFixed(3)} b ${r.bgnbd.b.toFixed(3)}`,
        extra: { 'summary SQL': t.summary_ms, fit: t.fit_ms, 'predict+store': (t.predict_ms ?? 0) + (t.write_ms ?? 0) },
      };
    },
  },
];

function refParams(c: EngineCtx): ReferenceParams {
  const end = c.endIso;
  const back = (days: number) => new Date(Date.parse(end) - days * DAY_MS).toISOString();
  // The first of the 12 cohort months: the month of the last day with data, minus 11 (as the product's default).
  const [y, m] = c.lastDay.split('-').map(Number);
  const first = y * 12 + (m - 1) - 11;
  const start = new Date(Date.parse(`${Math.floor(first / 12)}-${String((first % 12) + 1).padStart(2, '0')}-01T00:00:00+08:00`)).toISOString();
  return { segment: [c.ws, back(30), end, back(90)], rfm: [c.ws, end], cohort: [c.ws, 'Asia/Shanghai', start, end] };
}

/** Ingest-to-membership latency: track events over HTTP for members outside a realtime segment, time to "entered". */
async function latency(c: EngineCtx, samples: number): Promise<Timing> {
  try {
    await c.services.workspaces.createKey(c.ws, 'write', { secret: WRITE_KEY, name: 'bench segmentation' });
    const seg = await c.services.segments.create(c.ws, {
      name: `bench latency ${Date.now()}`,
      rule: { and: [{ event: { name: PROBE_EVENT, where: [{ property: 'coupon_code', op: '=', value: PROBE_COUPON }], within_days: 7 } }, { attribute: 'city', op: 'exists' }] },
      realtime: true,
    });
    const picks = await c.store.query<{ value: string; member_id: string }>(
      `SELECT i.value, i.member_id FROM identities i JOIN members m ON m.workspace_id = i.workspace_id AND m.id = i.member_id
       WHERE i.workspace_id = $1 AND i.type = 'user_id' AND m.merged_into IS NULL AND m.city IS NOT NULL ORDER BY i.value LIMIT $2`,
      [c.ws, samples],
    );
    const waiting = new Map<string, (t: number) => void>();
    const off = c.services.segments.onMembershipChange((ch) => {
      if (ch.segmentId !== seg.id || ch.change !== 'entered') return;
      const now = performance.now();
      for (const id of ch.memberIds) waiting.get(id)?.(now);
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const auth = 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64');
    const post = (body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(new URL('/v1/track', c.url), { method: 'POST', agent, headers: { authorization: auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    const lat: number[] = [];
    const acks: number[] = [];
    let timeouts = 0;
    try {
      for (const [k, p] of picks.entries()) {
        const entered = new Promise<number>((resolve) => {
          waiting.set(p.member_id, resolve);
          setTimeout(() => resolve(NaN), 10_000).unref();
        });
        const t0 = performance.now();
        const status = await post(JSON.stringify({
          userId: p.value, event: PROBE_EVENT, messageId: `benchlat-${Date.now()}-${k}`, timestamp: new Date().toISOString(),
          properties: { coupon_code: PROBE_COUPON, coupon_name: 'bench probe' },
        }));
        if (status !== 200) throw new Error(`POST /v1/track answered ${status}`);
        acks.push(performance.now() - t0);
        const t1 = await entered;
        waiting.delete(p.member_id);
        if (Number.isNaN(t1)) timeouts++;
        else lat.push(t1 - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      off();
      agent.destroy();
      await c.services.segments.remove(c.ws, seg.id).catch(() => undefined);
    }
    if (lat.length === 0) throw new Error(`no membership change within 10 s for ${timeouts} events`);
    return {
      p50: median(lat), min: Math.min(...lat), runs: lat.length,
      answer: `${lat.length} events${timeouts ? `, ${timeouts} timed out (>10 s)` : ''}`,
      extra: { p95: pct(lat, 95), max: Math.max(...lat), ackP50: median(acks) },
    };
  } catch (e) {
    return { p50: NaN, min: NaN, runs: 0, answer: '', error: String((e as Error)?.message ?? e).split('\n')[0].slice(0, 160) };
  }
}

async function runEngine(dataset: Dataset, engine: 'duckdb' | 'postgres', opts: SegmentationOptions): Promise<Map<string, Timing>> {
  const out = new Map<string, Timing>();
  const store = await openCached(dataset, engine, opts.log);
  const endDate = dataset.manifest.endDate;
  const endIso = new Date(Date.parse(`${endDate}T00:00:00+08:00`)).toISOString();
  const lastDay = new Date(Date.parse(`${endDate}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
  try {
    await resetDerived(store, BENCH_WORKSPACE, endIso);
    const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent', port: 0 }), logger: false });
    try {
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      const ctx: EngineCtx = { store, services, app, url: address, ws: BENCH_WORKSPACE, dataset, endIso, lastDay };
      const pgBig = engine === 'postgres' && dataset.kind === 'big';
      for (const op of OPS.filter((o) => !opts.ops || opts.ops.has(o.id))) {
        opts.log(`  ${dataset.label} ${engine}: ${op.id} …`);
        const runs = pgBig ? Math.min(opts.pgRuns, op.pgBigRuns ?? opts.pgRuns) : opts.runs;
        const t = await timed(runs, () => op.run(ctx));
        opts.log(`    ${t.error ? `error: ${t.error}` : `p50 ${fmtMs(t.p50)}, min ${fmtMs(t.min)} — ${t.answer}`}`);
        out.set(op.id, t);
      }
      if (!opts.ops || opts.ops.has('latency')) {
        opts.log(`  ${dataset.label} ${engine}: ingest → membership latency (${opts.latencySamples} events) …`);
        const l = await latency(ctx, opts.latencySamples);
        opts.log(`    ${l.error ? `error: ${l.error}` : `p50 ${fmtMs(l.p50)}, p95 ${fmtMs(l.extra!.p95)} — ${l.answer}`}`);
        out.set('latency', l);
      }
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
  }
  return out;
}

/** Builds or reuses the datasets, measures every operation on every engine, and returns the table rows. */
export async function runSegmentationBench(opts: SegmentationOptions): Promise<{ rows: SegRow[]; datasets: Dataset[]; pgVersion: string | null }> {
  let cluster: BenchCluster | null = null;
  const rows: SegRow[] = [];
  const datasets: Dataset[] = [];
  try {
    if (opts.engines.has('postgres')) {
      opts.log('starting the PostgreSQL bench cluster (data/bench/pg) …');
      cluster = await startCluster(join(opts.root, 'pg'));
    }
    for (const kind of opts.sizes) {
      const members = kind === 'demo' ? opts.demoMembers : opts.bigMembers;
      datasets.push(await ensureDataset(kind, members, { root: opts.root, regenerate: opts.regenerate, cluster, log: opts.log }));
    }
    // A failure on one engine (e.g. a schema the cache cannot take) leaves error cells, not an aborted run.
    const attempt = async (d: Dataset, engine: 'duckdb' | 'postgres') => {
      try {
        return await runEngine(d, engine, opts);
      } catch (e) {
        const error = String((e as Error)?.message ?? e).split('\n')[0].slice(0, 200);
        opts.log(`  ${d.label} ${engine}: failed: ${error}`);
        return new Map<string, Timing>([...OPS.map((o) => o.id), 'latency'].map((id) => [id, { p50: NaN, min: NaN, runs: 0, answer: '', error }]));
      }
    };
    for (const d of datasets) {
      const duck = opts.engines.has('duckdb') ? await attempt(d, 'duckdb') : new Map<string, Timing>();
      const pg = cluster ? await attempt(d, 'postgres') : new Map<string, Timing>();
      for (const op of OPS.filter((o) => !opts.ops || opts.ops.has(o.id))) {
        rows.push({
          operation: op.label, size: d.label, duck: duck.get(op.id) ?? null, pg: pg.get(op.id) ?? null,
          goalMs: op.goalMs?.[d.kind], minSpeedup: d.kind === 'big' ? op.minSpeedup : undefined,
        });
      }
      if (!opts.ops || opts.ops.has('latency')) rows.push({ operation: 'ingest → segment membership (HTTP /v1/track → onMembershipChange)', size: d.label, duck: duck.get('latency') ?? null, pg: pg.get('latency') ?? null, goalMs: 1000, latency: true });
    }
  } finally {
    await cluster?.stop();
  }
  return { rows, datasets, pgVersion: cluster?.version ?? null };
}

/** The table: operation | size | DuckDB | PostgreSQL | speed-up | goal | met? */
export function formatSegmentationTable(rows: SegRow[], pgVersion: string | null): string {
  const cell = (t: Timing | null, latencyRow?: boolean) => {
    if (!t) return '—';
    if (t.error) return `error: ${t.error}`;
    if (latencyRow) return `p50 ${fmtMs(t.p50)} / p95 ${fmtMs(t.extra?.p95 ?? NaN)}`;
    const extra = t.extra ? ' (' + Object.entries(t.extra).map(([k, v]) => `${k} ${fmtMs(v)}`).join(', ') + ')' : '';
    return `${fmtMs(t.p50)} (min ${fmtMs(t.min)})${extra}`;
  };
  const table = rows.map((r) => {
    const ok = (t: Timing | null) => t && !t.error && Number.isFinite(t.p50);
    const speed = ok(r.duck) && ok(r.pg) && !r.latency ? r.pg!.p50 / r.duck!.p50 : NaN;
    let goal = '';
    let met = '';
    if (r.latency) {
      goal = `p95 ≤ ${fmtMs(r.goalMs!)}`;
      const checks = [r.duck, r.pg].filter(ok).map((t) => (t!.extra?.p95 ?? Infinity) <= r.goalMs!);
      met = checks.length ? (checks.every(Boolean) ? 'yes' : 'no') : '';
    } else if (r.goalMs !== undefined) {
      goal = `≤ ${fmtMs(r.goalMs)}${r.minSpeedup ? `, ≥ ${r.minSpeedup}× PG` : ''}`;
      if (ok(r.duck)) {
        const time = r.duck!.p50 <= r.goalMs;
        const fast = !r.minSpeedup ? true : Number.isFinite(speed) ? speed >= r.minSpeedup : null;
        met = time && fast !== false ? 'yes' : `no (${[!time ? 'time' : '', fast === false ? 'speed-up' : ''].filter(Boolean).join(', ')})`;
        if (fast === null) met += ', speed-up not measured';
      }
    }
    const answers = [r.duck?.answer, r.pg?.answer].filter(Boolean);
    const answer = answers.length === 2 && answers[0] !== answers[1] ? `DuckDB ${answers[0]}; PostgreSQL ${answers[1]}` : (answers[0] ?? '');
    return {
      operation: r.operation, size: r.size, duckdb: cell(r.duck, r.latency), postgres: cell(r.pg, r.latency),
      speedup: Number.isFinite(speed) ? `${speed.toFixed(1)}×` : '', goal, met, answer: [answer, r.note].filter(Boolean).join('; '),
    };
  });
  const head = { operation: 'operation', size: 'size', duckdb: 'DuckDB p50', postgres: `PostgreSQL${pgVersion ? ' ' + pgVersion.split(' ')[0] : ''} p50`, speedup: 'speed-up', goal: 'goal (DuckDB)', met: 'met?', answer: 'answer' };
  const cols = Object.keys(head) as (keyof typeof head)[];
  const width = (k: keyof typeof head) => Math.max(...[head, ...table].map((r) => [...r[k]].length));
  const line = (r: typeof head) => '| ' + cols.map((k) => r[k] + ' '.repeat(width(k) - [...r[k]].length)).join(' | ') + ' |';
  return [line(head), '|' + cols.map((k) => '-'.repeat(width(k) + 2)).join('|') + '|', ...table.map(line)].join('\n');
}
