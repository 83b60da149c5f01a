// Several real worker processes on one PostgreSQL database: 300 jobs shared with none run twice and none lost, and
// a worker killed with SIGKILL mid-batch leaves its jobs to the others once their leases expire.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../../test/support/stores.ts';
import { openStore } from '../../store/open-store.ts';
import type { Store } from '../../store/port.ts';
import { JobService } from './service.ts';

const SCRIPT = fileURLToPath(new URL('./fixtures/child-worker.ts', import.meta.url));
const LEASE_MS = 1500; // mp.slow: short, so the killed worker's jobs come back quickly; long enough for a loaded machine

interface Child {
  proc: ChildProcess;
  started: Set<string>;
  ready: Promise<void>;
}

function startChild(url: string): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', SCRIPT, url, String(LEASE_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = new Set<string>();
  const ready = new Promise<void>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line === 'ready') resolve();
      else if (line.startsWith('started ')) started.add(line.slice(8));
    });
  });
  ready.catch(() => undefined);
  return { proc, started, ready };
}

async function until(what: string, check: () => Promise<boolean>, ms = 12_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('jobs across worker processes [postgres]', () => {
  let db: TestDb;
  let store: Store;
  let jobs: JobService;
  let children: Child[] = [];
  const ws = 'ws_multi';

  beforeAll(async () => {
    db = await createTestDb('postgres');
    store = await openStore(db.options);
    await store.exec('CREATE TABLE mp_runs (job_id VARCHAR NOT NULL, pid INTEGER NOT NULL, attempt INTEGER NOT NULL)');
    jobs = new JobService({ store, timezoneOf: async () => 'UTC' }); // enqueues only: no worker in the test process
    children = [0, 1, 2].map(() => startChild(db.options.databaseUrl!));
    await Promise.all(children.map((c) => c.ready));
  });

  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await store?.close();
    await db?.cleanup();
  });

  const count = async (sql: string, params: (string | number)[] = []) => Number((await store.query<{ n: number }>(sql, params))[0].n);

  it('three processes share 300 jobs: each runs exactly once, none is lost', async () => {
    expect(await jobs.enqueueMany(ws, Array.from({ length: 300 }, (_, i) => ({ kind: 'mp.record', payload: { ms: 2, i } })))).toBe(300);
    await until('300 jobs done', async () => (await count(`SELECT count(*) AS n FROM jobs WHERE kind = 'mp.record' AND state = 'done'`)) === 300);
    const runs = await store.query<{ job_id: string; pid: number; attempt: number }>(`SELECT r.job_id, r.pid, r.attempt FROM mp_runs r JOIN jobs j ON j.id = r.job_id WHERE j.kind = 'mp.record'`);
    expect(runs).toHaveLength(300);
    expect(new Set(runs.map((r) => r.job_id)).size).toBe(300);
    expect(runs.every((r) => r.attempt === 1)).toBe(true);
    const pids = new Set(runs.map((r) => r.pid));
    expect(pids).toEqual(new Set(children.map((c) => c.proc.pid)));
  });

  it('a worker killed with SIGKILL mid-batch: its jobs are re-claimed after the lease expires, nothing is lost', async () => {
    const victim = children[0];
    await jobs.enqueueMany(ws, Array.from({ length: 24 }, (_, i) => ({ kind: 'mp.slow', payload: { ms: 300, i } })));
    await until('the victim to hold jobs', async () => victim.started.size > 0);
    victim.proc.kill('SIGKILL');
    const held = new Set(victim.started); // what it held (and possibly finished) before dying
    await until('24 slow jobs done', async () => (await count(`SELECT count(*) AS n FROM jobs WHERE kind = 'mp.slow' AND state = 'done'`)) === 24);
    const rows = await store.query<{ id: string; attempt: number; last_error: string | null }>(`SELECT id, attempt, last_error FROM jobs WHERE kind = 'mp.slow'`);
    const retried = rows.filter((r) => r.attempt > 1);
    expect(retried.length).toBeGreaterThan(0);
    // A retried job was claimed by the victim: started (in `held`) or still waiting in its claimed batch when it died.
    for (const r of retried) {
      expect(r.attempt).toBe(2);
      expect(r.last_error).toContain(`:${victim.proc.pid}:`);
    }
    // Runs per job: once, or twice for a job the victim was running when it died (at-least-once).
    const runs = await store.query<{ job_id: string; n: number }>(`SELECT r.job_id, count(*) AS n FROM mp_runs r JOIN jobs j ON j.id = r.job_id WHERE j.kind = 'mp.slow' GROUP BY r.job_id`);
    expect(runs).toHaveLength(24);
    for (const r of runs) expect(Number(r.n)).toBe(held.has(r.job_id) && retried.some((x) => x.id === r.job_id) ? 2 : 1);
  });

  it('SIGTERM stops a worker gracefully', async () => {
    const c = children[1];
    const exited = new Promise<number | null>((r) => c.proc.once('exit', (code) => r(code)));
    c.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM jobs WHERE state = 'running'`)).toBe(0);
  });
});
