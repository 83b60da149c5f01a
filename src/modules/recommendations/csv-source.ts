// Reads purchase interactions straight from an online-retail style CSV (optionally gzipped) for `siyu recommend
// evaluate --file`, without loading a store.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import type { Interaction } from '../../core/models/recommend/index.ts';
import { invalid } from '../../core/errors.ts';

/** Column names of the UCI Online Retail file; other files may name theirs through `columns`. */
export interface CsvColumns {
  invoice: string;
  item: string;
  quantity: string;
  date: string;
  customer: string;
  price: string;
}

export const ONLINE_RETAIL_COLUMNS: CsvColumns = {
  invoice: 'InvoiceNo', item: 'StockCode', quantity: 'Quantity', date: 'InvoiceDate', customer: 'CustomerID', price: 'UnitPrice',
};

/** Product codes of real products start with five digits; POST, M, D, BANK CHARGES, AMAZONFEE… are not products. */
const PRODUCT_CODE = /^\d{5}/;

/**
 * One interaction per (invoice, customer, product) with weight 1 (the number of orders that contained the product),
 * dated at the invoice time (read as UTC). Guest rows (no customer), cancellations (`C…` invoices, quantity ≤ 0),
 * zero-price lines and non-product codes are dropped.
 * @example await readCsvInteractions('../shared/data/online-retail/online_retail.csv.gz')
 */
export async function readCsvInteractions(path: string, columns: CsvColumns = ONLINE_RETAIL_COLUMNS): Promise<Interaction[]> {
  const input = createReadStream(path);
  const stream = path.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  const parser = stream.pipe(parse({ columns: true, skip_empty_lines: true, relax_column_count: true }));
  const seen = new Set<string>();
  const out: Interaction[] = [];
  let checked = false;
  try {
    for await (const row of parser as AsyncIterable<Record<string, string>>) {
      if (!checked) {
        for (const c of Object.values(columns)) {
          if (!(c in row)) throw invalid('recommend.file_columns', `the file has no column ${c}`, 'file');
        }
        checked = true;
      }
      const customer = row[columns.customer]?.trim();
      const invoice = row[columns.invoice]?.trim() ?? '';
      const item = row[columns.item]?.trim() ?? '';
      if (!customer || invoice.startsWith('C') || !PRODUCT_CODE.test(item)) continue;
      if (!(Number(row[columns.quantity]) > 0) || !(Number(row[columns.price]) > 0)) continue;
      const user = customer.replace(/\.0$/, '');
      const key = `${invoice}\u0000${item}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const at = Date.parse(`${row[columns.date]!.trim().replace(' ', 'T')}Z`);
      if (!Number.isFinite(at)) continue;
      out.push({ user, item, weight: 1, at });
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw invalid('recommend.file_not_found', `no such file: ${path}`, 'file');
    throw e;
  }
  return out;
}
