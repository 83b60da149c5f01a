// Random points-ledger scenarios for property tests (fast-check), shared by the reference model's own test and the
// store ledger's comparison with it: earn, redeem, refund, expire, adjust and transfer steps plus replays and
// conflicting reuses of earlier keys. A step is drawn before it meets the state; stepOp turns it into an operation.
import fc from 'fast-check';
import type { LedgerOp } from './ledger-ops.ts';

export const MEMBERS = ['m1', 'm2', 'm3'];
/** Every order is paid ¥100. */
export const ORDER_CENTS = 10_000;

/** A step before it meets the state: refunds pick their amount from what is left of the order. */
export type Step =
  | { t: 'earn'; member: string; points: number; order: string | null; pending: boolean }
  | { t: 'redeem'; member: string; points: number; order: string | null }
  | { t: 'refund'; order: string; fraction: number }
  | { t: 'expire'; member: string | null }
  | { t: 'adjust'; member: string; delta: number }
  | { t: 'transfer'; from: string; to: string; points: number }
  | { t: 'replay'; pick: number }
  | { t: 'conflict'; pick: number };

export interface ScenarioShape {
  /** Order ids; order i belongs to member i mod 3. */
  orders: string[];
  /** Weight of expire steps among the others (earn 5, redeem 4, refund 3, adjust 2, transfer 2, replay 2, conflict 1). */
  expireWeight: number;
  maxSteps: number;
}

/**
 * The scenario arbitrary (steps with hour gaps, and the refund shortfall policy) and the helpers that turn its steps
 * into operations.
 * @example const { scenario, stepOp } = ledgerScenarios({ orders: ['o1', 'o2'], expireWeight: 1, maxSteps: 30 })
 */
export function ledgerScenarios(shape: ScenarioShape) {
  const { orders } = shape;
  const owner = (o: string) => MEMBERS[orders.indexOf(o) % MEMBERS.length];
  const member = fc.constantFrom(...MEMBERS);
  const order = fc.option(fc.constantFrom(...orders), { nil: null });
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ t: fc.constant('earn' as const), member, points: fc.integer({ min: 1, max: 500 }), order, pending: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant('redeem' as const), member, points: fc.integer({ min: 1, max: 600 }), order }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('refund' as const), order: fc.constantFrom(...orders), fraction: fc.double({ min: 0.01, max: 1, noNaN: true }) }) },
    { weight: shape.expireWeight, arbitrary: fc.record({ t: fc.constant('expire' as const), member: fc.option(member, { nil: null }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('adjust' as const), member, delta: fc.integer({ min: -300, max: 300 }).filter((d) => d !== 0) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('transfer' as const), from: member, to: member, points: fc.integer({ min: 1, max: 300 }) }).filter((s) => s.from !== s.to) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('replay' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('conflict' as const), pick: fc.nat() }) },
  );
  const scenario = fc.record({
    steps: fc.array(fc.record({ step, gapHours: fc.integer({ min: 0, max: 240 }) }), { minLength: 1, maxLength: shape.maxSteps }),
    shortfall: fc.constantFrom('debt' as const, 'forgive' as const),
  });

  /**
   * The operation of a step other than replay and conflict, under idempotency key `key` at `at`. A refund takes
   * `fraction` of what `refunded` (cents per order so far) leaves of its order, at least one cent — so a refund of
   * an order already refunded in full asks for one cent more than it was paid.
   */
  const stepOp = (s: Exclude<Step, { t: 'replay' | 'conflict' }>, key: string, at: string, refunded: ReadonlyMap<string, number>): LedgerOp => {
    switch (s.t) {
      case 'earn':
        return { kind: 'earn', key, member: s.order ? owner(s.order) : s.member, points: s.points, orderId: s.order ?? undefined, at, ...(s.pending ? {} : { availableAt: null }) };
      case 'redeem':
        return { kind: 'redeem', key, member: s.order ? owner(s.order) : s.member, points: s.points, orderId: s.order ?? undefined, at };
      case 'expire':
        return { kind: 'expire', key, at, member: s.member ?? undefined };
      case 'adjust':
        return { kind: 'adjust', key, member: s.member, delta: s.delta, reason: 'property test', operator: 'fc', at };
      case 'transfer':
        return { kind: 'transfer', key, from: s.from, to: s.to, points: s.points, at };
      case 'refund': {
        const left = ORDER_CENTS - (refunded.get(s.order) ?? 0);
        const cents = left === 0 ? 1 : Math.max(1, Math.min(left, Math.round(left * s.fraction)));
        return { kind: 'refund', key, member: owner(s.order), orderId: s.order, orderAmount: ORDER_CENTS / 100, refundAmount: cents / 100, at };
      }
    }
  };

  return { scenario, stepOp };
}

/** Another operation under an earlier operation's key: the ledger must refuse it as an idempotency conflict. */
export const conflictOp = (key: string, at: string): LedgerOp => ({ kind: 'adjust', key, member: 'm1', delta: 1, reason: 'conflict probe', operator: 'test', at });
