// The "Done when" test on both stores: a broadcast runs in a real process, which is killed with SIGKILL
// mid-broadcast; another process takes over once the leases lapse. Every audience member gets exactly one message at
// the sink (none unsent, none twice), with the same message id when a send had to be repeated.
// PostgreSQL: the test process serves the API in-process and `siyu worker` processes run the jobs (a second worker
// takes over). DuckDB: a file belongs to one process, so the jobs run inside `siyu serve --db FILE`, which owns the
// file and the API; it is killed and `siyu serve` restarted on the same file. Loops over ENGINES itself (not
// forEachStore): on DuckDB the server process, not the test, must own the file while it runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type Engine, type TestDb } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { openStore } from '../../store/open-store.ts';
import type { Store } from '../../store/port.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';
import { DEFAULT_WORKSPACE } from '../workspaces/service.ts';

const BIN = fileURLToPath(new URL('../../../bin/siyu.mjs', import.meta.url));
const LEASE_MS = 1500;

/**
 * Audience size, throttle and when to kill, per engine. The throttle cuts the audience into one-second chunks sent in
 * tenths, and the slow sink (30 ms a message) keeps messages in flight, so the kill lands inside a chunk with sends
 * outstanding. DuckDB gets a couple of thousand members (four chunks), and channel concurrency to keep up with its rate.
 */
const PLANS: Record<Engine, { members: number; rate: number; concurrency: number; killAfter: number }> = {
  postgres: { members: 600, rate: 200, concurrency: 8, killAfter: 250 },
  duckdb: { members: 2000, rate: 500, concurrency: 32, killAfter: 700 },
};

interface Reply {
  status: number;
  body: string;
  json(): any;
}

