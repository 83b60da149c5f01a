// Reads member refs from a file for bulk commands: one ref per line, or a CSV with a ref/member_id/user_id/phone… column.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { invalid } from '../../core/errors.ts';

/** One ref and the 1-based line of the file it came from (for error reports). */
export interface RefLine {
  line: number;
  ref: string;
}

// Column → how its values become refs; the first column present wins.
const COLUMNS: [string, (v: string) => string][] = [
  ['ref', (v) => v],
  ['member_id', (v) => v],
  ['user_id', (v) => `user_id:${v}`],
  ['phone', (v) => `phone:${v}`],
  ['email', (v) => `email:${v}`],
  ['member_card', (v) => `member_card:${v}`],
  ['unionid', (v) => `unionid:${v}`],
];

const HAS_PREFIX = /^(mem_|[a-z_]+:)/;

/**
 * Parses the text of a ref file. A first line naming one of the known columns makes it a CSV; otherwise every
 * non-blank line that does not start with `#` is a ref. `bareType` turns bare values (`13800000000`) into
 * `type:value` refs. Rows with an empty value are returned with ref '' so they are reported, not dropped.
 * @example parseRefText('ref\nuser_id:u1\nphone:138\n') // [{ line: 2, ref: 'user_id:u1' }, { line: 3, ref: 'phone:138' }]
 */
export function parseRefText(text: string, bareType?: string): RefLine[] {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const header = firstLine.split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
  const column = COLUMNS.find(([name]) => header.includes(name));
  const bare = (v: string) => (bareType && v !== '' && !HAS_PREFIX.test(v) ? `${bareType}:${v}` : v);
  if (column) {
    const [name, toRef] = column;
    const records = parse(body, { columns: (h: string[]) => h.map((x) => x.trim().toLowerCase()), skip_empty_lines: true, info: true, relax_column_count: true }) as {
      record: Record<string, string>;
      info: { lines: number };
    }[];
    return records.map(({ record, info }) => {
      const v = (record[name] ?? '').trim();
      return { line: info.lines, ref: v === '' ? '' : name === 'ref' ? bare(v) : toRef(v) };
    });
  }
  const out: RefLine[] = [];
  body.split(/\r?\n/).forEach((raw, i) => {
    const v = raw.trim();
    if (v === '' || v.startsWith('#')) return;
    out.push({ line: i + 1, ref: bare(v) });
  });
  return out;
}

/** Reads and parses a ref file; a file without any ref is an error (probably the wrong file). */
export function readRefFile(path: string, bareType?: string): RefLine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid('cli.file_unreadable', `Cannot read ${path}: ${(e as Error).message}`, 'file');
  }
  const refs = parseRefText(text, bareType);
  if (refs.length === 0) throw invalid('cli.file_empty', `${path} holds no member refs`, 'file');
  return refs;
}
