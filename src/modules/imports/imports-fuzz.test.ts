// Property-based fuzzing of the import parser and pipeline on both stores: arbitrary CSV-ish and XLSX-ish bytes with
// arbitrary mappings either import (bad rows in the report with row and column) or fail with a SiyuError code; never a
// crash, and a failed import writes nothing. The batch endpoint answers arbitrary records with 200 or 4xx.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiOf } from '../../../test/support/import-api.ts';
import { fuzzRuns, nastyJson, nastyNumber, nastyString } from '../../../test/support/hostile.ts';
import { isSiyuError } from '../../core/errors.ts';
import { TARGET_FIELDS, IMPORT_KINDS, type ImportKind } from './fields.ts';
import { DATE_FORMATS } from './dates.ts';
import { runImport, type ImportApi } from './run-import.ts';

const tmp = mkdtempSync(join(tmpdir(), 'siyu-imp-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const stats = { imported: 0, rejected: 0, refused: 0 };
const codes = new Map<string, number>();
afterAll(() => {
  if (process.env.FC_VERBOSE) console.log('imports', stats, codes);
});

/** A cell as a sloppy export would write it: nasty text, numbers, dates, quotes and delimiters inside. */
const cell = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('2024-05-01 10:00', '2024-05-01T10:00:00Z', '31/12/2023', '1714557600', '13/13/2023', 'u1', 'o1', '13800000000', 'a@x.cn', '12.5', '-3', '0', 'Latte', '') },
  { weight: 2, arbitrary: nastyString(30).filter((v) => !/["\r\n,;\t]/.test(v)) },
  { weight: 1, arbitrary: nastyString(30) },
  { weight: 1, arbitrary: nastyNumber.map(String) },
  { weight: 1, arbitrary: fc.constantFrom('"', '""', ',', '\n', '\r\n', ';') },
);

/** CSV text whose header names target fields (or not), with ragged rows and broken quoting. */
const csvText = (kind: ImportKind) =>
  fc
    .tuple(
      fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...Object.keys(TARGET_FIELDS[kind])) }, { weight: 1, arbitrary: nastyString(12) }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.array(cell, { maxLength: 7 }), { maxLength: 8 }),
      fc.constantFrom(',', ';', '\t'),
      fc.boolean(),
    )
    .map(([header, rows, sep, quote]) => {
      const q = (v: string) => (quote ? `"${v.replace(/"/g, '""')}"` : v);
      return [header, ...rows].map((r) => r.map(q).join(sep)).join(fc.sample(fc.constantFrom('\n', '\r\n'), 1)[0]);
    });

const transform = fc.oneof(
  fc.constantFrom('trim', 'lower', 'upper', 'number', 'integer', 'strip_decimal_zero', 'strip_leading_zeros', 'empty_to_null', 'negate', 'abs'),
  fc.record({ date: fc.oneof(fc.constantFrom(...DATE_FORMATS), nastyString(10)) }),
  fc.record({ replace: fc.tuple(nastyString(5), nastyString(5)) }),
  fc.record({ map: fc.dictionary(nastyString(5), fc.oneof(nastyString(5), nastyNumber, fc.constant(null)), { maxKeys: 3 }) }),
  fc.record({ default: fc.oneof(nastyString(5), nastyNumber, fc.boolean()) }),
  nastyJson,
);

/** A mapping object for `kind`: real and made-up fields, columns, constants, templates, transforms, formats. */
const mapping = (kind: ImportKind) =>
  fc.record(
    {
      kind: fc.oneof({ weight: 5, arbitrary: fc.constant(kind) }, { weight: 1, arbitrary: nastyString(8) }),
      timezone: fc.oneof(fc.constantFrom('UTC', 'Asia/Shanghai', '+08:00'), nastyString(10)),
      format: fc.record({ delimiter: fc.oneof(fc.constantFrom(',', ';', '\t', 'whitespace'), nastyString(3)), header: fc.oneof(fc.boolean(), fc.constant('auto')) }, { requiredKeys: [] }),
      fields: fc.dictionary(
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...Object.keys(TARGET_FIELDS[kind])) }, { weight: 1, arbitrary: nastyString(10) }),
        fc.oneof(
          fc.constantFrom(...Object.keys(TARGET_FIELDS[kind])),
          nastyString(10),
          fc.record({ column: nastyString(10), transform: fc.array(transform, { maxLength: 3 }) }, { requiredKeys: ['column'] }),
          fc.record({ value: fc.oneof(nastyString(10), nastyNumber, fc.boolean(), fc.constant(null)) }),
          fc.record({ template: fc.oneof(fc.constantFrom('x-{file}-{row}', '{row}', '{nope}'), nastyString(20)) }),
          nastyJson,
        ),
        { maxKeys: 4 },
      ),
      autoMap: fc.boolean(),
      refundPrefix: nastyString(4),
    },
    { requiredKeys: ['kind', 'fields'] },
  );

