// PostgreSQL adapter: a pg.Pool shared by many API and worker processes.
import pg from 'pg';
import { runEndCallbacks, type JsonColumn, type Row, type SqlExecutor, type SqlParam, type Store, type StoreCapabilities, type TxExecutor } from '../port.ts';
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

  static async open(url: string, opts: { max?: number; onIdleError?: (err: Error) => void } = {}): Promise<PostgresStore> {
    // The session time zone travels in the startup packet, so no connection ever runs a query before it is set.
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, options: '-c TimeZone=UTC' });
    // An idle pooled connection the server ends (restart, admin termination) must not crash the process; the pool
    // drops it and the next query opens a fresh one.
    pool.on('error', (err) => opts.onIdleError?.(err));
    const client = await pool.connect(); // fail fast on a bad URL
    client.release();
    return new PostgresStore(pool, url);
  }

  query<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]> {
    return this.direct.query<T>(sql, params);
  }

  exec(sql: string, params?: SqlParam[]): Promise<void> {
    return this.direct.exec(sql, params);
  }

  execCount(sql: string, params?: SqlParam[]): Promise<number> {
    return this.direct.execCount(sql, params);
  }

  async transaction<T>(fn: (tx: TxExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.pool.connect();
      const tx = new PgExecutor(client);
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        runEndCallbacks(tx.ended, true);
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        runEndCallbacks(tx.ended, false);
        if (!(RETRYABLE.has((e as any)?.code) || (e as any)?.retryable === true) || attempt >= 8) throw e;
        await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * (attempt + 1)));
      } finally {
        client.release();
      }
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
