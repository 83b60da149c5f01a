// SIGKILL during an import and during points operations, on both stores, with real processes: an importer sends
// all-or-nothing order batches while four clients earn and redeem points under idempotency keys; the process doing the
// work dies mid-flight. DuckDB: `siyu serve --db FILE` owns the file (API and jobs) and is killed and restarted.
// PostgreSQL: `siyu serve --no-worker` (API) and a `siyu worker` are both killed and restarted.
// Right after the crash: every batch is wholly there or wholly absent (and the run's counter agrees), every
// acknowledged points operation is there once, balance = sum of entries. After the clients resend what they never saw
// acknowledged (same run, same keys): everything is there exactly once and the import completes.
// (Ingest under SIGKILL: test/ingest-crash.test.ts; a broadcast: src/modules/broadcasts/sigkill.test.ts.)
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../support/stores.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/port.ts';
import { DEFAULT_WORKSPACE } from '../../src/modules/workspaces/service.ts';
import { alive, bearer, request, startServe, startWorker, stop, until, type Reply, type SiyuProcess } from './support.ts';

const ORDERS_PER_BATCH = 100;
const LEDGER_MEMBERS = 8;
const LEDGER_CLIENTS = 4;
const START_BALANCE = 1_000_000; // redeems never run short, so every operation must end up applied
const KILL_AFTER = { batches: 3, ops: 80 };

const ws = DEFAULT_WORKSPACE;

function orderBatch(b: number) {
  return Array.from({ length: ORDERS_PER_BATCH }, (_, i) => ({
    type: 'order',
    row: b * ORDERS_PER_BATCH + i + 2,
    row_count: 2,
    user_id: `imp-${b % 5}-${i}`,
    order_id: `o-${b}-${i}`,
    paid_at: new Date(Date.UTC(2026, 0, 1 + (b % 28), 10, i % 60)).toISOString(),
    amount: 30,
    items: [
      { product_id: 'p1', quantity: 1, unit_price: 10, amount: 10 },
      { product_id: 'p2', quantity: 2, unit_price: 10, amount: 20 },
    ],
  }));
}

interface Op {
  key: string;
  member: string;
  delta: number;
}

const send = (url: string, auth: string, op: Op) =>
  request(url, 'POST', op.delta > 0 ? '/api/loyalty/earn' : '/api/loyalty/redeem', auth, {
    member: `user_id:${op.member}`,
    points: Math.abs(op.delta),
    idempotency_key: op.key,
    reason: 'fault test',
  });

