// The operations the store ledger takes: the pure ledger's (earn, redeem, refund, expire, adjust, transfer) plus
// event earning, reward redemption and markers, and the rows and results the engine produces for them.
import type { EarnContext, LedgerOp } from '../../core/loyalty/index.ts';
import { canonicalJson, opFingerprint } from '../../core/loyalty/index.ts';

/** Points for a member action (sign-in, review …) under the event rules, caps counted in the store. */
export interface EventOp { kind: 'event'; key: string; at: string; member: string; event: string; ctx?: EarnContext }
/** Redeem `quantity` of a catalogue reward: stock, per-member limit, tier and window are checked with the points. */
export interface RewardOp { kind: 'reward'; key: string; at: string; member: string; rewardId: string; quantity: number }
/** Records that a key was handled without moving points (an order that earns nothing), so sweeps skip it. */
export interface MarkOp { kind: 'mark'; key: string; at: string; member: string; orderId?: string; reason: string }

export type StoreOp = LedgerOp | EventOp | RewardOp | MarkOp;

/** What must match for a reused key to count as a retry: everything but `at` (and the event's computed context). */
export function fingerprintOf(op: StoreOp): string {
  if (op.kind === 'event') return canonicalJson({ kind: op.kind, key: op.key, member: op.member, event: op.event });
  if (op.kind === 'reward' || op.kind === 'mark') {
    const { at: _at, ...rest } = op;
    return canonicalJson(rest);
  }
  return opFingerprint(op);
}

/** Members an operation touches (expire without a member touches whoever has due lots: handled in SQL). */
export function membersOf(op: StoreOp): string[] {
  if (op.kind === 'transfer') return [op.from, op.to];
  if (op.kind === 'expire') return op.member ? [op.member] : [];
  return [op.member];
}

/** A deduction as stored and returned: points taken from one lot. */
export interface StoredDeduction { lot_id: string; points: number }

/** One ledger entry row (append-only). */
export interface EntryRow {
  id: string;
  member_id: string;
  version: number;
  line: number;
  idempotency_key: string;
  kind: string;
  points: number;
  lot_id: string | null;
  deductions: StoredDeduction[] | null;
  order_id: string | null;
  reason: string | null;
  operator: string | null;
  created_at: string;
}

/** A member's balances after an operation. */
export interface BalanceView { member_id: string; balance: number; available: number; pending: number; debt: number; earned_total: number }

/** The stored (and replayed) outcome of an applied operation. */
export interface OpResult {
  idempotency_key: string;
  kind: StoreOp['kind'];
  entries: EntryRow[];
  balances: BalanceView[];
  debt_added: number;
  forgiven: number;
  /** Kind-specific facts: event award explanation, reward redemption, marker reason. */
  detail?: Record<string, unknown>;
}

/** What the service returns: the result and whether it is a replay of an earlier request with the same key. */
export type AppliedOp = OpResult & { replayed: boolean };
