// Built-in mapping templates for the public data sets in ../shared/data (online-retail, cdnow).
import type { Mapping } from './mapping.ts';

/**
 * UCI Online Retail (online_retail.csv.gz): one row per invoice line. InvoiceNo is the order, `C…` invoices are
 * cancellations imported as refunds, CustomerID `17850.0` becomes user_id `17850`, empty CustomerID = guest order.
 * Times are UK wall-clock times.
 */
const onlineRetail: Mapping = {
  kind: 'orders',
  description: 'UCI Online Retail: InvoiceNo → order, lines from StockCode/Description/Quantity/UnitPrice, C… invoices → refunds',
  timezone: 'Europe/London',
  refundPrefix: 'C',
  fields: {
    order_id: { column: 'InvoiceNo', transform: ['trim'] },
    product_id: { column: 'StockCode', transform: ['trim'] },
    product_name: { column: 'Description', transform: ['trim'] },
    quantity: 'Quantity',
    unit_price: 'UnitPrice',
    paid_at: { column: 'InvoiceDate', transform: [{ date: 'YYYY-MM-DD HH:MM:SS' }] },
    user_id: { column: 'CustomerID', transform: ['strip_decimal_zero'] },
    'member.region': 'Country',
    currency: { value: 'GBP' },
    channel: { value: 'ecommerce' },
  },
};

/**
 * CDNOW (Fader & Hardie): whitespace-separated, one purchase per line. CDNOW_master.txt has a header
 * (customer_id date number_of_cds dollar_value); CDNOW_sample.txt has none (master_id sample_id date
 * number_of_cds dollar_value) and its members are the sample ids 1..2357. Each line becomes one order.
 */
const cdnow: Mapping = {
  kind: 'orders',
  description: 'CDNOW master/sample purchases: one order per line, user_id = sample id (sample) or customer id (master)',
  format: {
    delimiter: 'whitespace',
    header: 'auto',
    columns: {
      '4': ['customer_id', 'date', 'number_of_cds', 'dollar_value'],
      '5': ['master_id', 'sample_id', 'date', 'number_of_cds', 'dollar_value'],
    },
  },
  timezone: 'UTC',
  fields: {
    order_id: { template: 'cdnow-{file}-{row}' },
    user_id: { column: ['sample_id', 'customer_id'], transform: ['strip_leading_zeros'] },
    paid_at: { column: 'date', transform: [{ date: 'YYYYMMDD' }] },
    quantity: 'number_of_cds',
    line_amount: 'dollar_value',
    product_name: { value: 'CDs' },
    currency: { value: 'USD' },
    channel: { value: 'ecommerce' },
  },
};

/** Built-in templates by name; saved templates may not reuse these names. */
export const BUILTIN_MAPPINGS: Record<string, Mapping> = {
  'online-retail': onlineRetail,
  cdnow,
};