forEachStore('imports fuzz', (ctx) => {
  let t: TestApp;
  let api: ImportApi;
  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    // The importer turns any failed request into an import.* error: fail here on a 5xx so none hides behind it.
    const inner = apiOf(t);
    api = {
      async request(method, path, body) {
        const r = await inner.request(method, path, body);
        if (r.status >= 500) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)} for ${JSON.stringify(body).slice(0, 2000)}`);
        return r;
      },
    } as ImportApi;
  });
  afterAll(async () => t?.app.close());

  const counts = async () => {
    const one = async (table: string) => Number((await ctx.store.query<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = $1`, [t.workspaceId]))[0].n);
    return { members: await one('members'), orders: await one('orders'), events: await one('events') };
  };

  /** Runs one import; a failure must be a SiyuError and must leave the workspace as it was. */
  async function importChecked(kind: ImportKind, file: string, m: unknown) {
    const before = await counts();
    try {
      const s = await runImport({ api, kind, file, mapping: m as never, reportPath: `${file}.report.csv` });
      expect(s.rowsRead).toBeGreaterThanOrEqual(0);
      expect(s.imported + s.rejected).toBeGreaterThanOrEqual(0);
      if (s.imported > 0) stats.imported++;
      if (s.rejected > 0) stats.rejected++;
    } catch (e) {
      stats.refused++;
      const code = (e as { code?: string }).code ?? '?';
      codes.set(code, (codes.get(code) ?? 0) + 1);
      expect(isSiyuError(e), `${(e as Error)?.stack}`).toBe(true);
      expect((e as { code: string }).code).toMatch(/^[a-z_]+\.[a-z_]+$/);
      expect(await counts()).toEqual(before);
    }
  }

  it('imports or cleanly refuses arbitrary CSV with arbitrary mappings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...IMPORT_KINDS).chain((kind) => fc.tuple(fc.constant(kind), csvText(kind), fc.oneof(fc.constant(undefined), mapping(kind)), fc.boolean())),
        async ([kind, text, m, gz]) => {
          const file = join(tmp, `f${fileNo++}.csv${gz ? '.gz' : ''}`);
          writeFileSync(file, gz ? gzipSync(text) : text);
          await importChecked(kind, file, m);
        },
      ),
      { numRuns: fuzzRuns(50) },
    );
  });

  it('refuses arbitrary bytes named .csv, .csv.gz, .txt or .xlsx with a code', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('.csv', '.csv.gz', '.txt', '.xlsx'), fc.constantFrom(...IMPORT_KINDS), async (bytes, ext, kind) => {
        const file = join(tmp, `b${fileNo++}${ext}`);
        writeFileSync(file, ext === '.csv.gz' && bytes.length % 2 === 0 ? gzipSync(bytes) : bytes);
        await importChecked(kind, file, undefined);
      }),
      { numRuns: fuzzRuns(40) },
    );
  });

  it('imports or refuses workbooks with hostile cells, formulas and types', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...IMPORT_KINDS).chain((kind) =>
          fc.tuple(
            fc.constant(kind),
            fc.array(fc.oneof(fc.constantFrom(...Object.keys(TARGET_FIELDS[kind])), nastyString(10)), { minLength: 1, maxLength: 5 }),
            fc.array(fc.array(fc.oneof(nastyString(20), nastyNumber, fc.boolean(), fc.date({ noInvalidDate: true }), fc.constant({ formula: '1/0' }), fc.constant(null)), { maxLength: 6 }), { maxLength: 5 }),
          ),
        ),
        async ([kind, header, rows]) => {
          const wb = new ExcelJS.Workbook();
          const ws = wb.addWorksheet('s');
          // Workbooks cannot hold NUL or lone surrogates in cells; exceljs writes them, readers must cope anyway.
          ws.addRow(header);
          for (const r of rows) ws.addRow(r as never[]);
          const file = join(tmp, `x${fileNo++}.xlsx`);
          await wb.xlsx.writeFile(file);
          await importChecked(kind, file, undefined);
        },
      ),
      { numRuns: fuzzRuns(15) },
    );
  });

  it('answers arbitrary records on the batch endpoint with 200 or a 4xx code, all or nothing', async () => {
    const start = await api.request('POST', '/api/import-runs', { kind: 'members', file_name: 'fuzz.csv', file_sha256: 'a'.repeat(64) });
    expect(start.status, JSON.stringify(start.body)).toBeLessThan(300);
    const runId = start.body.id;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...IMPORT_KINDS),
        fc.array(fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('user_id', 'phone', 'email', 'name', 'order_id', 'paid_at', 'amount', 'items', 'timestamp', 'event', 'member_id', 'traits', 'properties', 'attributes'), nastyString(8)), nastyJson, { maxKeys: 6 }), nastyJson), { maxLength: 4 }),
        async (kind, records) => {
          const before = await counts();
          const r = await t.app.inject({ method: 'POST', url: `/api/imports/${kind}/batch`, headers: t.admin, payload: { run_id: runId, rows: records } as never });
          expect(r.statusCode, `${JSON.stringify(records)} → ${r.body}`).toBeLessThan(500);
          if (r.statusCode >= 400) {
            expect(r.json().code, r.body).toMatch(/^[a-z_]+\.[a-z_]+$/);
            expect(await counts()).toEqual(before);
          }
        },
      ),
      { numRuns: fuzzRuns(60) },
    );
  });
});