/** Where the broadcast's jobs run, and how the test reaches the API and the message ledger. */
interface Rig {
  workspaceId: string;
  api(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<Reply>;
  /** Starts the process that runs the jobs unless one runs; resolves when it is ready. */
  ensureRunning(): Promise<void>;
  /** SIGKILLs that process and waits for it to be gone. */
  kill(): Promise<void>;
  ledger(sourceKey: string): Promise<{ id: string; state: string; attempts: number }[]>;
  close(): Promise<void>;
}

/** Spawns `siyu <args>`; `ready` resolves with the first stdout line starting with `prefix`. */
function spawnSiyu(args: string[], prefix: string, env: Record<string, string>): { proc: ChildProcess; ready: Promise<string> } {
  const proc = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SIYU_BROADCAST_LEASE_MS: String(LEASE_MS), SIYU_LOG_LEVEL: 'silent', ...env },
  });
  const ready = new Promise<string>((resolve, reject) => {
    proc.once('exit', (code, signal) => reject(new Error(`siyu ${args[0]} exited early (${code ?? signal})`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => line.startsWith(prefix) && resolve(line));
  });
  ready.catch(() => undefined);
  return { proc, ready };
}

const alive = (p: ChildProcess | undefined): p is ChildProcess => !!p && p.exitCode === null && p.signalCode === null;
const exited = (p: ChildProcess) => new Promise<void>((resolve) => (alive(p) ? p.once('exit', () => resolve()) : resolve()));

async function killAndWait(p: ChildProcess | undefined, signal: NodeJS.Signals, ms = 15_000): Promise<void> {
  if (!alive(p)) return;
  p.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const outcome = await Promise.race([exited(p), late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    p.kill('SIGKILL');
    await exited(p);
    throw new Error(`process ${p.pid} did not exit on ${signal}`);
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** PostgreSQL: the API in this process, the jobs in `siyu worker` processes (a new one after each kill). */
async function postgresRig(): Promise<Rig> {
  const db = await createTestDb('postgres');
  const store: Store = await openStore(db.options);
  const t: TestApp = await createTestApp(store); // no worker in this process: the children run the jobs
  const workers: ChildProcess[] = [];
  return {
    workspaceId: t.workspaceId,
    api: async (method, url, payload) => {
      const r = await t.app.inject({ method, url, headers: t.admin, payload: payload as any });
      return { status: r.statusCode, body: r.body, json: () => r.json() };
    },
    ensureRunning: async () => {
      if (alive(workers.at(-1))) return;
      const w = spawnSiyu(['worker', '--database-url', db.options.databaseUrl!, '--poll-ms', '50', '--kinds', 'broadcast.start,broadcast.chunk'], 'siyu worker ', {});
      workers.push(w.proc);
      await w.ready;
    },
    kill: () => killAndWait(workers.at(-1), 'SIGKILL'),
    ledger: (sourceKey) => store.query('SELECT id, state, attempts FROM message_sends WHERE workspace_id = $1 AND source_key = $2', [t.workspaceId, sourceKey]),
    close: async () => {
      for (const w of workers) if (alive(w)) w.kill('SIGKILL');
      await Promise.all(workers.map(exited));
      await t.app.close();
      await store.close();
      await db.cleanup();
    },
  };
}

/** DuckDB: `siyu serve --db FILE` owns the file, serves the API and runs the jobs; restarted on the same file after a kill. */
async function duckdbRig(): Promise<Rig> {
  const db: TestDb = await createTestDb('duckdb');
  const adminKey = 'sk_admin_sigkill_' + randomBytes(12).toString('hex');
  let server: ChildProcess | undefined;
  let url = '';
  return {
    workspaceId: DEFAULT_WORKSPACE,
    api: async (method, path, payload) => {
      const r = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
      const body = await r.text();
      return { status: r.status, body, json: () => JSON.parse(body) };
    },
    ensureRunning: async () => {
      if (alive(server)) return;
      // Port 0: the server prints where it listens. SIYU_DATABASE_URL cleared so --db is the store whatever the env says.
      const s = spawnSiyu(['serve', '--db', db.options.dbPath!, '--port', '0', '--host', '127.0.0.1'], 'Siyu listening on ', { SIYU_ADMIN_KEY: adminKey, SIYU_DATABASE_URL: '' });
      server = s.proc;
      url = (await s.ready).split(' ')[3];
    },
    kill: () => killAndWait(server, 'SIGKILL'),
    // Read once the server has shut down cleanly (SIGTERM), which also releases the file.
    ledger: async (sourceKey) => {
      await killAndWait(server, 'SIGTERM');
      const store = await openStore(db.options);
      try {
        return await store.query('SELECT id, state, attempts FROM message_sends WHERE workspace_id = $1 AND source_key = $2', [DEFAULT_WORKSPACE, sourceKey]);
      } finally {
        await store.close();
      }
    },
    close: async () => {
      if (alive(server)) server.kill('SIGKILL');
      if (server) await exited(server);
      await db.cleanup();
    },
  };
}

for (const engine of ENGINES) {
  const plan = PLANS[engine];
  describe(`a broadcast survives SIGKILL of its worker [${engine}]`, () => {
    let rig: Rig;
    let sink: HttpSink;

    const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
      const r = await rig.api(method, url, payload);
      expect(r.status, `${method} ${url}: ${r.body}`).toBeLessThan(300);
      return r.json();
    };

    beforeAll(async () => {
      rig = engine === 'postgres' ? await postgresRig() : await duckdbRig();
      // A slow provider (30 ms per message) keeps messages in flight when the worker dies.
      sink = await startHttpSink({ reply: () => ({ delayMs: 30 }) });
      if (engine === 'duckdb') await rig.ensureRunning(); // the server owns the API too
      const ids = Array.from({ length: plan.members }, (_, i) => i);
      for (let i = 0; i < ids.length; i += 1000) await call('POST', '/api/members', { members: ids.slice(i, i + 1000).map((k) => ({ user_id: `k${k}`, name: `会员${k}` })) });
      await call('POST', '/api/segments', { name: 'everyone', kind: 'static', members: ids.map((k) => `user_id:k${k}`) });
      await call('POST', '/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url }, options: { retries: 3, backoff_ms: 10, timeout_ms: 5000, concurrency: plan.concurrency } });
      await call('POST', '/api/templates', { name: 'hello', content: { webhook: { body: { text: '{{ member.name }} 你好' } } } });
      const guard = await rig.api('PUT', '/api/consent/guard', { quiet_hours: null }); // runs at any hour
      expect(guard.status, guard.body).toBe(200);
    });

    afterAll(async () => {
      await rig?.close();
      await sink?.close();
    });

    it('leaves no member unsent and none sent twice', async () => {
      await rig.ensureRunning();
      // Throttled: one-second chunks, so the kill lands inside a chunk with messages in flight.
      const b = await call('POST', '/api/broadcasts', { name: 'kill me', segment: 'everyone', template: 'hello', channel: 'hook', rate_limit_per_second: plan.rate });
      await call('POST', `/api/broadcasts/${b.id}/schedule`);
      const source = `broadcast:${b.id}`;
      const received = () => sink.requests.filter((r) => r.json?.source_key === source).length;
      await until('the first process to be mid-broadcast', () => received() >= plan.killAfter);
      await rig.kill();
      const atKill = received();
      expect(atKill).toBeLessThan(plan.members);

      await rig.ensureRunning(); // PostgreSQL: a second worker; DuckDB: `siyu serve` again on the same file
      // Generous deadline: a guard against hanging on a loaded machine, not a timing assertion.
      await until('the broadcast to complete', async () => (await call('GET', `/api/broadcasts/${b.id}/progress`)).status === 'completed', 90_000);

      const p = await call('GET', `/api/broadcasts/${b.id}/progress`);
      expect(p.counts).toEqual({ pending: 0, sent: plan.members, failed: 0, skipped: 0, holdout: 0 });
      expect(p.audience).toBe(plan.members);
      expect(p.deferred).toBe(0);
      // The chunk that was running when the worker died was run again by its successor.
      const chunks = (await call('GET', `/api/broadcasts/${b.id}/chunks`)).data as { state: string; runs: number; sent: number; member_count: number }[];
      expect(Math.max(...chunks.map((c) => Number(c.runs)))).toBeGreaterThanOrEqual(2);
      expect(chunks.every((c) => c.state === 'done')).toBe(true);
      expect(chunks.reduce((n, c) => n + Number(c.member_count), 0)).toBe(plan.members);
      expect(chunks.reduce((n, c) => n + Number(c.sent), 0)).toBe(plan.members);

      // The sink acts once per Idempotency-Key (a message re-sent under its key after the crash counts once).
      const delivered = [...sink.delivered.entries()].filter(([, m]: any) => m.source_key === source);
      const members = new Set(delivered.map(([, m]: any) => m.member_id));
      expect(delivered).toHaveLength(plan.members);
      expect(members.size).toBe(plan.members);
      // One ledger row per member, all sent, and the sink got exactly those message ids.
      const rows = await rig.ledger(source);
      expect(rows).toHaveLength(plan.members);
      expect(rows.every((r) => r.state === 'sent')).toBe(true);
      expect(new Set(delivered.map(([k]) => k))).toEqual(new Set(rows.map((r) => r.id)));
    }, 150_000);
  });
}
