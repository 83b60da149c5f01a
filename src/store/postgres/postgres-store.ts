// PostgreSQL adapter: a pg.Pool shared by many API and worker processes.
import pg from 'pg';
import { runEndCallbacks, type JsonColumn, type Row, type SnapshotReader, type SqlExecutor, type SqlParam, type Store, type StoreCapabilities, type TxExecutor } from '../port.ts';
import { bigintToJs } from '../normalise.ts';

const PG_TYPES: Record<JsonColumn['type'], string> = {
  text: 'text',
  bigint: 'bigint',
  double: 'double precision',
  numeric: 'numeric',
  boolean: 'boolean',
  timestamptz: 'timestamptz',
  date: 'date',
  json: 'json',
};

// Normalise driver output to the port's shapes: numbers as numbers, timestamps as ISO strings, dates as text.
const types = {
  getTypeParser(oid: number, format?: any) {
    switch (oid) {
      case 20: // int8
        return (v: string) => bigintToJs(BigInt(v));
      case 1700: // numeric
      case 700:
      case 701:
        return (v: string) => Number(v);
      case 1184: // timestamptz
      case 1114: // timestamp
        return (v: string) => new Date(v.includes('T') || oid === 1184 ? v : v + 'Z').toISOString();
      case 1082: // date
        return (v: string) => v;
      default:
        return pg.types.getTypeParser(oid, format);
    }
  },
};

const RETRYABLE = new Set(['40001', '40P01']);

/** Transactions re-run after losing their connection before COMMIT (a terminated backend, a restart in progress). */
const LOST_RETRIES = 3;

/** The connection under a statement is gone: terminated by an admin or a shutdown, reset, or already broken. */
function connectionLost(e: unknown): boolean {
  const code = String((e as { code?: unknown })?.code ?? '');
  if (/^(57P0[1-3]|08\d\d\d)$/.test(code) || code === 'ECONNRESET' || code === 'EPIPE') return true;
  return /Connection terminated|Client has encountered a connection error|Client was closed and is not queryable/i.test(String((e as Error)?.message ?? ''));
}

class PgExecutor implements TxExecutor {
  readonly ended: Array<(committed: boolean) => void> = [];
  constructor(private readonly client: pg.PoolClient | pg.Pool) {}
  afterEnd(cb: (committed: boolean) => void): void {
    this.ended.push(cb);
  }
  async query<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]> {
    const r = await this.client.query({ text: sql, values: params as any[], types } as any);
    return r.rows as T[];
  }
  async exec(sql: string, params?: SqlParam[]): Promise<void> {
    await this.client.query({ text: sql, values: params as any[], types } as any);
  }
  async execCount(sql: string, params?: SqlParam[]): Promise<number> {
    return (await this.client.query({ text: sql, values: params as any[], types } as any)).rowCount ?? 0;
  }
}

