// Crash safety of ingest: SIGKILL a real server mid-stream, restart it on the same database, and find every
// acknowledged messageId stored exactly once. Loops over ENGINES itself (not forEachStore): the server process,
// not the test, must own the DuckDB file while it runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, createTestDb, type TestDb } from './support/stores.ts';
import { openStore } from '../src/store/open-store.ts';

const WRITE_KEY = 'wk_crash_' + randomUUID().replace(/-/g, '');
const AUTH = 'Basic ' + Buffer.from(WRITE_KEY + ':').toString('base64');
const BATCH = 50;
const WORKERS = 4;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function startServer(db: TestDb): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const storeArgs = db.options.databaseUrl ? ['--database-url', db.options.databaseUrl] : ['--db', db.options.dbPath!];
  const child = spawn(process.execPath, ['bin/siyu.mjs', 'serve', ...storeArgs, '--port', String(port)], {
    env: { ...process.env, SIYU_WRITE_KEY: WRITE_KEY, SIYU_ADMIN_KEY: '', SIYU_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(url + '/healthz')).ok) return { child, url };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('server did not start: ' + stderr);
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

function makeBatch(worker: number, seq: number) {
  return Array.from({ length: BATCH }, (_, i) => ({
    type: 'track',
    userId: `crash-u${(seq * BATCH + i) % 97}`,
    event: 'Crash Test',
    messageId: `crash-${worker}-${seq}-${i}`,
    properties: { worker, seq, i },
  }));
}

const post = (url: string, batch: unknown[]) =>
  fetch(url + '/v1/batch', { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });

for (const engine of ENGINES) {
  describe(`ingest crash [${engine}]`, () => {
    let db: TestDb;
    let child: ChildProcess | undefined;
    beforeAll(async () => {
      db = await createTestDb(engine);
    });
    afterAll(async () => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      await db?.cleanup();
    });

    it('keeps every acknowledged messageId, once, across a SIGKILL and restart', async () => {
      const first = await startServer(db);
      child = first.child;
      const acked = new Set<string>();
      const unknown: unknown[][] = []; // batches whose fate the kill hid from us
      let killed = false;

      const worker = async (w: number) => {
        for (let seq = 0; !killed; seq++) {
          const batch = makeBatch(w, seq);
          try {
            const res = await post(first.url, batch);
            if (res.status === 200) for (const m of batch) acked.add(m.messageId);
            else unknown.push(batch);
            await res.arrayBuffer();
          } catch {
            unknown.push(batch);
            return;
          }
        }
      };
      const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
      while (acked.size < 20 * BATCH) await new Promise((r) => setTimeout(r, 5));
      killed = true;
      first.child.kill('SIGKILL'); // requests are in flight right now
      await Promise.all(workers);
      await exited(first.child);
      expect(acked.size).toBeGreaterThanOrEqual(20 * BATCH);

      // Restart on the same database; retry the unacknowledged batches like an SDK would, plus a few acked ones.
      const second = await startServer(db);
      child = second.child;
      const retried = [...unknown, makeBatch(0, 0), makeBatch(1, 1)];
      for (const batch of retried) expect((await post(second.url, batch)).status).toBe(200);
      second.child.kill('SIGTERM');
      await exited(second.child);

      const store = await openStore({ ...db.options });
      try {
        const rows = await store.query<{ message_id: string; n: number }>(
          "SELECT message_id, count(*) AS n FROM events WHERE name = 'Crash Test' GROUP BY message_id",
        );
        const stored = new Map(rows.map((r) => [r.message_id, r.n]));
        const missing = [...acked].filter((m) => !stored.has(m));
        expect(missing).toEqual([]);
        expect(rows.filter((r) => r.n !== 1)).toEqual([]);
        for (const batch of retried) for (const m of batch as { messageId: string }[]) expect(stored.get(m.messageId)).toBe(1);
      } finally {
        await store.close();
      }
    });
  });
}
