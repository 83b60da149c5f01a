// Copies every table of a DuckDB database into a migrated PostgreSQL database: DuckDB writes CSV chunks, PostgreSQL
// reads them with a server-side COPY FROM file (the bench cluster runs as a local superuser). Keys and secondary
// indexes are dropped for the load and rebuilt afterwards (sorting once beats inserting into B-trees row by row),
// then every table is vacuumed and analysed, as autovacuum would have done on a live database.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.ts';

export interface CopyResult {
  rows: Record<string, number>;
  /** Seconds spent exporting and loading rows, rebuilding keys and indexes, and vacuuming. */
  loadSeconds: number;
  indexSeconds: number;
  vacuumSeconds: number;
}

const CHUNK_ROWS = 2_000_000;

async function duckRows(conn: DuckDBConnection, sql: string, params?: (string | number)[]) {
  return (await conn.runAndReadAll(sql, params)).getRowObjectsJS() as Record<string, any>[];
}

/**
 * Copies `duckPath` (not open elsewhere) into the database at `pgUrl`, which is migrated first and must be empty.
 * @example await copyDuckToPostgres('data/bench/demo/siyu.duckdb', url, { tmpDir: 'data/bench/tmp' })
 */
export async function copyDuckToPostgres(duckPath: string, pgUrl: string, opts: { tmpDir: string; log?: (s: string) => void }): Promise<CopyResult> {
  const log = opts.log ?? (() => undefined);
  const tmp = resolve(opts.tmpDir);
  mkdirSync(tmp, { recursive: true });
  chmodSync(tmp, 0o755); // the postgres user reads the files

  const store = await openStore({ databaseUrl: pgUrl });
  await store.close();

  const instance = await DuckDBInstance.create(duckPath, { access_mode: 'READ_ONLY', threads: '2' });
  const duck = await instance.connect();
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  const result: CopyResult = { rows: {}, loadSeconds: 0, indexSeconds: 0, vacuumSeconds: 0 };
  try {
    await duck.run("SET TimeZone = 'UTC'");
    await client.query("SET TimeZone = 'UTC'");
    const tables = (await duckRows(duck, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name`))
      .map((r) => r.table_name as string);
    const loaded: { table: string; constraints: { name: string; def: string }[]; indexes: string[] }[] = [];

    let t = performance.now();
    for (const table of tables) {
      const [{ n, maxid }] = await duckRows(duck, `SELECT COUNT(*) AS n, MAX(rowid) AS maxid FROM "${table}"`);
      const count = Number(n);
      if (count === 0) continue;
      if ((await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', ['public', table])).rowCount !== 1) {
        throw new Error(`table ${table} is missing in PostgreSQL`);
      }
      const cols = (await duckRows(duck, `SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $1 ORDER BY ordinal_position`, [table]))
        .map((r) => `"${r.column_name}"`).join(', ');
      // Keys and indexes: remember their definitions, drop them for the load.
      const constraints = (await client.query<{ name: string; def: string }>(
        `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p', 'u')`, [table],
      )).rows;
      const indexes = (await client.query<{ name: string; def: string }>(`SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1`, [table])).rows
        .filter((i) => !constraints.some((c) => c.name === i.name));
      for (const c of constraints) await client.query(`ALTER TABLE "${table}" DROP CONSTRAINT "${c.name}"`);
      for (const i of indexes) await client.query(`DROP INDEX "${i.name}"`);
      loaded.push({ table, constraints, indexes: indexes.map((i) => i.def) });

      // One transaction per table: TRUNCATE then COPY lets PostgreSQL (wal_level=minimal) skip the WAL.
      const chunks = Math.max(1, Math.ceil((Number(maxid) + 1) / CHUNK_ROWS));
      const file = (k: number) => join(tmp, `${table}-${k}.csv`);
      const exportChunk = async (k: number) => {
        const where = chunks === 1 ? '' : ` WHERE rowid >= ${k * CHUNK_ROWS} AND rowid < ${(k + 1) * CHUNK_ROWS}`;
        await duck.run(`COPY (SELECT ${cols} FROM "${table}"${where}) TO '${file(k)}' (FORMAT csv, HEADER false)`);
        chmodSync(file(k), 0o644);
      };
      const t1 = performance.now();
      await client.query('BEGIN');
      await client.query(`TRUNCATE "${table}"`);
      let next = exportChunk(0);
      for (let k = 0; k < chunks; k++) {
        await next;
        next = k + 1 < chunks ? exportChunk(k + 1) : Promise.resolve();
        await client.query(`COPY "${table}" (${cols}) FROM '${file(k)}' WITH (FORMAT csv)`);
        rmSync(file(k), { force: true });
      }
      await next;
      await client.query('COMMIT');
      result.rows[table] = count;
      log(`  ${table}: ${count.toLocaleString('en-US')} rows in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    }
    result.loadSeconds = (performance.now() - t) / 1000;

    t = performance.now();
    await client.query("SET maintenance_work_mem = '1GB'");
    await client.query('SET max_parallel_maintenance_workers = 2');
    for (const l of loaded) {
      const t1 = performance.now();
      for (const c of l.constraints) await client.query(`ALTER TABLE "${l.table}" ADD CONSTRAINT "${c.name}" ${c.def}`);
      for (const def of l.indexes) await client.query(def);
      if (l.constraints.length + l.indexes.length > 0 && result.rows[l.table] > 1_000_000) {
        log(`  keys and indexes of ${l.table}: ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      }
    }
    result.indexSeconds = (performance.now() - t) / 1000;

    t = performance.now();
    for (const l of loaded) await client.query(`VACUUM (ANALYZE) "${l.table}"`);
    result.vacuumSeconds = (performance.now() - t) / 1000;
    return result;
  } finally {
    await client.end().catch(() => undefined);
    duck.closeSync();
    instance.closeSync();
  }
}
