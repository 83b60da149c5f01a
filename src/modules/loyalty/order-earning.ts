// Orders → points: paid orders earn (key `order:<id>:earn`), points used on an order are redeemed
// (`order:<id>:redeem`), refunds reverse pro rata (`refund:<id>:reverse`). Committed order changes arrive on the
// change feed for low latency; a sweep over orders and refunds without their key catches up whatever a crash or a
// disabled listener missed, so nothing is lost between the order's commit and its points.
import type { ChangeFeed, DataChange } from '../../core/change-feed.ts';
import { type OrderEarnRule, type Program, isMemberDay, orderPoints, tierByCode } from '../../core/loyalty/index.ts';
import type { Row, Store } from '../../store/port.ts';
import type { LoyaltyConfig } from './config.ts';
import { byKeys } from './ledger-repo.ts';
import type { LedgerService } from './ledger-service.ts';
import type { OpOutcome } from './ledger-engine.ts';
import type { StoreOp } from './ops.ts';
import type { TierService } from './tiers.ts';
import { WorkspaceBatcher, withMembers } from '../../core/workspace-batcher.ts';

export interface SweepResult { orders: number; earned: number; points: number; redeemed: number; refunds: number; failed: number }
type ErrorLogger = (err: unknown, msg: string) => void;

const PAGE = 5000;
const earnKey = (id: string) => `order:${id}:earn`;
const redeemKey = (id: string) => `order:${id}:redeem`;
const reverseKey = (id: string) => `refund:${id}:reverse`;

/** Orders of the workspace (optionally of some members) still missing their earn or redeem operation. */
function pendingOrdersSql(memberList: string | null): string {
  return `SELECT o.id, o.member_id, o.amount, o.points_used, o.channel, o.paid_at FROM orders o
    WHERE o.workspace_id = $1 AND o.member_id IS NOT NULL AND o.status <> 'cancelled'
      AND (o.paid_at > CAST($2 AS TIMESTAMPTZ) OR (o.paid_at = CAST($2 AS TIMESTAMPTZ) AND o.id > $3))
      ${memberList ? `AND o.member_id IN (${memberList})` : ''}
      AND (NOT EXISTS (SELECT 1 FROM points_ops p WHERE p.workspace_id = $1 AND p.idempotency_key = 'order:' || o.id || ':earn')
           OR (o.points_used > 0 AND NOT EXISTS (SELECT 1 FROM points_ops p WHERE p.workspace_id = $1 AND p.idempotency_key = 'order:' || o.id || ':redeem')))
    ORDER BY o.paid_at, o.id LIMIT ${PAGE}`;
}

/** Refunds whose order has earned (or was marked) and that have not been reversed yet. */
function pendingRefundsSql(memberList: string | null): string {
  return `SELECT r.id, r.order_id, r.amount, r.refunded_at, o.member_id, o.amount AS order_amount FROM refunds r
    JOIN orders o ON o.workspace_id = r.workspace_id AND o.id = r.order_id
    WHERE r.workspace_id = $1 AND o.member_id IS NOT NULL
      AND (r.refunded_at > CAST($2 AS TIMESTAMPTZ) OR (r.refunded_at = CAST($2 AS TIMESTAMPTZ) AND r.id > $3))
      ${memberList ? `AND o.member_id IN (${memberList})` : ''}
      AND EXISTS (SELECT 1 FROM points_ops p WHERE p.workspace_id = $1 AND p.idempotency_key = 'order:' || o.id || ':earn')
      AND NOT EXISTS (SELECT 1 FROM points_ops p WHERE p.workspace_id = $1 AND p.idempotency_key = 'refund:' || r.id || ':reverse')
    ORDER BY r.refunded_at, r.id LIMIT ${PAGE}`;
}

const EPOCH = '1970-01-01T00:00:00.000Z';

export class OrderEarning {
  private readonly batches = new WorkspaceBatcher<Set<string>>({
    run: (ws, members) => this.process(ws, [...members]),
    onError: (e) => this.log(e, 'loyalty: earning points for orders failed; the sweep will retry'),
  });
  private unsubscribe: (() => void) | null = null;
  private log: ErrorLogger = () => undefined;

  constructor(
    private readonly store: Store,
    private readonly ledger: LedgerService,
    private readonly tiers: TierService,
    private readonly config: (ws: string) => Promise<LoyaltyConfig>,
  ) {}

  setLogger(log: ErrorLogger): void {
    this.log = log;
  }

  /** Follows committed order changes: their members' new orders and refunds are processed within ~20 ms. */
  follow(changes: ChangeFeed): void {
    if (this.unsubscribe) return;
    this.unsubscribe = changes.subscribe((c: DataChange) => {
      if (!c.orders) return;
      this.batches.add(c.workspaceId, withMembers(c.memberIds));
    });
  }

  /** Waits until the changes seen so far are processed (tests, shutdown). */
  idle(): Promise<void> {
    return this.batches.idle();
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.idle();
  }

  /** The catch-up sweep (scheduled and `siyu loyalty earn-orders`): every order and refund missing its operation. */
  sweep(ws: string): Promise<SweepResult> {
    return this.process(ws, null);
  }

