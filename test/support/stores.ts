// Runs a suite on every store adapter: a fresh DuckDB file and a fresh PostgreSQL database (cloned from the
// migrated template) per test file. Tests isolate themselves further by creating their own workspace.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import type { Store } from '../../src/store/port.ts';
import { openStore } from '../../src/store/open-store.ts';
import './pii.ts'; // fixed personal-data keys for every store test

export type Engine = 'duckdb' | 'postgres';
export const ENGINES: Engine[] = ['duckdb', 'postgres'];

export interface TestDb {
  engine: Engine;
  /** Options to open another store on the same database (e.g. to restart a server). */
  options: { dbPath?: string; databaseUrl?: string };
  cleanup(): Promise<void>;
}

/** Creates an empty, migrated database for one engine. */
export async function createTestDb(engine: Engine): Promise<TestDb> {
  if (engine === 'duckdb') {
    const dir = mkdtempSync(join(tmpdir(), 'siyu-duck-'));
    return { engine, options: { dbPath: join(dir, 'test.duckdb') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const base = inject('pgBaseUrl');
  const name = 'siyu_t_' + randomBytes(6).toString('hex');
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE siyu_template`);
  await admin.end();
  return {
    engine,
    options: { databaseUrl: `${base}/${name}` },
    cleanup: async () => {
      const a = new pg.Client({ connectionString: `${base}/postgres` });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await a.end();
    },
  };
}

/**
 * Declares `describe(name)` once per engine; `ctx.store` is an open, migrated store for that engine.
 * @example forEachStore('members', (ctx) => { it('…', async () => { await ctx.store.query('SELECT 1') }) })
 */
export function forEachStore(name: string, body: (ctx: { store: Store; db: TestDb; engine: Engine }) => void) {
  for (const engine of ENGINES) {
    describe(`${name} [${engine}]`, () => {
      const ctx = { engine } as { store: Store; db: TestDb; engine: Engine };
      beforeAll(async () => {
        ctx.db = await createTestDb(engine);
        ctx.store = await openStore(ctx.db.options);
      });
      afterAll(async () => {
        await ctx.store?.close();
        await ctx.db?.cleanup();
      });
      body(ctx);
    });
  }
}
