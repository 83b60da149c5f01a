// Restores a backup archive into an empty store of either engine: schema at the archive's version, rows in
// batches, verified against the archive's counts and checksums, then migrated forward to this build's schema.
// All or nothing: any failure drops what the restore created, leaving the target empty, and names the table/row.
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { SiyuError } from '../../core/errors.ts';
import type { JsonColumn, Store } from '../../store/port.ts';
import { dialectTypes, LATEST_VERSION, migrate, MIGRATIONS } from '../../store/migrations/index.ts';
import { ident, readCatalog, RESTORE_MARKER, SCHEMA_TABLE, selectAll, sqlType, tableNames, type ColumnInfo, type TableInfo } from './catalog.ts';
import { encodeRow, FORMAT, FORMAT_VERSION, RowChecksum, type ArchiveHeader, type TableEnd, type TableStart, type Trailer } from './archive.ts';

export interface RestoreOptions {
  /** Replace whatever the target holds (default: refuse a target with data). */
  force?: boolean;
  /** Rows per INSERT (default 5,000). */
  batchRows?: number;
  onProgress?: (p: { table: string; rows: number; totalRows: number; stage: 'load' | 'verify' }) => void;
}

export interface RestoreSummary {
  /** Schema version of the archive, and of the store after migrating forward. */
  archive_schema_version: number;
  schema_version: number;
  /** Migrations applied after the rows were loaded (the archive came from an older Siyu). */
  migrated: number[];
  tables: number;
  rows: number;
  source: string;
  created_at: string;
  seconds: number;
}

const KEYS_NOTE =
  'Personal data (names, phones, emails, addresses) is restored as the ciphertext it was backed up as: start Siyu on the restored store with the same data keys (SIYU_DATA_KEYS) as the store that was backed up.';

const corrupt = (message: string) => new SiyuError('invalid_data', 'restore.archive_corrupt', message, { field: 'file' });

/** Lines of a gzip'd stream, numbered from 1; gzip and stream errors surface as corruption. */
async function* lines(input: Readable): AsyncGenerator<{ no: number; text: string }> {
  const gunzip = createGunzip();
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  gunzip.setEncoding('utf8');
  let rest = '';
  let no = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<string>) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const text of parts) yield { no: ++no, text };
    }
  } catch (e) {
    const m = String((e as Error).message ?? e);
    throw corrupt(`The archive is damaged or truncated after line ${no} (${m}); nothing was restored from it`);
  } finally {
    input.unpipe(gunzip);
    gunzip.destroy();
    (input as { destroy?: () => void }).destroy?.();
  }
  if (rest) yield { no: ++no, text: rest };
}

class LineReader {
  private readonly it: AsyncGenerator<{ no: number; text: string }>;
  line = 0;
  constructor(input: Readable) {
    this.it = lines(input);
  }
  async next(): Promise<string | null> {
    const r = await this.it.next();
    if (r.done) return null;
    this.line = r.value.no;
    return r.value.text;
  }
  async control<T>(what: string): Promise<T> {
    const text = await this.next();
    if (text === null) throw corrupt(`The archive ends early (after line ${this.line}, expecting ${what}): it is truncated`);
    try {
      const v = JSON.parse(text);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as T;
    } catch {
      // reported below
    }
    throw corrupt(`Line ${this.line} of the archive is not ${what}`);
  }
  async close() {
    await this.it.return(undefined);
  }
}

/** Reads and checks the header: a Siyu archive this build can restore. */
export function checkHeader(h: Partial<ArchiveHeader>): ArchiveHeader {
  if (h.format !== FORMAT) throw new SiyuError('invalid_data', 'restore.archive_invalid', 'The file is not a Siyu backup archive', { field: 'file' });
  if (h.format_version !== FORMAT_VERSION) {
    throw new SiyuError('invalid_data', 'restore.format_unsupported', `Archive format ${h.format_version} is not supported by this Siyu (it reads format ${FORMAT_VERSION})`, { field: 'file' });
  }
  const latest = LATEST_VERSION();
  if (typeof h.schema_version !== 'number' || h.schema_version > latest) {
    throw new SiyuError('invalid_data', 'restore.schema_newer', `The archive is at schema version ${h.schema_version}, newer than this Siyu (${latest}): restore it with a Siyu at least as new`, { field: 'file' });
  }
  const known = new Map(MIGRATIONS.map((m) => [m.version, m.name]));
  for (const [v, name] of h.migrations ?? []) {
    if (known.get(v) !== name) {
      throw new SiyuError('invalid_data', 'restore.schema_unknown', `The archive's migration ${v} is "${name}", which this Siyu knows as "${known.get(v) ?? 'nothing'}"`, { field: 'file' });
    }
  }
  if (!Array.isArray(h.tables)) throw corrupt('The archive header lists no tables');
  return h as ArchiveHeader;
}

