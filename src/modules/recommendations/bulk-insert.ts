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
  if (type === 'text') return '"' + String(v).replaceAll('"', '""') + '"';
  return String(v);
}

/**
 * Inserts every chunk into `table` (workspace_id = `ws` plus `columns`, text/bigint/double only) inside `db`
 * (usually the training's transaction).
 */
export async function insertChunks(store: Store, db: SqlExecutor, table: string, ws: string, columns: JsonColumn[], chunks: Iterable<Row[]>): Promise<number> {
  const names = columns.map((c) => c.name).join(', ');
  let total = 0;
  if (!store.capabilities.localCsvLoad) {
    for (const rows of chunks) {
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
    for (const rows of chunks) {
      if (rows.length === 0) continue;
      const file = join(dir, `${table}-${seq++}.csv`);
      writeFileSync(file, rows.map((r) => columns.map((c) => csvField(r[c.name], c.type)).join(',')).join('\n') + '\n');
      // The path is this process's own temporary file (read_csv takes no parameter for it), never input.
      await db.exec(
        `INSERT INTO ${table} (workspace_id, ${names})
         SELECT $1, ${names} FROM read_csv('${file.replaceAll("'", "''")}', header = false, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {${spec}})`,
        [ws],
      );
      rmSync(file, { force: true });
      total += rows.length;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return total;
}
