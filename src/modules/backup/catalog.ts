// The tables of a store as both engines describe them (information_schema), reduced to the few column kinds Siyu's
// migrations use, with the SQL that reads each kind losslessly and the SQL type a restore casts back to.
import { invalid } from '../../core/errors.ts';
import type { Row, SqlParam } from '../../store/port.ts';

export type ColumnKind = 'text' | 'integer' | 'bigint' | 'double' | 'decimal' | 'boolean' | 'timestamptz' | 'timestamp' | 'date' | 'json';

export interface ColumnInfo {
  name: string;
  type: ColumnKind;
  /** DECIMAL precision and scale (absent: unconstrained). */
  precision?: number;
  /** False for NOT NULL columns (informative; a restore re-creates constraints through migrations). */
  nullable?: boolean;
  scale?: number;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  /** Primary key columns in key order; empty for tables without one (their rows are ordered by every column). */
  primary_key: string[];
}

interface Reader {
  query<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]>;
}

/** Bookkeeping tables that are not data: migrations are recorded in the archive's header instead. */
export const SCHEMA_TABLE = 'schema_migrations';
/** Present while a restore runs: a store holding it is half restored (a crash mid-restore), never "empty". */
export const RESTORE_MARKER = 'siyu_restore_in_progress';
/** Passing state, not brand data (rate-limit counters of the current window): not backed up, empty after a restore. */
export const EPHEMERAL_TABLES = new Set(['rate_limit_counters']);

const BASE_TABLES = `SELECT table_name FROM information_schema.tables
  WHERE table_schema = current_schema() AND table_catalog = current_database() AND table_type = 'BASE TABLE'`;

/** Names of the base tables in the store's current schema. */
export async function tableNames(db: Reader): Promise<string[]> {
  return (await db.query<{ table_name: string }>(BASE_TABLES)).map((r) => r.table_name).sort();
}

/** Every data table (not the migrations record, the restore marker nor passing state) with its columns and primary key. */
export async function readCatalog(db: Reader): Promise<TableInfo[]> {
  const cols = await db.query<{ table_name: string; column_name: string; data_type: string; numeric_precision: number | null; numeric_scale: number | null; is_nullable: string }>(
    `SELECT c.table_name, c.column_name, c.data_type, c.numeric_precision, c.numeric_scale, c.is_nullable
       FROM information_schema.columns c
      WHERE c.table_schema = current_schema() AND c.table_catalog = current_database()
        AND c.table_name IN (${BASE_TABLES})
      ORDER BY c.table_name, c.ordinal_position`,
  );
  const keys = await db.query<{ table_name: string; column_name: string }>(
    `SELECT k.table_name, k.column_name
       FROM information_schema.table_constraints c
       JOIN information_schema.key_column_usage k
         ON k.constraint_name = c.constraint_name AND k.table_name = c.table_name AND k.table_schema = c.table_schema
      WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = current_schema()
      ORDER BY k.table_name, k.ordinal_position`,
  );
  const tables = new Map<string, TableInfo>();
  for (const c of cols) {
    if (c.table_name === SCHEMA_TABLE || c.table_name === RESTORE_MARKER || EPHEMERAL_TABLES.has(c.table_name)) continue;
    let t = tables.get(c.table_name);
    if (!t) tables.set(c.table_name, (t = { name: c.table_name, columns: [], primary_key: [] }));
    t.columns.push({ ...columnOf(c.table_name, c.column_name, c.data_type, c.numeric_precision, c.numeric_scale), nullable: c.is_nullable !== 'NO' });
  }
  for (const k of keys) tables.get(k.table_name)?.primary_key.push(k.column_name);
  return [...tables.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function columnOf(table: string, name: string, dataType: string, precision: number | null, scale: number | null): ColumnInfo {
  const t = dataType.toUpperCase();
  const kind = kindOf(t);
  if (!kind) throw invalid('backup.column_type_unsupported', `Column ${table}.${name} has type ${dataType}, which backups do not handle`, `${table}.${name}`);
  if (kind !== 'decimal') return { name, type: kind };
  // PostgreSQL reports unconstrained NUMERIC with null precision.
  return precision == null ? { name, type: kind } : { name, type: kind, precision: Number(precision), scale: Number(scale ?? 0) };
}

function kindOf(t: string): ColumnKind | null {
  if (t === 'VARCHAR' || t === 'TEXT' || t.startsWith('CHARACTER')) return 'text';
  if (t === 'INTEGER' || t === 'SMALLINT' || t === 'TINYINT' || t === 'INT') return 'integer';
  if (t === 'BIGINT') return 'bigint';
  if (t === 'DOUBLE' || t === 'DOUBLE PRECISION' || t === 'REAL' || t === 'FLOAT') return 'double';
  if (t.startsWith('DECIMAL') || t.startsWith('NUMERIC')) return 'decimal';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'TIMESTAMP WITH TIME ZONE') return 'timestamptz';
  if (t === 'TIMESTAMP' || t === 'TIMESTAMP WITHOUT TIME ZONE') return 'timestamp';
  if (t === 'DATE') return 'date';
  if (t === 'JSON' || t === 'JSONB') return 'json';
  return null;
}

/** A quoted identifier (names come from the catalog, never from input). */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The SELECT expression that reads a column without loss on both engines: decimals, dates and JSON as their text
 * (exact), timestamps as text (microseconds; the drivers stop at milliseconds).
 */
export function readExpr(c: ColumnInfo): string {
  switch (c.type) {
    case 'decimal':
    case 'timestamptz':
    case 'timestamp':
    case 'date':
    case 'json':
      return `CAST(${ident(c.name)} AS VARCHAR) AS ${ident(c.name)}`;
    default:
      return ident(c.name);
  }
}

/** The SQL type a restore casts the archived text back to (both engines accept these spellings). */
export function sqlType(c: ColumnInfo): string {
  switch (c.type) {
    case 'text':
      return 'VARCHAR';
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE PRECISION';
    case 'decimal':
      return c.precision != null ? `DECIMAL(${c.precision},${c.scale ?? 0})` : 'DECIMAL(38,10)';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamptz':
      return 'TIMESTAMPTZ';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'date':
      return 'DATE';
    case 'json':
      return 'JSON';
  }
}

/**
 * SELECT of a whole table, lossless, in primary-key order (an index scan on PostgreSQL, and restores insert in key
 * order). Tables without a key are read as stored: checksums do not depend on row order.
 */
export function selectAll(t: TableInfo): string {
  const order = t.primary_key.length ? ` ORDER BY ${t.primary_key.map(ident).join(', ')}` : '';
  return `SELECT ${t.columns.map(readExpr).join(', ')} FROM ${ident(t.name)}${order}`;
}
