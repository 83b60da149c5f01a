// The PostgreSQL adapter when the server ends a connection under it (pg_terminate_backend, a restart), in process:
// a transaction whose connection dies before COMMIT runs again on a fresh one; a connection killed while checked out
// and idle between two statements no longer crashes the process with an unhandled 'error' event; the failures that
// do reach callers are classified as clean 503s (store.unavailable, store.disk_full).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/stores.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/port.ts';
import { storeUnavailable } from '../../src/server/limits.ts';

describe('PostgreSQL connections ended by the server [postgres]', () => {
  let db: TestDb;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDb('postgres');
    store = await openStore({ ...db.options, migrate: false });
    await store.exec('CREATE TABLE fault_rows (id INTEGER PRIMARY KEY)');
  });

  afterAll(async () => {
    await store?.close();
    await db?.cleanup();
  });

  const terminate = (pid: number) => store.query('SELECT pg_terminate_backend($1) AS ok', [pid]);

  it('re-runs a transaction whose connection was terminated before COMMIT', async () => {
    let runs = 0;
    await store.transaction(async (tx) => {
      runs++;
      const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await tx.exec('INSERT INTO fault_rows (id) VALUES (1)');
      if (runs === 1) await terminate(pid); // through another pooled connection
      await tx.exec('INSERT INTO fault_rows (id) VALUES (2)');
    });
    expect(runs).toBe(2);
    expect((await store.query('SELECT id FROM fault_rows ORDER BY id')).map((r) => r.id)).toEqual([1, 2]);
  });

  it('survives a connection killed while checked out and idle between statements', async () => {
    let runs = 0;
    await store.transaction(async (tx) => {
      runs++;
      const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      if (runs === 1) {
        await terminate(pid);
        // The client learns of it with no query running: its 'error' event used to be unhandled (process crash).
        await new Promise((r) => setTimeout(r, 200));
      }
      await tx.exec('INSERT INTO fault_rows (id) VALUES (3)');
    });
    expect(runs).toBe(2);
    expect(await store.query('SELECT id FROM fault_rows WHERE id = 3')).toHaveLength(1);
    // The pool goes on with fresh connections.
    expect(await store.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('classifies store outages as 503 codes', async () => {
    // A connection lost on every run: a few re-runs, then the error reaches the caller.
    let runs = 0;
    const lost = await store
      .transaction(async (tx) => {
        runs++;
        const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await terminate(pid);
        await tx.exec('SELECT 1');
      })
      .catch((e) => e);
    expect(runs).toBeGreaterThan(1);
    expect(storeUnavailable(lost)?.code).toBe('store.unavailable');
    expect(storeUnavailable({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' })?.code).toBe('store.unavailable');
    expect(storeUnavailable({ code: '53100', message: 'could not extend file: No space left on device' })?.code).toBe('store.disk_full');
    expect(storeUnavailable(new Error('TransactionContext Error: Failed to commit: Could not write file "x.duckdb.wal": No space left on device'))?.code).toBe('store.disk_full');
    expect(storeUnavailable(new Error('Binder Error: column x not found'))).toBeNull();
  });
});
