// The validation report of an import: one CSV line per problem (row, column, value, reason), written next to the file.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Rejection } from './records.ts';

/** Quotes a CSV field when it holds a delimiter, quote or line break. */
export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The report's text: header plus rejections ordered by row (stable within a row). */
export function reportCsv(rejections: Rejection[]): string {
  const sorted = rejections.map((r, i) => ({ r, i })).sort((a, b) => a.r.row - b.r.row || a.i - b.i);
  const lines = ['row,column,value,reason'];
  for (const { r } of sorted) lines.push([r.row, r.column, r.value, r.reason].map(csvField).join(','));
  return lines.join('\n') + '\n';
}

/** Default report location: `FILE.report.csv` next to the input. */
export const defaultReportPath = (file: string) => `${file}.report.csv`;

/**
 * Writes the report (or removes a stale one when nothing was rejected) and returns where it went. When the input's
 * folder is read-only (e.g. a shared data set), the report goes to the current directory instead.
 */
export function writeReport(path: string, rejections: Rejection[]): string | null {
  if (rejections.length === 0) {
    if (existsSync(path)) rmSync(path, { force: true });
    return null;
  }
  const text = reportCsv(rejections);
  try {
    writeFileSync(path, text);
    return path;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM') throw e;
    const fallback = resolve(basename(path));
    writeFileSync(fallback, text);
    return fallback;
  }
}
