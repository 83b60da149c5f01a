// The operations, entries and results of a points ledger: the vocabulary shared by the in-memory reference model
// (ledger.ts) and the store-backed ledger, so both can be fed the same operations and compared.
import { SiyuError } from '../errors.ts';
import type { Deduction } from './lots.ts';

interface OpBase {
  /** External idempotency key: the same key with the same operation changes nothing the second time. */
  key: string;
  at: string;
}

/** Credit points earned (by an order when `orderId` is set). Lot dates default to the ledger's lot policy. */
export interface EarnOp extends OpBase { kind: 'earn'; member: string; points: number; orderId?: string; reason?: string; availableAt?: string | null; expiresAt?: string | null }
/** Spend points (on an order when `orderId` is set: a refund of that order gives them back). */
export interface RedeemOp extends OpBase { kind: 'redeem'; member: string; points: number; orderId?: string; reference?: string }
/** A refund of part or all of an order: claw back what it earned and give back what paid for it, pro rata. */
export interface RefundOp extends OpBase { kind: 'refund'; member: string; orderId: string; orderAmount: number; refundAmount: number }
/** Remove the points of every lot expired at `at` (of one member, or all). */
export interface ExpireOp extends OpBase { kind: 'expire'; member?: string }
/** A manual correction: `delta` points (+ credit, − debit), with why and who. */
export interface AdjustOp extends OpBase { kind: 'adjust'; member: string; delta: number; reason: string; operator: string; expiresAt?: string | null }
/** Move spendable points between members; the moved points keep their expiry (a transfer cannot extend it). */
export interface TransferOp extends OpBase { kind: 'transfer'; from: string; to: string; points: number; reason?: string }

export type LedgerOp = EarnOp | RedeemOp | RefundOp | ExpireOp | AdjustOp | TransferOp;

export type EntryKind = 'earn' | 'redeem' | 'reverse' | 'return' | 'expire' | 'adjust' | 'transfer_out' | 'transfer_in' | 'debt_settle';

/**
 * One append-only ledger line. `points` is signed; credits name the lot they created, debits list the lots they
 * took from (`deductions` sum to −points). A member's balance is the sum of their entries' points.
 */
export interface LedgerEntry {
  seq: number;
  key: string;
  member: string;
  kind: EntryKind;
  points: number;
  at: string;
  lotId?: string;
  deductions?: Deduction[];
  orderId?: string;
  reason?: string;
  operator?: string;
}

/** What applying an operation did; a replay returns the first result with `replayed: true`. */
export type ApplyResult =
  | { ok: true; replayed: boolean; entries: LedgerEntry[]; debtAdded: number; forgiven: number }
  | { ok: false; code: 'points.insufficient'; message: string; details?: Record<string, unknown> };

/** JSON of a value with object keys sorted and undefined fields dropped: equal operations give equal text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/**
 * What must match for a reused key to count as a retry: the whole operation except `at`, since a retried request
 * may be stamped with a later time by the server yet asks for the same thing.
 */
export function opFingerprint(op: LedgerOp): string {
  const { at: _at, ...rest } = op;
  return canonicalJson(rest);
}

/** The 409 for a key reused with a different operation. */
export const idempotencyConflict = (key: string) =>
  new SiyuError('conflict', 'ledger.idempotency_conflict', `key: "${key}" was already used for a different operation`, { field: 'key' });

const bad = (code: string, field: string, message: string) => new SiyuError('invalid_data', code, `${field}: ${message}`, { field });
const positiveInt = (n: number) => Number.isSafeInteger(n) && n > 0;

/** Refuses malformed operations (`ledger.invalid_op`, `points.invalid_amount`) before anything is applied. */
export function validateOp(op: LedgerOp): void {
  if (typeof op.key !== 'string' || op.key.length === 0 || op.key.length > 200) throw bad('ledger.invalid_op', 'key', 'an idempotency key of 1-200 chars is required');
  if (Number.isNaN(Date.parse(op.at))) throw bad('ledger.invalid_op', 'at', 'not a time');
  switch (op.kind) {
    case 'earn':
    case 'redeem':
    case 'transfer':
      if (!positiveInt(op.points)) throw bad('points.invalid_amount', 'points', 'must be a whole number above 0');
      if (op.kind === 'transfer' && op.from === op.to) throw bad('ledger.invalid_op', 'to', 'cannot transfer to the same member');
      return;
    case 'adjust':
      if (!Number.isSafeInteger(op.delta) || op.delta === 0) throw bad('points.invalid_amount', 'delta', 'must be a whole number other than 0');
      if (!op.reason?.trim()) throw bad('ledger.invalid_op', 'reason', 'a manual adjustment needs a reason');
      if (!op.operator?.trim()) throw bad('ledger.invalid_op', 'operator', 'a manual adjustment needs the operator');
      return;
    case 'refund':
      if (!(op.refundAmount > 0)) throw bad('ledger.invalid_op', 'refundAmount', 'must be above 0');
      if (!(op.orderAmount > 0)) throw bad('ledger.invalid_op', 'orderAmount', 'must be above 0');
      return;
    case 'expire':
      return;
  }
}
