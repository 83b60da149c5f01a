// CLV fit benchmark: BG/NBD + Gamma-Gamma on a simulated 1M-member summary (the models alone), and optionally the
// whole `POST /api/clv/fit` on a store (summary SQL, fit, predictions written to member_clv).
// Run: node --import tsx bench/clv.ts [--members 1000000] [--runs 3] [--db FILE.duckdb | --database-url URL] [--workspace ws_default]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { fitBgNbdGrouped, fitGammaGammaGrouped, simulateCustomers } from '../src/core/models/index.ts';
import type { Services } from '../src/server/services.ts';

/** CDNOW's BG/NBD and Gamma-Gamma parameters, with α per day (4.4135 per week × 7). */
const CDNOW_PER_DAY = { r: 0.2426, alpha: 4.4135 * 7, a: 0.7929, b: 2.4258 };
const CDNOW_VALUE = { p: 6.25, q: 3.74, gamma: 15.44 };

export interface ModelBench {
  members: number;
  groups: number;
  valueGroups: number;
  /** Median wall time over runs. */
  bgnbdMs: number;
  gammaGammaMs: number;
  /** Median CPU time of this (single-threaded) work: what the wall time is on an idle core. */
  bgnbdCpuMs: number;
  gammaGammaCpuMs: number;
  evaluations: number;
}

/** Wall and CPU milliseconds of fn. */
function timed(fn: () => void): [number, number] {
  const t = performance.now();
  const c = process.cpuUsage();
  fn();
  const d = process.cpuUsage(c);
  return [performance.now() - t, (d.user + d.system) / 1000];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Fits both models on `members` customers simulated from CDNOW's parameters, first purchases spread over two
 * years and summarised in days (the worst case for distinct (x, t_x, T) tuples), grouped as the SQL would group them.
 */
export function benchClvModels(members = 1_000_000, runs = 3): ModelBench {
  const customers = simulateCustomers({ n: members, bgnbd: CDNOW_PER_DAY, gammaGamma: CDNOW_VALUE, birthDays: 730, calibrationDays: 730, seed: 11 });
  const groups = new Map<string, { x: number; tx: number; T: number; n: number }>();
  const values = new Map<string, { x: number; zbar: number; n: number }>();
  for (const c of customers) {
    const k = `${c.x}|${c.tx}|${c.T}`;
    const g = groups.get(k);
    if (g) g.n++;
    else groups.set(k, { x: c.x, tx: c.tx, T: c.T, n: 1 });
    if (c.x === 0) continue;
    const v = values.get(`${c.x}|${c.zbar}`);
    if (v) v.n++;
    else values.set(`${c.x}|${c.zbar}`, { x: c.x, zbar: c.zbar, n: 1 });
  }
  const bg: [number, number][] = [];
  const gg: [number, number][] = [];
  let evaluations = 0;
  for (let i = 0; i < runs; i++) {
    bg.push(timed(() => (evaluations = fitBgNbdGrouped([...groups.values()]).evaluations)));
    gg.push(timed(() => fitGammaGammaGrouped([...values.values()])));
  }
  return {
    members, groups: groups.size, valueGroups: values.size, evaluations,
    bgnbdMs: median(bg.map((x) => x[0])), bgnbdCpuMs: median(bg.map((x) => x[1])),
    gammaGammaMs: median(gg.map((x) => x[0])), gammaGammaCpuMs: median(gg.map((x) => x[1])),
  };
}

/** Runs `POST /api/clv/fit`'s service `runs` times on a workspace and returns each fit's timings (ms). */
export async function benchClvFit(services: Services, workspaceId: string, opts: { calibrationEnd?: string; timeUnit?: 'week' | 'day'; runs?: number } = {}) {
  const out: Array<Record<string, number>> = [];
  for (let i = 0; i < (opts.runs ?? 3); i++) {
    const c = process.cpuUsage();
    const f = await services.clv.fit(workspaceId, { calibration_end: opts.calibrationEnd, time_unit: opts.timeUnit ?? 'week' });
    const d = process.cpuUsage(c);
    out.push({ members: f.members, ...f.timings, process_cpu_ms: Math.round((d.user + d.system) / 1000) });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: a } = parseArgs({
    options: {
      members: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '3' },
      db: { type: 'string' },
      'database-url': { type: 'string' },
      workspace: { type: 'string', default: 'ws_default' },
      'calibration-end': { type: 'string' },
      'time-unit': { type: 'string', default: 'week' },
    },
  });
  const m = benchClvModels(Number(a.members), Number(a.runs));
  console.log(`models on ${m.members.toLocaleString('en-US')} simulated members (${m.groups.toLocaleString('en-US')} distinct (x, t_x, T), ${m.valueGroups.toLocaleString('en-US')} (x, value)): BG/NBD ${m.bgnbdMs.toFixed(0)} ms (CPU ${m.bgnbdCpuMs.toFixed(0)} ms, ${m.evaluations} evaluations), Gamma-Gamma ${m.gammaGammaMs.toFixed(0)} ms (CPU ${m.gammaGammaCpuMs.toFixed(0)} ms)`);
  if (a.db || a['database-url']) {
    const { openStore } = await import('../src/store/open-store.ts');
    const { buildApp } = await import('../src/server/app.ts');
    const { loadConfig } = await import('../src/core/config.ts');
    const store = await openStore({ dbPath: a.db, databaseUrl: a['database-url'] });
    const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}), logger: false });
    await app.ready();
    const runs = await benchClvFit(services, a.workspace!, { calibrationEnd: a['calibration-end'], timeUnit: a['time-unit'] as 'week' | 'day', runs: Number(a.runs) });
    for (const r of runs) console.log(`fit on ${store.describe()}: ${JSON.stringify(r)}`);
    await app.close();
    await store.close();
  }
}
