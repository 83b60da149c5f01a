// Upgrades from every earlier schema version on a populated DuckDB store (see forward-support.ts).
import { describe, expect, it } from 'vitest';
import '../../../test/support/pii.ts';
import { DuckDbStore } from '../duckdb/duckdb-store.ts';
import { migrate } from './index.ts';
import { pool, upgradeAndCheck, VERSIONS } from './forward-support.ts';

describe('migrations forward from every earlier version [duckdb]', () => {
  it('lists the versions it upgrades from', () => {
    expect(VERSIONS[0]).toBe(1);
    expect(VERSIONS.length).toBeGreaterThan(15);
  });

  it('upgrades a populated store from each version to the latest', async () => {
    const failures: string[] = [];
    // One at a time: two in-memory DuckDB instances upgrading at once crashed the test worker.
    await pool(VERSIONS, 1, async (v) => {
      const store = await DuckDbStore.open(':memory:', { connections: 2 });
      try {
        await migrate(store, { to: v });
        await upgradeAndCheck(store, v);
      } catch (e) {
        failures.push(`from ${v}: ${(e as Error).message}`);
      } finally {
        await store.close();
      }
    });
    expect(failures).toEqual([]);
  }, 180_000);
});
