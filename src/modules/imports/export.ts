// Member export to CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX (exceljs streaming writer), page by page.
import { createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { SiyuError, invalid } from '../../core/errors.ts';
import { csvField } from './report.ts';
import type { ImportApi } from './run-import.ts';
import type { MemberListItem } from '../members/service.ts';

/** Export columns, in order. */
export const EXPORT_COLUMNS = [
  'member_id', 'user_id', 'name', 'phone', 'email', 'gender', 'birthday', 'city', 'region', 'source_channel',
  'created_at', 'order_count', 'total_spend', 'last_order_at', 'tags',
] as const;

export type ExportFormat = 'csv' | 'xlsx';

/**
 * A member as GET /api/members lists it (the members module's shape); traits and tags may be absent in older or
 * trimmed responses, so the export tolerates their absence.
 */
export type ListedMember = Omit<MemberListItem, 'traits' | 'tags'> & { traits?: Partial<MemberListItem['traits']>; tags?: string[] };

/** One export row in EXPORT_COLUMNS order; tags joined with `;`. */
export function memberRow(m: ListedMember): (string | number | null)[] {
  return [
    m.id, m.user_id, m.name, m.phone, m.email, m.gender, m.birthday, m.city, m.region, m.source_channel, m.created_at,
    m.traits?.order_count ?? 0, m.traits?.total_spend ?? 0, m.traits?.last_order_at ?? null, (m.tags ?? []).join(';'),
  ];
}

/** The format a file name asks for. */
export function exportFormatOf(file: string): ExportFormat {
  const f = file.toLowerCase();
  if (f.endsWith('.csv')) return 'csv';
  if (f.endsWith('.xlsx')) return 'xlsx';
  throw invalid('export.unsupported_file', `Export to .csv or .xlsx, not ${file}`, 'out');
}

export interface SheetWriter {
  write(row: (string | number | null)[]): Promise<void>;
  /** Finishes the file (xlsx: writes the zip directory) and closes the output. */
  close(): Promise<void>;
}

/** A streaming writer of member rows with a header, to a file path or a stream. */
export function memberSheetWriter(format: ExportFormat, out: string | Writable): SheetWriter {
  if (format === 'xlsx') {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter(typeof out === 'string' ? { filename: out, useStyles: false, useSharedStrings: false } : { stream: out, useStyles: false, useSharedStrings: false });
    const ws = wb.addWorksheet('members');
    ws.addRow([...EXPORT_COLUMNS]).commit();
    return {
      async write(row) {
        ws.addRow(row.map((v) => (v === null ? undefined : v))).commit();
      },
      async close() {
        ws.commit();
        await wb.commit();
      },
    };
  }
  const stream = typeof out === 'string' ? createWriteStream(out) : out;
  const put = async (text: string) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  let started = false;
  return {
    async write(row) {
      if (!started) {
        started = true;
        await put('\uFEFF' + EXPORT_COLUMNS.join(',') + '\n');
      }
      await put(row.map(csvField).join(',') + '\n');
    },
    async close() {
      if (!started) await put('\uFEFF' + EXPORT_COLUMNS.join(',') + '\n');
      stream.end();
      if (typeof out === 'string') await once(stream, 'finish');
    },
  };
}

export interface ExportOptions {
  api: ImportApi;
  out: string;
  tag?: string;
  q?: string;
  pageSize?: number;
  onProgress?: (rows: number) => void;
}

/**
 * Pages through GET /api/members (optionally one tag or a search) and writes every member to `out`.
 * @example await exportMembers({ api, tag: 'VIP', out: 'vip.xlsx' })
 */
export async function exportMembers(opts: ExportOptions): Promise<{ rows: number; file: string; seconds: number }> {
  const started = performance.now();
  const format = exportFormatOf(opts.out);
  const writer = memberSheetWriter(format, opts.out);
  let rows = 0;
  let cursor: string | null = null;
  try {
    do {
      const qs = new URLSearchParams({ limit: String(opts.pageSize ?? 1000) });
      if (opts.tag) qs.set('tag', opts.tag);
      if (opts.q) qs.set('q', opts.q);
      if (cursor) qs.set('cursor', cursor);
      const res = await opts.api.request('GET', `/api/members?${qs}`);
      if (res.status !== 200) {
        const b = res.body as { type?: string; code?: string; message?: string } | null;
        throw new SiyuError(res.status === 404 ? 'not_found' : 'unavailable', b?.code ?? 'export.api_failed', `Listing members failed: HTTP ${res.status} ${b?.message ?? ''}`);
      }
      for (const m of res.body.data as ListedMember[]) {
        await writer.write(memberRow(m));
        rows++;
      }
      opts.onProgress?.(rows);
      cursor = res.body.next_cursor;
    } while (cursor);
  } catch (e) {
    await writer.close().catch(() => undefined);
    rmSync(opts.out, { force: true }); // no half-written export left behind
    throw e;
  }
  await writer.close();
  return { rows, file: opts.out, seconds: (performance.now() - started) / 1000 };
}
