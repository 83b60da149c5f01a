// The state a batch of ledger operations is applied to (accounts, live lots, order facts, used keys, rewards …), the
// engine's configuration, and the rows it collects to write. Loaded and written by ledger-repo.ts.
import type { EarnRules, Lot, LotPolicy, RefundPolicy } from '../../core/loyalty/index.ts';
import type { TransferPolicy } from './config.ts';
import type { EntryRow, OpResult } from './ops.ts';

/** A lot as loaded and written. `status` caches the lot's state for queries: pending, available, spent, expired. */
export interface LotRow extends Lot {
  member: string;
  points: number;
  orderId: string | null;
  status: 'pending' | 'available' | 'spent' | 'expired';
  source: string;
}

export interface AccountRow {
  member: string;
  balance: number;
  pending: number;
  debt: number;
  earnedTotal: number;
  version: number;
}

export interface OrderFacts {
  orderId: string;
  member: string;
  earned: number;
  used: number;
  refundedAmount: number;
  clawedBack: number;
  givenBack: number;
}

export interface RewardRow {
  id: string;
  name: string;
  pointsCost: number;
  stock: number | null;
  redeemed: number;
  perMemberLimit: number | null;
  tiers: string[];
  startsAt: string | null;
  endsAt: string | null;
  active: boolean;
}

export interface RedemptionRow { id: string; rewardId: string; member: string; quantity: number; points: number; key: string; at: string }

/** What one batch needs from the store (only for the members, keys, orders and rewards of its operations). */
export interface BatchState {
  accounts: Map<string, AccountRow>;
  /** Live lots (remaining > 0) per member. */
  lots: Map<string, LotRow[]>;
  orders: Map<string, OrderFacts>;
  keys: Map<string, { fingerprint: string; result: OpResult }>;
  /** Times of earlier awards per `member\0event` (for caps). */
  eventAwards: Map<string, number[]>;
  rewards: Map<string, RewardRow>;
  /** Quantity already redeemed per `reward\0member`. */
  rewardCounts: Map<string, number>;
  /** Current tier code per member (for reward targeting). */
  tiers: Map<string, string>;
}

export interface EngineConfig {
  lots: LotPolicy;
  refunds: RefundPolicy;
  earn: EarnRules;
  transfers: TransferPolicy;
  /** Lot ids for new lots (tests pass a sequence to compare with the reference model). */
  newLotId(): string;
  newRedemptionId(): string;
}

/** Rows to write for the whole batch. */
export interface BatchWrites {
  ops: { key: string; kind: string; member: string | null; fingerprint: string; result: OpResult; at: string }[];
  entries: EntryRow[];
  newLots: Map<string, LotRow>;
  /** Existing lots whose remaining or status changed, with the remaining they had when loaded (a guard). */
  changedLots: Map<string, { lot: LotRow; loadedRemaining: number }>;
  accounts: Map<string, { row: AccountRow; loadedVersion: number | null }>;
  orders: Map<string, OrderFacts>;
  rewards: Map<string, { row: RewardRow; loadedRedeemed: number }>;
  redemptions: RedemptionRow[];
}
