// The orders module: orders, refunds, products and members' order traits.
export { OrdersService, type WriteOptions, type WriteResult } from './service.ts';
export { registerOrderTrackHandlers } from './track-handlers.ts';
export { parseOrder, parseRefund, batchItems, MAX_BATCH, type OrderInput, type RefundInput } from './schema.ts';
