// Pure handling of code text: normalising a typed or uploaded code, parsing TXT/CSV uploads with line numbers, and
// checking a batch for bad and duplicate codes before anything is written.
import { parse } from 'csv-parse/sync';
import { SiyuError, invalid } from '../../core/errors.ts';
import { parseCodeFormat, type CodeFormat } from '../../core/loyalty/index.ts';

/**
 * Codes are case-insensitive in Siyu: stored and looked up upper-case, white space removed, so a code read out or
 * typed in lower case still matches. @example normalize(' vip-k7m2 ') // 'VIP-K7M2'
 */
export const normalize = (raw: string): string => raw.replace(/\s+/g, '').toUpperCase();

/** What an uploaded code may hold after normalising: printable ASCII, no comma (orders list several codes with commas). */
const CODE_PATTERN = /^[\x21-\x2b\x2d-\x7e]{4,64}$/;

/** The code format of a template or batch, refusing lower-case alphabets (they would collide once upper-cased). */
export function codeFormatOf(raw: unknown, field = 'format'): CodeFormat {
  let f: CodeFormat;
  try {
    f = parseCodeFormat(raw ?? {});
  } catch (e) {
    if (e instanceof SiyuError && e.field) throw new SiyuError(e.type, e.code, `${field}.${e.message}`, { field: `${field}.${e.field}`, details: e.details });
    throw e;
  }
  if (f.alphabet !== f.alphabet.toUpperCase()) {
    throw invalid('coupon_code.invalid_config', `${field}.alphabet: codes are case-insensitive, use upper-case letters and digits`, `${field}.alphabet`);
  }
  return f;
}

export interface CodeLine {
  line: number;
  code: string;
}

/**
 * The codes of an uploaded file with their 1-based line numbers. TXT: one code per line, blank lines and lines
 * starting with `#` skipped. CSV: a header row naming a `code` column (case-insensitive); the header is line 1.
 */
export function parseCodeText(text: string, format: 'txt' | 'csv'): CodeLine[] {
  const body = text.replace(/^\uFEFF/, '');
  if (format === 'txt') {
    const out: CodeLine[] = [];
    body.split(/\r\n|\n|\r/).forEach((l, i) => {
      const s = l.trim();
      if (s !== '' && !s.startsWith('#')) out.push({ line: i + 1, code: s });
    });
    return out;
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(body, { info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (e) {
    throw invalid('coupon_code.invalid_csv', `text: not readable as CSV: ${(e as Error).message}`, 'text');
  }
  if (records.length === 0) return [];
  const col = records[0].record.findIndex((h) => h.trim().toLowerCase() === 'code');
  if (col < 0) throw invalid('coupon_code.no_code_column', 'text: the CSV header has no "code" column', 'text');
  return records.slice(1).flatMap((r) => {
    const code = (r.record[col] ?? '').trim();
    return code === '' ? [] : [{ line: r.info.lines, code }];
  });
}

/** The codes of a list (line n = element n). */
export const codeLinesOf = (codes: string[]): CodeLine[] => codes.map((code, i) => ({ line: i + 1, code: code.trim() }));

/** Most problem lines an error lists (the count is complete). */
const SHOWN = 100;

/**
 * Normalises every code and refuses the batch when any is malformed or appears twice: 400 with the line numbers
 * (`coupon_code.invalid` / `coupon_code.duplicate`). Returns the normalised codes in file order.
 */
export function checkUpload(lines: CodeLine[]): CodeLine[] {
  if (lines.length === 0) throw invalid('coupon_code.empty_upload', 'text: the upload holds no codes', 'text');
  const bad = lines.filter((l) => !CODE_PATTERN.test(normalize(l.code)));
  if (bad.length > 0) {
    throw invalid('coupon_code.invalid', `codes must be 4 to 64 printable characters without commas: ${listLines(bad.map((b) => b.line))}`, 'text', {
      lines: bad.slice(0, SHOWN).map((b) => b.line), count: bad.length,
    });
  }
  const first = new Map<string, number>();
  const dups: { line: number; first: number; code: string }[] = [];
  const out = lines.map((l) => {
    const code = normalize(l.code);
    const seen = first.get(code);
    if (seen !== undefined) dups.push({ line: l.line, first: seen, code });
    else first.set(code, l.line);
    return { line: l.line, code };
  });
  if (dups.length > 0) {
    const shown = dups.slice(0, 10).map((d) => `line ${d.line} repeats line ${d.first} (${d.code})`).join('; ');
    throw new SiyuError('invalid_data', 'coupon_code.duplicate', `${dups.length} duplicate code(s) in the upload: ${shown}`, {
      field: 'text', details: { lines: dups.slice(0, SHOWN).map((d) => d.line), duplicates: dups.slice(0, SHOWN), count: dups.length },
    });
  }
  return out;
}

/** The error for codes that already exist in the workspace, with their lines. */
export function existingCodesError(clashes: CodeLine[]): SiyuError {
  return new SiyuError('duplicate', 'coupon_code.exists', `${clashes.length} code(s) already exist in this workspace: ${listLines(clashes.map((c) => c.line))}`, {
    field: 'text', details: { lines: clashes.slice(0, SHOWN).map((c) => c.line), codes: clashes.slice(0, SHOWN).map((c) => c.code), count: clashes.length },
  });
}

const listLines = (lines: number[]) => `line${lines.length > 1 ? 's' : ''} ${lines.slice(0, 20).join(', ')}${lines.length > 20 ? ` and ${lines.length - 20} more` : ''}`;
