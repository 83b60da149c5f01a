// `siyu serve` runs job workers in-process (stopped with the server); `--no-worker` runs the API only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { startServer } from '../../server/serve.ts';
import { DEFAULT_WORKSPACE } from '../workspaces/service.ts';

describe('serve and workers', () => {
  it('starts the worker with the server, runs a job, stops it on shutdown; --no-worker leaves it off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'siyu-serve-jobs-'));
    try {
      const config = loadConfig({ dbPath: join(dir, 'db.duckdb'), port: 0, logLevel: 'silent' }, {});
      const server = await startServer(config);
      const jobs = server.services.jobs;
      expect(jobs.workerRunning).toBe(true);
      let ran = false;
      jobs.register('serve.test', async () => void (ran = true));
      const { id } = await jobs.enqueue(DEFAULT_WORKSPACE, { kind: 'serve.test', payload: null });
      while ((await jobs.get(DEFAULT_WORKSPACE, id)).state !== 'done') await new Promise((r) => setTimeout(r, 20));
      expect(ran).toBe(true);
      await server.stop();
      expect(jobs.workerRunning).toBe(false);

      const apiOnly = await startServer(config, { worker: false });
      expect(apiOnly.services.jobs.workerRunning).toBe(false);
      await apiOnly.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
