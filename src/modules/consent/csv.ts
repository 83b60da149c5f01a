// CSV of consent statements (pure): the history export (header row, RFC 4180 quoting) and the import reader, which
// turns CSV text into rows the import validates like JSON rows.
import { parse } from 'csv-parse/sync';
import { invalid } from '../../core/errors.ts';
import type { StatementRow } from './repo.ts';

/** Columns of the history export, in order. */
export const HISTORY_CSV_COLUMNS = ['id', 'member_id', 'channel', 'purpose', 'status', 'source', 'source_detail', 'operator', 'ip', 'user_agent', 'occurred_at', 'recorded_at'] as const;

/** Quotes a field when it holds a comma, quote or line break (RFC 4180). */
export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const historyCsvHeader = () => HISTORY_CSV_COLUMNS.join(',') + '\r\n';

/** CSV lines (each ending in CRLF) of history rows. */
export function historyCsvLines(rows: StatementRow[]): string {
  let out = '';
  for (const r of rows) out += HISTORY_CSV_COLUMNS.map((c) => csvField(r[c])).join(',') + '\r\n';
  return out;
}

const TRUE = new Set(['granted', 'true', '1', 'yes', 'y', 'opt_in', 'subscribed', '同意', '是']);
const FALSE = new Set(['revoked', 'false', '0', 'no', 'n', 'opt_out', 'unsubscribed', '拒绝', '退订', '否']);

/**
 * Import rows from CSV text with a header row (member, channel, purpose, status, source, source_detail, operator,
 * at, ip, user_agent): empty cells are left out, and status accepts granted/revoked, true/false, 1/0, yes/no.
 */
export function parseImportCsv(text: string): Record<string, unknown>[] {
  let records: Record<string, string>[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (e) {
    throw invalid('consent.import_csv_invalid', `The CSV could not be read: ${(e as Error).message}`, 'body');
  }
  return records.map((r) => {
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) if (v !== '') row[k] = v;
    return normaliseStatus(row);
  });
}

/** Maps spreadsheet-style status values (yes/no, 1/0, 同意/退订) to granted/revoked; others are left to validation. */
export function normaliseStatus(row: Record<string, unknown>): Record<string, unknown> {
  const s = row.status;
  if (typeof s === 'string') {
    const k = s.trim().toLowerCase();
    if (TRUE.has(k)) return { ...row, status: 'granted' };
    if (FALSE.has(k)) return { ...row, status: 'revoked' };
  }
  return row;
}
