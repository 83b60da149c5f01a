// SQL of the points ledger: loading what a batch of operations needs (locking the members' accounts where the
// engine has row locks) and writing the batch's rows, each table in one statement with the batch as one JSON param.
import { SiyuError } from '../../core/errors.ts';
import type { JsonColumn, Row, SqlExecutor, Store } from '../../store/port.ts';
import type { AccountRow, BatchWrites, LotRow, OrderFacts, RewardRow } from './ledger-state.ts';
import type { EntryRow, OpResult } from './ops.ts';

const col = (name: string, type: JsonColumn['type']): JsonColumn => ({ name, type });
/** Most keys bound in one IN list; longer lists run in chunks. */
const IN_CHUNK = 1000;
const params = (from: number, n: number) => Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');

/**
 * Runs `sql(list)` for `keys`, where the SQL says `… IN (${list})` (`$1` is the workspace, `extra` params follow).
 * On engines that hash `IN (subquery)` (DuckDB) the list is a subquery over one JSON parameter holding every key;
 * elsewhere (PostgreSQL) it is bound keys in chunks, which the planner answers from the primary key.
 */
export async function byKeys<T extends Row>(
  store: Store, db: SqlExecutor, ws: string, keys: string[], sql: (list: string) => string, extra: (string | number)[] = [],
): Promise<T[]> {
  if (keys.length === 0) return [];
  if (store.capabilities.subqueryJoins) {
    const list = `SELECT _k.k FROM ${store.jsonRows(2 + extra.length, [{ name: 'k', type: 'text' }], '_k')}`;
    return db.query<T>(sql(list), [ws, ...extra, JSON.stringify(keys.map((k) => ({ k })))]);
  }
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += IN_CHUNK) {
    const chunk = keys.slice(i, i + IN_CHUNK);
    out.push(...(await db.query<T>(sql(params(2 + extra.length, chunk.length)), [ws, ...extra, ...chunk])));
  }
  return out;
}

/** Code of the retry raised when an operation's key turns out to be used already (the batch re-runs with a lookup). */
export const KEY_USED = 'ledger.key_used';

/** A concurrent writer changed a row this batch planned on: the whole batch is re-run on fresh state. */
export const concurrentChange = (what: string) =>
  Object.assign(new SiyuError('conflict', 'ledger.concurrent_change', `${what} changed concurrently; retrying`), { retryable: true });

const LOT_FIELDS = `id, member_id, points, remaining, earned_at, available_at, expires_at, status, order_id, source`;
const toLot = (r: Row): LotRow => ({
  id: r.id, member: r.member_id, points: Number(r.points), remaining: Number(r.remaining), earnedAt: r.earned_at,
  availableAt: r.available_at ?? null, expiresAt: r.expires_at ?? null, status: r.status, orderId: r.order_id ?? null, source: r.source,
});

