// Property test on both engines: random sequences of earn, redeem, refund, expire (one member and all), adjust and
// transfer — with retried and conflicting keys — applied to the store ledger AND the reference LedgerModel give
// the same outcomes, entries, lots, balances and debts, and the store never drifts.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { type LedgerOp, LedgerModel, parseLotPolicy, parseRefundPolicy } from '../../core/loyalty/index.ts';
import { conflictOp, ledgerScenarios, MEMBERS } from '../../core/loyalty/ledger-steps-fixture.ts';
import { parseStoredConfig } from './config.ts';
import { LedgerService } from './ledger-service.ts';

const LOTS = { expiry: { type: 'days', days: 20 }, pendingDays: 3, timezone: 'Asia/Shanghai' } as const;
// Four orders, expiries twice as often as the model's own test, up to 30 steps (each one a store round trip).
const { scenario, stepOp } = ledgerScenarios({ orders: ['o1', 'o2', 'o3', 'o4'], expireWeight: 2, maxSteps: 30 });

type Outcome = { ok: true; replayed: boolean } | { ok: false; code: string };
const sortDeductions = (d: { lot_id?: string; lotId?: string; points: number }[] | null | undefined) =>
  d ? d.map((x) => ({ lotId: x.lot_id ?? x.lotId, points: x.points })).sort((a, b) => (a.lotId! < b.lotId! ? -1 : a.lotId! > b.lotId! ? 1 : 0)) : undefined;

forEachStore('loyalty ledger vs LedgerModel', (ctx) => {
  let ledger: LedgerService;
  const counters = new Map<string, number>();
  const shortfalls = new Map<string, 'debt' | 'forgive'>();
  beforeAll(() => {
    ledger = new LedgerService(ctx.store, async (ws) => parseStoredConfig({
      program: null, earn: null, lots: LOTS, refunds: { shortfall: shortfalls.get(ws) ?? 'debt' }, transfers: { enabled: true }, member_day: null, birthday: null, earn_since: null,
    }, 'Asia/Shanghai'), {
      maxDelayMs: 0, maxBatch: 100, maxConcurrent: 1, eagerKeyLookup: true,
      // Lot ids as the model numbers them, so ties in consumption order break the same way.
      newLotId: (ws) => {
        const n = (counters.get(ws) ?? 0) + 1;
        counters.set(ws, n);
        return `lot_${n}`;
      },
    });
  });
  afterAll(() => ledger?.close());

  /** Applies one op to the store: expire without a member goes through the set-based job, like the scheduler. */
  async function storeApply(ws: string, op: LedgerOp): Promise<Outcome> {
    try {
      if (op.kind === 'expire' && !op.member) {
        const r = await ledger.expireAll(ws, op.at, op.key);
        return { ok: true, replayed: r.replayed };
      }
      const r = await ledger.apply(ws, op);
      return { ok: true, replayed: r.replayed };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (!code) throw e;
      return { ok: false, code };
    }
  }

  function modelApply(l: LedgerModel, op: LedgerOp): Outcome {
    try {
      const r = l.apply(op);
      return r.ok ? { ok: true, replayed: r.replayed } : { ok: false, code: r.code };
    } catch (e) {
      return { ok: false, code: (e as { code: string }).code };
    }
  }

  async function compare(ws: string, l: LedgerModel) {
    const entries = await ctx.store.query(
      `SELECT member_id, idempotency_key, kind, points, lot_id, deductions, order_id, reason, operator, created_at FROM points_entries
       WHERE workspace_id = $1 ORDER BY member_id, version, line`, [ws]);
    const lots = await ctx.store.query(`SELECT id, member_id, points, remaining, available_at, expires_at, order_id FROM points_lots WHERE workspace_id = $1 ORDER BY id`, [ws]);
    const accounts = new Map((await ctx.store.query(`SELECT member_id, balance, debt FROM points_accounts WHERE workspace_id = $1`, [ws])).map((a) => [a.member_id, a]));
    for (const m of MEMBERS) {
      expect(Number(accounts.get(m)?.balance ?? 0), `balance of ${m}`).toBe(l.balance(m));
      expect(Number(accounts.get(m)?.debt ?? 0), `debt of ${m}`).toBe(l.debt(m));
      const mine = entries.filter((e) => e.member_id === m).map((e) => ({
        key: e.idempotency_key, kind: e.kind, points: Number(e.points), at: e.created_at, lotId: e.lot_id ?? undefined,
        deductions: sortDeductions(e.deductions), orderId: e.order_id ?? undefined, reason: e.reason ?? undefined, operator: e.operator ?? undefined,
      }));
      const expected = l.entries(m).map((e) => ({
        key: e.key, kind: e.kind, points: e.points, at: e.at, lotId: e.lotId, deductions: sortDeductions(e.deductions), orderId: e.orderId, reason: e.reason, operator: e.operator,
      }));
      expect(mine, `entries of ${m}`).toEqual(expected);
    }
    const modelLots = l.lots().map((x) => ({ id: x.id, member: x.member, points: x.points, remaining: x.remaining, availableAt: x.availableAt ?? null, expiresAt: x.expiresAt, orderId: x.orderId ?? null }));
    const storeLots = lots.map((x) => ({
      id: x.id, member: x.member_id, points: Number(x.points), remaining: Number(x.remaining), availableAt: x.available_at ?? null, expiresAt: x.expires_at ?? null, orderId: x.order_id ?? null,
    }));
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    expect(storeLots.sort(byId)).toEqual(modelLots.sort(byId));
    const drift = await ledger.drift(ws);
    expect(drift.mismatched, JSON.stringify(drift.examples)).toBe(0);
  }

  it('matches the reference model step by step and ends without drift', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ steps, shortfall }) => {
        const ws = `ws_prop_${randomUUID().slice(0, 8)}`;
        shortfalls.set(ws, shortfall);
        const l = new LedgerModel({ lotPolicy: parseLotPolicy(LOTS), refundPolicy: parseRefundPolicy({ shortfall }) });
        const done: LedgerOp[] = [];
        const refunded = new Map<string, number>();
        let t = Date.parse('2024-03-01T00:00:00Z');
        for (const [i, { step: s, gapHours }] of steps.entries()) {
          t += gapHours * 3_600_000;
          const at = new Date(t).toISOString();
          let op: LedgerOp;
          if (s.t === 'replay' || s.t === 'conflict') {
            if (done.length === 0) continue;
            const prior = done[s.pick % done.length];
            op = s.t === 'replay' ? prior : conflictOp(prior.key, at);
          } else {
            op = stepOp(s, `k${i}`, at, refunded);
          }
          const want = modelApply(l, op);
          const got = await storeApply(ws, op);
          expect(got, `step ${i} ${JSON.stringify(op)}`).toEqual(want);
          if (want.ok && !want.replayed) {
            done.push(op);
            if (op.kind === 'refund') refunded.set(op.orderId, Math.round(op.refundAmount * 100) + (refunded.get(op.orderId) ?? 0));
          }
        }
        await compare(ws, l);
      }),
      { numRuns: Number(process.env.LOYALTY_FC_RUNS ?? (ctx.engine === 'duckdb' ? 25 : 15)) },
    );
  });
});
