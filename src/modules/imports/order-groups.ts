// Groups order rows by order id into order and refund records; an order with any bad line is rejected whole.
import { IDENTIFIER_FIELDS, MEMBER_TRAIT_FIELDS } from './fields.ts';
import type { CompiledMapping } from './mapping.ts';
import { columnOf, type OrderLine, type Rejection } from './records.ts';
import type { ImportItem, OrderRecord, RefundRecord } from './schema.ts';

/** A finished group: a record to send, or the rejections of every row in it. */
export type GroupResult =
  | { record: OrderRecord | RefundRecord; rows: number[]; rejected?: undefined }
  | { record?: undefined; rows: number[]; rejected: Rejection[] };

interface Group {
  orderId: string;
  lines: OrderLine[];
  lastSeen: number;
}

const ORDER_FIELDS = ['status', 'discount', 'currency', 'coupon_code', 'points_used', 'channel', 'store_id', 'amount', 'refund_reason', 'refund_order_id'] as const;
const cents = (x: number) => Math.round(x * 100 + (x >= 0 ? 1e-9 : -1e-9));

/**
 * Collects rows per order id. Rows of one order need not be adjacent: a group stays open until `window` rows
 * have passed without one of its rows; a row of an order that was already closed is rejected with a clear reason.
 */
export class OrderGrouper {
  private readonly open = new Map<string, Group>();
  private readonly closed = new Set<string>();
  // Open groups oldest first. A queue, because iterating a Map from the start after many deletes walks over the
  // deleted slots each time (quadratic on files with one row per order).
  private queue: Group[] = [];
  private head = 0;
  private seen = 0;

  constructor(private readonly mapping: CompiledMapping, private readonly window = 20_000) {}

  /** Adds one row; returns the groups this row's arrival closed. */
  add(line: OrderLine): GroupResult[] {
    this.seen++;
    const orderId = line.values.order_id as string | undefined;
    if (orderId === undefined) {
      const problems = line.problems.length ? line.problems : [{ column: columnOf(this.mapping, 'order_id'), value: '', reason: 'order_id: required' }];
      if (!problems.some((p) => p.reason.startsWith('order_id'))) problems.push({ column: columnOf(this.mapping, 'order_id'), value: '', reason: 'order_id: required' });
      return [{ rows: [line.row], rejected: problems.map((p) => ({ row: line.row, ...p })) }, ...this.expire()];
    }
    if (this.closed.has(orderId)) {
      const reason = `order_id: the other rows of order ${orderId} were more than ${this.window} rows earlier and are already imported; keep an order's rows together`;
      return [{ rows: [line.row], rejected: [{ row: line.row, column: columnOf(this.mapping, 'order_id'), value: orderId, reason }] }, ...this.expire()];
    }
    let g = this.open.get(orderId);
    if (!g) {
      g = { orderId, lines: [], lastSeen: this.seen };
      this.open.set(orderId, g);
      this.queue.push(g);
    }
    g.lines.push(line);
    g.lastSeen = this.seen;
    return this.expire();
  }

  /** Closes every open group (end of file). */
  flush(): GroupResult[] {
    const out = this.queue.slice(this.head).map((g) => this.finish(g));
    this.open.clear();
    this.queue = [];
    this.head = 0;
    return out;
  }

