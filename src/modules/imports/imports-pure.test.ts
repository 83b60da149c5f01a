// Pure tests of the import pipeline: dates, field types, mappings, readers, order grouping and the report.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDate, parseDateTime } from './dates.ts';
import { coerce, selfMappedField } from './fields.ts';
import { autoMapping, compileMapping, parseMapping, type Mapping } from './mapping.ts';
import { BUILTIN_MAPPINGS } from './builtin-mappings.ts';
import { openSource, type SourceRow } from './readers.ts';
import { OrderGrouper, type GroupResult } from './order-groups.ts';
import { orderLine } from './records.ts';
import { reportCsv } from './report.ts';

const FIX = join(import.meta.dirname, '../../../test/fixtures/imports');
const tmp = mkdtempSync(join(tmpdir(), 'siyu-imp-pure-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function readAll(file: string, format = {}) {
  const src = await openSource(file, format);
  const rows: SourceRow[] = [];
  for await (const r of src.rows) rows.push(r);
  return { header: src.header, rows, bytes: src.bytesRead(), total: src.totalBytes };
}

describe('dates', () => {
  it('reads explicit formats as wall time in a zone, DST included', () => {
    expect(parseDateTime('19970101', 'YYYYMMDD')).toBe('1997-01-01T00:00:00.000Z');
    expect(parseDateTime('2010-12-01 08:34:00', 'YYYY-MM-DD HH:MM:SS', 'Europe/London')).toBe('2010-12-01T08:34:00.000Z');
    expect(parseDateTime('2011-07-01 09:49:00', 'YYYY-MM-DD HH:MM:SS', 'Europe/London')).toBe('2011-07-01T08:49:00.000Z');
    expect(parseDateTime('2024-05-01 10:00', 'auto', 'Asia/Shanghai')).toBe('2024-05-01T02:00:00.000Z');
    expect(parseDateTime('2024-05-01 10:00:00', 'auto', '+08:00')).toBe('2024-05-01T02:00:00.000Z');
    expect(parseDateTime('2024-05-01T10:00:00-05:00', 'auto', 'Asia/Shanghai')).toBe('2024-05-01T15:00:00.000Z');
    expect(parseDateTime('31/12/2023 23:59', 'DD/MM/YYYY HH:MM')).toBe('2023-12-31T23:59:00.000Z');
    expect(parseDateTime('1714557600', 'epoch_s')).toBe('2024-05-01T10:00:00.000Z');
  });

  it('refuses impossible or foreign values', () => {
    expect(parseDateTime('20230230', 'YYYYMMDD')).toBeNull();
    expect(parseDateTime('2024-05-01', 'YYYYMMDD')).toBeNull();
    expect(parseDateTime('yesterday')).toBeNull();
    expect(parseDate('2000-02-29')).toBe('2000-02-29');
    expect(parseDate('1999-02-29')).toBeNull();
    expect(parseDate('19900315', 'YYYYMMDD')).toBe('1990-03-15');
  });

  it('reads spreadsheet Date cells as wall time', () => {
    expect(parseDateTime(new Date(Date.UTC(2024, 4, 1, 10, 0, 0)), 'auto', 'Asia/Shanghai')).toBe('2024-05-01T02:00:00.000Z');
  });
});

describe('field types', () => {
  it('coerces cells and explains failures', () => {
    expect(coerce('number', '1,234.50')).toEqual({ ok: true, value: 1234.5 });
    expect(coerce('number', '12abc')).toEqual({ ok: false, reason: 'not a number' });
    expect(coerce('integer', '2.5').ok).toBe(false);
    expect(coerce('id', 17850)).toEqual({ ok: true, value: '17850' });
    expect(coerce('id', '  u1 ')).toEqual({ ok: true, value: 'u1' });
    expect(coerce('string', '')).toEqual({ ok: true, value: undefined });
    expect(coerce('boolean', '是')).toEqual({ ok: true, value: true });
  });

  it('maps headers named like fields, in English or Chinese', () => {
    expect(selfMappedField('members', 'User ID')).toBe('user_id');
    expect(selfMappedField('members', '手机号')).toBe('phone');
    expect(selfMappedField('members', 'channel')).toBe('source_channel');
    expect(selfMappedField('orders', 'Order-ID')).toBe('order_id');
    expect(selfMappedField('events', 'properties.sku')).toBe('properties.sku');
    expect(selfMappedField('members', 'amount')).toBeUndefined();
    expect(selfMappedField('members', 'vip_level')).toBeUndefined();
  });
});

describe('mappings', () => {
  const header = ['CustomerID', 'InvoiceDate', 'Qty', 'Note'];

  it('applies transforms, constants, templates and coalesced columns', () => {
    const m: Mapping = parseMapping({
      kind: 'orders',
      timezone: 'UTC',
      fields: {
        user_id: { column: ['MissingCol', 'CustomerID'], transform: ['strip_decimal_zero'] },
        paid_at: { column: 'InvoiceDate', transform: [{ date: 'YYYYMMDD' }] },
        quantity: { column: 'Qty', transform: ['abs'] },
        order_id: { template: 'x-{file}-{row}-{CustomerID}' },
        currency: { value: 'USD' },
        store_id: { column: 'Note', transform: ['trim', 'upper', { map: { '': 'NONE' } }] },
      },
    });
    const c = compileMapping(m, header, { fileName: '/data/CDNOW_sample.txt' });
    const { values, problems } = c.apply(['17850.0', '19970101', '-3', ' s1 '], 7);
    expect(problems).toEqual([]);
    expect(values).toEqual({ user_id: '17850', paid_at: '1997-01-01T00:00:00.000Z', quantity: 3, order_id: 'x-CDNOW_sample-7-17850.0', currency: 'USD', store_id: 'S1' });
    expect(c.unusedColumns).toEqual([]);
  });

  it('reports each bad cell with its source column', () => {
    const m = parseMapping({ kind: 'orders', fields: { paid_at: { column: 'InvoiceDate', transform: [{ date: 'YYYYMMDD' }] }, quantity: 'Qty' } });
    const c = compileMapping(m, header, { fileName: 'f.csv' });
    expect(c.apply(['1', '1997-01-01', 'two'], 2).problems).toEqual([
      { column: 'InvoiceDate', value: '1997-01-01', reason: 'paid_at: not a date-time in format YYYYMMDD' },
      { column: 'Qty', value: 'two', reason: 'quantity: not a number' },
    ]);
  });

  it('fails fast on a missing column or an unknown field', () => {
    expect(() => compileMapping(parseMapping({ kind: 'members', fields: { user_id: 'uid' } }), header, { fileName: 'f.csv' })).toThrow(/uid/);
    expect(() => parseMapping({ kind: 'members', fields: { amount: 'x' } })).toThrow(/members imports have no field amount/);
    expect(() => parseMapping({ kind: 'members', fields: { user_id: { column: 'a', value: 'b' } } })).toThrow(/exactly one/);
    expect(() => parseMapping({ kind: 'members', timezone: 'Mars/Olympus', fields: {} })).toThrow(/time zone/);
  });

  it('auto-maps same-named columns and leaves the rest unused', () => {
    const c = compileMapping(autoMapping('members'), ['user_id', 'Phone', 'vip_level'], { fileName: 'm.csv' });
    expect(c.fields.map((f) => [f.field, f.column])).toEqual([['user_id', 'user_id'], ['phone', 'Phone']]);
    expect(c.unusedColumns).toEqual(['vip_level']);
  });
});

describe('readers', () => {
  it('csv: header is row 1, blank lines skipped, quoted newlines keep the start row', async () => {
    const { header, rows } = await readAll(join(FIX, 'members.csv'));
    expect(header[0]).toBe('user_id');
    expect(rows.map((r) => r.row)).toEqual([2, 3, 4, 5, 7, 8]);
    expect(rows[5].cells[1]).toBe('Multi\nLine');
    expect(rows[2].cells[1]).toBe('Wang, Wu');
  });

  it('csv.gz streams through zlib and counts compressed bytes', async () => {
    const file = join(tmp, 'members.csv.gz');
    writeFileSync(file, gzipSync(readFileSync(join(FIX, 'members.csv'))));
    const r = await readAll(file);
    expect(r.rows.map((x) => x.row)).toEqual([2, 3, 4, 5, 7, 8]);
    expect(r.bytes).toBe(r.total);
  });

  it('whitespace txt: header detected, or named by column count when absent (CRLF)', async () => {
    const cdnow = BUILTIN_MAPPINGS.cdnow.format!;
    const master = await readAll(join(FIX, 'cdnow-master-head.txt'), cdnow);
    expect(master.header).toEqual(['customer_id', 'date', 'number_of_cds', 'dollar_value']);
    expect(master.rows[0]).toEqual({ row: 2, cells: ['00001', '19970101', '1', '11.77'] });
    const sample = await readAll(join(FIX, 'cdnow-sample-head.txt'), cdnow);
    expect(sample.header).toEqual(['master_id', 'sample_id', 'date', 'number_of_cds', 'dollar_value']);
    expect(sample.rows.map((r) => r.row)).toEqual([1, 2, 3]);
    expect(sample.rows[2].cells).toEqual(['00018', '0002', '19970101', '1', '14.96']);
  });

  it('xlsx streams the first sheet with spreadsheet row numbers and typed cells', async () => {
    const file = join(tmp, 'm.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('members');
    ws.addRow(['user_id', 'name', 'birthday', 'score']);
    ws.addRow([17850, '张三', new Date(Date.UTC(1990, 2, 15)), 3.5]);
    ws.addRow([]);
    ws.addRow(['u2', { richText: [{ text: '李' }, { text: '四' }] }, '1992-07-04', { formula: '1+1', result: 2 }]);
    writeFileSync(file, Buffer.from(await wb.xlsx.writeBuffer())); // writeFile can resolve before the flush
    const r = await readAll(file);
    expect(r.header).toEqual(['user_id', 'name', 'birthday', 'score']);
    expect(r.rows.map((x) => x.row)).toEqual([2, 4]);
    expect(r.rows[0].cells[0]).toBe(17850);
    expect(r.rows[0].cells[2]).toBeInstanceOf(Date);
    expect(r.rows[1].cells).toEqual(['u2', '李四', '1992-07-04', 2]);
  });

  it('a corrupt .gz fails the read instead of hanging', async () => {
    const file = join(tmp, 'broken.csv.gz');
    const gz = gzipSync('a,b\n' + Array.from({ length: 5000 }, (_, i) => `${i},${i * 7}`).join('\n'));
    writeFileSync(file, gz.subarray(0, gz.length - 100)); // cut mid-stream
    await expect(readAll(file)).rejects.toThrow(/end of file/);
  });

  it('rejects unknown file types', async () => {
    await expect(openSource(join(FIX, 'nope.json'))).rejects.toThrow(/csv/);
  });
});

describe('order grouping', () => {
  const retail = BUILTIN_MAPPINGS['online-retail'];

  async function group(file: string, mapping: Mapping, window?: number): Promise<GroupResult[]> {
    const src = await openSource(file, mapping.format ?? {});
    const c = compileMapping(mapping, src.header, { fileName: file });
    const g = new OrderGrouper(c, window);
    const out: GroupResult[] = [];
    for await (const { row, cells } of src.rows) {
      const { values, problems } = c.apply(cells, row);
      out.push(...g.add(orderLine(values, row, problems, c)));
    }
    return [...out, ...g.flush()];
  }

  it('online-retail: invoices with lines, guests, cancellations as unlinked refunds, bad sales rejected whole', async () => {
    const res = await group(join(FIX, 'retail-head.csv'), retail);
    const byId = new Map(res.filter((r) => r.record).map((r) => [r.record!.type === 'order' ? r.record!.order_id : r.record!.refund_id, r]));
    const o = byId.get('536365')!.record as any;
    expect(byId.get('536365')!.rows).toEqual([2, 3, 8]); // the third line came later in the file
    expect(o).toMatchObject({ type: 'order', user_id: '17850', amount: 15.3 + 20.34 + 22, currency: 'GBP', channel: 'ecommerce', paid_at: '2010-12-01T08:26:00.000Z', member: { region: 'United Kingdom' } });
    expect(o.items).toHaveLength(3);
    expect(o.items[0]).toEqual({ product_id: '85123A', name: 'WHITE HANGING HEART T-LIGHT HOLDER', quantity: 6, unit_price: 2.55, amount: 15.3 });
    expect((byId.get('536366')!.record as any).user_id).toBeUndefined(); // guest
    expect(byId.get('C536379')!.record).toMatchObject({ type: 'refund', refund_id: 'C536379', order_id: null, user_id: '14527', amount: 27.5, refunded_at: '2010-12-01T09:41:00.000Z' });
    expect(byId.get('C536383')!.record).toMatchObject({ type: 'refund', amount: 4.65, refunded_at: '2011-07-01T08:49:00.000Z' });
    const bad = res.find((r) => r.rejected)!;
    expect(bad.rejected).toEqual([{ row: 6, column: 'Quantity', value: -3, reason: 'quantity: negative in a sale; returns belong in a refund (cancellation) record' }]);
  });

  it('an order with one bad line is rejected whole, each row named', async () => {
    const res = await group(join(FIX, 'orders.csv'), autoMapping('orders'));
    const rejected = res.flatMap((r) => r.rejected ?? []);
    expect(rejected.map((r) => [r.row, r.column])).toEqual([[6, 'quantity'], [7, 'order_id'], [8, 'paid_at']]);
    expect(rejected[1].reason).toBe('order o4 rejected whole: row 6 is invalid');
    const o2 = res.find((r) => r.record?.type === 'order' && r.record.order_id === 'o2')!;
    expect(o2.rows).toEqual([4, 9]);
    expect((o2.record as any).amount).toBe(41.5);
  });

  it('a row of an order closed long ago is rejected instead of overwriting it', async () => {
    const res = await group(join(FIX, 'retail-head.csv'), retail, 2);
    const late = res.flatMap((r) => r.rejected ?? []).find((r) => r.row === 8)!;
    expect(late.reason).toMatch(/536365.*keep an order's rows together/);
  });
});

describe('report', () => {
  it('writes row, column, value, reason sorted by row with CSV quoting', () => {
    const text = reportCsv([
      { row: 9, column: 'email', value: 'a,b', reason: 'email: not an email address' },
      { row: 3, column: 'name', value: 'say "hi"', reason: 'x' },
    ]);
    expect(text).toBe('row,column,value,reason\n3,name,"say ""hi""",x\n9,email,"a,b",email: not an email address\n');
  });
});
