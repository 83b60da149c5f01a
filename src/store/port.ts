// The narrow store port: SQL in the dialect both DuckDB and PostgreSQL accept, plus capability flags and
// helpers for the few places where the engines really differ. Nothing outside src/store knows which engine runs.

/** A value that may be bound as a query parameter. Timestamps are bound as ISO strings and cast in SQL. */
export type SqlParam = string | number | boolean | null | bigint;

/** A row as returned by either adapter: bigint/numeric as number, timestamps as ISO strings, JSON parsed. */
export type Row = Record<string, any>;

/** Runs SQL with positional `$1, $2, …` parameters. */
export interface SqlExecutor {
  /** Runs a statement and returns its rows (empty for statements without a result). */
  query<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]>;
  /** Runs a statement and returns nothing; use for DDL and writes whose rows you do not need. */
  exec(sql: string, params?: SqlParam[]): Promise<void>;
  /**
   * Runs an INSERT, UPDATE or DELETE and returns how many rows it changed: a guard's check without RETURNING,
   * which costs DuckDB a slow materialisation (an UPDATE of 1,000 rows took ~6x longer with RETURNING).
   */
  execCount(sql: string, params?: SqlParam[]): Promise<number>;
}

/** The executor a transaction hands to its callback: SQL plus a hook for when the transaction ends. */
export interface TxExecutor extends SqlExecutor {
  /**
   * Runs `cb(committed)` once the transaction has committed (true) or rolled back (false): for in-process caches
   * that may only learn what the database durably holds.
   */
  afterEnd(cb: (committed: boolean) => void): void;
}

/** True when `db` is a transaction executor (as opposed to the store itself). */
export const isTx = (db: SqlExecutor): db is TxExecutor => typeof (db as TxExecutor).afterEnd === 'function';

/** Runs the end-of-transaction callbacks; a failing callback must not turn a commit into an error. */
export function runEndCallbacks(cbs: Array<(committed: boolean) => void>, committed: boolean): void {
  for (const cb of cbs) {
    try {
      cb(committed);
    } catch {
      // callbacks only maintain caches; the transaction's outcome stands
    }
  }
}

/** Column description for {@link Store.jsonRows}. */
export interface JsonColumn {
  name: string;
  type: 'text' | 'bigint' | 'double' | 'numeric' | 'boolean' | 'timestamptz' | 'date' | 'json';
}

/** A consistent, read-only view of the whole database (backups): every read sees the same committed state. */
export interface SnapshotReader {
  query<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]>;
  /** Streams the rows of one SELECT (no parameters) in chunks of about `chunkRows`, so memory stays flat. */
  stream(sql: string, chunkRows?: number): AsyncIterable<Row[]>;
}

/** Differences between engines, as data rather than `if (engine === …)` in the modules. */
export interface StoreCapabilities {
  /** Several processes may open the same database at once (PostgreSQL), or only one (DuckDB file). */
  multiProcess: boolean;
  /** `FOR UPDATE SKIP LOCKED` row locks are available for job claiming. */
  skipLocked: boolean;
  /** Analytics over millions of rows run in well under a second (columnar engine). */
  fastAnalytics: boolean;
  /**
   * The engine runs in this process and bulk-loads CSV files from the local disk with DuckDB's `read_csv` and
   * `checkpoint_threshold` (several times faster than `jsonRows` for millions of rows).
   */
  localCsvLoad: boolean;
  /**
   * `IN (subquery)` and `NOT IN (subquery)` run as hash (mark/anti) joins wherever they appear — under OR or NOT
   * too — however large the subquery (DuckDB). False when only a top-level `IN` becomes a join and other forms are
   * per-row SubPlans that degrade to nested loops once the subquery outgrows work_mem (PostgreSQL): there, test
   * set membership with a LEFT JOIN instead.
   */
  subqueryJoins: boolean;
}

export interface Store extends SqlExecutor {
  readonly engine: 'duckdb' | 'postgres';
  readonly capabilities: StoreCapabilities;
  /**
   * Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. Write-write conflicts
   * (DuckDB "Conflict on update", PostgreSQL serialization failures) and errors carrying `retryable: true` (a
   * concurrent writer claimed the same key first) are retried a few times, so `fn` must be safe to re-run.
   */
  transaction<T>(fn: (tx: TxExecutor) => Promise<T>): Promise<T>;
  /**
   * A FROM-clause fragment that turns one JSON-array parameter into rows with typed columns, so a whole batch
   * is sent as a single parameter. `alias` names the derived table. Values of `json` columns are nested as they
   * are (objects), not pre-serialised strings — a string would be stored as a JSON string.
   * @example `INSERT INTO t (a, b) SELECT a, b FROM ${store.jsonRows(1, cols, 'r')}` with params [JSON.stringify(rows)]
   */
  jsonRows(paramIndex: number, columns: JsonColumn[], alias: string): string;
  /**
   * SQL for the text of top-level key `key` of the JSON value `json` (both SQL expressions; the key is usually a
   * bound parameter, so any key — dots, quotes, `$` — is data). NULL when the key is missing or JSON null; numbers
   * and booleans come back as their JSON text (`'12.5'`, `'true'`), nested values as JSON text.
   * @example `${store.jsonText('m.attributes', '$3')} = $4` with params […, 'level', 'gold']
   */
  jsonText(json: string, key: string): string;
  /** SQL converting the text expression `text` to DOUBLE PRECISION, or NULL (not an error) when it is no number. */
  tryDouble(text: string): string;
  /**
   * Runs `fn` on one consistent read-only snapshot (PostgreSQL: a REPEATABLE READ READ ONLY transaction; DuckDB: a
   * transaction on one connection, which sees the state at its start), e.g. to back up a running server.
   */
  snapshot<T>(fn: (snap: SnapshotReader) => Promise<T>): Promise<T>;
  /** Human description for logs, without secrets. */
  describe(): string;
  close(): Promise<void>;
}

/** SQL type names used in migrations, per engine. */
export interface DialectTypes {
  json: string;
  double: string;
  /**
   * Create secondary B-tree indexes for point lookups (PostgreSQL). DuckDB scans columns fast with zone maps, and
   * its ART indexes slow appends and turn updates of indexed columns into delete+insert, so it skips them.
   */
  secondaryIndexes: boolean;
  /**
   * Per-column storage hints, appended after a column's type (empty where the engine has none). DuckDB analyses
   * every column for the best compression when it writes; for tables rewritten wholesale by each run (scores, CLV
   * predictions) that analysis costs more than the write: `plain` stores as is (unique ids), `dictionary` for
   * columns with few values.
   */
  storage?: { plain: string; dictionary: string };
}
