// Orders that arrive with coupon_code redeem their coupons; fully refunded or cancelled orders release them.
//
// Why this way: the orders table is the source of truth and the coupons module only reads it. Two triggers drive
// one idempotent pass: (1) `services.changes` (orders: true) brings a change within milliseconds, for the members it
// names; (2) a sweep on the coupons job tick (and on demand) re-reads orders changed since a stored watermark minus
// an hour of overlap, so a change the in-process feed never delivered (crash after commit, another process on
// PostgreSQL, guest orders the feed cannot name) is still handled. Each (order, code) is handled at most once
// (coupon_order_codes), so the two triggers and several processes never redeem twice. The check uses the order's
// paid_at, not the time the sync runs. Redeeming inside the order's own write would couple ingest batches to coupon
// conflicts and fail orders whose coupon is invalid; here a refused code is logged (action reject) and the order stands.
import { Cron } from 'croner';
import { newId } from '../../core/ids.ts';
import { SiyuError } from '../../core/errors.ts';
import type { ChangeFeed, DataChange } from '../../core/change-feed.ts';
import type { Store } from '../../store/port.ts';
import { couponRepo } from './coupon-repo.ts';
import type { KeyedLock } from './keyed-lock.ts';
import { orderRepo, type PendingCode } from './order-repo.ts';
import { contextOf, type Redeemer } from './redeem.ts';

/** Overlap of each sweep with the previous one: orders written by transactions that began before it committed. */
export const SWEEP_OVERLAP_MS = 60 * 60 * 1000;
const PAGE = 500;

export interface SyncReport {
  redeemed: number;
  rejected: number;
  released: { restored: number; voided: number };
}

export type ErrorLog = (err: unknown, msg: string) => void;

export class OrderSync {
  private readonly orders;
  private readonly coupons;
  private readonly queued = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;
  private job: Cron | null = null;
  log: ErrorLog = () => undefined;

  constructor(
    private readonly store: Store,
    private readonly redeemer: Redeemer,
    private readonly locks: KeyedLock,
    changes?: ChangeFeed,
    private readonly windowMs = 20,
    /** Told after each commit that changed a member's coupon (redeemed with an order, given back or voided on refund). */
    private readonly changed: (ws: string, memberIds: (string | null)[]) => void = () => undefined,
  ) {
    this.orders = orderRepo(store);
    this.coupons = couponRepo(store);
    this.unsubscribe = changes?.subscribe((c) => this.onChange(c)) ?? (() => undefined);
  }

  /** Handles codes and refunds of orders of these members now. */
  async syncMembers(ws: string, memberIds: string[]): Promise<SyncReport> {
    const report = emptyReport();
    for (let i = 0; i < memberIds.length; i += 1000) {
      const ids = memberIds.slice(i, i + 1000);
      await this.handleCodes(ws, () => this.orders.pending(this.store, ws, { memberIds: ids, limit: PAGE }), report);
      await this.handleRefunds(ws, () => this.orders.refundedUses(this.store, ws, { memberIds: ids, limit: PAGE }), report);
    }
    return report;
  }

  /** The sweep: every order changed since the watermark (minus the overlap), and every released refund. */
  async sweep(ws: string): Promise<SyncReport> {
    const startedAt = new Date().toISOString();
    const mark = await this.orders.watermark(this.store, ws);
    const since = mark ? new Date(Date.parse(mark) - SWEEP_OVERLAP_MS).toISOString() : undefined;
    const report = emptyReport();
    await this.handleCodes(ws, () => this.orders.pending(this.store, ws, { since, limit: PAGE }), report);
    await this.handleRefunds(ws, () => this.orders.refundedUses(this.store, ws, { limit: PAGE }), report);
    await this.orders.setWatermark(this.store, ws, startedAt);
    return report;
  }

  /** Marks unused coupons past valid_to expired. */
  expire(ws: string, now = new Date().toISOString()): Promise<number> {
    return this.store.transaction((tx) => this.coupons.expire(tx, ws, now));
  }

  /** One job tick: sweep and expire every workspace that has coupon templates. */
  async tick(): Promise<void> {
    for (const ws of await this.orders.workspaces(this.store)) {
      try {
        await this.sweep(ws);
        await this.expire(ws);
      } catch (e) {
        this.log(e, `coupon jobs failed for workspace ${ws}`);
      }
    }
  }

