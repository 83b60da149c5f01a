// Streaming file readers for imports: .csv, .csv.gz, .xlsx and whitespace-separated .txt, as rows of cells.
import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { invalid } from '../../core/errors.ts';
import { parseNumber } from './fields.ts';

/** One data row: its number as a person counts rows in the file (header = row 1) and its cells. */
export interface SourceRow {
  row: number;
  cells: unknown[];
}

/** Reading options from a mapping's `format`. */
export interface SourceFormat {
  delimiter?: string;
  header?: boolean | 'auto';
  columns?: Record<string, string[]>;
  sheet?: string;
}

export interface SourceReader {
  /** Column names: the header row, or the mapping's names for headerless files, or col1..colN. */
  header: string[];
  rows: AsyncIterable<SourceRow>;
  /** Bytes of the file consumed so far (compressed bytes for .gz), for progress. */
  bytesRead(): number;
  totalBytes: number;
  /** Stops reading early and releases the file. */
  close(): void;
}

export type FileType = 'csv' | 'xlsx' | 'txt';

/** The reader a file name selects: .csv/.csv.gz/.tsv → csv, .xlsx → xlsx, .txt(.gz) → whitespace text. */
export function fileTypeOf(file: string): FileType {
  const f = file.toLowerCase().replace(/\.gz$/, '');
  if (f.endsWith('.csv') || f.endsWith('.tsv')) return 'csv';
  if (f.endsWith('.xlsx')) return 'xlsx';
  if (f.endsWith('.txt') || f.endsWith('.dat')) return 'txt';
  throw invalid('import.unsupported_file', `Cannot import ${file}: use .csv, .csv.gz, .xlsx or .txt`, 'file');
}

function countingStream(file: string): { stream: Readable; bytes: () => number } {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let n = 0;
  stream.on('data', (chunk) => {
    n += chunk.length;
  });
  return { stream, bytes: () => n };
}

/** Spreadsheet cell objects (rich text, formulas, hyperlinks) as plain values. */
function cellValue(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object' || v instanceof Date) return v;
  const o = v as Record<string, any>;
  if (Array.isArray(o.richText)) return o.richText.map((t: { text: string }) => t.text).join('');
  if ('result' in o) return cellValue(o.result);
  if ('text' in o) return cellValue(o.text);
  if ('error' in o) return undefined;
  return String(v);
}

const isBlank = (cells: unknown[]) => cells.every((c) => c === undefined || c === null || (typeof c === 'string' && c.trim() === ''));

/** Pipes `from` into `to` and fails `to` when `from` fails (plain pipe() would leave the reader waiting). */
function pipeWithErrors<T extends NodeJS.WritableStream & Readable>(from: Readable, to: T): T {
  from.on('error', (e) => to.destroy(e));
  return from.pipe(to);
}

async function* csvRows(stream: Readable, delimiter: string): AsyncGenerator<SourceRow> {
  const parser = pipeWithErrors(stream, parse({ delimiter, bom: true, relax_column_count: true, skip_empty_lines: true, info: true, trim: false }));
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    // info.lines is the line the record ends on; quoted newlines inside it move its start up.
    let inner = 0;
    for (const f of record) for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) inner++;
    if (isBlank(record)) continue;
    yield { row: info.lines - inner, cells: record };
  }
}

async function* textRows(stream: Readable): AsyncGenerator<SourceRow> {
  // Iterating the stream itself (rather than readline) makes read and gunzip errors reach the caller.
  let line = 0;
  let rest = '';
  const decoder = new TextDecoder('utf-8');
  const emit = function* (text: string) {
    line++;
    const t = text.trim();
    if (t) yield { row: line, cells: t.split(/\s+/) };
  };
  for await (const chunk of stream) {
    const lines = (rest + decoder.decode(chunk as Buffer, { stream: true })).split('\n');
    rest = lines.pop()!;
    for (const l of lines) yield* emit(l);
  }
  rest += decoder.decode();
  if (rest) yield* emit(rest);
}

async function* xlsxRows(stream: Readable, sheet: string | undefined): AsyncGenerator<SourceRow> {
  const wb = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    sharedStrings: 'cache',
    styles: 'cache', // needed to recognise date cells
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'emit',
  });
  for await (const ws of wb) {
    const name = (ws as unknown as { name?: string }).name;
    if (sheet && name !== sheet) continue;
    for await (const r of ws as unknown as AsyncIterable<{ number: number; values: unknown[] }>) {
      const cells = (r.values as unknown[]).slice(1).map(cellValue);
      if (isBlank(cells)) continue;
      yield { row: r.number, cells };
    }
    return;
  }
  if (sheet) throw invalid('import.sheet_missing', `The workbook has no worksheet named ${sheet}`, 'format.sheet');
}

function looksLikeHeader(cells: unknown[]): boolean {
  return cells.every((c) => c === undefined || c === null || (typeof c !== 'number' && !(c instanceof Date) && parseNumber(c) === null));
}

/**
 * Opens a file for streaming rows. The first row is the header unless `format.header` is false, or `auto` and
 * the row looks like data (a numeric cell); then `format.columns[<cell count>]` names the columns.
 * @example const src = await openSource('orders.csv.gz'); for await (const { row, cells } of src.rows) { … }
 */
export async function openSource(file: string, format: SourceFormat = {}): Promise<SourceReader> {
  const type = fileTypeOf(file);
  const totalBytes = statSync(file).size;
  const { stream, bytes } = countingStream(file);
  const input: Readable = file.toLowerCase().endsWith('.gz') ? pipeWithErrors(stream, createGunzip()) : stream;
  let gen: AsyncGenerator<SourceRow>;
  if (type === 'xlsx') gen = xlsxRows(input, format.sheet);
  else if (type === 'txt' && (!format.delimiter || format.delimiter === 'whitespace')) gen = textRows(input);
  else {
    const delimiter = format.delimiter && format.delimiter !== 'whitespace' ? format.delimiter : file.toLowerCase().includes('.tsv') ? '\t' : ',';
    gen = csvRows(input, delimiter);
  }
  const first = await gen.next();
  const headerMode = format.header ?? true;
  let pending: SourceRow | undefined;
  let header: string[] = [];
  if (!first.done) {
    const isHeader = headerMode === 'auto' ? looksLikeHeader(first.value.cells) : headerMode;
    if (isHeader) header = first.value.cells.map((c, i) => (c === undefined || c === null || String(c).trim() === '' ? `col${i + 1}` : String(c).trim()));
    else {
      pending = first.value;
      const n = first.value.cells.length;
      header = format.columns?.[String(n)] ?? Array.from({ length: n }, (_, i) => `col${i + 1}`);
    }
  }
  async function* rows(): AsyncGenerator<SourceRow> {
    if (pending) yield pending;
    yield* gen;
  }
  return {
    header,
    rows: rows(),
    bytesRead: bytes,
    totalBytes,
    close: () => {
      stream.destroy();
      void gen.return(undefined);
    },
  };
}
