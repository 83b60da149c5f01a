// The store ledger's rules, pure: applies a batch of operations one after another to the state loaded for them
// (accounts, live lots, order facts, used keys … — ledger-state.ts) and collects the rows to write. Same rules as the
// reference LedgerModel (src/core/loyalty/ledger.ts), which the property test holds it to; the checks that need no
// batch state are in ledger-rules.ts.
import { SiyuError } from '../../core/errors.ts';
import {
  type Deduction, eventPoints, expiringLots, idempotencyConflict, planConsumption, planRefundReversal, takeFrom, ms, resultError,
} from '../../core/loyalty/index.ts';
import { LotDating, bad, capCounts, checkReward, checkTransfer, validate } from './ledger-rules.ts';
import type { AccountRow, BatchState, BatchWrites, EngineConfig, LotRow, OrderFacts, RedemptionRow } from './ledger-state.ts';
import { type BalanceView, type EntryRow, type OpResult, type StoreOp, fingerprintOf } from './ops.ts';

export type OpOutcome = { ok: true; result: OpResult; replayed: boolean } | { ok: false; error: SiyuError };

/**
 * Applies operations to loaded state. Each operation plans first (where it may be refused: not enough points, out of
 * stock …) and only then mutates, so a refused operation leaves nothing behind while the others in the batch apply.
 * @example const e = new LedgerEngine(state, config); const outcomes = ops.map((op) => e.apply(op)); write(e.writes)
 */
export class LedgerEngine {
  readonly writes: BatchWrites = {
    ops: [], entries: [], newLots: new Map(), changedLots: new Map(), accounts: new Map(), orders: new Map(), rewards: new Map(), redemptions: [],
  };
  private entries: EntryRow[] = [];
  private touched = new Set<string>();
  private added = { debt: 0, forgiven: 0 };
  private op!: StoreOp;
  private lineNo = 0;

  /** Members whose account row exists in the store (the rest are inserted). */
  private readonly stored: Set<string>;
  private readonly lotDating: LotDating;

  constructor(private readonly state: BatchState, private readonly config: EngineConfig) {
    this.stored = new Set(state.accounts.keys());
    this.lotDating = new LotDating(config.lots);
  }

  /** Applies one operation; a validation error or refusal is returned, never thrown. */
  apply(op: StoreOp): OpOutcome {
    try {
      return this.applyOrThrow(op);
    } catch (e) {
      if (e instanceof SiyuError) return { ok: false, error: e };
      throw e;
    }
  }

  private applyOrThrow(op: StoreOp): OpOutcome {
    validate(op);
    const fingerprint = fingerprintOf(op);
    const seen = this.state.keys.get(op.key);
    if (seen) {
      if (seen.fingerprint !== fingerprint) throw idempotencyConflict(op.key);
      return { ok: true, result: seen.result, replayed: true };
    }
    this.op = op;
    this.entries = [];
    this.touched = new Set();
    this.added = { debt: 0, forgiven: 0 };
    this.lineNo = 0;
    const detail = this.run(op);
    const result: OpResult = {
      idempotency_key: op.key, kind: op.kind, entries: this.entries, balances: [...this.touched].map((m) => this.view(m)),
      debt_added: this.added.debt, forgiven: this.added.forgiven, ...(detail ? { detail } : {}),
    };
    this.state.keys.set(op.key, { fingerprint, result });
    const member = 'member' in op && op.member ? op.member : op.kind === 'transfer' ? op.from : null;
    this.writes.ops.push({ key: op.key, kind: op.kind, member, fingerprint, result, at: op.at });
    this.writes.entries.push(...this.entries);
    return { ok: true, result, replayed: false };
  }

  /** The dates of a lot earned at `at` (see LotDating). */
  private dates(at: string, withPending = true): { availableAt: string; expiresAt: string | null } {
    return this.lotDating.dates(at, withPending);
  }