export function ledgerRepo(store: Store) {
  const lock = store.capabilities.skipLocked ? ' FOR UPDATE' : '';
  // Keyed UPDATE … FROM <json rows>: PostgreSQL finds the rows by an extra IN list of keys ($3…); DuckDB joins.
  const hashJoins = store.capabilities.subqueryJoins;
  const keyed = (column: string, n: number) => (hashJoins ? '' : `AND ${column} IN (${params(3, n)})`);
  const keyParams = (keys: string[]) => (hashJoins ? [] : keys);
  return {
    /**
     * Creates missing accounts, then reads (and on PostgreSQL locks, in member order so batches never deadlock)
     * the accounts of these members: the lock serialises every writer of a member across processes.
     */
    async lockAccounts(tx: SqlExecutor, ws: string, members: string[]): Promise<Map<string, AccountRow>> {
      const sorted = [...new Set(members)].sort();
      if (sorted.length === 0) return new Map();
      const read = async (ids: string[]) => byKeys(store, tx, ws, ids, (list) =>
        `SELECT member_id, balance, pending, debt, earned_total, version FROM points_accounts
         WHERE workspace_id = $1 AND member_id IN (${list}) ORDER BY member_id${lock}`);
      const rows = await read(sorted);
      if (rows.length < sorted.length) {
        // New members: create their accounts (a concurrent writer may create one first), then lock them too.
        const have = new Set(rows.map((r) => r.member_id));
        const missing = sorted.filter((m) => !have.has(m));
        await tx.exec(
          `INSERT INTO points_accounts (workspace_id, member_id, updated_at)
           SELECT $1, a.member_id, now() FROM ${store.jsonRows(2, [col('member_id', 'text')], 'a')}
           ON CONFLICT (workspace_id, member_id) DO NOTHING`,
          [ws, JSON.stringify(missing.map((member_id) => ({ member_id })))],
        );
        rows.push(...(await read(missing)));
      }
      return new Map(rows.map((r) => [r.member_id, {
        member: r.member_id, balance: Number(r.balance), pending: Number(r.pending), debt: Number(r.debt), earnedTotal: Number(r.earned_total), version: Number(r.version),
      }]));
    },

    async liveLots(tx: SqlExecutor, ws: string, members: string[]): Promise<Map<string, LotRow[]>> {
      const rows = await byKeys(store, tx, ws, members, (list) =>
        `SELECT ${LOT_FIELDS} FROM points_lots WHERE workspace_id = $1 AND member_id IN (${list}) AND remaining > 0`);
      const out = new Map<string, LotRow[]>();
      for (const r of rows) {
        const list = out.get(r.member_id) ?? [];
        list.push(toLot(r));
        out.set(r.member_id, list);
      }
      return out;
    },

    async usedKeys(tx: SqlExecutor, ws: string, keys: string[]): Promise<Map<string, { fingerprint: string; result: OpResult }>> {
      const rows = await byKeys(store, tx, ws, keys, (list) =>
        `SELECT idempotency_key, fingerprint, result FROM points_ops WHERE workspace_id = $1 AND idempotency_key IN (${list})`);
      return new Map(rows.map((r) => [r.idempotency_key, { fingerprint: r.fingerprint, result: typeof r.result === 'string' ? JSON.parse(r.result) : r.result }]));
    },

    /** The entries written under these keys, in write order (to answer replays). */
    async entriesByKeys(tx: SqlExecutor, ws: string, keys: string[]): Promise<Map<string, EntryRow[]>> {
      const rows = await byKeys(store, tx, ws, keys, (list) =>
        `SELECT id, member_id, version, line, idempotency_key, kind, points, lot_id, deductions, order_id, reason, operator, created_at
         FROM points_entries WHERE workspace_id = $1 AND idempotency_key IN (${list})`);
      const out = new Map<string, EntryRow[]>();
      for (const r of rows.sort((a, b) => Number(a.line) - Number(b.line))) {
        const list = out.get(r.idempotency_key) ?? [];
        list.push({
          id: r.id, member_id: r.member_id, version: Number(r.version), line: Number(r.line), idempotency_key: r.idempotency_key, kind: r.kind,
          points: Number(r.points), lot_id: r.lot_id ?? null, deductions: typeof r.deductions === 'string' ? JSON.parse(r.deductions) : r.deductions ?? null,
          order_id: r.order_id ?? null, reason: r.reason ?? null, operator: r.operator ?? null, created_at: r.created_at,
        });
        out.set(r.idempotency_key, list);
      }
      return out;
    },

    async orderFacts(tx: SqlExecutor, ws: string, orderIds: string[]): Promise<Map<string, OrderFacts>> {
      const rows = await byKeys(store, tx, ws, orderIds, (list) =>
        `SELECT order_id, member_id, earned, used, refunded_amount, clawed_back, given_back FROM points_orders WHERE workspace_id = $1 AND order_id IN (${list})`);
      return new Map(rows.map((r) => [r.order_id, {
        orderId: r.order_id, member: r.member_id, earned: Number(r.earned), used: Number(r.used), refundedAmount: Number(r.refunded_amount),
        clawedBack: Number(r.clawed_back), givenBack: Number(r.given_back),
      }]));
    },

    /** Times (ms) of earlier event awards per `member\0event`, for the event caps. */
    async eventAwards(tx: SqlExecutor, ws: string, members: string[], events: string[]): Promise<Map<string, number[]>> {
      const out = new Map<string, number[]>();
      if (members.length === 0 || events.length === 0) return out;
      const reasons = events.map((e) => `event:${e}`);
      const rows = await byKeys(store, tx, ws, members, (list) =>
        `SELECT member_id, reason, created_at FROM points_entries
         WHERE workspace_id = $1 AND kind = 'earn' AND reason IN (${params(2, reasons.length)}) AND member_id IN (${list})`, reasons);
      for (const r of rows) {
        const k = `${r.member_id}\0${String(r.reason).slice('event:'.length)}`;
        const list = out.get(k) ?? [];
        list.push(Date.parse(r.created_at));
        out.set(k, list);
      }
      return out;
    },

    /** Rewards (locked on PostgreSQL, after the accounts: the same order in every batch). */
    async rewards(tx: SqlExecutor, ws: string, ids: string[]): Promise<Map<string, RewardRow>> {
      const rows = await byKeys(store, tx, ws, [...new Set(ids)].sort(), (list) =>
        `SELECT id, name, points_cost, stock, redeemed, per_member_limit, tiers, starts_at, ends_at, active FROM loyalty_rewards
         WHERE workspace_id = $1 AND id IN (${list}) ORDER BY id${lock}`);
      return new Map(rows.map((r) => [r.id, toReward(r)]));
    },

    async rewardCounts(tx: SqlExecutor, ws: string, rewardIds: string[], members: string[]): Promise<Map<string, number>> {
      const out = new Map<string, number>();
      if (rewardIds.length === 0) return out;
      const ids = [...new Set(rewardIds)];
      const rows = await byKeys(store, tx, ws, members, (list) =>
        `SELECT reward_id, member_id, SUM(quantity) AS n FROM loyalty_reward_redemptions
         WHERE workspace_id = $1 AND reward_id IN (${params(2, ids.length)}) AND member_id IN (${list}) GROUP BY reward_id, member_id`, ids);
      for (const r of rows) out.set(`${r.reward_id}\0${r.member_id}`, Number(r.n));
      return out;
    },

    async tiersOf(tx: SqlExecutor, ws: string, members: string[]): Promise<Map<string, string>> {
      const rows = await byKeys(store, tx, ws, members, (list) => `SELECT member_id, tier FROM loyalty_member_tiers WHERE workspace_id = $1 AND member_id IN (${list})`);
      return new Map(rows.map((r) => [r.member_id, r.tier]));
    },

    /** Writes everything a batch produced; a guard that finds a row changed under it aborts the batch (retried). */
    async write(tx: SqlExecutor, ws: string, w: BatchWrites): Promise<void> {
      if (w.ops.length > 0) {
        const inserted = await tx.execCount(
          `INSERT INTO points_ops (workspace_id, idempotency_key, kind, member_id, fingerprint, result, created_at, recorded_at)
           SELECT $1, o.k, o.kind, o.member_id, o.fingerprint, o.result, o.at, now() FROM ${store.jsonRows(2, [
             col('k', 'text'), col('kind', 'text'), col('member_id', 'text'), col('fingerprint', 'text'), col('result', 'json'), col('at', 'timestamptz'),
           ], 'o')}
           ON CONFLICT (workspace_id, idempotency_key) DO NOTHING`,
          // The entries are not repeated here (they are in points_entries under the same key): a replay reads them back.
          [ws, JSON.stringify(w.ops.map((o) => ({ k: o.key, kind: o.kind, member_id: o.member, fingerprint: o.fingerprint, result: { ...o.result, entries: undefined }, at: o.at })))],
        );
        if (inserted < w.ops.length) {
          throw Object.assign(new SiyuError('conflict', KEY_USED, 'An idempotency key of the batch was used before; re-running with a lookup'), { retryable: true });
        }
      }
      if (w.entries.length > 0) {
        await tx.exec(
          `INSERT INTO points_entries (workspace_id, id, member_id, version, line, idempotency_key, kind, points, lot_id, deductions, order_id, reason, operator, created_at, recorded_at)
           SELECT $1, e.id, e.member_id, e.version, e.line, e.idempotency_key, e.kind, e.points, e.lot_id, e.deductions, e.order_id, e.reason, e.operator, e.created_at, now()
           FROM ${store.jsonRows(2, [
             col('id', 'text'), col('member_id', 'text'), col('version', 'bigint'), col('line', 'bigint'), col('idempotency_key', 'text'), col('kind', 'text'),
             col('points', 'bigint'), col('lot_id', 'text'), col('deductions', 'json'), col('order_id', 'text'), col('reason', 'text'), col('operator', 'text'),
             col('created_at', 'timestamptz'),
           ], 'e')}`,
          [ws, JSON.stringify(w.entries)],
        );
      }
      if (w.newLots.size > 0) {
        await tx.exec(
          `INSERT INTO points_lots (workspace_id, id, member_id, points, remaining, earned_at, available_at, expires_at, status, order_id, source, updated_at)
           SELECT $1, l.id, l.member_id, l.points, l.remaining, l.earned_at, l.available_at, l.expires_at, l.status, l.order_id, l.source, now()
           FROM ${store.jsonRows(2, [
             col('id', 'text'), col('member_id', 'text'), col('points', 'bigint'), col('remaining', 'bigint'), col('earned_at', 'timestamptz'),
             col('available_at', 'timestamptz'), col('expires_at', 'timestamptz'), col('status', 'text'), col('order_id', 'text'), col('source', 'text'),
           ], 'l')}`,
          [ws, JSON.stringify([...w.newLots.values()].map((l) => ({
            id: l.id, member_id: l.member, points: l.points, remaining: l.remaining, earned_at: l.earnedAt, available_at: l.availableAt ?? null,
            expires_at: l.expiresAt, status: l.status, order_id: l.orderId, source: l.source,
          })))],
        );
      }
      const changed = [...w.changedLots.values()];
      for (let i = 0; i < changed.length; i += IN_CHUNK) {
        const chunk = changed.slice(i, i + IN_CHUNK);
        const updated = await tx.execCount(
          `UPDATE points_lots SET remaining = u.remaining, status = u.status, updated_at = now()
           FROM ${store.jsonRows(2, [col('id', 'text'), col('remaining', 'bigint'), col('was', 'bigint'), col('status', 'text')], 'u')}
           WHERE points_lots.workspace_id = $1 ${keyed('points_lots.id', chunk.length)} AND points_lots.id = u.id AND points_lots.remaining = u.was`,
          [ws, JSON.stringify(chunk.map((c) => ({ id: c.lot.id, remaining: c.lot.remaining, was: c.loadedRemaining, status: c.lot.status }))), ...keyParams(chunk.map((c) => c.lot.id))],
        );
        if (updated < chunk.length) throw concurrentChange('a points lot');
      }
      const accounts = [...w.accounts.values()];
      for (let i = 0; i < accounts.length; i += IN_CHUNK) {
        const chunk = accounts.slice(i, i + IN_CHUNK);
        const updated = await tx.execCount(
          `UPDATE points_accounts SET balance = a.balance, available = a.balance - a.pending, pending = a.pending, debt = a.debt,
             earned_total = a.earned_total, version = a.version, updated_at = now()
           FROM ${store.jsonRows(2, [
             col('member_id', 'text'), col('balance', 'bigint'), col('pending', 'bigint'), col('debt', 'bigint'), col('earned_total', 'bigint'),
             col('version', 'bigint'), col('was', 'bigint'),
           ], 'a')}
           WHERE points_accounts.workspace_id = $1 ${keyed('points_accounts.member_id', chunk.length)}
             AND points_accounts.member_id = a.member_id AND points_accounts.version = a.was`,
          [ws, JSON.stringify(chunk.map(({ row: r, loadedVersion }) => ({
            member_id: r.member, balance: r.balance, pending: r.pending, debt: r.debt, earned_total: r.earnedTotal, version: r.version, was: loadedVersion ?? 0,
          }))), ...keyParams(chunk.map((c) => c.row.member))],
        );
        if (updated < chunk.length) throw concurrentChange('a points account');
      }
      if (w.orders.size > 0) {
        await tx.exec(
          `INSERT INTO points_orders (workspace_id, order_id, member_id, earned, used, refunded_amount, clawed_back, given_back, updated_at)
           SELECT $1, o.order_id, o.member_id, o.earned, o.used, o.refunded_amount, o.clawed_back, o.given_back, now()
           FROM ${store.jsonRows(2, [
             col('order_id', 'text'), col('member_id', 'text'), col('earned', 'bigint'), col('used', 'bigint'), col('refunded_amount', 'numeric'),
             col('clawed_back', 'bigint'), col('given_back', 'bigint'),
           ], 'o')}
           ON CONFLICT (workspace_id, order_id) DO UPDATE SET earned = excluded.earned, used = excluded.used, refunded_amount = excluded.refunded_amount,
             clawed_back = excluded.clawed_back, given_back = excluded.given_back, updated_at = excluded.updated_at`,
          [ws, JSON.stringify([...w.orders.values()].map((o) => ({
            order_id: o.orderId, member_id: o.member, earned: o.earned, used: o.used, refunded_amount: o.refundedAmount, clawed_back: o.clawedBack, given_back: o.givenBack,
          })))],
        );
      }
      for (const { row, loadedRedeemed } of w.rewards.values()) {
        const updated = await tx.execCount(
          `UPDATE loyalty_rewards SET redeemed = $3, updated_at = now() WHERE workspace_id = $1 AND id = $2 AND redeemed = $4`,
          [ws, row.id, row.redeemed, loadedRedeemed],
        );
        if (updated === 0) throw concurrentChange('a reward');
      }
      if (w.redemptions.length > 0) {
        await tx.exec(
          `INSERT INTO loyalty_reward_redemptions (workspace_id, id, reward_id, member_id, quantity, points, idempotency_key, created_at)
           SELECT $1, r.id, r.reward_id, r.member_id, r.quantity, r.points, r.k, r.at FROM ${store.jsonRows(2, [
             col('id', 'text'), col('reward_id', 'text'), col('member_id', 'text'), col('quantity', 'bigint'), col('points', 'bigint'), col('k', 'text'), col('at', 'timestamptz'),
           ], 'r')}`,
          [ws, JSON.stringify(w.redemptions.map((r) => ({ id: r.id, reward_id: r.rewardId, member_id: r.member, quantity: r.quantity, points: r.points, k: r.key, at: r.at })))],
        );
      }
    },
  };
}

export type LedgerRepo = ReturnType<typeof ledgerRepo>;

export function toReward(r: Row): RewardRow {
  const tiers = typeof r.tiers === 'string' ? JSON.parse(r.tiers) : r.tiers;
  return {
    id: r.id, name: r.name, pointsCost: Number(r.points_cost), stock: r.stock === null ? null : Number(r.stock), redeemed: Number(r.redeemed),
    perMemberLimit: r.per_member_limit === null ? null : Number(r.per_member_limit), tiers: Array.isArray(tiers) ? tiers : [],
    startsAt: r.starts_at ?? null, endsAt: r.ends_at ?? null, active: r.active === true,
  };
}
