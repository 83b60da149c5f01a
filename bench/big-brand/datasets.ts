// Cached benchmark brands under data/bench/: the demo brand (the real demo generator) and the big brand (SQL
// generator), each as a DuckDB file plus a database on the persistent PostgreSQL bench cluster. A directory is keyed
// by generator version and size; its manifest.json is written last, so a half-built cache is rebuilt.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateDemo } from '../../src/modules/demo/generator.ts';
import { cstDate } from '../../src/modules/demo/calendar.ts';
import { openStore } from '../../src/store/open-store.ts';
import { copyDuckToPostgres, type CopyResult } from './copy-to-postgres.ts';
import { BIG_BRAND_VERSION, generateBigBrand } from './generate.ts';
import type { BenchCluster } from './pg-cluster.ts';

/** Bump when the demo-size dataset must be rebuilt (the demo generator changed). */
export const DEMO_DATASET_VERSION = 1;
export const BENCH_WORKSPACE = 'ws_default';

export type DatasetKind = 'demo' | 'big';

export interface Manifest {
  kind: DatasetKind;
  version: number;
  members: number;
  /** Data ends at local midnight starting this day (Asia/Shanghai). */
  endDate: string;
  generatedAt: string;
  generateSeconds: number;
  rows: Record<string, number>;
  postgres?: { database: string; loadedAt: string } & CopyResult;
  /** Fingerprint of the derived-state migrations (segments, scores, CLV …) each engine's copy was last built with. */
  schema?: Partial<Record<'duckdb' | 'postgres', string>>;
}

export interface Dataset {
  kind: DatasetKind;
  label: string;
  members: number;
  duckPath: string;
  /** Set when PostgreSQL is part of the run. */
  pgUrl?: string;
  manifest: Manifest;
  /** What this run had to build (empty when everything came from the cache). */
  built: string[];
}

export interface EnsureOptions {
  root: string;
  regenerate: boolean;
  cluster: BenchCluster | null;
  log: (s: string) => void;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Saves the dataset's manifest (after recording a schema fingerprint). */
export function saveManifest(d: Dataset): void {
  writeManifest(dirname(d.duckPath), d.manifest);
}

function writeManifest(dir: string, m: Manifest) {
  const tmp = join(dir, 'manifest.json.tmp');
  writeFileSync(tmp, JSON.stringify(m, null, 2) + '\n');
  renameSync(tmp, join(dir, 'manifest.json'));
}

/** Returns the dataset, generating the DuckDB file and loading PostgreSQL when they are not cached yet. */
export async function ensureDataset(kind: DatasetKind, members: number, opts: EnsureOptions): Promise<Dataset> {
  const version = kind === 'demo' ? DEMO_DATASET_VERSION : BIG_BRAND_VERSION;
  const key = `${kind}-v${version}-${members}`;
  const dir = join(opts.root, key);
  const duckPath = join(dir, 'siyu.duckdb');
  const manifestPath = join(dir, 'manifest.json');
  const built: string[] = [];
  // Caches of this kind and size from other generator versions are stale: remove them (disk, PostgreSQL).
  for (const other of existsSync(opts.root) ? readdirSync(opts.root) : []) {
    const m = new RegExp(`^${kind}-v(\\d+)-${members}$`).exec(other);
    if (!m || Number(m[1]) === version) continue;
    opts.log(`removing the stale cache ${other} …`);
    rmSync(join(opts.root, other), { recursive: true, force: true });
  }
  for (const db of (await opts.cluster?.databases()) ?? []) {
    const m = new RegExp(`^bench_${kind}_v(\\d+)_${members}$`).exec(db);
    if (!m || Number(m[1]) === version) continue;
    opts.log(`dropping the stale PostgreSQL database ${db} …`);
    await opts.cluster!.drop(db);
  }
  let manifest: Manifest | null = null;
  if (!opts.regenerate && existsSync(manifestPath) && existsSync(duckPath)) manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;

  if (!manifest) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const endDate = cstDate(Date.now());
    opts.log(`generating the ${kind} brand, ${fmt(members)} members, data up to ${endDate} → ${duckPath} …`);
    const t = performance.now();
    let rows: Record<string, number>;
    if (kind === 'demo') {
      const store = await openStore({ dbPath: duckPath });
      try {
        const r = await generateDemo(store, { workspaceId: BENCH_WORKSPACE, members, seed: '42', endDate });
        rows = r.rows;
        await store.exec('CHECKPOINT');
      } finally {
        await store.close();
      }
    } else {
      rows = (await generateBigBrand({ dbPath: duckPath, workspaceId: BENCH_WORKSPACE, members, endDate, log: opts.log })).rows;
    }
    manifest = { kind, version, members, endDate, generatedAt: new Date().toISOString(), generateSeconds: (performance.now() - t) / 1000, rows };
    writeManifest(dir, manifest);
    built.push(`generated in ${manifest.generateSeconds.toFixed(0)} s`);
    opts.log(`  done in ${manifest.generateSeconds.toFixed(1)} s: ${Object.entries(rows).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  }

  let pgUrl: string | undefined;
  if (opts.cluster) {
    const database = `bench_${kind}_v${version}_${members}`;
    const have = manifest.postgres?.database === database && (await opts.cluster.exists(database));
    if (!have) {
      opts.log(`loading the ${kind} brand into PostgreSQL ${opts.cluster.version} (database ${database}) …`);
      await opts.cluster.drop(database);
      await opts.cluster.create(database);
      const t = performance.now();
      const r = await copyDuckToPostgres(duckPath, opts.cluster.url(database), { tmpDir: join(opts.root, 'tmp'), log: opts.log });
      manifest = { ...manifest, postgres: { database, loadedAt: new Date().toISOString(), ...r } };
      writeManifest(dir, manifest);
      const total = (performance.now() - t) / 1000;
      built.push(`PostgreSQL loaded in ${total.toFixed(0)} s`);
      opts.log(`  done in ${total.toFixed(1)} s (rows ${r.loadSeconds.toFixed(1)} s, keys and indexes ${r.indexSeconds.toFixed(1)} s, vacuum/analyze ${r.vacuumSeconds.toFixed(1)} s)`);
    }
    pgUrl = opts.cluster.url(database);
  }
  const label = `${kind === 'demo' ? 'demo' : 'big'} ${members >= 1_000_000 ? `${members / 1_000_000}M` : `${Math.round(members / 1000)}k`}`;
  return { kind, label, members, duckPath, pgUrl, manifest, built };
}