  /** Plans (may throw a refusal) then mutates. Returns the operation's detail for its result. */
  private run(op: StoreOp): Record<string, unknown> | undefined {
    switch (op.kind) {
      case 'earn': {
        const dates = this.dates(op.at);
        const availableAt = op.availableAt === undefined ? dates.availableAt : op.availableAt;
        const expiresAt = op.expiresAt === undefined ? dates.expiresAt : op.expiresAt;
        this.credit(op.member, 'earn', op.points, { availableAt, expiresAt, orderId: op.orderId, reason: op.reason, source: 'earn' });
        if (op.orderId) this.order(op.orderId, op.member).earned += op.points;
        return undefined;
      }
      case 'event':
        return this.event(op);
      case 'redeem': {
        const plan = this.consume(op.member, op.points);
        this.debit(op.member, 'redeem', plan, { orderId: op.orderId, reason: op.reference });
        if (op.orderId) this.order(op.orderId, op.member).used += op.points;
        return undefined;
      }
      case 'reward':
        return this.reward(op);
      case 'adjust': {
        const extra = { reason: op.reason, operator: op.operator };
        if (op.delta > 0) {
          const expiresAt = op.expiresAt === undefined ? this.dates(op.at, false).expiresAt : op.expiresAt;
          this.credit(op.member, 'adjust', op.delta, { availableAt: null, expiresAt, source: 'adjust', ...extra });
          return undefined;
        }
        this.debit(op.member, 'adjust', this.consume(op.member, -op.delta), extra);
        return undefined;
      }
      case 'transfer': {
        checkTransfer(this.config.transfers, op.points);
        const plan = this.consume(op.from, op.points);
        const sources = plan.map((d) => this.lotById(op.from, d.lotId));
        this.debit(op.from, 'transfer_out', plan, { reason: op.reason });
        plan.forEach((d, i) => this.credit(op.to, 'transfer_in', d.points, { availableAt: null, expiresAt: sources[i].expiresAt, reason: op.reason, source: 'transfer' }));
        return undefined;
      }
      case 'expire': {
        if (!op.member) throw bad('ledger.invalid_op', 'member', 'the batch ledger expires one member at a time; use the expiry job for all');
        this.touch(op.member);
        const due = expiringLots(this.liveLots(op.member), op.at);
        if (due.length > 0) this.debit(op.member, 'expire', due, {}, 'expired');
        return undefined;
      }
      case 'refund':
        this.refund(op);
        return undefined;
      case 'mark':
        this.touch(op.member);
        return { reason: op.reason, ...(op.orderId ? { order_id: op.orderId } : {}) };
    }
  }

  private event(op: Extract<StoreOp, { kind: 'event' }>): Record<string, unknown> {
    const rules = this.config.earn;
    const rule = rules.events.find((r) => r.event === op.event);
    const awards = this.state.eventAwards.get(`${op.member}\0${op.event}`) ?? [];
    const counts = capCounts(rule, awards, op.at, rules.timezone);
    const earning = eventPoints(rules, op.event, counts, op.at, op.ctx ?? { isMemberDay: false, tierMultiplier: 1 });
    this.touch(op.member);
    if (earning.points > 0) {
      // No return window for an action: event points are spendable at once (expiry counts from now).
      this.credit(op.member, 'earn', earning.points, { availableAt: null, expiresAt: this.dates(op.at, false).expiresAt, reason: `event:${op.event}`, source: 'event' });
      awards.push(ms(op.at));
      this.state.eventAwards.set(`${op.member}\0${op.event}`, awards);
    }
    return { event: op.event, points: earning.points, reason: earning.reason, blocked_by: earning.blockedBy, factor: earning.factor, multipliers: earning.multipliers };
  }

  private reward(op: Extract<StoreOp, { kind: 'reward' }>): Record<string, unknown> {
    const r = this.state.rewards.get(op.rewardId);
    if (!r) throw new SiyuError('not_found', 'reward.not_found', `No reward ${op.rewardId}`, { field: 'reward' });
    const countKey = `${r.id}\0${op.member}`;
    const had = this.state.rewardCounts.get(countKey) ?? 0;
    checkReward(r, op.at, this.state.tiers.get(op.member) ?? null, op.quantity, had);
    const points = r.pointsCost * op.quantity;
    const plan = points > 0 ? this.consume(op.member, points) : [];
    if (points > 0) this.debit(op.member, 'redeem', plan, { reason: `reward:${r.id}` });
    else this.touch(op.member);
    if (!this.writes.rewards.has(r.id)) this.writes.rewards.set(r.id, { row: r, loadedRedeemed: r.redeemed });
    r.redeemed += op.quantity;
    this.state.rewardCounts.set(countKey, had + op.quantity);
    const redemption: RedemptionRow = { id: this.config.newRedemptionId(), rewardId: r.id, member: op.member, quantity: op.quantity, points, key: op.key, at: op.at };
    this.writes.redemptions.push(redemption);
    return { redemption_id: redemption.id, reward_id: r.id, reward_name: r.name, quantity: op.quantity, points };
  }

