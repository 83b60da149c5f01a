// Two API processes (`siyu serve --no-worker`) and two `siyu worker` processes on one PostgreSQL database, under
// load: clients ingest through both APIs while a throttled broadcast runs on the workers. Midway one API and one
// worker are SIGKILLed; the ingest clients retry their batch against the surviving API (ingest dedupes by messageId),
// and the surviving worker takes over the broadcast once the dead one's leases lapse. In the end every acknowledged
// event is stored once and every audience member got exactly one message.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/stores.ts';
import { openStore } from '../../src/store/open-store.ts';
import { DEFAULT_WORKSPACE } from '../../src/modules/workspaces/service.ts';
import { startHttpSink, type HttpSink } from '../../src/modules/messaging/testing/http-sink.ts';
import { alive, basic, bearer, request, startServe, startWorker, stop, until, type ServeProcess, type SiyuProcess } from './support.ts';

const MEMBERS = 400;
const RATE = 200; // messages a second: the broadcast takes about two seconds of sending
const BATCH = 25;
const SENDERS = 3;

describe('two APIs and two workers on one PostgreSQL, losing one of each midway [postgres]', () => {
  const adminKey = 'sk_admin_cluster_' + randomBytes(12).toString('hex');
  const writeKey = 'wk_cluster_' + randomBytes(12).toString('hex');
  const env = { SIYU_ADMIN_KEY: adminKey, SIYU_WRITE_KEY: writeKey, SIYU_BROADCAST_LEASE_MS: '1500' };
  let db: TestDb;
  let sink: HttpSink;
  let apis: ServeProcess[] = [];
  let workers: SiyuProcess[] = [];

  const call = async (method: string, path: string, payload?: unknown) => {
    const live = apis.find((a) => alive(a.proc))!;
    const r = await request(live.url, method, path, bearer(adminKey), payload);
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    return r.body;
  };

  beforeAll(async () => {
    db = await createTestDb('postgres');
    sink = await startHttpSink({ reply: () => ({ delayMs: 20 }) }); // a slow provider keeps messages in flight
    // The first API registers the keys; the second finds them (started one after the other, not racing to create them).
    apis.push(await startServe(db.options, env, { worker: false }));
    const [second, ...ws] = await Promise.all([
      startServe(db.options, env, { worker: false }),
      startWorker(db.options.databaseUrl!, env, ['--kinds', 'broadcast.start,broadcast.chunk']),
      startWorker(db.options.databaseUrl!, env, ['--kinds', 'broadcast.start,broadcast.chunk']),
    ]);
    apis.push(second as ServeProcess);
    workers = ws;

    const ids = Array.from({ length: MEMBERS }, (_, i) => i);
    await call('POST', '/api/members', { members: ids.map((k) => ({ user_id: `c${k}`, name: `会员${k}` })) });
    await call('POST', '/api/segments', { name: 'everyone', kind: 'static', members: ids.map((k) => `user_id:c${k}`) });
    await call('POST', '/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url }, options: { retries: 3, backoff_ms: 10, timeout_ms: 5000, concurrency: 8 } });
    await call('POST', '/api/templates', { name: 'hello', content: { webhook: { body: { text: '{{ member.name }} 你好' } } } });
    await call('PUT', '/api/consent/guard', { quiet_hours: null }); // runs at any hour
  }, 120_000);

  afterAll(async () => {
    for (const p of [...apis, ...workers]) if (alive(p.proc)) p.proc.kill('SIGKILL');
    await Promise.all([...apis, ...workers].map((p) => stop(p.proc)));
    await sink?.close();
    await db?.cleanup();
  });

  it('stores every acknowledged event once and sends every member exactly one message', async () => {
    // Ingest: each sender spreads its batches over the APIs and retries a failed batch on the next API until acked.
    const acked = new Set<string>();
    let running = true;
    const sender = async (s: number) => {
      for (let seq = 0; running; seq++) {
        const batch = Array.from({ length: BATCH }, (_, i) => ({ type: 'track', userId: `c${(seq * BATCH + i) % MEMBERS}`, event: 'Cluster Test', messageId: `cl-${s}-${seq}-${i}`, properties: { s, seq } }));
        for (let attempt = 0; ; attempt++) {
          const api = apis[(seq + s + attempt) % apis.length];
          const r = await request(api.url, 'POST', '/v1/batch', basic(writeKey), { batch });
          if (r.status === 200) break;
          if (attempt > 50) throw new Error(`batch ${s}-${seq} never acknowledged: ${r.status} ${JSON.stringify(r.body)}`);
          await new Promise((res) => setTimeout(res, 20));
        }
        for (const m of batch) acked.add(m.messageId);
      }
    };
    const senders = Array.from({ length: SENDERS }, (_, s) => sender(s));

    const b = await call('POST', '/api/broadcasts', { name: 'cluster', segment: 'everyone', template: 'hello', channel: 'hook', rate_limit_per_second: RATE });
    await call('POST', `/api/broadcasts/${b.id}/schedule`);
    const source = `broadcast:${b.id}`;
    const received = () => sink.requests.filter((r) => r.json?.source_key === source).length;
    await until('the broadcast and ingest to be under way', () => received() >= MEMBERS / 4 && acked.size >= 500);

    // Lose one API and one worker at once, mid-broadcast and mid-ingest.
    apis[0].proc.kill('SIGKILL');
    workers[0].proc.kill('SIGKILL');
    await Promise.all([stop(apis[0].proc), stop(workers[0].proc)]);
    const ackedAtKill = acked.size;
    expect(received()).toBeLessThan(MEMBERS);

    // Bounded waits (a guard against hanging on a loaded machine, not a timing assertion).
    await until('ingest to go on through the surviving API', () => acked.size >= ackedAtKill + 500);
    await until('the broadcast to complete', async () => (await call('GET', `/api/broadcasts/${b.id}/progress`)).status === 'completed', 90_000);
    running = false;
    await Promise.all(senders);
    expect(alive(apis[1].proc) && alive(workers[1].proc)).toBe(true);

    // Broadcast: every member sent, exactly once at the sink, one ledger row each.
    const p = await call('GET', `/api/broadcasts/${b.id}/progress`);
    expect(p.counts).toEqual({ pending: 0, sent: MEMBERS, failed: 0, skipped: 0, holdout: 0 });
    const delivered = [...sink.delivered.entries()].filter(([, m]: any) => m.source_key === source);
    expect(delivered).toHaveLength(MEMBERS);
    expect(new Set(delivered.map(([, m]: any) => m.member_id)).size).toBe(MEMBERS);

    const store = await openStore({ ...db.options, migrate: false });
    try {
      const sends = await store.query<{ id: string; state: string }>('SELECT id, state FROM message_sends WHERE workspace_id = $1 AND source_key = $2', [DEFAULT_WORKSPACE, source]);
      expect(sends).toHaveLength(MEMBERS);
      expect(sends.every((r) => r.state === 'sent')).toBe(true);
      expect(new Set(delivered.map(([k]) => k))).toEqual(new Set(sends.map((r) => r.id)));

      // Ingest: every acknowledged messageId once (batches cut by the kill were retried on the other API).
      const rows = await store.query<{ message_id: string; n: number }>("SELECT message_id, count(*) AS n FROM events WHERE name = 'Cluster Test' GROUP BY message_id");
      const stored = new Map(rows.map((r) => [r.message_id, Number(r.n)]));
      expect([...acked].filter((m) => !stored.has(m))).toEqual([]);
      expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 150_000);
});
