// Import order/refund records → the orders service's inputs, and their validation before any transaction starts.
import { SiyuError } from '../../core/errors.ts';
import { parseOrder, parseRefund } from '../orders/index.ts';
import type { RecordIssue, OrderRecord, RefundRecord } from './schema.ts';

/** One order or refund input for the orders service, with its position in the batch. */
export interface OrdersInput {
  input: Record<string, unknown>;
  index: number;
}

/** Who bought: a resolved member id, or a guest. */
export type Buyer = { member_id: string } | { guest: true };

/** Splits a batch into order and refund inputs in the orders service's shape. */
export function toOrdersInputs(records: (OrderRecord | RefundRecord)[], buyer: (index: number) => Buyer): { orders: OrdersInput[]; refunds: OrdersInput[] } {
  const orders: OrdersInput[] = [];
  const refunds: OrdersInput[] = [];
  records.forEach((r, index) => {
    if (r.type === 'order') {
      const input: Record<string, unknown> = { order_id: r.order_id, paid_at: r.paid_at, amount: r.amount, items: r.items, ...buyer(index) };
      for (const k of ['status', 'discount', 'currency', 'coupon_code', 'points_used', 'channel', 'store_id'] as const) if (r[k] !== undefined) input[k] = r[k];
      if (r.attributes) input.properties = r.attributes;
      orders.push({ index, input });
    } else {
      const input: Record<string, unknown> = { refund_id: r.refund_id, order_id: r.order_id ?? null, amount: r.amount, refunded_at: r.refunded_at, ...buyer(index) };
      if (r.items?.length) input.items = r.items;
      if (r.reason) input.reason = r.reason;
      if (r.channel) input.channel = r.channel;
      refunds.push({ index, input });
    }
  });
  return { orders, refunds };
}

/**
 * Runs the orders module's own validation on every input up front, so a batch with several bad orders fails once,
 * listing all of them, instead of once per bad order inside a transaction.
 */
export function orderIssues(records: (OrderRecord | RefundRecord)[]): RecordIssue[] {
  const { orders, refunds } = toOrdersInputs(records, () => ({ member_id: 'mem_validation' }));
  const issues: RecordIssue[] = [];
  for (const [list, parse] of [[orders, parseOrder], [refunds, parseRefund]] as const) {
    for (const { input, index } of list) {
      try {
        parse(input);
      } catch (e) {
        if (!(e instanceof SiyuError)) throw e;
        issues.push({ index, row: records[index].row, field: e.field ?? '', reason: e.message });
      }
    }
  }
  return issues.sort((a, b) => a.index - b.index);
}
