// Imports of the real data sets in ../shared/data: the CDNOW sample (both stores) and online-retail (a slice).
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from './support/stores.ts';
import { createTestApp, type TestApp } from './support/app.ts';
import { apiOf } from './support/import-api.ts';
import { runImport } from '../src/modules/imports/run-import.ts';
import { parseOrder } from '../src/modules/orders/index.ts';

const DATA = resolve(import.meta.dirname, '../../shared/data');
const CDNOW_SAMPLE = join(DATA, 'cdnow/CDNOW_sample.txt');
const RETAIL = join(DATA, 'online-retail/online_retail.csv.gz');
const TMP = mkdtempSync(join(tmpdir(), 'siyu-imp-data-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function missing(path: string): boolean {
  if (existsSync(path)) return false;
  console.warn(`SKIPPED: data set ${path} is missing (see ../shared/data/README.md)`);
  return true;
}

const sumCents = (xs: number[]) => xs.reduce((s, x) => s + Math.round(x * 100), 0);

/** The first `n` invoices of the raw file (rows in file order), as CSV text with the header. */
async function retailSlice(n: number): Promise<{ csv: string; rows: string[][] }> {
  const rl = createInterface({ input: createReadStream(RETAIL).pipe(createGunzip()), crlfDelay: Infinity });
  const keep = new Set<string>();
  const lines: string[] = [];
  let header = '';
  for await (const line of rl) {
    if (!header) {
      header = line;
      continue;
    }
    const invoice = line.slice(0, line.indexOf(','));
    if (!keep.has(invoice)) {
      if (keep.size >= n) continue; // later rows of kept invoices may still follow
      keep.add(invoice);
    }
    lines.push(line);
  }
  const csv = [header, ...lines].join('\n') + '\n';
  return { csv, rows: parse(csv, { from_line: 2, relax_quotes: true }) as string[][] };
}

/**
 * Expected outcome of importing raw online-retail rows, computed here without the import code: invoices are
 * grouped by InvoiceNo; `C…` invoices are refunds; sales with a line of quantity ≤ 0 or a negative price are
 * rejected whole, as are orders larger than the orders service accepts (probed with its own parser).
 */
function expectedRetail(rows: string[][]) {
  const byInvoice = new Map<string, string[][]>();
  for (const r of rows) {
    const list = byInvoice.get(r[0]) ?? [];
    list.push(r);
    byInvoice.set(r[0], list);
  }
  const acceptsLines = (n: number) => {
    try {
      parseOrder({ order_id: 'probe', guest: true, paid_at: '2020-01-01T00:00:00Z', items: Array.from({ length: n }, () => ({ quantity: 1, unit_price: 1 })) });
      return true;
    } catch {
      return false;
    }
  };
  const e = { orders: 0, guestOrders: 0, refunds: 0, orderCents: 0, refundCents: 0, importedRows: 0, rejectedRows: 0, tooLarge: 0, customers: new Set<string>() };
  for (const [invoice, lines] of byInvoice) {
    const cents = sumCents(lines.map((l) => Number(l[3]) * Number(l[5])));
    const customer = lines[0][6].replace(/\.0$/, '');
    if (invoice.startsWith('C')) {
      e.refunds++;
      e.refundCents += -cents;
    } else if (lines.some((l) => Number(l[3]) <= 0 || Number(l[5]) < 0)) {
      e.rejectedRows += lines.length;
      continue;
    } else if (!acceptsLines(lines.length)) {
      e.tooLarge++;
      e.rejectedRows += lines.length;
      continue;
    } else {
      e.orders++;
      e.orderCents += cents;
      if (!customer) e.guestOrders++;
    }
    e.importedRows += lines.length;
    if (customer) e.customers.add(customer);
  }
  return e;
}

forEachStore('CDNOW sample import', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(ctx.store);
  });

  it.skipIf(missing(CDNOW_SAMPLE))('2,357 members (sample ids 1..2357), 6,919 orders, $244,091.94; a re-run adds nothing', async () => {
    const report = join(mkdtempSync(join(TMP, 'siyu-cdnow-')), 'cdnow.report.csv');
    const s = await runImport({ api: apiOf(t), kind: 'orders', file: CDNOW_SAMPLE, mapping: 'cdnow', reportPath: report });
    expect(s).toMatchObject({ rowsRead: 6919, imported: 6919, rejected: 0, orders: 6919, membersCreated: 2357 });
    const q = async (sql: string) => (await ctx.store.query(sql, [t.workspaceId]))[0];
    const expected = sumCents(readFileSync(CDNOW_SAMPLE, 'utf8').trim().split(/\r?\n/).map((l) => Number(l.trim().split(/\s+/)[4])));
    const orders = await q('SELECT count(*) AS n, sum(amount) AS total, sum(item_count) AS items, min(currency) AS cur FROM orders WHERE workspace_id = $1');
    expect(Number(orders.n)).toBe(6919);
    expect(Math.round(Number(orders.total) * 100)).toBe(expected);
    expect(expected).toBe(24_409_194);
    expect(orders.cur).toBe('USD');
    const ids = await q(`SELECT count(*) AS n, min(CAST(value AS INTEGER)) AS lo, max(CAST(value AS INTEGER)) AS hi FROM identities WHERE workspace_id = $1 AND type = 'user_id'`);
    expect([Number(ids.n), Number(ids.lo), Number(ids.hi)]).toEqual([2357, 1, 2357]);
    // Sample id 1 is master customer 4: four purchases in 1997 (29.33 + 29.73 + 14.96 + 26.48).
    const one = (await t.app.inject({ url: '/api/members/user_id:1', headers: t.admin })).json();
    expect(one.traits).toMatchObject({ order_count: 4, total_spend: 100.5, first_order_at: '1997-01-01T00:00:00.000Z', last_order_at: '1997-12-12T00:00:00.000Z' });
    const again = await runImport({ api: apiOf(t), kind: 'orders', file: CDNOW_SAMPLE, mapping: 'cdnow', reportPath: report });
    expect(again).toMatchObject({ imported: 6919, orders: 6919, membersCreated: 0 });
    expect(Number((await q('SELECT count(*) AS n FROM orders WHERE workspace_id = $1')).n)).toBe(6919);
  });
});