  private expire(): GroupResult[] {
    const out: GroupResult[] = [];
    while (this.head < this.queue.length) {
      const g = this.queue[this.head];
      if (this.seen - g.lastSeen < this.window) break; // oldest first: later groups were seen more recently or wait their turn
      this.head++;
      this.open.delete(g.orderId);
      out.push(this.finish(g));
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  private finish(g: Group): GroupResult {
    this.closed.add(g.orderId);
    const rows = g.lines.map((l) => l.row);
    const bad = g.lines.filter((l) => l.problems.length);
    const rejectWhole = (reasons: Rejection[]): GroupResult => {
      const badRows = new Set(reasons.map((r) => r.row));
      const first = reasons[0].row;
      const others = g.lines
        .filter((l) => !badRows.has(l.row))
        .map((l) => ({ row: l.row, column: columnOf(this.mapping, 'order_id'), value: g.orderId, reason: `order ${g.orderId} rejected whole: row ${first} is invalid` }));
      return { rows, rejected: [...reasons, ...others].sort((a, b) => a.row - b.row) };
    };
    if (bad.length) return rejectWhole(bad.flatMap((l) => l.problems.map((p) => ({ row: l.row, ...p }))));
    const head = g.lines[0].values;
    // Every row of an order must name the same customer.
    for (const f of IDENTIFIER_FIELDS) {
      const other = g.lines.find((l) => l.values[f] !== head[f]);
      if (other) {
        return rejectWhole([{ row: other.row, column: columnOf(this.mapping, f), value: other.values[f] ?? '', reason: `${f}: rows of order ${g.orderId} name different customers (${head[f] ?? 'none'} and ${other.values[f] ?? 'none'})` }]);
      }
    }
    const isRefund = head.record_type === 'refund' || (!!this.mapping.refundPrefix && g.orderId.startsWith(this.mapping.refundPrefix));
    const items: ImportItem[] = [];
    let totalCents = 0;
    const problems: Rejection[] = [];
    for (const l of g.lines) {
      const v = l.values;
      const hasLine = ['product_id', 'product_name', 'unit_price', 'line_amount', 'quantity'].some((k) => v[k] !== undefined);
      if (!hasLine) continue;
      const quantity = (v.quantity as number | undefined) ?? 1;
      const lineAmount = v.line_amount as number | undefined;
      let unitPrice = v.unit_price as number | undefined;
      if (unitPrice === undefined && lineAmount === undefined) {
        problems.push({ row: l.row, column: columnOf(this.mapping, 'unit_price'), value: '', reason: 'unit_price: a line needs unit_price or line_amount' });
        continue;
      }
      if (quantity === 0) problems.push({ row: l.row, column: columnOf(this.mapping, 'quantity'), value: quantity, reason: 'quantity: must not be 0' });
      if (!isRefund && quantity < 0) {
        problems.push({ row: l.row, column: columnOf(this.mapping, 'quantity'), value: quantity, reason: 'quantity: negative in a sale; returns belong in a refund (cancellation) record' });
      }
      if ((unitPrice ?? 0) < 0) problems.push({ row: l.row, column: columnOf(this.mapping, 'unit_price'), value: unitPrice, reason: 'unit_price: must not be negative' });
      const c = lineAmount !== undefined ? cents(lineAmount) : cents(quantity * unitPrice!);
      unitPrice ??= quantity ? Math.round((lineAmount! / quantity) * 10_000) / 10_000 : lineAmount!;
      totalCents += c;
      const item: ImportItem = { quantity, unit_price: unitPrice, amount: c / 100 };
      if (v.product_id !== undefined) item.product_id = v.product_id as string;
      if (v.product_name !== undefined) item.name = v.product_name as string;
      if (v.category !== undefined) item.category = v.category as string;
      items.push(item);
    }
    if (isRefund && items.some((i) => i.quantity > 0) && items.some((i) => i.quantity < 0)) {
      problems.push({ row: g.lines[0].row, column: columnOf(this.mapping, 'quantity'), value: '', reason: 'quantity: a refund mixes positive and negative quantities' });
    }
    if (problems.length) return rejectWhole(problems);
    const first = <K extends string>(k: K) => g.lines.find((l) => l.values[k] !== undefined)?.values[k];
    const when = g.lines.map((l) => l.values.paid_at as string).sort()[0];
    const ids: Record<string, string> = {};
    for (const f of IDENTIFIER_FIELDS) if (head[f] !== undefined) ids[f] = head[f] as string;
    const member: Record<string, unknown> = {};
    for (const t of MEMBER_TRAIT_FIELDS) if (head[`member.${t}`] !== undefined) member[t] = head[`member.${t}`];
    const attributes: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(head)) if (k.startsWith('attributes.')) attributes[k.slice(11)] = val;
    const extra: Record<string, unknown> = {};
    for (const k of ORDER_FIELDS) if (first(k) !== undefined) extra[k] = first(k);
    if (isRefund) {
      const amount = extra.amount !== undefined ? Math.abs(extra.amount as number) : Math.abs(totalCents) / 100;
      if (!(amount > 0)) {
        return rejectWhole([{ row: g.lines[0].row, column: columnOf(this.mapping, extra.amount !== undefined ? 'amount' : 'unit_price'), value: amount, reason: 'amount: a refund must be more than 0' }]);
      }
      const record: RefundRecord = {
        type: 'refund',
        row: g.lines[0].row,
        row_count: rows.length,
        ...ids,
        refund_id: (first('refund_id') as string | undefined) ?? g.orderId,
        order_id: (extra.refund_order_id as string | undefined) ?? null,
        amount,
        refunded_at: when,
        items: items.map((i) => ({ ...i, quantity: Math.abs(i.quantity), amount: Math.abs(i.amount) })),
      };
      if (extra.currency !== undefined) record.currency = extra.currency as string;
      if (extra.channel !== undefined) record.channel = extra.channel as string;
      if (extra.refund_reason !== undefined) record.reason = extra.refund_reason as string;
      if (Object.keys(member).length) record.member = member;
      return { rows, record };
    }
    const amount = extra.amount !== undefined ? (extra.amount as number) : totalCents / 100;
    if (amount < 0) {
      return rejectWhole([{ row: g.lines[0].row, column: columnOf(this.mapping, 'amount'), value: amount, reason: 'amount: an order total must not be negative' }]);
    }
    const record: OrderRecord = { type: 'order', row: g.lines[0].row, row_count: rows.length, ...ids, order_id: g.orderId, paid_at: when, amount, items };
    for (const k of ['status', 'discount', 'currency', 'coupon_code', 'points_used', 'channel', 'store_id'] as const) {
      if (extra[k] !== undefined) (record as Record<string, unknown>)[k] = extra[k];
    }
    if (Object.keys(member).length) record.member = member;
    if (Object.keys(attributes).length) record.attributes = attributes;
    return { rows, record };
  }
}