/** Every table Siyu's migrations create (on this engine): what a restore may drop and re-create. */
export function migrationTables(engine: Store['engine']): Set<string> {
  const names = new Set<string>([SCHEMA_TABLE, RESTORE_MARKER]);
  for (const m of MIGRATIONS) {
    for (const stmt of m.up(dialectTypes(engine))) {
      for (const hit of stmt.matchAll(/CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"?([A-Za-z_][A-Za-z0-9_]*)"?/gi)) names.add(hit[1]);
    }
  }
  return names;
}

/**
 * Siyu tables in the store that hold brand data, and whether a restore was left half done. Brand data is every row
 * of `workspaces` and of the tables with a `workspace_id`; rows migrations seed (settings, state flags) are not:
 * a freshly migrated store counts as empty.
 */
export async function targetState(store: Store, extra: Iterable<string> = []): Promise<{ nonEmpty: string[]; partial: boolean; existing: string[] }> {
  const known = migrationTables(store.engine);
  for (const t of extra) known.add(t);
  const existing = (await tableNames(store)).filter((t) => known.has(t));
  const nonEmpty: string[] = [];
  for (const t of await readCatalog(store)) {
    if (!known.has(t.name) || (t.name !== 'workspaces' && !t.columns.some((c) => c.name === 'workspace_id'))) continue;
    if ((await store.query(`SELECT 1 AS x FROM ${ident(t.name)} LIMIT 1`)).length) nonEmpty.push(t.name);
  }
  return { nonEmpty, partial: existing.includes(RESTORE_MARKER), existing };
}

async function dropAll(store: Store, tables: string[]): Promise<void> {
  // The marker last: a crash while dropping still leaves a store that says it is half restored.
  const order = [...tables.filter((t) => t !== RESTORE_MARKER), ...tables.filter((t) => t === RESTORE_MARKER)];
  for (const t of order) await store.exec(`DROP TABLE IF EXISTS ${ident(t)}`);
}

