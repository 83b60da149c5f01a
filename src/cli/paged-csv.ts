// Writing a CSV that the API serves page by page (RFM scores, CLV predictions): to FILE.part, renamed into place only
// when every page arrived, so a failed or interrupted export never leaves a truncated file under the real name.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { csvField } from '../modules/imports/report.ts';

export interface CsvPage {
  data: Array<Record<string, unknown>>;
  next_cursor: string | null;
}

/**
 * Writes a header of `columns` and every row of every page `fetchPage(cursor)` returns (starting with a null cursor,
 * until `next_cursor` is null) to `file`. Returns the number of rows; on any error removes the partial file.
 */
export async function writePagedCsv(file: string, columns: readonly string[], fetchPage: (cursor: string | null) => Promise<CsvPage>): Promise<number> {
  const part = `${file}.part`;
  const fd = openSync(part, 'w');
  let rows = 0;
  try {
    writeSync(fd, columns.join(',') + '\r\n');
    for (let cursor: string | null = null; ; ) {
      const page = await fetchPage(cursor);
      writeSync(fd, page.data.map((r) => columns.map((c) => csvField(r[c])).join(',') + '\r\n').join(''));
      rows += page.data.length;
      cursor = page.next_cursor;
      if (!cursor) break;
    }
  } catch (e) {
    closeSync(fd);
    rmSync(part, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(part, file);
  return rows;
}
