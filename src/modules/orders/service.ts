// Orders, refunds, products and the order traits of members: writes are set-based and keep traits current.
import { SiyuError, notFound } from '../../core/errors.ts';
import { isTx, type SqlExecutor, type Store } from '../../store/port.ts';
import type { ChangeFeed } from '../../core/change-feed.ts';
import type { IdentityInput, IdentityKey, IdentityPort } from '../identity/types.ts';
import { ordersRepo, type ItemRow, type OrderRow, type ProductRow } from './repo.ts';
import { planRefunds, refundIdOf } from './refund-plan.ts';
import { parseOrder, parseRefund, type MemberRef, type NormalizedOrder, type NormalizedRefund } from './schema.ts';
import { mergeTraitRows, recomputeTraitsAll, recomputeTraitsFor } from './traits-sql.ts';
import { fromCents } from './money.ts';
import { recomputeOrderFacts } from '../activity/order-facts.ts';

/** Options shared by order and refund writes. */
export interface WriteOptions {
  /** Channel for records that name none (the write key's channel). */
  channel?: string | null;
  /** Members already resolved by the caller (ingest), one per input; skips identity resolution. */
  memberIds?: (string | null)[];
  /** Skip invalid inputs instead of failing the batch (track events must not fail their batch). */
  lenient?: boolean;
  /** Recompute the affected members' traits in the same transaction (default true; bulk loads recompute once at the end). */
  recomputeTraits?: boolean;
}

export interface WriteResult {
  /** Orders or refunds accepted (stored, or already stored with the same content). */
  accepted: number;
  /** Members whose traits changed. */
  members: string[];
  /** Inputs skipped in lenient mode. */
  skipped: { index: number; code: string; message: string }[];
}

const IDENTITY_FIELDS: [keyof MemberRef, IdentityKey['type']][] = [
  ['phone', 'phone'], ['email', 'email'], ['unionid', 'unionid'], ['member_card', 'member_card'],
];

/** What identity resolution needs from an order's or refund's identifier fields. */
export function identityInputOf(m: MemberRef, channel: string | null, ts: string): IdentityInput {
  const identities: IdentityKey[] = [];
  for (const [field, type] of IDENTITY_FIELDS) if (m[field]) identities.push({ type, value: m[field]! });
  if (m.openid) identities.push({ type: 'openid', value: m.openid, appId: m.appid ?? null });
  return { userId: m.user_id ?? null, anonymousId: m.anonymous_id ?? null, identities, channel, ts, applyTraits: false };
}

const skip = (index: number, e: unknown) => {
  if (!(e instanceof SiyuError)) throw e;
  return { index, code: e.code, message: e.message };
};

export class OrdersService {
  private readonly repo;

  constructor(
    private readonly store: Store,
    private readonly identity: IdentityPort,
    /** Members whose orders or refunds changed are published here once the caller's transaction commits. */
    private readonly changes?: ChangeFeed,
  ) {
    this.repo = ordersRepo(store);
    identity.onMerge('orders', (tx, ws, fromId, intoId) => this.mergeMember(tx, ws, fromId, intoId));
  }

  /**
   * Validates and upserts orders by (workspace, order_id) inside `tx`: resolves buyers (one identity call),
   * upserts products, orders and lines (one statement per table), then recomputes the buyers' traits.
   * Re-sending an order replaces it and its lines; refunds already applied to it are kept.
   */
  async upsertOrders(tx: SqlExecutor, ws: string, inputs: unknown[], opts: WriteOptions = {}): Promise<WriteResult> {
    const skipped: WriteResult['skipped'] = [];
    const parsed: { order: NormalizedOrder; index: number }[] = [];
    inputs.forEach((raw, index) => {
      try {
        parsed.push({ order: parseOrder(raw, index), index });
      } catch (e) {
        if (!opts.lenient) throw e;
        skipped.push(skip(index, e));
      }
    });
    // The last copy of an order in a batch wins, as if they had been sent one after another.
    const byId = new Map<string, { order: NormalizedOrder; index: number }>();
    for (const p of parsed) {
      byId.delete(p.order.order_id);
      byId.set(p.order.order_id, p);
    }
    const batch = [...byId.values()];
    if (batch.length === 0) return { accepted: 0, members: [], skipped };
    for (const p of batch) p.order.channel ??= opts.channel ?? null;

    const memberIds = await this.resolveMembers(tx, ws, batch.map((p) => ({ ref: p.order.member, guest: p.order.guest, index: p.index, channel: p.order.channel, ts: p.order.paid_at })), 'order', opts);
    const previous = await this.repo.existing(tx, ws, batch.map((p) => p.order.order_id));

    const orders: OrderRow[] = [];
    const items: ItemRow[] = [];
    const products = new Map<string, ProductRow>();
    batch.forEach(({ order: o }, i) => {
      const member_id = memberIds[i];
      orders.push({
        id: o.order_id, member_id, status: o.status, amount: o.amount, discount: o.discount, currency: o.currency,
        coupon_code: o.coupon_code, points_used: o.points_used, channel: o.channel, store_id: o.store_id,
        item_count: o.items.length, paid_at: o.paid_at, attributes: o.properties,
      });
      for (const it of o.items) {
        items.push({ order_id: o.order_id, member_id, ...it });
        if (!it.product_id) continue;
        const known = products.get(it.product_id);
        // One row per product per statement (ON CONFLICT may not touch a row twice); the latest order decides.
        if (!known || o.paid_at >= known.seen_at) {
          products.set(it.product_id, { id: it.product_id, name: it.name ?? known?.name ?? null, category: it.category ?? known?.category ?? null, price: it.unit_price, seen_at: o.paid_at });
        } else {
          known.name ??= it.name;
          known.category ??= it.category;
        }
      }
    });

    await this.repo.upsertProducts(tx, ws, [...products.values()]);
    await this.repo.upsertOrders(tx, ws, orders);
    await this.repo.upsertItems(tx, ws, items);
    const resent = orders.filter((o) => previous.has(o.id));
    if (resent.length) {
      await this.repo.trimItems(tx, ws, resent.map((o) => ({ order_id: o.id, item_count: o.item_count })));
      const moved = resent.filter((o) => previous.get(o.id) !== o.member_id);
      if (moved.length) await this.repo.alignRefundMembers(tx, ws, moved.map((o) => o.id));
    }

    const members = [...new Set([...memberIds, ...previous.values()].filter((m): m is string => !!m))];
    if (opts.recomputeTraits !== false) await recomputeTraitsFor(tx, ws, members);
    this.publishOnCommit(tx, ws, members, orders.map((o) => o.id));
    return { accepted: batch.length, members, skipped };
  }

