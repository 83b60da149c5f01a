// Inserts the trained rows chunk by chunk: through a temporary CSV and DuckDB's read_csv where the engine reads this
// process's files (about 5× faster than parsing JSON, see src/modules/demo/bulk-writer.ts), else as one JSON
// parameter per chunk (`store.jsonRows`, both engines).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonColumn, Row, SqlExecutor, Store } from '../../store/port.ts';

const DUCK_TYPES: Partial<Record<JsonColumn['type'], string>> = { text: 'VARCHAR', bigint: 'BIGINT', double: 'DOUBLE' };

function csvField(v: unknown, type: JsonColumn['type']): string {
  if (v === null || v === undefined) return '';
  if (type === 'text') return csvText(String(v));
  return String(v);
}

/** A CSV field of text, quoted and escaped: producers of {@link LineChunk}s quote each distinct id once. */
export const csvText = (v: string): string => '"' + v.replaceAll('"', '""') + '"';

/**
 * A chunk that writes itself as CSV lines (the columns in order, text quoted with {@link csvText}) without building
 * row objects — millions of trained rows are written this way on DuckDB — or as rows for the JSON path.
 */
export interface LineChunk {
  length: number;
  csv(): string;
  rows(): Row[];
}

const isLineChunk = (c: Row[] | LineChunk): c is LineChunk => !Array.isArray(c);

/**
 * Inserts every chunk into `table` (workspace_id = `ws` plus `columns`, text/bigint/double only) inside `db`
 * (usually the training's transaction).
 */
export async function insertChunks(store: Store, db: SqlExecutor, table: string, ws: string, columns: JsonColumn[], chunks: Iterable<Row[] | LineChunk>): Promise<number> {
  const names = columns.map((c) => c.name).join(', ');
  let total = 0;
  if (!store.capabilities.localCsvLoad) {
    for (const chunk of chunks) {
      const rows = isLineChunk(chunk) ? chunk.rows() : chunk;
      if (rows.length === 0) continue;
      await db.exec(`INSERT INTO ${table} (workspace_id, ${names}) SELECT $1, ${columns.map((c) => `r.${c.name}`).join(', ')} FROM ${store.jsonRows(2, columns, 'r')}`, [ws, JSON.stringify(rows)]);
      total += rows.length;
    }
    return total;
  }
  const dir = mkdtempSync(join(tmpdir(), 'siyu-rec-'));
  const spec = columns.map((c) => `'${c.name}': '${DUCK_TYPES[c.type]}'`).join(', ');
  try {
    let seq = 0;
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      const file = join(dir, `${table}-${seq++}.csv`);
      writeFileSync(file, isLineChunk(chunk) ? chunk.csv() : chunk.map((r) => columns.map((c) => csvField(r[c.name], c.type)).join(',')).join('\n') + '\n');
      // The path is this process's own temporary file (read_csv takes no parameter for it), never input.
      await db.exec(
        `INSERT INTO ${table} (workspace_id, ${names})
         SELECT $1, ${names} FROM read_csv('${file.replaceAll("'", "''")}', header = false, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {${spec}})`,
        [ws],
      );
      rmSync(file, { force: true });
      total += chunk.length;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return total;
}