export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  readonly capabilities: StoreCapabilities = { multiProcess: true, skipLocked: true, fastAnalytics: false, localCsvLoad: false, subqueryJoins: false };
  private readonly direct: PgExecutor;

  private constructor(private readonly pool: pg.Pool, private readonly url: string) {
    this.direct = new PgExecutor(pool);
  }

  static async open(url: string, opts: { max?: number; onIdleError?: (err: Error) => void; statementTimeoutMs?: number } = {}): Promise<PostgresStore> {
    // The session time zone travels in the startup packet, so no connection ever runs a query before it is set.
    // So does statement_timeout: a runaway statement is cancelled by the server (SQLSTATE 57014, answered as 503).
    const timeout = opts.statementTimeoutMs ? ` -c statement_timeout=${Math.trunc(opts.statementTimeoutMs)}` : '';
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, options: '-c TimeZone=UTC' + timeout });
    // An idle pooled connection the server ends (restart, admin termination) must not crash the process; the pool
    // drops it and the next query opens a fresh one.
    pool.on('error', (err) => opts.onIdleError?.(err));
    // pg-pool listens for 'error' only while a client is idle. A connection ended while checked out between two
    // statements (a transaction awaiting its JS code, pg_terminate_backend, a server restart) emits 'error' on the
    // client with no listener, which crashed the whole process. The statement in flight or the next one fails
    // instead (503 store.unavailable; transactions retry), and release() drops the dead client.
    pool.on('connect', (c) => c.on('error', (err) => opts.onIdleError?.(err)));
    const client = await pool.connect(); // fail fast on a bad URL
    client.release();
    return new PostgresStore(pool, url);
  }

  async query<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]> {
    try {
      return await this.direct.query<T>(sql, params);
    } catch (e) {
      // A pooled connection the server had just ended (terminated backend, restart): a plain read is safe to run
      // once more on a fresh connection. Writes are not, since whether they reached the server is unknown.
      if (!connectionLost(e) || !/^\s*SELECT\b/i.test(sql)) throw e;
      return this.direct.query<T>(sql, params);
    }
  }

  exec(sql: string, params?: SqlParam[]): Promise<void> {
    return this.direct.exec(sql, params);
  }

  execCount(sql: string, params?: SqlParam[]): Promise<number> {
    return this.direct.execCount(sql, params);
  }

  async transaction<T>(fn: (tx: TxExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 0, lostRetries = 0; ; attempt++) {
      const client = await this.pool.connect();
      const tx = new PgExecutor(client);
      let committing = false;
      let lost = false;
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        committing = true;
        await client.query('COMMIT');
        runEndCallbacks(tx.ended, true);
        return result;
      } catch (e) {
        lost = connectionLost(e);
        if (!lost) await client.query('ROLLBACK').catch(() => undefined);
        runEndCallbacks(tx.ended, false);
        // The connection died before COMMIT was sent (the server rolled the transaction back): run it again on a
        // fresh one. Once COMMIT was sent its outcome is unknown, so that error goes to the caller.
        if (lost && !committing && lostRetries < LOST_RETRIES) {
          lostRetries++;
          await new Promise((r) => setTimeout(r, 20 * lostRetries + Math.random() * 50));
          continue;
        }
        if (!(RETRYABLE.has((e as any)?.code) || (e as any)?.retryable === true) || attempt >= 8) throw e;
        await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * (attempt + 1)));
      } finally {
        client.release(lost || undefined);
      }
    }
  }

  async snapshot<T>(fn: (snap: SnapshotReader) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const ex = new PgExecutor(client);
    let cursors = 0;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // A snapshot read (a backup) is long by design: the server's statement_timeout guards the API's queries.
      await client.query('SET LOCAL statement_timeout = 0');
      const result = await fn({
        query: <R extends Row = Row>(sql: string, params?: SqlParam[]) => ex.query<R>(sql, params),
        // A server-side cursor: the client holds one FETCH of rows at a time however large the table.
        stream: async function* (sql: string, chunkRows = 10_000) {
          const name = `siyu_snapshot_${++cursors}`;
          const n = Math.max(1, Math.floor(chunkRows));
          await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`);
          try {
            for (;;) {
              const rows = await ex.query(`FETCH FORWARD ${n} FROM ${name}`);
              if (rows.length) yield rows;
              if (rows.length < n) break;
            }
          } finally {
            await client.query(`CLOSE ${name}`).catch(() => undefined);
          }
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  jsonRows(paramIndex: number, columns: JsonColumn[], alias: string): string {
    const defs = columns.map((c) => `"${c.name}" ${PG_TYPES[c.type]}`).join(', ');
    return `json_to_recordset($${paramIndex}::json) AS ${alias}(${defs})`;
  }

  jsonText(json: string, key: string): string {
    return `(${json} ->> ${key})`;
  }

  tryDouble(text: string): string {
    // pg_input_is_valid (PostgreSQL 16+) tests the cast without raising on text such as 'abc'.
    return `(CASE WHEN pg_input_is_valid(${text}, 'double precision') THEN CAST(${text} AS DOUBLE PRECISION) END)`;
  }

  describe(): string {
    return 'postgres:' + this.url.replace(/\/\/[^@]*@/, '//***@');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