  /**
   * Validates and stores refunds inside `tx`, idempotent by refund id; updates each order's refunded amount and
   * status, then the members' traits. Over-refunds fail with `refund.exceeds_order`, unknown orders with
   * `order.not_found` (lenient mode skips them instead).
   */
  async addRefunds(tx: SqlExecutor, ws: string, inputs: unknown[], opts: WriteOptions = {}): Promise<WriteResult> {
    const skipped: WriteResult['skipped'] = [];
    const parsed: { refund: NormalizedRefund; index: number }[] = [];
    inputs.forEach((raw, index) => {
      try {
        parsed.push({ refund: parseRefund(raw, index), index });
      } catch (e) {
        if (!opts.lenient) throw e;
        skipped.push(skip(index, e));
      }
    });
    if (parsed.length === 0) return { accepted: 0, members: [], skipped };
    for (const p of parsed) p.refund.channel ??= opts.channel ?? null;

    // Unlinked returns need their member; linked ones take the order's.
    const unlinked = parsed.filter((p) => !p.refund.order_id);
    const unlinkedIds = await this.resolveMembers(tx, ws, unlinked.map((p) => ({ ref: p.refund.member, guest: p.refund.guest, index: p.index, channel: p.refund.channel, ts: p.refund.refunded_at })), 'refund', opts);
    const memberOf = new Map(unlinked.map((p, i) => [p.index, unlinkedIds[i]]));

    const refunds = parsed.map((p) => p.refund);
    const orderIds = [...new Set(refunds.map((r) => r.order_id).filter((id): id is string => !!id))];
    const orders = await this.repo.orderStates(tx, ws, orderIds);
    const stored = await this.repo.storedRefunds(tx, ws, [...new Set(refunds.map(refundIdOf))]);
    const plan = planRefunds(refunds, orders, stored, (i) => memberOf.get(parsed[i].index) ?? null, { lenient: opts.lenient, batch: true });
    for (const s of plan.skipped) skipped.push(skip(parsed[s.index].index, s.error));

    const inserted = await this.repo.insertRefunds(tx, ws, plan.rows);
    if (inserted.size < plan.rows.length) {
      // A concurrent request stored some of these ids between our read and our insert: start over on fresh state.
      throw Object.assign(new SiyuError('conflict', 'refund.concurrent', 'A concurrent refund was stored; retrying'), { retryable: true });
    }
    const deltas = [...plan.deltas].map(([id, cents]) => ({ id, delta: fromCents(cents) }));
    const applied = await this.repo.applyRefunds(tx, ws, deltas);
    const lost = deltas.find((d) => !applied.has(d.id));
    if (lost) {
      throw new SiyuError('invalid_data', 'refund.exceeds_order', `Refunds would exceed the amount of order ${lost.id}`, { field: 'amount' });
    }
    const members = [...new Set(plan.rows.map((r) => r.member_id).filter((m): m is string => !!m))];
    if (opts.recomputeTraits !== false) await recomputeTraitsFor(tx, ws, members);
    this.publishOnCommit(tx, ws, members, [...new Set(plan.rows.map((r) => r.order_id).filter((id): id is string => !!id))]);
    return { accepted: plan.rows.length + plan.duplicates, members, skipped };
  }