// Both engines (a smaller slice on PostgreSQL); SIYU_RETAIL_TEST_ENGINES=duckdb limits it to one.
const RETAIL_ENGINES = process.env.SIYU_RETAIL_TEST_ENGINES?.split(',') ?? ['duckdb', 'postgres'];

forEachStore('online-retail slice import', (ctx) => {
  // The full 505,531 rows take ~40-80 s (timed by `npm run bench`); the first invoices keep the suite fast.
  // SIYU_RETAIL_FULL=1 imports the whole file here too.
  const invoices = process.env.SIYU_RETAIL_FULL ? Infinity : ctx.engine === 'duckdb' ? 3000 : 600;
  const title = Number.isFinite(invoices) ? `first ${invoices} invoices` : 'the whole file';
  it.skipIf(missing(RETAIL) || !RETAIL_ENGINES.includes(ctx.engine))(`${title}: orders, guest orders, refunds and rejects match the raw file`, { timeout: 600_000 }, async () => {
    const t = await createTestApp(ctx.store);
    const { csv, rows } = await retailSlice(invoices);
    const file = join(mkdtempSync(join(TMP, 'siyu-retail-')), 'retail-slice.csv.gz');
    writeFileSync(file, gzipSync(csv));
    const e = expectedRetail(rows);
    expect(e.guestOrders).toBeGreaterThan(0);
    expect(e.refunds).toBeGreaterThan(0);

    const s = await runImport({ api: apiOf(t), kind: 'orders', file, mapping: 'online-retail' });
    expect(s).toMatchObject({ rowsRead: rows.length, imported: e.importedRows, rejected: e.rejectedRows, orders: e.orders, refunds: e.refunds, membersCreated: e.customers.size });
    const q = async (sql: string) => (await ctx.store.query(sql, [t.workspaceId]))[0];
    const o = await q('SELECT count(*) AS n, sum(amount) AS total, sum(CASE WHEN member_id IS NULL THEN 1 ELSE 0 END) AS guests FROM orders WHERE workspace_id = $1');
    expect([Number(o.n), Math.round(Number(o.total) * 100), Number(o.guests)]).toEqual([e.orders, e.orderCents, e.guestOrders]);
    const r = await q('SELECT count(*) AS n, sum(amount) AS total, sum(CASE WHEN order_id IS NULL THEN 1 ELSE 0 END) AS unlinked FROM refunds WHERE workspace_id = $1');
    expect([Number(r.n), Math.round(Number(r.total) * 100), Number(r.unlinked)]).toEqual([e.refunds, e.refundCents, e.refunds]);
    const first = rows.find((row) => row[6])!; // CustomerID `13047.0` becomes user_id `13047`
    const m = (await t.app.inject({ url: `/api/members/user_id:${first[6].replace(/\.0$/, '')}`, headers: t.admin })).json();
    expect(m, JSON.stringify(m)).toHaveProperty('attributes.region', first[7]);
    const report = readFileSync(`${file}.report.csv`, 'utf8').trim().split('\n');
    expect(report.length - 1).toBeGreaterThanOrEqual(e.rejectedRows);
    if (e.tooLarge) expect(report.some((l) => /items/.test(l))).toBe(true);
  });
});