  /** Earns/redeems for pending orders, then reverses pending refunds, of some members or all. */
  private async process(ws: string, members: string[] | null): Promise<SweepResult> {
    const out: SweepResult = { orders: 0, earned: 0, points: 0, redeemed: 0, refunds: 0, failed: 0 };
    const config = await this.config(ws);
    if (!config.program) return out;
    const touched = new Set<string>();
    for (const chunk of chunks(members)) {
      for (let after = { at: EPOCH, id: '' }; ;) {
        const rows = await this.page(ws, pendingOrdersSql, chunk, after);
        if (rows.length === 0) break;
        const ops = await this.orderOps(ws, config, config.program, rows);
        this.tally(out, ops, await this.ledger.applyMany(ws, ops), touched);
        out.orders += rows.length;
        const last = rows[rows.length - 1];
        after = { at: last.paid_at, id: last.id };
        if (rows.length < PAGE) break;
      }
      for (let after = { at: EPOCH, id: '' }; ;) {
        const rows = await this.page(ws, pendingRefundsSql, chunk, after);
        if (rows.length === 0) break;
        const ops: StoreOp[] = rows.map((r) => ({
          kind: 'refund', key: reverseKey(r.id), member: r.member_id, orderId: r.order_id, orderAmount: Number(r.order_amount), refundAmount: Number(r.amount), at: r.refunded_at,
        }));
        this.tally(out, ops, await this.ledger.applyMany(ws, ops), touched);
        const last = rows[rows.length - 1];
        after = { at: last.refunded_at, id: last.id };
        if (rows.length < PAGE) break;
      }
    }
    await this.tiers.refresh(ws, [...touched]);
    return out;
  }

  private async page(ws: string, sql: (list: string | null) => string, members: string[] | null, after: { at: string; id: string }): Promise<Row[]> {
    if (!members) return this.store.query(sql(null), [ws, after.at, after.id]);
    return byKeys(this.store, this.store, ws, members, (list) => sql(list), [after.at, after.id]);
  }

  /** Operations for a page of orders: redeem the points used (before earning), then earn per the rules. */
  private async orderOps(ws: string, config: LoyaltyConfig, program: Program, orders: Row[]): Promise<StoreOp[]> {
    const ids = orders.map((o) => o.id);
    const [items, tiers] = await Promise.all([
      byKeys(this.store, this.store, ws, ids, (list) => `SELECT order_id, line_no, product_id, category, amount FROM order_items WHERE workspace_id = $1 AND order_id IN (${list})`),
      this.tiers.codesOf(this.store, ws, program, [...new Set(orders.map((o) => o.member_id as string))]),
    ]);
    const lines = new Map<string, Row[]>();
    for (const it of items) {
      const list = lines.get(it.order_id) ?? [];
      list.push(it);
      lines.set(it.order_id, list);
    }
    const rule: OrderEarnRule = config.earn.order;
    const ops: StoreOp[] = [];
    for (const o of orders) {
      const at: string = o.paid_at;
      if (Number(o.points_used) > 0) ops.push({ kind: 'redeem', key: redeemKey(o.id), member: o.member_id, points: Number(o.points_used), orderId: o.id, reference: 'order', at });
      if (config.earnSince && Date.parse(at) < Date.parse(config.earnSince)) {
        ops.push({ kind: 'mark', key: earnKey(o.id), member: o.member_id, orderId: o.id, reason: 'before_program', at });
        continue;
      }
      const tier = tierByCode(program, tiers.get(o.member_id) ?? program.tiers[0].code);
      const orderLines = (lines.get(o.id) ?? []).sort((a, b) => Number(a.line_no) - Number(b.line_no));
      const earning = orderPoints(rule, {
        amount: Number(o.amount), paidAt: at, channel: o.channel ?? null,
        items: orderLines.map((l) => ({ lineNo: Number(l.line_no) + 1, productId: l.product_id ?? null, category: l.category ?? null, amount: Number(l.amount) })),
      }, { isMemberDay: config.memberDay ? isMemberDay(config.memberDay.schedule, at) : false, tierMultiplier: tier.benefits.pointsMultiplier });
      ops.push(earning.points > 0
        ? { kind: 'earn', key: earnKey(o.id), member: o.member_id, points: earning.points, orderId: o.id, reason: 'order', at }
        : { kind: 'mark', key: earnKey(o.id), member: o.member_id, orderId: o.id, reason: earning.reason, at });
    }
    return ops;
  }

  private tally(out: SweepResult, ops: StoreOp[], outcomes: OpOutcome[], touched: Set<string>): void {
    outcomes.forEach((r, i) => {
      const op = ops[i];
      if (!r.ok) {
        // A key already used with other points (tier or rules changed between two tries) was done before: not a failure.
        if (r.error.code !== 'ledger.idempotency_conflict') {
          out.failed++;
          this.log(r.error, `loyalty: ${op.kind} ${op.key} refused: ${r.error.code}`);
        }
        return;
      }
      if (r.replayed) return;
      if (op.kind === 'earn') {
        out.earned++;
        out.points += op.points;
        touched.add(op.member);
      } else if (op.kind === 'mark') {
        touched.add(op.member); // an order that earns no points still counts for spend and order-count tiers
      } else if (op.kind === 'redeem') out.redeemed++;
      else if (op.kind === 'refund') {
        out.refunds++;
        touched.add(op.member);
      }
    });
  }
}

/** All members at once (null) or chunks of a list. */
function chunks(members: string[] | null): (string[] | null)[] {
  if (!members) return [null];
  const out: string[][] = [];
  for (let i = 0; i < members.length; i += 1000) out.push(members.slice(i, i + 1000));
  return out;
}
