// Many simultaneous redemptions at one member: over HTTP (app.inject in parallel) on both engines, and on
// PostgreSQL also from a second store with its own connection pool and from three real child processes
// (concurrency-worker.ts) — no overdraw, no lost entry, no drift; concurrent retries with one key apply once, over
// HTTP, across processes and through the CLI.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner, dbArgsOf, withApp } from '../../../test/support/cli.ts';
import { createTestDb, ENGINES, forEachStore, type TestDb } from '../../../test/support/stores.ts';
import { DEFAULT_WORKSPACE } from '../workspaces/service.ts';
import type { WorkerArgs, WorkerOutcome } from './concurrency-worker.ts';
import { openStore } from '../../store/open-store.ts';
import { parseStoredConfig } from './config.ts';
import { loyaltyApp, type LoyaltyTestApp } from './fixture.ts';
import { LedgerService } from './ledger-service.ts';

forEachStore('loyalty concurrency', (ctx) => {
  let t: LoyaltyTestApp;
  beforeAll(async () => {
    t = await loyaltyApp(ctx.store);
    await t.program();
  });
  afterAll(async () => {
    await t?.noDrift();
    await t?.app.close();
  });

  const entriesOf = async (id: string) =>
    ctx.store.query(`SELECT kind, points FROM points_entries WHERE workspace_id = $1 AND member_id = $2`, [t.workspaceId, id]);

  it('never overdraws under 100 simultaneous HTTP redemptions and loses no entry', async () => {
    const m = await t.member();
    const id = await t.idOf(m);
    expect((await t.api('POST', '/api/loyalty/adjust', { member: m, delta: 500, reason: 'seed', operator: 'test', idempotency_key: `seed-${id}` })).status).toBe(201);
    const res = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      t.api('POST', '/api/loyalty/redeem', { member: m, points: 10, idempotency_key: `burst-${id}-${i}` })));
    const ok = res.filter((r) => r.status === 201);
    expect(ok.length).toBe(50);
    expect(res.filter((r) => r.status === 409).every((r) => r.body.code === 'points.insufficient')).toBe(true);
    expect(res.filter((r) => r.status !== 201 && r.status !== 409)).toEqual([]);
    const v = (await t.api('GET', `/api/loyalty/members/${m}/points`)).body;
    expect(v.balance).toBe(0);
    const entries = await entriesOf(id);
    expect(entries.filter((e) => e.kind === 'redeem').length).toBe(50);
    expect(entries.reduce((s, e) => s + Number(e.points), 0)).toBe(0);
    // Balances after each accepted redemption are all different: each saw the one before.
    expect(new Set(ok.map((r) => r.body.balances[0].balance)).size).toBe(50);
  });

  it('applies one key once when the same request is retried concurrently', async () => {
    const m = await t.member();
    const id = await t.idOf(m);
    await t.api('POST', '/api/loyalty/adjust', { member: m, delta: 100, reason: 'seed', operator: 'test', idempotency_key: `seed2-${id}` });
    const res = await Promise.all(Array.from({ length: 20 }, () => t.api('POST', '/api/loyalty/redeem', { member: m, points: 30, idempotency_key: `same-${id}` })));
    expect(res.filter((r) => r.status === 201).length).toBe(1);
    expect(res.filter((r) => r.status === 200 && r.body.replayed).length).toBe(19);
    expect((await t.api('GET', `/api/loyalty/members/${m}/points`)).body.balance).toBe(70);
  });

  it('keeps reward stock exact under simultaneous redemptions by many members', async () => {
    const reward = (await t.api('POST', '/api/loyalty/rewards', { name: 'Mug', points_cost: 10, stock: 7 })).body;
    const members = await Promise.all(Array.from({ length: 12 }, () => t.member()));
    await Promise.all(members.map(async (m, i) => t.api('POST', '/api/loyalty/adjust', { member: m, delta: 20, reason: 'seed', operator: 'test', idempotency_key: `rs-${reward.id}-${i}` })));
    const res = await Promise.all(members.map((m, i) => t.api('POST', `/api/loyalty/rewards/${reward.id}/redeem`, { member: m, idempotency_key: `rr-${reward.id}-${i}` })));
    expect(res.filter((r) => r.status === 201).length).toBe(7);
    expect(res.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(Array(5).fill('reward.out_of_stock'));
    expect((await t.api('GET', `/api/loyalty/rewards/${reward.id}`)).body).toMatchObject({ redeemed: 7, left: 0 });
  });

  if (ctx.engine === 'postgres') {
    it('never overdraws when two separate connection pools (processes) redeem at once', async () => {
      const m = await t.member();
      const id = await t.idOf(m);
      await t.api('POST', '/api/loyalty/adjust', { member: m, delta: 300, reason: 'seed', operator: 'test', idempotency_key: `seed3-${id}` });
      const other = await openStore({ ...ctx.db.options, migrate: false });
      const config = parseStoredConfig(null, 'UTC');
      const second = new LedgerService(other, async () => config, { maxDelayMs: 1, maxBatch: 50, maxConcurrent: 4 });
      try {
        const at = () => new Date().toISOString();
        const fromApp = Array.from({ length: 30 }, (_, i) => t.api('POST', '/api/loyalty/redeem', { member: m, points: 10, idempotency_key: `pA-${id}-${i}` }).then((r) => r.status === 201));
        const fromOther = Array.from({ length: 30 }, (_, i) =>
          second.apply(t.workspaceId, { kind: 'redeem', key: `pB-${id}-${i}`, member: id, points: 10, at: at() }).then(() => true, (e) => {
            expect(e.code).toBe('points.insufficient');
            return false;
          }));
        // Same keys from both sides too: each applies once wherever it lands first.
        const shared = Array.from({ length: 10 }, (_, i) => [
          t.api('POST', '/api/loyalty/redeem', { member: m, points: 1, idempotency_key: `pC-${id}-${i}` }).then((r) => r.status === 201),
          second.apply(t.workspaceId, { kind: 'redeem', key: `pC-${id}-${i}`, member: id, points: 1, at: at() }).then((r) => !r.replayed, () => false),
        ]).flat();
        const results = await Promise.all([...fromApp, ...fromOther, ...shared]);
        const applied = results.slice(0, 60).filter(Boolean).length;
        const sharedApplied = results.slice(60).filter(Boolean).length;
        expect(applied * 10 + sharedApplied).toBeLessThanOrEqual(300);
        const balance = (await t.api('GET', `/api/loyalty/members/${m}/points`)).body.balance;
        expect(balance).toBe(300 - applied * 10 - sharedApplied);
        expect(balance).toBeGreaterThanOrEqual(0);
        const entries = await entriesOf(id);
        expect(entries.filter((e) => e.kind === 'redeem').length).toBe(applied + sharedApplied);
        // A shared key applied on either side is recorded once and applied once.
        expect((await ctx.store.query(`SELECT idempotency_key FROM points_ops WHERE workspace_id = $1 AND idempotency_key LIKE $2`, [t.workspaceId, `pC-${id}-%`])).length).toBe(sharedApplied);
      } finally {
        await second.close();
        await other.close();
      }
    });

    it('never overdraws when three child processes redeem at once, and keys retried across processes apply once', async () => {
      const m = await t.member();
      const id = await t.idOf(m);
      const [seed, cost] = [1005, 10];
      await t.api('POST', '/api/loyalty/adjust', { member: m, delta: seed, reason: 'seed', operator: 'test', idempotency_key: `seed4-${id}` });
      // Each process: 40 keys of its own and the same 10 shared keys among them (a client retrying against another
      // server): 130 distinct redemptions of 10 against 1,005 points, so about a quarter must be refused.
      const shared = Array.from({ length: 10 }, (_, i) => `mpS-${id}-${i}`);
      const argsOf = (w: number): WorkerArgs => ({
        databaseUrl: ctx.db.options.databaseUrl!, workspaceId: t.workspaceId, memberId: id, cost, inFlight: 4,
        keys: Array.from({ length: 40 }, (_, i) => `mp${w}-${id}-${i}`).flatMap((k, i) => (i % 4 === 0 ? [shared[i / 4], k] : [k])),
      });
      const outcomes = (await runWorkers([0, 1, 2].map(argsOf))).flat();

      expect(outcomes.filter((o) => o.status === 'error')).toEqual([]);
      expect(outcomes.filter((o) => o.status === 'refused').every((o) => o.code === 'points.insufficient')).toBe(true);
      const applied = outcomes.filter((o) => o.status === 'applied').map((o) => o.key);
      expect(new Set(applied).size).toBe(applied.length); // a key is applied by one process only
      expect(applied.length).toBe(Math.floor(seed / cost)); // every point that could be spent was, none more
      // A replay answers with the first result: only keys some process applied are replayed, and a key applied
      // anywhere is never answered as refused elsewhere.
      for (const o of outcomes.filter((x) => x.status === 'replayed')) expect(applied).toContain(o.key);
      expect(outcomes.filter((o) => o.status === 'refused' && applied.includes(o.key))).toEqual([]);
      expect(new Set(outcomes.filter((o) => o.status === 'refused').map((o) => o.key)).size).toBe(130 - applied.length);
      // Each applied balance is distinct: each redemption saw the one before it, whichever process made it.
      expect(new Set(outcomes.filter((o) => o.status === 'applied').map((o) => o.balance)).size).toBe(applied.length);

      const balance = (await t.api('GET', `/api/loyalty/members/${m}/points`)).body.balance;
      expect(balance).toBe(seed - applied.length * cost);
      expect(balance).toBeGreaterThanOrEqual(0);
      const entries = await ctx.store.query<{ idempotency_key: string; n: number; points: number }>(
        `SELECT idempotency_key, COUNT(*) AS n, SUM(points) AS points FROM points_entries WHERE workspace_id = $1 AND member_id = $2 GROUP BY idempotency_key`,
        [t.workspaceId, id],
      );
      expect(entries.reduce((s, e) => s + Number(e.points), 0)).toBe(balance); // balance = sum of entries
      const redeemed = entries.filter((e) => e.idempotency_key.startsWith('mp'));
      expect(redeemed.map((e) => e.idempotency_key).sort()).toEqual([...applied].sort()); // no lost or extra entry
      expect(redeemed.every((e) => Number(e.n) === 1 && Number(e.points) === -cost)).toBe(true);

      // Retrying every applied key once more (here, a fourth writer) changes nothing.
      const again = await Promise.all(applied.map((key) => t.api('POST', '/api/loyalty/redeem', { member: m, points: cost, idempotency_key: key })));
      expect(again.every((r) => r.status === 200 && r.body.replayed)).toBe(true);
      expect((await t.api('GET', `/api/loyalty/members/${m}/points`)).body.balance).toBe(balance);
    }, 30_000);
  }
});

