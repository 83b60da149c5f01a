// DuckDB adapter: one embedded database file owned by this process, a small pool of connections.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DOUBLE, DuckDBInstance, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { runEndCallbacks, type JsonColumn, type Row, type SnapshotReader, type SqlExecutor, type SqlParam, type Store, type StoreCapabilities, type TxExecutor } from '../port.ts';
import { fromDuckValue } from './duckdb-values.ts';
import { ConnectionPool } from './connection-pool.ts';

const DUCK_TYPES: Record<JsonColumn['type'], string> = {
  text: 'VARCHAR',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  numeric: 'DECIMAL(18,4)',
  boolean: 'BOOLEAN',
  timestamptz: 'TIMESTAMPTZ',
  date: 'DATE',
  json: 'JSON',
};

// A hot row (a coupon template's counter, a member's account) can see a dozen writers at once: each round one wins,
// so allow enough rounds for all of them, with jittered backoff capped so a loser never waits long.
const MAX_CONFLICT_RETRIES = 30;

function isConflict(e: unknown): boolean {
  if ((e as { retryable?: boolean })?.retryable === true) return true;
  const m = String((e as Error)?.message ?? e);
  // A concurrent transaction committed the same key first: DuckDB reports it only at COMMIT. Re-running sees it.
  if (m.includes('Failed to commit') && m.includes('constraint violation')) return true;
  // …or, when it committed after this transaction began, at the insert itself (ON CONFLICT cannot see that row).
  if (m.includes('Duplicate key') && m.includes('violates')) return true;
  return m.includes('Conflict on') || m.includes('write-write conflict') || m.includes('TransactionContext Error: Catalog write-write');
}

function toParams(params?: SqlParam[]): DuckDBValue[] | undefined {
  if (!params || params.length === 0) return undefined;
  return params.map((p) => (p === undefined ? null : (p as DuckDBValue)));
}

/**
 * The binding infers BIGINT for every integral number and fails on one beyond int64 (1e308, 2^63): bind those as
 * DOUBLE, as PostgreSQL would treat them. Undefined (all inferred) in the usual case.
 */
function paramTypes(params?: SqlParam[]): DuckDBType[] | undefined {
  if (!params) return undefined;
  let types: DuckDBType[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (typeof p === 'number' && Number.isInteger(p) && Math.abs(p) >= 2 ** 63) (types ??= new Array(params.length))[i] = DOUBLE;
  }
  return types;
}

/**
 * Runs `fn` on `conn`, interrupting it after `timeoutMs` (0: never): DuckDB has no statement_timeout setting, so a
 * timer calls the connection's interrupt and the statement fails with `INTERRUPT Error` (answered 503
 * `store.timeout`, as PostgreSQL's statement_timeout is). An interrupt that lands just after the statement ended is
 * harmless: DuckDB clears the flag when the next statement starts.
 */
async function timed<T>(conn: DuckDBConnection, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  if (!timeoutMs) return fn();
  const timer = setTimeout(() => conn.interrupt(), timeoutMs);
  try {
    return await fn();
  } finally {
    clearTimeout(timer);
  }
}

async function runQuery(conn: DuckDBConnection, sql: string, params: SqlParam[] | undefined, timeoutMs: number): Promise<Row[]> {
  const reader = await timed(conn, timeoutMs, () => conn.runAndReadAll(sql, toParams(params), paramTypes(params)));
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const rows = reader.getRows();
  const out: Row[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const o: Row = {};
    for (let c = 0; c < names.length; c++) o[names[c]] = fromDuckValue(r[c], types[c]);
    out[i] = o;
  }
  return out;
}

/** Streams a query's rows in chunks of about `chunkRows` (DuckDB hands out vectors of 2,048 rows). */
async function* streamRows(conn: DuckDBConnection, sql: string, chunkRows: number): AsyncGenerator<Row[]> {
  const result = await conn.stream(sql);
  const names = result.columnNames();
  const types = result.columnTypes();
  let buf: Row[] = [];
  for await (const rows of result.yieldRows()) {
    for (const r of rows) {
      const o: Row = {};
      for (let c = 0; c < names.length; c++) o[names[c]] = fromDuckValue(r[c], types[c]);
      buf.push(o);
    }
    if (buf.length >= chunkRows) {
      yield buf;
      buf = [];
    }
  }
  if (buf.length) yield buf;
}

class DuckExecutor implements TxExecutor {
  readonly ended: Array<(committed: boolean) => void> = [];
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly timeoutMs: number,
  ) {}
  afterEnd(cb: (committed: boolean) => void): void {
    this.ended.push(cb);
  }
  async query<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]> {
    return (await runQuery(this.conn, sql, params, this.timeoutMs)) as T[];
  }
  async exec(sql: string, params?: SqlParam[]): Promise<void> {
    await timed(this.conn, this.timeoutMs, () => this.conn.run(sql, toParams(params), paramTypes(params)));
  }
  async execCount(sql: string, params?: SqlParam[]): Promise<number> {
    return (await timed(this.conn, this.timeoutMs, () => this.conn.run(sql, toParams(params), paramTypes(params)))).rowsChanged;
  }
}

