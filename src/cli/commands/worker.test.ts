// `siyu worker` as a real process: it runs jobs on PostgreSQL and stops on SIGTERM; on a DuckDB file that another
// process holds it refuses with the reason.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/support/stores.ts';
import { runCli } from '../../../test/support/cli.ts';
import { openStore } from '../../store/open-store.ts';
import { serverFilePath } from '../../server/server-file.ts';
import { JobService } from '../../modules/jobs/service.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';

const BIN = fileURLToPath(new URL('../../../bin/siyu.mjs', import.meta.url));

describe('siyu worker', () => {
  it('runs jobs on PostgreSQL until SIGTERM', async () => {
    const db = await createTestDb('postgres');
    try {
      const store = await openStore(db.options);
      const jobs = new JobService({ store, timezoneOf: async () => 'UTC' });
      const { id } = await jobs.enqueue(DEFAULT_WORKSPACE, { kind: 'jobs.noop', payload: null });
      const child = spawn(process.execPath, [BIN, 'worker', '--database-url', db.options.databaseUrl!, '--poll-ms', '50'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const deadline = Date.now() + 12_000;
      while ((await jobs.get(DEFAULT_WORKSPACE, id)).state !== 'done' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await jobs.get(DEFAULT_WORKSPACE, id)).state).toBe('done');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toMatch(/^siyu worker \S+ running all kinds on postgres:/);
      await store.close();
    } finally {
      await db.cleanup();
    }
  });

  it('refuses a DuckDB file that siyu serve or another process holds, and says why', async () => {
    const db = await createTestDb('duckdb');
    try {
      // A running server's file: refused before opening anything.
      writeFileSync(serverFilePath(db.options.dbPath!), JSON.stringify({ pid: process.pid, url: 'http://127.0.0.1:1', token: 't', startedAt: new Date().toISOString() }));
      const served = await runCli(['worker', '--db', db.options.dbPath!]);
      expect(served.error).toMatchObject({ code: 'jobs.store_locked' });
      expect(served.error.message).toContain(`siyu serve (pid ${process.pid}`);
      expect(served.error.message).toContain('use PostgreSQL');
      writeFileSync(serverFilePath(db.options.dbPath!), '{}');
      // The file open in this process: a second process cannot take DuckDB's file lock.
      const store = await openStore(db.options);
      const r = spawnSync(process.execPath, [BIN, 'worker', '--db', db.options.dbPath!], { encoding: 'utf8', timeout: 20_000 });
      await store.close();
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('jobs.store_locked');
      expect(r.stderr).toContain('DuckDB lets only one process open a database file');
    } finally {
      await db.cleanup();
    }
  });
});