  private refund(op: Extract<StoreOp, { kind: 'refund' }>): void {
    const facts = this.order(op.orderId, op.member, false);
    const mine = this.liveLots(op.member);
    const plan = planRefundReversal({
      orderAmount: op.orderAmount, refundAmount: op.refundAmount,
      previous: { refundedAmount: facts.refundedAmount, clawedBack: facts.clawedBack, givenBack: facts.givenBack },
      pointsEarned: facts.earned, pointsUsed: facts.used,
      orderLots: mine.filter((l) => l.orderId === op.orderId), otherLots: mine.filter((l) => l.orderId !== op.orderId), now: op.at,
    }, this.config.refunds);
    this.order(op.orderId, op.member); // from here on the facts are written
    this.touch(op.member);
    const returned = plan.giveBack > 0
      ? this.credit(op.member, 'return', plan.giveBack, {
        availableAt: null, expiresAt: this.dates(op.at, false).expiresAt, orderId: op.orderId, settle: false, source: 'return',
      })
      : null;
    const deductions: Deduction[] = [...plan.fromOrderLots, ...plan.fromOtherLots];
    if (plan.fromGiveBack > 0 && returned) deductions.push({ lotId: returned, points: plan.fromGiveBack });
    if (deductions.length > 0) this.debit(op.member, 'reverse', deductions, { orderId: op.orderId });
    const acct = this.account(op.member);
    acct.debt += plan.debt;
    this.added.debt += plan.debt;
    this.added.forgiven += plan.forgiven;
    if (returned) this.settleDebt(op.member, returned);
    facts.refundedAmount = plan.cumulative.refundedAmount;
    facts.clawedBack = plan.cumulative.clawedBack;
    facts.givenBack = plan.cumulative.givenBack;
    // Points earned net of reversals (debt and write-offs included: the order no longer earned them).
    acct.earnedTotal -= plan.clawBack;
  }

  /** Spendable lots first-to-expire covering `points`, or the `points.insufficient` refusal (409). */
  private consume(member: string, points: number): Deduction[] {
    const plan = planConsumption(this.liveLots(member), points, this.op.at);
    if (!plan.ok) throw resultError(plan);
    return plan.deductions;
  }

  private order(orderId: string, member: string, write = true): OrderFacts {
    let f = this.state.orders.get(orderId);
    if (!f) this.state.orders.set(orderId, (f = { orderId, member, earned: 0, used: 0, refundedAmount: 0, clawedBack: 0, givenBack: 0 }));
    if (write) this.writes.orders.set(orderId, f);
    return f;
  }

  /** The member's account, created empty on first use; the first touch in an operation bumps its version once. */
  private account(member: string): AccountRow {
    let a = this.state.accounts.get(member);
    if (!a) this.state.accounts.set(member, (a = { member, balance: 0, pending: 0, debt: 0, earnedTotal: 0, version: 0 }));
    return a;
  }

  private touch(member: string): AccountRow {
    const a = this.account(member);
    if (!this.touched.has(member)) {
      this.touched.add(member);
      if (!this.writes.accounts.has(member)) this.writes.accounts.set(member, { row: a, loadedVersion: this.stored.has(member) ? a.version : null });
      a.version += 1;
      this.release(a);
    }
    return a;
  }

  /** Pending lots whose time has come become available (status only; spendability is decided by the times). */
  private release(a: AccountRow): void {
    const t = ms(this.op.at);
    for (const l of this.liveLots(a.member)) {
      if (l.status === 'pending' && (!l.availableAt || ms(l.availableAt) <= t)) {
        this.markChanged(l);
        l.status = 'available';
        a.pending -= l.remaining;
      }
    }
  }

