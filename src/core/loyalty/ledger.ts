// A pure in-memory points ledger: the reference ("oracle") the store-backed ledger is tested against. Same
// operations in, same entries and balances out; it also states the invariants both must keep.
import { type Deduction, type Lot, type LotPolicy, lotDates, parseLotPolicy, planConsumption, takeFrom, spendableLots, expiringLots } from './lots.ts';
import { type RefundHistory, type RefundPolicy, parseRefundPolicy, planRefundReversal } from './refund-reversal.ts';
import {
  type ApplyResult, type EntryKind, type LedgerEntry, type LedgerOp, idempotencyConflict, opFingerprint, validateOp,
} from './ledger-ops.ts';

/** A lot with its owner, original size and the order whose earning created it. */
export interface LedgerLot extends Lot {
  member: string;
  points: number;
  orderId?: string;
}

interface OrderFacts {
  earned: number;
  used: number;
  history: RefundHistory;
}

/**
 * The reference ledger. Rules, which the store ledger must match:
 * - every change is appended as entries; nothing is edited; balance = sum of the member's entries = sum of lot remainders;
 * - debits take spendable lots first-to-expire and never overdraw (`points.insufficient`, nothing written);
 * - refunds plan with `planRefundReversal`; a shortfall becomes debt, settled from the next credit (`debt_settle`);
 * - returned points are a new lot available at once with the lot policy's expiry;
 * - a key used again with the same operation (`opFingerprint`: all but `at`) returns the first result (`replayed`),
 *   with another → 409 conflict;
 *   a rejected operation (insufficient points) records nothing, so its key can be retried later.
 * @example const l = new LedgerModel(); l.apply({ kind: 'earn', key: 'o1', member: 'm1', points: 100, at })
 */
export class LedgerModel {
  readonly lotPolicy: LotPolicy;
  readonly refundPolicy: RefundPolicy;
  private readonly log: LedgerEntry[] = [];
  private readonly lotList: LedgerLot[] = [];
  private readonly lotById = new Map<string, LedgerLot>();
  private readonly debts = new Map<string, number>();
  private readonly orders = new Map<string, OrderFacts>();
  private readonly keys = new Map<string, { fingerprint: string; result: ApplyResult }>();
  private pending: LedgerEntry[] = [];
  private added = { debt: 0, forgiven: 0 };

  constructor(opts: { lotPolicy?: LotPolicy; refundPolicy?: RefundPolicy } = {}) {
    this.lotPolicy = opts.lotPolicy ?? parseLotPolicy();
    this.refundPolicy = opts.refundPolicy ?? parseRefundPolicy();
  }

  /** Applies one operation (see the class comment for the rules). */
  apply(op: LedgerOp): ApplyResult {
    validateOp(op);
    const fingerprint = opFingerprint(op);
    const seen = this.keys.get(op.key);
    if (seen) {
      if (seen.fingerprint !== fingerprint) throw idempotencyConflict(op.key);
      return seen.result.ok ? { ...seen.result, replayed: true } : seen.result;
    }
    this.pending = [];
    this.added = { debt: 0, forgiven: 0 };
    const failure = this.run(op);
    if (failure) return failure;
    const result: ApplyResult = { ok: true, replayed: false, entries: this.pending, debtAdded: this.added.debt, forgiven: this.added.forgiven };
    this.keys.set(op.key, { fingerprint, result });
    return result;
  }

  /** Sum of the member's entries. */
  balance(member: string): number {
    return this.log.reduce((s, e) => (e.member === member ? s + e.points : s), 0);
  }

  /** Points the member can spend at `now`. */
  available(member: string, now: string): number {
    return spendableLots(this.lots(member), now).reduce((s, l) => s + l.remaining, 0);
  }

  debt(member: string): number {
    return this.debts.get(member) ?? 0;
  }

  lots(member?: string): LedgerLot[] {
    return this.lotList.filter((l) => member === undefined || l.member === member).map((l) => ({ ...l }));
  }

