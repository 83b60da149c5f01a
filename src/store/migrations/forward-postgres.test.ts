// Upgrades from every earlier schema version on a populated PostgreSQL database (see forward-support.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import '../../../test/support/pii.ts';
import { PostgresStore } from '../postgres/postgres-store.ts';
import { migrate } from './index.ts';
import { pool, upgradeAndCheck, VERSIONS } from './forward-support.ts';

describe('migrations forward from every earlier version [postgres]', () => {
  const base = inject('pgBaseUrl');
  const prefix = 'siyu_up_' + randomBytes(4).toString('hex');
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const c = new pg.Client({ connectionString: `${base}/postgres` });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  // No DROP DATABASE afterwards: each one checkpoints (seconds apiece under load), and the test server with all its
  // databases is removed when the run ends.

  it('upgrades a populated store from each version to the latest', async () => {
    // One database per version, each cloned from the previous version's (still empty) one and migrated one step.
    let prev = 'template1';
    for (let v = 1; v <= VERSIONS[VERSIONS.length - 1]; v++) {
      const name = `${prefix}_${v}`;
      await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${prev}`));
      const s = await PostgresStore.open(`${base}/${name}`, { max: 1 });
      await migrate(s, { to: v });
      await s.close();
      prev = name;
    }
    const failures: string[] = [];
    await pool(VERSIONS, 3, async (v) => {
      const store = await PostgresStore.open(`${base}/${prefix}_${v}`, { max: 4 });
      try {
        await upgradeAndCheck(store, v);
      } catch (e) {
        failures.push(`from ${v}: ${(e as Error).message}`);
      } finally {
        await store.close();
      }
    });
    expect(failures).toEqual([]);
  }, 240_000);
});