  private liveLots(member: string): LotRow[] {
    let list = this.state.lots.get(member);
    if (!list) this.state.lots.set(member, (list = []));
    return list;
  }

  private lotById(member: string, id: string): LotRow {
    const l = this.liveLots(member).find((x) => x.id === id);
    if (!l) throw new Error(`ledger engine bug: lot ${id} of ${member} not loaded`);
    return l;
  }

  private markChanged(l: LotRow): void {
    if (!this.writes.newLots.has(l.id) && !this.writes.changedLots.has(l.id)) this.writes.changedLots.set(l.id, { lot: l, loadedRemaining: l.remaining });
  }

  private append(member: string, kind: string, points: number, extra: Partial<EntryRow>): void {
    const a = this.touch(member);
    this.entries.push({
      id: `${this.op.key}#${this.lineNo}`, member_id: member, version: a.version, line: this.lineNo++, idempotency_key: this.op.key, kind, points,
      lot_id: extra.lot_id ?? null, deductions: extra.deductions ?? null, order_id: extra.order_id ?? null, reason: extra.reason ?? null,
      operator: extra.operator ?? null, created_at: new Date(ms(this.op.at)).toISOString(),
    });
  }

  /** Creates a lot and its credit entry, then pays debt from it unless told not to; returns the lot id. */
  private credit(
    member: string, kind: string, points: number,
    o: { availableAt: string | null; expiresAt: string | null; orderId?: string; reason?: string; operator?: string; settle?: boolean; source: string },
  ): string {
    const a = this.touch(member);
    const id = this.config.newLotId();
    const pending = o.availableAt !== null && ms(o.availableAt) > ms(this.op.at);
    const lot: LotRow = {
      id, member, points, remaining: points, earnedAt: this.op.at, availableAt: o.availableAt, expiresAt: o.expiresAt,
      orderId: o.orderId ?? null, status: pending ? 'pending' : 'available', source: o.source,
    };
    this.liveLots(member).push(lot);
    this.writes.newLots.set(id, lot);
    a.balance += points;
    if (pending) a.pending += points;
    if (kind === 'earn') a.earnedTotal += points;
    this.append(member, kind, points, { lot_id: id, order_id: o.orderId, reason: o.reason, operator: o.operator });
    if (o.settle !== false) this.settleDebt(member, id);
    return id;
  }

  private settleDebt(member: string, lotId: string): void {
    const a = this.account(member);
    const lot = this.lotById(member, lotId);
    const take = Math.min(a.debt, lot.remaining);
    if (take <= 0) return;
    a.debt -= take;
    this.debit(member, 'debt_settle', takeFrom([lot], take).deductions, {});
  }

  private debit(member: string, kind: string, deductions: Deduction[], extra: { orderId?: string; reason?: string; operator?: string }, emptied: 'spent' | 'expired' = 'spent'): void {
    const a = this.touch(member);
    let total = 0;
    for (const d of deductions) {
      const lot = this.lotById(member, d.lotId);
      if (d.points <= 0 || d.points > lot.remaining) throw new Error(`ledger engine bug: bad deduction ${JSON.stringify(d)}`);
      this.markChanged(lot);
      lot.remaining -= d.points;
      if (lot.status === 'pending') a.pending -= d.points;
      if (lot.remaining === 0) lot.status = emptied;
      total += d.points;
    }
    a.balance -= total;
    // Emptied lots leave the live set, so later plans in the batch never see them.
    this.state.lots.set(member, this.liveLots(member).filter((l) => l.remaining > 0));
    this.append(member, kind, -total, {
      deductions: deductions.map((d) => ({ lot_id: d.lotId, points: d.points })), order_id: extra.orderId, reason: extra.reason, operator: extra.operator,
    });
  }

  private view(member: string): BalanceView {
    const a = this.account(member);
    return { member_id: member, balance: a.balance, available: a.balance - a.pending, pending: a.pending, debt: a.debt, earned_total: a.earnedTotal };
  }
}