  entries(member?: string): LedgerEntry[] {
    return this.log.filter((e) => member === undefined || e.member === member).map((e) => ({ ...e }));
  }

  members(): string[] {
    return [...new Set(this.log.map((e) => e.member))];
  }

  /** Every broken invariant, as text (empty when all hold). Usable on a store's snapshot loaded into a model. */
  checkInvariants(): string[] {
    const out: string[] = [];
    for (const l of this.lotList) if (l.remaining < 0 || l.remaining > l.points) out.push(`lot ${l.id}: remaining ${l.remaining} outside 0..${l.points}`);
    for (const m of this.members()) {
      const lotsSum = this.lotList.reduce((s, l) => (l.member === m ? s + l.remaining : s), 0);
      if (this.balance(m) !== lotsSum) out.push(`member ${m}: balance ${this.balance(m)} ≠ lots ${lotsSum}`);
      if (this.balance(m) < 0) out.push(`member ${m}: negative balance`);
      if (this.debt(m) < 0) out.push(`member ${m}: negative debt`);
    }
    this.log.forEach((e, i) => {
      if (e.seq !== i + 1) out.push(`entry ${i}: seq ${e.seq}`);
      if (e.deductions) {
        const sum = e.deductions.reduce((s, d) => s + d.points, 0);
        if (sum !== -e.points) out.push(`entry ${e.seq}: deductions ${sum} ≠ ${-e.points}`);
        for (const d of e.deductions) if (this.lotById.get(d.lotId)?.member !== e.member) out.push(`entry ${e.seq}: lot ${d.lotId} not the member's`);
      }
    });
    return out;
  }

  private run(op: LedgerOp): ApplyResult | null {
    switch (op.kind) {
      case 'earn': {
        const dates = lotDates(this.lotPolicy, op.at);
        const availableAt = op.availableAt === undefined ? dates.availableAt : op.availableAt;
        const expiresAt = op.expiresAt === undefined ? dates.expiresAt : op.expiresAt;
        this.credit(op, op.member, 'earn', op.points, { availableAt, expiresAt, orderId: op.orderId, reason: op.reason });
        if (op.orderId) this.order(op.orderId).earned += op.points;
        return null;
      }
      case 'redeem': {
        const plan = planConsumption(this.lots(op.member), op.points, op.at);
        if (!plan.ok) return plan;
        this.debit(op, op.member, 'redeem', plan.deductions, { orderId: op.orderId, reason: op.reference });
        if (op.orderId) this.order(op.orderId).used += op.points;
        return null;
      }
      case 'adjust': {
        const extra = { reason: op.reason, operator: op.operator };
        if (op.delta > 0) {
          const expiresAt = op.expiresAt === undefined ? lotDates({ ...this.lotPolicy, pendingDays: 0 }, op.at).expiresAt : op.expiresAt;
          this.credit(op, op.member, 'adjust', op.delta, { availableAt: null, expiresAt, ...extra });
          return null;
        }
        const plan = planConsumption(this.lots(op.member), -op.delta, op.at);
        if (!plan.ok) return plan;
        this.debit(op, op.member, 'adjust', plan.deductions, extra);
        return null;
      }
      case 'transfer': {
        const plan = planConsumption(this.lots(op.from), op.points, op.at);
        if (!plan.ok) return plan;
        this.debit(op, op.from, 'transfer_out', plan.deductions, { reason: op.reason });
        for (const d of plan.deductions) {
          const source = this.lotById.get(d.lotId)!;
          this.credit(op, op.to, 'transfer_in', d.points, { availableAt: null, expiresAt: source.expiresAt, reason: op.reason });
        }
        return null;
      }
      case 'expire': {
        const members = op.member === undefined ? this.members() : [op.member];
        for (const m of members) {
          const due = expiringLots(this.lots(m), op.at);
          if (due.length > 0) this.debit(op, m, 'expire', due, {});
        }
        return null;
      }
      case 'refund':
        return this.refund(op);
    }
  }

