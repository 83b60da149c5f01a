// Wires the Segment e-commerce events "Order Completed" / "Order Refunded" from ingest to orders and refunds.
import type { SqlExecutor } from '../../store/port.ts';
import { ORDER_COMPLETED, ORDER_REFUNDED, orderFromTrack, refundFromTrack, type TrackMessage } from './segment-mapping.ts';
import type { OrdersService } from './service.ts';

/** The part of the ingest service this needs (structural, so the modules stay decoupled). */
export interface TrackSource {
  onTrack(eventName: string, handler: (tx: SqlExecutor, workspaceId: string, items: { memberId: string | null; message: TrackMessage }[]) => Promise<void>): void;
}

/**
 * Registers the handlers. They run in the ingest transaction for newly stored events, with members already
 * resolved. They are lenient: the event is always kept, and an event that does not make a valid order or
 * refund (no order_id, refund of an unknown order, over-refund) is skipped rather than failing a batch that may
 * hold other clients' messages — as Segment accepts any track call.
 */
export function registerOrderTrackHandlers(ingest: TrackSource, orders: OrdersService): void {
  ingest.onTrack(ORDER_COMPLETED, async (tx, ws, items) => {
    await orders.upsertOrders(tx, ws, items.map((i) => orderFromTrack(i.message)), { lenient: true, memberIds: items.map((i) => i.memberId) });
  });
  ingest.onTrack(ORDER_REFUNDED, async (tx, ws, items) => {
    await orders.addRefunds(tx, ws, items.map((i) => refundFromTrack(i.message)), { lenient: true, memberIds: items.map((i) => i.memberId) });
  });
}
