// Chooses and opens the adapter from configuration, then applies migrations.
import type { Store } from './port.ts';
import { DuckDbStore } from './duckdb/duckdb-store.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { migrate } from './migrations/index.ts';

export interface StoreOptions {
  /** PostgreSQL URL; when set, the server mode store is used. */
  databaseUrl?: string;
  /** DuckDB file path (default ./data/siyu.duckdb); `:memory:` for a throwaway database. */
  dbPath?: string;
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** Longest a statement may run, in ms (0 or absent: none): PostgreSQL's statement_timeout, a DuckDB interrupt. */
  statementTimeoutMs?: number;
}

export const DEFAULT_DB_PATH = './data/siyu.duckdb';

/** Opens the configured store and brings its schema up to date. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const store: Store = opts.databaseUrl
    ? await PostgresStore.open(opts.databaseUrl, { statementTimeoutMs: opts.statementTimeoutMs })
    : await DuckDbStore.open(opts.dbPath ?? DEFAULT_DB_PATH, { statementTimeoutMs: opts.statementTimeoutMs });
  if (opts.migrate !== false) {
    try {
      await migrate(store);
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}