  private refund(op: Extract<LedgerOp, { kind: 'refund' }>): null {
    const facts = this.order(op.orderId);
    const mine = this.lots(op.member);
    const orderLots = mine.filter((l) => l.orderId === op.orderId);
    const plan = planRefundReversal({
      orderAmount: op.orderAmount, refundAmount: op.refundAmount, previous: facts.history, pointsEarned: facts.earned, pointsUsed: facts.used,
      orderLots, otherLots: mine.filter((l) => l.orderId !== op.orderId), now: op.at,
    }, this.refundPolicy);
    // Give back first, so the same refund's returned points can cover a shortfall (plan.fromGiveBack).
    const returned = plan.giveBack > 0
      ? this.credit(op, op.member, 'return', plan.giveBack, { availableAt: null, expiresAt: lotDates({ ...this.lotPolicy, pendingDays: 0 }, op.at).expiresAt, orderId: op.orderId, settle: false })
      : null;
    const deductions: Deduction[] = [...plan.fromOrderLots, ...plan.fromOtherLots];
    if (plan.fromGiveBack > 0 && returned) deductions.push({ lotId: returned, points: plan.fromGiveBack });
    if (deductions.length > 0) this.debit(op, op.member, 'reverse', deductions, { orderId: op.orderId });
    if (plan.debt > 0) this.debts.set(op.member, this.debt(op.member) + plan.debt);
    this.added.debt += plan.debt;
    this.added.forgiven += plan.forgiven;
    // Older debt is settled from what is left of the returned lot, like from any other credit.
    if (returned) this.settleDebt(op, op.member, returned);
    facts.history = plan.cumulative;
    return null;
  }

  private order(id: string): OrderFacts {
    let f = this.orders.get(id);
    if (!f) this.orders.set(id, (f = { earned: 0, used: 0, history: { refundedAmount: 0, clawedBack: 0, givenBack: 0 } }));
    return f;
  }

  private append(op: LedgerOp, member: string, kind: EntryKind, points: number, extra: Partial<LedgerEntry>): void {
    const e: LedgerEntry = { seq: this.log.length + 1, key: op.key, member, kind, points, at: op.at };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (e as unknown as Record<string, unknown>)[k] = v;
    this.log.push(e);
    this.pending.push({ ...e });
  }

  /** Creates a lot and its credit entry, then settles debt from it unless told not to; returns the lot id. */
  private credit(
    op: LedgerOp, member: string, kind: EntryKind, points: number,
    o: { availableAt: string | null; expiresAt: string | null; orderId?: string; reason?: string; operator?: string; settle?: boolean },
  ): string {
    const id = `lot_${this.lotList.length + 1}`;
    const lot: LedgerLot = { id, member, points, remaining: points, earnedAt: op.at, availableAt: o.availableAt, expiresAt: o.expiresAt, orderId: o.orderId };
    this.lotList.push(lot);
    this.lotById.set(id, lot);
    this.append(op, member, kind, points, { lotId: id, orderId: o.orderId, reason: o.reason, operator: o.operator });
    if (o.settle !== false) this.settleDebt(op, member, id);
    return id;
  }

  private settleDebt(op: LedgerOp, member: string, lotId: string): void {
    const owed = this.debt(member);
    const lot = this.lotById.get(lotId)!;
    const take = Math.min(owed, lot.remaining);
    if (take <= 0) return;
    this.debts.set(member, owed - take);
    this.debit(op, member, 'debt_settle', takeFrom([lot], take).deductions, {});
  }

  private debit(op: LedgerOp, member: string, kind: EntryKind, deductions: Deduction[], extra: Partial<LedgerEntry>): void {
    let total = 0;
    for (const d of deductions) {
      const lot = this.lotById.get(d.lotId)!;
      if (lot.member !== member || d.points <= 0 || d.points > lot.remaining) throw new Error(`ledger model bug: bad deduction ${JSON.stringify(d)}`);
      lot.remaining -= d.points;
      total += d.points;
    }
    this.append(op, member, kind, -total, { deductions: deductions.map((d) => ({ ...d })), ...extra });
  }
}