const WORKER = fileURLToPath(new URL('./concurrency-worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Starts one `node --import tsx concurrency-worker.ts` per args, waits until every one has its store open, tells
 * them all to go at once, and returns each one's outcomes.
 */
async function runWorkers(all: WorkerArgs[]): Promise<WorkerOutcome[][]> {
  const children = all.map((args) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(args)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const lines = createInterface({ input: child.stdout });
    let readyResolve!: () => void;
    const ready = new Promise<void>((r) => (readyResolve = r));
    const result = new Promise<WorkerOutcome[]>((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      let outcomes: WorkerOutcome[] | null = null;
      lines.on('line', (l) => {
        if (l === 'ready') readyResolve();
        else if (l.startsWith('[')) outcomes = JSON.parse(l);
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        readyResolve(); // never leave the others waiting on a dead child
        if (code === 0 && outcomes) resolve(outcomes);
        else reject(new Error(`worker exited with ${code}: ${stderr}`));
      });
    });
    return { child, ready, result };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.write('go\n');
  return Promise.all(children.map((c) => c.result));
}

// `siyu loyalty points adjust` retried with one --idempotency-key (in-process CLI on its own database, as without
// a server): the first run applies, retries answer "already applied", another delta under the key is refused.
describe.each(ENGINES)('loyalty CLI retries [%s]', (engine) => {
  let db: TestDb;
  const { tryRun: cli } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { user_id: 'retry-u1' }, null);
    });
  });
  afterAll(async () => db?.cleanup());

  it('applies a key once however often the command is re-run', async () => {
    const adjust = (delta: number, key: string) =>
      cli(['loyalty', 'points', 'adjust', 'user_id:retry-u1', '--delta', String(delta), '--reason', 'retry test', '--operator', 'ops', '--idempotency-key', key]);
    expect((await adjust(100, 'cli-r1')).out).toContain('adjusted (cli-r1): balance 100');
    for (let i = 0; i < 3; i++) expect((await adjust(100, 'cli-r1')).out).toContain('already applied (cli-r1): balance 100');
    expect((await adjust(-30, 'cli-r2')).out).toContain('adjusted (cli-r2): balance 70');
    expect((await adjust(-30, 'cli-r2')).out).toContain('already applied (cli-r2): balance 70');
    const conflict = await adjust(-50, 'cli-r2');
    expect(conflict.error?.message ?? '').toMatch(/409|idempotency/);
    const shown = JSON.parse((await cli(['loyalty', 'points', 'show', 'user_id:retry-u1', '--json'])).out);
    expect(shown.balance).toBe(70);
    expect(shown.entries.data.map((e: { idempotency_key: string }) => e.idempotency_key).sort()).toEqual(['cli-r1', 'cli-r2']);
    expect((await cli(['loyalty', 'drift'])).out).toContain('mismatched 0');
  });
});