export class DuckDbStore implements Store {
  readonly engine = 'duckdb' as const;
  readonly capabilities: StoreCapabilities = { multiProcess: false, skipLocked: false, fastAnalytics: true, localCsvLoad: true, subqueryJoins: true };

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly pool: ConnectionPool<DuckDBConnection>,
    private readonly path: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Opens (creating if needed) the database file; `:memory:` gives a throwaway in-memory database.
   * `statementTimeoutMs` interrupts a statement that runs longer (0 or absent: none; snapshots are never cut short).
   */
  static async open(path: string, opts: { connections?: number; statementTimeoutMs?: number } = {}): Promise<DuckDbStore> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    // A larger WAL before automatic checkpoints: ingest commits every few milliseconds, and checkpointing a 16 MB
    // WAL (the default) that often costs a third of DuckDB's CPU time under load. Recovery replays at most this much.
    const instance = await DuckDBInstance.create(path, { checkpoint_threshold: '256MB' });
    const size = opts.connections ?? 4;
    const conns: DuckDBConnection[] = [];
    for (let i = 0; i < size; i++) {
      const c = await instance.connect();
      await c.run("SET TimeZone = 'UTC'"); // icu is bundled but only loaded after the instance starts
      conns.push(c);
    }
    return new DuckDbStore(instance, new ConnectionPool(conns), path, Math.max(0, Math.trunc(opts.statementTimeoutMs ?? 0)));
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]> {
    return this.pool.use((c) => runQuery(c, sql, params, this.timeoutMs)) as Promise<T[]>;
  }

  async exec(sql: string, params?: SqlParam[]): Promise<void> {
    await this.pool.use((c) => timed(c, this.timeoutMs, () => c.run(sql, toParams(params), paramTypes(params))));
  }

  async execCount(sql: string, params?: SqlParam[]): Promise<number> {
    return this.pool.use(async (c) => (await timed(c, this.timeoutMs, () => c.run(sql, toParams(params), paramTypes(params)))).rowsChanged);
  }

  async transaction<T>(fn: (tx: TxExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.use(async (conn) => {
          await conn.run('BEGIN TRANSACTION');
          const tx = new DuckExecutor(conn, this.timeoutMs);
          try {
            const result = await fn(tx);
            await conn.run('COMMIT');
            runEndCallbacks(tx.ended, true);
            return result;
          } catch (e) {
            await conn.run('ROLLBACK').catch(() => undefined);
            runEndCallbacks(tx.ended, false);
            throw e;
          }
        });
      } catch (e) {
        if (!isConflict(e) || attempt >= MAX_CONFLICT_RETRIES) throw e;
        await new Promise((r) => setTimeout(r, 2 + Math.random() * Math.min(10 * (attempt + 1), 100)));
      }
    }
  }

  async snapshot<T>(fn: (snap: SnapshotReader) => Promise<T>): Promise<T> {
    // A DuckDB transaction reads the database as it was when it began (MVCC), while other connections write on.
    return this.pool.use(async (conn) => {
      await conn.run('BEGIN TRANSACTION');
      try {
        return await fn({
          query: async <R extends Row = Row>(sql: string, params?: SqlParam[]) => (await runQuery(conn, sql, params, 0)) as R[],
          stream: (sql: string, chunkRows = 10_000) => streamRows(conn, sql, chunkRows),
        });
      } finally {
        await conn.run('ROLLBACK').catch(() => undefined);
      }
    });
  }

  jsonRows(paramIndex: number, columns: JsonColumn[], alias: string): string {
    const struct = '{' + columns.map((c) => `"${c.name}":"${DUCK_TYPES[c.type]}"`).join(',') + '}';
    const cols = columns.map((c) => `_u._row."${c.name}" AS "${c.name}"`).join(', ');
    // A plain unnest to one struct column, then field access: about 7x faster than `unnest(…, recursive := true)`
    // and a VARCHAR parameter skips a JSON validation pass before parsing.
    return `(SELECT ${cols} FROM (SELECT unnest(from_json($${paramIndex}::VARCHAR, '[${struct}]')) AS _row) AS _u) AS ${alias}`;
  }

  jsonText(json: string, key: string): string {
    // `->> key` would read a key starting with `$` or `/` as a path; a quoted JSONPath member takes any key.
    return `json_extract_string(${json}, '$.' || json_quote(${key}))`;
  }

  tryDouble(text: string): string {
    return `TRY_CAST(${text} AS DOUBLE)`;
  }

  describe(): string {
    return `duckdb:${this.path}`;
  }

  private closing: Promise<void> | null = null;

  /** Waits for borrowed connections (see ConnectionPool.drain), then closes them and the database; once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.pool.drain((c) => c.closeSync(), { interrupt: (c) => c.interrupt() });
      this.instance.closeSync();
    })();
    return this.closing;
  }
}
