// Ingest benchmark: a real `siyu serve` process, a separate load-generator process, then a count of what was stored.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openStore } from '../src/store/open-store.ts';
import { exited, waitForLine } from './support/child-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BENCH_ADMIN_KEY = 'sk_admin_bench_0123456789abcdef';
export const BENCH_WRITE_KEY = 'wk_bench_0123456789abcdef';

export interface IngestTarget {
  label: string;
  /** `--db FILE` or `--database-url URL`. */
  dbPath?: string;
  databaseUrl?: string;
}

export interface IngestResult {
  label: string;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  acked: number;
  stored: number;
  failedRequests: number;
  connections: number;
  batch: number;
  users: number;
  seconds: number;
}

async function countEvents(t: IngestTarget): Promise<number> {
  if (t.databaseUrl) {
    const c = new pg.Client({ connectionString: t.databaseUrl });
    await c.connect();
    try {
      return Number((await c.query(`SELECT count(*) AS n FROM events WHERE message_id LIKE 'bench-%'`)).rows[0].n);
    } finally {
      await c.end();
    }
  }
  const store = await openStore({ dbPath: t.dbPath });
  try {
    return Number((await store.query<{ n: number }>(`SELECT count(*) AS n FROM events WHERE message_id LIKE 'bench-%'`))[0].n);
  } finally {
    await store.close();
  }
}

/** Serves `t` in a child process, drives it with the load generator, stops it, and counts the stored events. */
export async function runIngest(t: IngestTarget, load: { seconds: number; warmup: number; connections: number; batch: number; users: number }): Promise<IngestResult> {
  const dbArgs = t.databaseUrl ? ['--database-url', t.databaseUrl] : ['--db', t.dbPath!];
  const server = spawn(process.execPath, ['bin/siyu.mjs', 'serve', '--port', '0', ...dbArgs], {
    cwd: ROOT,
    env: { ...process.env, SIYU_ADMIN_KEY: BENCH_ADMIN_KEY, SIYU_WRITE_KEY: BENCH_WRITE_KEY, SIYU_LOG_LEVEL: 'warn', SIYU_RATE_LIMIT_INGEST: '0', SIYU_RATE_LIMIT_API: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = (await waitForLine(server, /Siyu listening on (http:\/\/\S+)/, 60_000))[1];
    const gen = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/load-generator.ts', '--url', url, '--key', BENCH_WRITE_KEY, '--seconds', String(load.seconds), '--warmup', String(load.warmup),
        '--connections', String(load.connections), '--batch', String(load.batch), '--users', String(load.users), '--run', t.label.replace(/\W/g, '').toLowerCase()],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    gen.stdout!.on('data', (d) => (out += d));
    const code = await exited(gen);
    if (code !== 0) throw new Error(`load generator exited with ${code}: ${out}`);
    const r = JSON.parse(out.trim().split('\n').pop()!);
    server.kill('SIGTERM'); // flushes and closes the store; the count below reads what is durably there
    await exited(server);
    const stored = await countEvents(t);
    return {
      label: t.label, eventsPerSecond: r.eventsPerSecond, p50: r.p50, p99: r.p99, acked: r.acked, stored,
      failedRequests: r.failedRequests, connections: r.connections, batch: r.batch, users: load.users, seconds: r.seconds,
    };
  } finally {
    if (server.exitCode === null) {
      server.kill('SIGKILL');
      await exited(server);
    }
  }
}