/** Restores the archive read from `input` (the gzip'd bytes) into `store`. */
export async function restoreBackup(store: Store, input: Readable, opts: RestoreOptions = {}): Promise<RestoreSummary> {
  const started = Date.now();
  const reader = new LineReader(input);
  let header: ArchiveHeader;
  try {
    const first = await reader.next();
    if (first === null) throw corrupt('The archive is empty');
    let parsed: Partial<ArchiveHeader>;
    try {
      parsed = JSON.parse(first);
    } catch {
      throw new SiyuError('invalid_data', 'restore.archive_invalid', 'The file is not a Siyu backup archive (its first line is no header)', { field: 'file' });
    }
    header = checkHeader(parsed);
  } catch (e) {
    await reader.close().catch(() => undefined);
    throw e;
  }

  const archiveTables = header.tables.map((t) => t.name);
  const state = await targetState(store, archiveTables);
  if (state.partial && !opts.force) {
    await reader.close();
    throw new SiyuError('conflict', 'restore.target_partial', `An earlier restore into ${store.describe()} did not finish; run the restore again with --force to replace what it left`, { field: 'target' });
  }
  if (state.nonEmpty.length && !opts.force) {
    await reader.close();
    const list = state.nonEmpty.slice(0, 5).join(', ') + (state.nonEmpty.length > 5 ? `, … (${state.nonEmpty.length} tables)` : '');
    throw new SiyuError('conflict', 'restore.target_not_empty', `The target ${store.describe()} already holds data (${list}); restore into an empty store, or pass --force to replace it`, { field: 'target' });
  }

  const created = new Set<string>([...migrationTables(store.engine), ...archiveTables]);
  try {
    await dropAll(store, state.existing);
    await store.exec(`CREATE TABLE ${RESTORE_MARKER} (started_at TIMESTAMPTZ NOT NULL, archive_created_at VARCHAR)`);
    await store.exec(`INSERT INTO ${RESTORE_MARKER} (started_at, archive_created_at) VALUES ($1::TIMESTAMPTZ, $2)`, [new Date().toISOString(), header.created_at ?? null]);
    await migrate(store, { to: header.schema_version });
    const target = new Map((await readCatalog(store)).map((t) => [t.name, t]));
    const totalRows = header.tables.reduce((a, t) => a + Number(t.rows || 0), 0);
    const loaded: { table: TableInfo; end: TableEnd }[] = [];
    let rows = 0;
    for (;;) {
      const ctl = await reader.control<Partial<TableStart & Trailer>>('a table start or the end of the archive');
      if (ctl.end === FORMAT) {
        if (ctl.tables !== loaded.length || ctl.rows !== rows) throw corrupt(`The archive's trailer lists ${ctl.tables} tables and ${ctl.rows} rows, but it held ${loaded.length} and ${rows}`);
        break;
      }
      if (typeof ctl.table !== 'string' || !Array.isArray(ctl.columns)) throw corrupt(`Line ${reader.line} of the archive is not a table start`);
      const info: TableInfo = { name: ctl.table, columns: ctl.columns, primary_key: ctl.primary_key ?? [] };
      const n = await loadTable(store, reader, info, target.get(info.name), opts, (r) => {
        rows += r;
        opts.onProgress?.({ table: info.name, rows, totalRows, stage: 'load' });
      });
      loaded.push({ table: info, end: n });
    }
    if (loaded.length !== header.tables.length) throw corrupt(`The archive header lists ${header.tables.length} tables but it held ${loaded.length}`);
    await reader.close();

    // Read every table back and compare with the archive: catches values an engine stored differently.
    let verified = 0;
    await store.snapshot(async (snap) => {
      for (const { table, end } of loaded) {
        const sum = new RowChecksum();
        for await (const chunk of snap.stream(selectAll(table))) {
          for (const r of chunk) sum.add(encodeRow(table.columns, r));
          verified += chunk.length;
          opts.onProgress?.({ table: table.name, rows: verified, totalRows, stage: 'verify' });
        }
        if (sum.count !== end.rows || sum.hex() !== end.checksum) {
          throw new SiyuError('conflict', 'restore.verify_failed', `Table ${table.name}: ${sum.count} rows read back, checksum ${sum.hex()}, but the archive holds ${end.rows} rows with checksum ${end.checksum}`, { field: table.name });
        }
      }
    });

    const migrated = await migrate(store);
    await store.exec(`DROP TABLE ${RESTORE_MARKER}`);
    return {
      archive_schema_version: header.schema_version,
      schema_version: LATEST_VERSION(),
      migrated,
      tables: loaded.length,
      rows,
      source: header.source,
      created_at: header.created_at,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (e) {
    await reader.close().catch(() => undefined);
    let cleanup = '';
    try {
      const left = (await tableNames(store)).filter((t) => created.has(t));
      await dropAll(store, left);
    } catch (c) {
      cleanup = ` Removing the partial restore failed too (${(c as Error).message}): run the restore again with --force.`;
    }
    const err = e instanceof SiyuError ? e : new SiyuError('unavailable', 'restore.failed', `Restore failed: ${(e as Error).message}`);
    const msg = `${err.message.replace(/\.$/, '')}. The target was left empty.${cleanup}`;
    throw new SiyuError(err.type, err.code, msg, { field: err.field, details: err.details });
  }
}

/** Loads one table's rows in batches; checks them against the table's end line. */
async function loadTable(store: Store, reader: LineReader, t: TableInfo, target: TableInfo | undefined, opts: RestoreOptions, progress: (rows: number) => void): Promise<TableEnd> {
  if (!target) {
    // A table no migration of this version creates (added by hand or a plugin): re-create it as it was.
    const cols = t.columns.map((c) => `${ident(c.name)} ${sqlType(c)}`);
    if (t.primary_key.length) cols.push(`PRIMARY KEY (${t.primary_key.map(ident).join(', ')})`);
    await store.exec(`CREATE TABLE ${ident(t.name)} (${cols.join(', ')})`);
  } else {
    const have = new Set(target.columns.map((c) => c.name));
    const missing = t.columns.filter((c) => !have.has(c.name)).map((c) => c.name);
    if (missing.length) {
      throw new SiyuError('invalid_data', 'restore.schema_mismatch', `Table ${t.name} at schema version of the archive has no column ${missing.join(', ')}: the archive does not match its declared schema`, { field: t.name });
    }
    // Rows a migration seeds (defaults, state flags) give way to the archive's.
    await store.exec(`DELETE FROM ${ident(t.name)}`);
  }
  const cols: JsonColumn[] = t.columns.map((_, i) => ({ name: `c${i}`, type: 'text' }));
  const exprs = t.columns.map((c, i) => (c.type === 'text' ? `r."c${i}"` : `CAST(r."c${i}" AS ${sqlType(c)})`));
  const sql = `INSERT INTO ${ident(t.name)} (${t.columns.map((c) => ident(c.name)).join(', ')}) SELECT ${exprs.join(', ')} FROM ${store.jsonRows(1, cols, 'r')}`;
  const batchRows = opts.batchRows ?? 5000;
  const sum = new RowChecksum();
  let batch: Record<string, unknown>[] = [];
  let firstRow = 1;
  const flush = async () => {
    if (!batch.length) return;
    try {
      await store.exec(sql, [JSON.stringify(batch)]);
    } catch (e) {
      await pinpoint(store, sql, t, batch, firstRow, e);
    }
    progress(batch.length);
    firstRow += batch.length;
    batch = [];
  };
  for (;;) {
    const text = await reader.next();
    if (text === null) throw corrupt(`The archive ends inside table ${t.name} (after its row ${sum.count}): it is truncated`);
    if (text.startsWith('{')) {
      await flush();
      let end: Partial<TableEnd>;
      try {
        end = JSON.parse(text);
      } catch {
        throw corrupt(`Line ${reader.line} of the archive (end of table ${t.name}) is damaged`);
      }
      if (end.end_table !== t.name) throw corrupt(`Line ${reader.line} of the archive should end table ${t.name}`);
      if (end.rows !== sum.count || end.checksum !== sum.hex()) {
        throw corrupt(`Table ${t.name} in the archive does not match its checksum (${sum.count} rows read, ${end.rows} recorded): the archive is damaged`);
      }
      return end as TableEnd;
    }
    let values: unknown;
    try {
      values = JSON.parse(text);
    } catch {
      values = null;
    }
    if (!Array.isArray(values) || values.length !== t.columns.length) throw corrupt(`Table ${t.name}, row ${sum.count + 1} (archive line ${reader.line}) is damaged`);
    sum.add(text);
    const o: Record<string, unknown> = {};
    for (let i = 0; i < values.length; i++) o[`c${i}`] = values[i];
    batch.push(o);
    if (batch.length >= batchRows) await flush();
  }
}

/** A batch failed: insert its rows one by one to name the row the store refuses. */
async function pinpoint(store: Store, sql: string, t: TableInfo, batch: Record<string, unknown>[], firstRow: number, batchError: unknown): Promise<never> {
  // Earlier rows of the batch are kept only to find the culprit; the whole restore is dropped on the way out.
  for (let i = 0; i < batch.length; i++) {
    try {
      await store.exec(sql, [JSON.stringify([batch[i]])]);
    } catch (e) {
      const key = t.primary_key.length ? ` (${t.primary_key.map((k) => `${k}=${JSON.stringify(batch[i][`c${t.columns.findIndex((c) => c.name === k)}`])}`).join(', ')})` : '';
      throw new SiyuError('invalid_data', 'restore.row_rejected', `Table ${t.name}, row ${firstRow + i}${key} was refused by the store: ${(e as Error).message}`, { field: t.name });
    }
  }
  throw new SiyuError('invalid_data', 'restore.row_rejected', `Table ${t.name}, rows ${firstRow}–${firstRow + batch.length - 1} were refused by the store: ${(batchError as Error).message}`, { field: t.name });
}

export { KEYS_NOTE };

/** Reads a whole archive and checks it (header, every table's rows against its checksum, the trailer) without a store. */
export async function inspectArchive(input: Readable): Promise<{ header: ArchiveHeader; tables: number; rows: number }> {
  const reader = new LineReader(input);
  try {
    const first = await reader.next();
    if (first === null) throw corrupt('The archive is empty');
    let parsed: Partial<ArchiveHeader>;
    try {
      parsed = JSON.parse(first);
    } catch {
      throw new SiyuError('invalid_data', 'restore.archive_invalid', 'The file is not a Siyu backup archive (its first line is no header)', { field: 'file' });
    }
    const header = checkHeader(parsed);
    let tables = 0;
    let rows = 0;
    for (;;) {
      const ctl = await reader.control<Partial<TableStart & Trailer>>('a table start or the end of the archive');
      if (ctl.end === FORMAT) {
        if (ctl.tables !== tables || ctl.rows !== rows || tables !== header.tables.length) throw corrupt(`The archive's trailer lists ${ctl.tables} tables and ${ctl.rows} rows, but it held ${tables} and ${rows}`);
        return { header, tables, rows };
      }
      if (typeof ctl.table !== 'string' || !Array.isArray(ctl.columns)) throw corrupt(`Line ${reader.line} of the archive is not a table start`);
      const sum = new RowChecksum();
      for (;;) {
        const text = await reader.next();
        if (text === null) throw corrupt(`The archive ends inside table ${ctl.table} (after its row ${sum.count}): it is truncated`);
        if (text.startsWith('{')) {
          const end = JSON.parse(text) as Partial<TableEnd>;
          if (end.end_table !== ctl.table || end.rows !== sum.count || end.checksum !== sum.hex()) throw corrupt(`Table ${ctl.table} in the archive does not match its checksum: the archive is damaged`);
          break;
        }
        sum.add(text);
      }
      tables++;
      rows += sum.count;
    }
  } catch (e) {
    if (e instanceof SyntaxError) throw corrupt(`Line ${reader.line} of the archive is damaged`);
    throw e;
  } finally {
    await reader.close().catch(() => undefined);
  }
}
export type { ColumnInfo };
