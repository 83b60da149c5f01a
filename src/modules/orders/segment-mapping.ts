// Pure mapping of the Segment e-commerce spec v2 events "Order Completed" / "Order Refunded" to orders and refunds.

/** The parts of a normalised track message the mapping reads (the ingest pipeline's message satisfies it). */
export interface TrackMessage {
  messageId: string;
  userId: string | null;
  anonymousId: string | null;
  name: string | null;
  properties: Record<string, unknown> | null;
  /** Source channel already resolved by ingest (properties.channel ?? context.channel ?? key channel). */
  channel: string | null;
  /** Event time, ISO. */
  timestamp: string;
}

export const ORDER_COMPLETED = 'Order Completed';
export const ORDER_REFUNDED = 'Order Refunded';

/** A number from a number or numeric string (SDKs send both); undefined otherwise. */
function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** An id or label as text (numbers become strings); undefined when blank. */
function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return undefined;
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Segment `products[]` → order items; lines without a positive quantity are dropped (they carry nothing). */
function itemsOf(products: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(products)) return undefined;
  const out: Record<string, unknown>[] = [];
  for (const p of products) {
    if (!p || typeof p !== 'object') continue;
    const q = p as Record<string, unknown>;
    const quantity = num(q.quantity) ?? 1;
    if (!(quantity > 0)) continue;
    const price = num(q.price);
    out.push(definedOnly({
      product_id: str(q.product_id) ?? str(q.productId) ?? str(q.id),
      sku: str(q.sku),
      name: str(q.name),
      category: str(q.category),
      quantity,
      unit_price: price !== undefined && price >= 0 ? price : 0,
    }));
  }
  return out;
}

// Spec properties that become order columns; everything else is kept in the order's properties.
const ORDER_KEYS = new Set(['order_id', 'orderId', 'total', 'revenue', 'discount', 'coupon', 'currency', 'products', 'channel', 'store_id', 'points_used']);

/**
 * "Order Completed" → an order input for parseOrder. paid total = `total` ?? `revenue` (else items − discount);
 * paid_at = the message time; the buyer is the message's userId / anonymousId.
 * @example orderFromTrack({ name: 'Order Completed', properties: { order_id: '50314b8e', total: 27.5, products: [...] }, … })
 */
export function orderFromTrack(m: TrackMessage): Record<string, unknown> {
  const p = m.properties ?? {};
  const extra = Object.fromEntries(Object.entries(p).filter(([k]) => !ORDER_KEYS.has(k)));
  const discount = num(p.discount);
  return definedOnly({
    order_id: str(p.order_id) ?? str(p.orderId),
    user_id: m.userId ?? undefined,
    anonymous_id: m.anonymousId ?? undefined,
    items: itemsOf(p.products),
    amount: num(p.total) ?? num(p.revenue),
    // Some shops send discounts as negative numbers; the amount taken off is what matters.
    discount: discount === undefined ? undefined : Math.abs(discount),
    coupon_code: str(p.coupon),
    currency: str(p.currency),
    points_used: num(p.points_used),
    channel: m.channel ?? undefined,
    store_id: str(p.store_id),
    paid_at: m.timestamp,
    properties: Object.keys(extra).length ? { ...extra, message_id: m.messageId } : { message_id: m.messageId },
  });
}

/**
 * "Order Refunded" → a refund input for parseRefund. No `total`/`revenue` and no products = full refund; products
 * alone = a partial refund of those lines. refunded_at = the message time.
 */
export function refundFromTrack(m: TrackMessage): Record<string, unknown> {
  const p = m.properties ?? {};
  const orderId = str(p.order_id) ?? str(p.orderId);
  const items = itemsOf(p.products);
  return definedOnly({
    refund_id: str(p.refund_id),
    order_id: orderId,
    // Without an order the refund is an unlinked return of this member.
    user_id: orderId ? undefined : (m.userId ?? undefined),
    anonymous_id: orderId ? undefined : (m.anonymousId ?? undefined),
    amount: num(p.total) ?? num(p.revenue),
    items: items && items.length ? items : undefined,
    reason: str(p.reason),
    refunded_at: m.timestamp,
    channel: m.channel ?? undefined,
  });
}