  /** Starts the minute tick (the server process only); overlapping ticks are skipped. */
  start(pattern = '* * * * *'): void {
    if (this.job) return;
    this.job = new Cron(pattern, { protect: true, unref: true, catch: true }, () => this.tick());
  }

  /** Waits until every queued change has been handled (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.running = this.running.then(() => this.drain());
    }
    await this.running;
  }

  async close(): Promise<void> {
    this.job?.stop();
    this.job = null;
    this.unsubscribe();
    await this.flush();
  }

  // ---- internals ----

  private onChange(c: DataChange): void {
    if (!c.orders) return;
    let set = this.queued.get(c.workspaceId);
    if (!set) this.queued.set(c.workspaceId, (set = new Set()));
    for (const id of c.memberIds) set.add(id);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.running.then(() => this.drain());
    }, this.windowMs);
    this.timer.unref?.();
  }

  private async drain(): Promise<void> {
    while (this.queued.size > 0) {
      const [ws, ids] = this.queued.entries().next().value as [string, Set<string>];
      this.queued.delete(ws);
      try {
        await this.syncMembers(ws, [...ids]);
      } catch (e) {
        this.log(e, `coupon order sync failed for workspace ${ws}; the next sweep retries`);
      }
    }
  }

  /** Pages through pending codes until none is left that this pass has not seen. */
  private async handleCodes(ws: string, next: () => Promise<PendingCode[]>, report: SyncReport) {
    const seen = new Set<string>();
    for (;;) {
      const page = (await next()).filter((p) => !seen.has(`${p.order_id}\u0000${p.code}`));
      if (page.length === 0) return;
      for (const p of page) {
        seen.add(`${p.order_id}\u0000${p.code}`);
        const outcome = await this.handleCode(ws, p);
        if (outcome === 'redeemed') report.redeemed++;
        else if (outcome) report.rejected++;
      }
    }
  }

  private async handleCode(ws: string, p: PendingCode): Promise<string | null> {
    const order = await this.orders.order(this.store, ws, p.order_id);
    if (!order) return null;
    const now = new Date().toISOString();
    if (order.status === 'cancelled' || order.status === 'refunded') {
      await this.store.transaction((tx) => this.orders.mark(tx, ws, { order_id: p.order_id, code: p.code, outcome: `order_${order.status}`, member_coupon_id: null }, now));
      return null;
    }
    try {
      await this.locks.run(`order:${ws}:${p.order_id}`, () =>
        this.store.transaction((tx) => this.redeemer.redeemIn(tx, ws, p.code, contextOf(order), { dryRun: false, source: 'order' })),
      ).then((r) => this.changed(ws, [r.coupon?.member_id ?? null]));
      return 'redeemed';
    } catch (e) {
      if (!(e instanceof SiyuError)) throw e;
      // Refused (expired, not the buyer's, below threshold…): the order stands; the refusal is kept once.
      await this.store.transaction(async (tx) => {
        if (await this.orders.mark(tx, ws, { order_id: p.order_id, code: p.code, outcome: e.code, member_coupon_id: null }, now)) {
          await this.orders.log(tx, ws, { id: newId('cpr'), member_coupon_id: null, template_id: null, member_id: order.member_id, code: p.code, order_id: p.order_id, action: 'reject', reason: e.code, discount: null, source: 'order' }, now);
        }
      });
      return e.code;
    }
  }

  private async handleRefunds(ws: string, next: () => Promise<Awaited<ReturnType<typeof this.orders.refundedUses>>>, report: SyncReport) {
    const seen = new Set<string>();
    for (;;) {
      const page = (await next()).filter((u) => !seen.has(u.id));
      if (page.length === 0) return;
      for (const u of page) {
        seen.add(u.id);
        const r = await this.locks.run(`order:${ws}:${u.order_id}`, () => this.redeemer.releaseRefunded(ws, u));
        if (r) {
          report.released[r]++;
          this.changed(ws, [u.member_id]);
        }
      }
    }
  }
}

const emptyReport = (): SyncReport => ({ redeemed: 0, rejected: 0, released: { restored: 0, voided: 0 } });