for (const engine of ENGINES) {
  describe(`SIGKILL during an import and points operations [${engine}]`, () => {
    const adminKey = 'sk_admin_faults_' + randomBytes(12).toString('hex');
    const auth = bearer(adminKey);
    let db: TestDb;
    const procs: SiyuProcess[] = [];
    let url = '';
    let runId = '';
    const batchesSent: number[] = [];
    const batchesAcked = new Set<number>();
    const opsSent: Op[] = [];
    const opsAcked = new Set<string>();
    /** Member id → user_id of the ledger members (identities may be stored hashed: resolved through the API). */
    const memberOf = new Map<string, string>();

    /** The processes that do the work: one `siyu serve` (DuckDB), or an API-only `siyu serve` plus a worker (PostgreSQL). */
    async function start() {
      const env = { SIYU_ADMIN_KEY: adminKey };
      const [api, worker] = await Promise.all([
        startServe(db.options, env, { worker: engine === 'duckdb' }),
        engine === 'postgres' ? startWorker(db.options.databaseUrl!, env) : undefined,
      ]);
      procs.push(api, ...(worker ? [worker] : []));
      url = api.url;
    }

    const ok = async (r: Promise<Reply>, what: string) => {
      const reply = await r;
      expect(reply.status, `${what}: ${JSON.stringify(reply.body)}`).toBeLessThan(300);
      return reply.body;
    };

    /** The state on disk, read with the processes down (a DuckDB file has one owner). */
    async function inspect<T>(fn: (store: Store) => Promise<T>): Promise<T> {
      const store = await openStore({ ...db.options, migrate: false });
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    }

    beforeAll(async () => {
      db = await createTestDb(engine);
      await start();
      const members = Array.from({ length: LEDGER_MEMBERS }, (_, i) => ({ user_id: `led-${i}` }));
      await ok(request(url, 'POST', '/api/members', auth, { members }), 'members');
      for (const m of members) {
        memberOf.set((await ok(request(url, 'GET', `/api/members/user_id:${m.user_id}`, auth), 'member')).id, m.user_id);
        await ok(request(url, 'POST', '/api/loyalty/adjust', auth, { member: `user_id:${m.user_id}`, delta: START_BALANCE, reason: 'start', operator: 'test', idempotency_key: `start-${m.user_id}` }), 'adjust');
      }
      runId = (await ok(request(url, 'POST', '/api/import-runs', auth, { kind: 'orders', file_name: 'faults.csv', file_sha256: 'a'.repeat(64) }), 'run')).id;

      // Load: one importer (batches in order, like `siyu import`) and the points clients, until the kill.
      let killed = false;
      const importer = async () => {
        for (let b = 0; !killed; b++) {
          batchesSent.push(b);
          const r = await request(url, 'POST', '/api/imports/orders/batch', auth, { run_id: runId, rows: orderBatch(b) });
          if (r.status === 0) return; // the server died with this batch in flight
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          batchesAcked.add(b);
        }
      };
      const client = async (c: number) => {
        for (let seq = 0; !killed; seq++) {
          const op: Op = { key: `op-${c}-${seq}`, member: `led-${(c * 7 + seq) % LEDGER_MEMBERS}`, delta: seq % 3 === 2 ? -(5 + (seq % 11)) : 10 + (seq % 13) };
          opsSent.push(op);
          const r = await send(url, auth, op);
          if (r.status === 0) return;
          expect(r.status, JSON.stringify(r.body)).toBe(201);
          opsAcked.add(op.key);
        }
      };
      const load = [importer(), ...Array.from({ length: LEDGER_CLIENTS }, (_, c) => client(c))];
      await until('the load to be under way', () => batchesAcked.size >= KILL_AFTER.batches && opsAcked.size >= KILL_AFTER.ops);
      killed = true;
      for (const p of procs) p.proc.kill('SIGKILL'); // requests are in flight right now
      await Promise.all(procs.map((p) => stop(p.proc)));
      await Promise.all(load);
    }, 120_000);

    afterAll(async () => {
      for (const p of procs) if (alive(p.proc)) p.proc.kill('SIGKILL');
      await Promise.all(procs.map((p) => stop(p.proc)));
      await db?.cleanup();
    });

    /** Points entries per key and balances of the ledger members. */
    const ledgerState = async (store: Store) => {
      const ids = JSON.stringify([...memberOf.keys()].map((id) => ({ id })));
      const entries = await store.query<{ member_id: string; key: string; n: number; points: number }>(
        `SELECT member_id, idempotency_key AS key, count(*) AS n, sum(points) AS points FROM points_entries
          WHERE workspace_id = $1 AND member_id IN (SELECT id FROM ${store.jsonRows(2, [{ name: 'id', type: 'text' }], 'm')})
          GROUP BY member_id, idempotency_key`,
        [ws, ids],
      );
      const accounts = await store.query<{ member_id: string; balance: number }>(
        `SELECT member_id, balance FROM points_accounts WHERE workspace_id = $1 AND member_id IN (SELECT id FROM ${store.jsonRows(2, [{ name: 'id', type: 'text' }], 'm')})`,
        [ws, ids],
      );
      return {
        entries: entries.map((e) => ({ ...e, member: memberOf.get(e.member_id)! })),
        accounts: accounts.map((a) => ({ ...a, member: memberOf.get(a.member_id)! })),
      };
    };

    const balanceIsLedger = (s: Awaited<ReturnType<typeof ledgerState>>) => {
      expect(s.accounts.length).toBe(LEDGER_MEMBERS);
      for (const a of s.accounts) {
        const ledger = s.entries.filter((e) => e.member === a.member).reduce((sum, e) => sum + Number(e.points), 0);
        expect(Number(a.balance), `balance of ${a.member}`).toBe(ledger);
      }
    };

    it('right after the crash: each import batch wholly present or absent, every acknowledged points operation there once', async () => {
      const state = await inspect(async (store) => ({
        orders: await store.query<{ id: string }>(`SELECT id FROM orders WHERE workspace_id = $1 AND id LIKE 'o-%'`, [ws]),
        items: await store.query<{ order_id: string; n: number }>(`SELECT order_id, count(*) AS n FROM order_items WHERE workspace_id = $1 AND order_id LIKE 'o-%' GROUP BY order_id`, [ws]),
        run: (await store.query<{ status: string; rows_imported: number }>('SELECT status, rows_imported FROM import_runs WHERE workspace_id = $1 AND id = $2', [ws, runId]))[0],
        ledger: await ledgerState(store),
      }));

      // Import: all or nothing per batch, and the run's counter committed with the batches it counts.
      const perBatch = new Map<number, number>();
      for (const o of state.orders) {
        const b = Number(o.id.split('-')[1]);
        perBatch.set(b, (perBatch.get(b) ?? 0) + 1);
      }
      for (const [b, n] of perBatch) expect(n, `orders of batch ${b}`).toBe(ORDERS_PER_BATCH);
      for (const b of batchesAcked) expect(perBatch.get(b), `acknowledged batch ${b}`).toBe(ORDERS_PER_BATCH);
      expect(state.items.length).toBe(state.orders.length);
      expect(state.items.every((i) => Number(i.n) === 2)).toBe(true);
      expect(state.run.status).toBe('running'); // resumable
      expect(Number(state.run.rows_imported)).toBe(perBatch.size * ORDERS_PER_BATCH * 2);

      // Points: every acknowledged operation once with its amount; nothing unknown; balance = sum of the ledger.
      const byKey = new Map(state.ledger.entries.map((e) => [e.key, e]));
      const sent = new Map(opsSent.map((o) => [o.key, o]));
      for (const key of opsAcked) {
        expect(Number(byKey.get(key)?.n), `entries for acknowledged ${key}`).toBe(1);
        expect(Number(byKey.get(key)!.points)).toBe(sent.get(key)!.delta);
      }
      for (const e of state.ledger.entries) expect(e.key.startsWith('start-') || sent.has(e.key), e.key).toBe(true);
      balanceIsLedger(state.ledger);
    });

    it('after the clients resend what was not acknowledged: the import completes, every operation applied exactly once', async () => {
      await start();
      // The importer resends the batches it never saw acknowledged into the same run, then finishes it.
      const unacked = batchesSent.filter((b) => !batchesAcked.has(b)); // usually the one in flight at the kill
      for (const b of unacked) await ok(request(url, 'POST', '/api/imports/orders/batch', auth, { run_id: runId, rows: orderBatch(b) }), `resend batch ${b}`);
      const done = await ok(request(url, 'POST', `/api/import-runs/${runId}/finish`, auth, { rows_total: batchesSent.length * ORDERS_PER_BATCH * 2, rows_rejected: 0 }), 'finish');
      expect(done.status).toBe('completed');

      // Points clients retry under the same keys: applied now, or replayed if the crash hid a commit.
      for (const op of opsSent.filter((o) => !opsAcked.has(o.key))) {
        const r = await send(url, auth, op);
        expect([200, 201], JSON.stringify(r.body)).toContain(r.status);
      }
      const again = await Promise.all([...opsAcked].slice(0, 40).map((k) => send(url, auth, opsSent.find((o) => o.key === k)!)));
      expect(again.map((r) => r.status)).toEqual(again.map(() => 200)); // replays, not new entries
      expect((await ok(request(url, 'GET', '/api/loyalty/drift', auth), 'drift')).mismatched).toBe(0);

      for (const p of procs.splice(0)) await stop(p.proc, 'SIGTERM');
      const state = await inspect(async (store) => ({
        orders: Number((await store.query<{ n: number }>(`SELECT count(*) AS n FROM orders WHERE workspace_id = $1 AND id LIKE 'o-%'`, [ws]))[0].n),
        ledger: await ledgerState(store),
      }));
      expect(state.orders).toBe(batchesSent.length * ORDERS_PER_BATCH);
      const byKey = new Map(state.ledger.entries.map((e) => [e.key, e]));
      for (const op of opsSent) {
        expect(Number(byKey.get(op.key)?.n), `entries for ${op.key}`).toBe(1);
        expect(Number(byKey.get(op.key)!.points)).toBe(op.delta);
        expect(byKey.get(op.key)!.member).toBe(op.member);
      }
      expect(state.ledger.entries.length).toBe(opsSent.length + LEDGER_MEMBERS); // plus the starting adjustments
      balanceIsLedger(state.ledger);
      for (const a of state.ledger.accounts) {
        expect(Number(a.balance), a.member).toBe(START_BALANCE + opsSent.filter((o) => o.member === a.member).reduce((s, o) => s + o.delta, 0));
      }
    }, 60_000);
  });
}
