// The "Done when" test on PostgreSQL: a broadcast runs in a real `siyu worker` process, which is killed with
// SIGKILL mid-broadcast; a second worker takes over once the leases lapse. Every audience member gets exactly one
// message at the sink (none unsent, none twice), with the same message id when a send had to be repeated.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { openStore } from '../../store/open-store.ts';
import type { Store } from '../../store/port.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';

const BIN = fileURLToPath(new URL('../../../bin/siyu.mjs', import.meta.url));
const MEMBERS = 600;
const LEASE_MS = 1500;

function startWorker(url: string): { proc: ChildProcess; ready: Promise<void> } {
  const proc = spawn(process.execPath, [BIN, 'worker', '--database-url', url, '--poll-ms', '50', '--kinds', 'broadcast.start,broadcast.chunk'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SIYU_BROADCAST_LEASE_MS: String(LEASE_MS), SIYU_LOG_LEVEL: 'silent' },
  });
  const ready = new Promise<void>((resolve, reject) => {
    proc.once('exit', (code, signal) => reject(new Error(`worker exited early (${code ?? signal})`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => line.startsWith('siyu worker ') && resolve());
  });
  ready.catch(() => undefined);
  return { proc, ready };
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a broadcast survives SIGKILL of its worker [postgres]', () => {
  let db: TestDb;
  let store: Store;
  let t: TestApp;
  let sink: HttpSink;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    db = await createTestDb('postgres');
    store = await openStore(db.options);
    t = await createTestApp(store); // no worker in this process: the children run the jobs
    // A slow provider (30 ms per message) keeps messages in flight when the worker dies.
    sink = await startHttpSink({ reply: () => ({ delayMs: 30 }) });
    const h = { authorization: t.admin.authorization };
    const post = async (url: string, payload: unknown) => {
      const r = await t.app.inject({ method: 'POST', url, headers: h, payload: payload as any });
      expect(r.statusCode, r.body).toBeLessThan(300);
      return r.json();
    };
    await post('/api/members', { members: Array.from({ length: MEMBERS }, (_, i) => ({ user_id: `k${i}`, name: `会员${i}` })) });
    await post('/api/segments', { name: 'everyone', kind: 'static', members: Array.from({ length: MEMBERS }, (_, i) => `user_id:k${i}`) });
    await post('/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url }, options: { retries: 3, backoff_ms: 10, timeout_ms: 5000, concurrency: 8 } });
    await post('/api/templates', { name: 'hello', content: { webhook: { body: { text: '{{ member.name }} 你好' } } } });
    const guard = await t.app.inject({ method: 'PUT', url: '/api/consent/guard', headers: h, payload: { quiet_hours: null } }); // runs at any hour
    expect(guard.statusCode, guard.body).toBe(200);
  });

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await t?.app.close();
    await sink?.close();
    await store?.close();
    await db?.cleanup();
  });

  it('leaves no member unsent and none sent twice', async () => {
    const first = startWorker(db.options.databaseUrl!);
    workers.push(first.proc);
    await first.ready;
    // 200 messages a second: three one-second chunks, so the kill lands inside a chunk with messages in flight.
    const created = await t.app.inject({ method: 'POST', url: '/api/broadcasts', headers: t.admin, payload: { name: 'kill me', segment: 'everyone', template: 'hello', channel: 'hook', rate_limit_per_second: 200 } });
    const b = created.json();
    await t.app.inject({ method: 'POST', url: `/api/broadcasts/${b.id}/schedule`, headers: t.admin });
    const source = `broadcast:${b.id}`;
    const received = () => sink.requests.filter((r) => r.json?.source_key === source).length;
    await until('the first worker to be mid-broadcast', () => received() >= 250);
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    const atKill = received();
    expect(atKill).toBeLessThan(MEMBERS);

    const second = startWorker(db.options.databaseUrl!);
    workers.push(second.proc);
    await second.ready;
    await until('the broadcast to complete', async () => (await t.services.broadcasts.progress(t.workspaceId, b.id)).status === 'completed');

    const p = await t.services.broadcasts.progress(t.workspaceId, b.id);
    expect(p.counts).toEqual({ pending: 0, sent: MEMBERS, failed: 0, skipped: 0, holdout: 0 });
    const delivered = [...sink.delivered.entries()].filter(([, m]: any) => m.source_key === source);
    const members = new Set(delivered.map(([, m]: any) => m.member_id));
    expect(delivered).toHaveLength(MEMBERS);
    expect(members.size).toBe(MEMBERS);
    // One ledger row per member, all sent, and the sink got exactly those message ids.
    const rows = await store.query<{ id: string; state: string; attempts: number }>('SELECT id, state, attempts FROM message_sends WHERE workspace_id = $1 AND source_key = $2', [t.workspaceId, source]);
    expect(rows).toHaveLength(MEMBERS);
    expect(rows.every((r) => r.state === 'sent')).toBe(true);
    expect(new Set(delivered.map(([k]) => k))).toEqual(new Set(rows.map((r) => r.id)));
    // The chunk that was running when the worker died was run again by the second worker.
    const chunks = await t.services.broadcasts.chunks(t.workspaceId, b.id);
    expect(Math.max(...chunks.data.map((c) => Number(c.runs)))).toBeGreaterThanOrEqual(2);
    expect(chunks.data.every((c) => c.state === 'done')).toBe(true);
  });
});