  /** Publishes `orders: true` for these members when `tx` commits (REST, imports and ingest all write through here). */
  private publishOnCommit(tx: SqlExecutor, ws: string, memberIds: string[], orderIds?: string[]) {
    if (!this.changes || memberIds.length === 0 || !isTx(tx)) return;
    tx.afterEnd((committed) => {
      if (committed) this.changes!.publish({ workspaceId: ws, memberIds, events: [], orders: true, ...(orderIds ? { orderIds } : {}), committedAt: Date.now() });
    });
  }

  /** Recomputes the order traits of some members inside `tx`. */
  recomputeTraits(tx: SqlExecutor, ws: string, memberIds: string[]): Promise<void> {
    return recomputeTraitsFor(tx, ws, memberIds);
  }

  /** Recomputes every member's order traits in one statement (after imports and demo loads). */
  recomputeAllTraits(ws: string): Promise<void> {
    return this.store.transaction((tx) => recomputeTraitsAll(tx, ws));
  }

  /** One order with its lines and refunds. */
  async getOrder(ws: string, orderId: string) {
    const order = await this.repo.getOrder(this.store, ws, orderId);
    if (!order) throw notFound('order.not_found', `No order ${orderId}`, 'order_id');
    const [items, refunds] = await Promise.all([this.repo.itemsOf(this.store, ws, orderId), this.repo.refundsOf(this.store, ws, orderId)]);
    return { ...order, items, refunds };
  }

  /** A page of orders, newest first, optionally of one member (`ref` = member id or `type:value`). */
  async listOrders(ws: string, q: { member?: string; limit: number; cursor?: string }) {
    let memberId: string | null = null;
    if (q.member) {
      memberId = await this.identity.findMember(this.store, ws, q.member);
      if (!memberId) throw notFound('member.not_found', `No member ${q.member}`, 'member');
    }
    const after = q.cursor ? decodeCursor(q.cursor) : null;
    const rows = await this.repo.list(this.store, ws, { memberId, limit: q.limit + 1, after });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { data: page, next_cursor: rows.length > q.limit && last ? encodeCursor(last.paid_at, last.order_id) : null };
  }

  /** Merge hook: the merged member's orders, lines and refunds now belong to the survivor, whose traits follow. */
  private async mergeMember(tx: SqlExecutor, ws: string, fromId: string, intoId: string): Promise<number> {
    const moved = await this.repo.repoint(tx, ws, fromId, intoId);
    await recomputeTraitsFor(tx, ws, [intoId]);
    await recomputeOrderFacts(tx, '$2', [ws, fromId]); // the merged member's cohort and CLV facts go (no orders left)
    await mergeTraitRows(tx, ws, fromId, intoId);
    return moved;
  }

  /**
   * Member per input: none for guests, the caller's when given, `member_id` looked up (following merges), the
   * rest resolved by identity in one call. An input whose identifiers are all unusable fails (or is a guest's).
   */
  private async resolveMembers(
    tx: SqlExecutor, ws: string,
    list: { ref: MemberRef; guest: boolean; index: number; channel: string | null; ts: string }[],
    entity: 'order' | 'refund', opts: WriteOptions,
  ): Promise<(string | null)[]> {
    const out: (string | null)[] = new Array(list.length).fill(null);
    const pending: number[] = [];
    for (let i = 0; i < list.length; i++) {
      const { ref, guest, index } = list[i];
      if (guest) continue;
      if (opts.memberIds) out[i] = opts.memberIds[index] ?? null;
      else if (ref.member_id) {
        out[i] = await this.identity.findMember(tx, ws, ref.member_id);
        if (!out[i]) throw new SiyuError('not_found', 'member.not_found', `No member ${ref.member_id}`, { field: 'member_id', details: { index } });
      } else pending.push(i);
    }
    if (pending.length) {
      const res = await this.identity.resolve(tx, ws, pending.map((i) => identityInputOf(list[i].ref, list[i].channel, list[i].ts)));
      pending.forEach((i, k) => (out[i] = res.memberIds[k]));
      const bad = pending.find((i) => !out[i]);
      if (bad !== undefined) {
        throw new SiyuError('invalid_data', `${entity}.missing_identifier`, 'None of the identifiers is usable (blocked or malformed values such as "0", "null", "anonymous")', {
          field: 'user_id', details: { index: list[bad].index },
        });
      }
    }
    return out;
  }
}

/** Opaque page cursor: the (paid_at, order_id) of the last row returned. */
export const encodeCursor = (paidAt: string, id: string) => Buffer.from(JSON.stringify([paidAt, id])).toString('base64url');

export function decodeCursor(cursor: string): { paid_at: string; id: string } {
  try {
    const [paid_at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof paid_at === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(paid_at))) return { paid_at, id };
  } catch {
    // fall through to the error below
  }
  throw new SiyuError('invalid_data', 'request.invalid_cursor', 'cursor is not one this API returned', { field: 'cursor' });
}
