// The rewards catalogue: items members buy with points (cost, stock, per-member limit, tier targeting, active
// window). Redemption is a ledger operation, so stock, limits and points are checked and taken in one commit.
import { z } from 'zod';
import { SiyuError, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Row, Store } from '../../store/port.ts';
import { toReward } from './ledger-repo.ts';

export const RewardCreate = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, _ or - (up to 64)').optional(),
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).nullish(),
    points_cost: z.number().int().min(0).max(1e12),
    stock: z.number().int().min(0).max(1e12).nullable().default(null),
    per_member_limit: z.number().int().min(1).max(1e6).nullable().default(null),
    tiers: z.array(z.string().min(1).max(64)).max(20).default([]),
    starts_at: z.iso.datetime({ offset: true }).nullable().default(null),
    ends_at: z.iso.datetime({ offset: true }).nullable().default(null),
    active: z.boolean().default(true),
  })
  .strict();
export type RewardCreate = z.output<typeof RewardCreate>;
export const RewardPatch = RewardCreate.omit({ id: true }).partial().strict();
export type RewardPatch = z.output<typeof RewardPatch>;

const FIELDS = `id, name, description, points_cost, stock, redeemed, per_member_limit, tiers, starts_at, ends_at, active, created_at, updated_at`;

/** A reward as the API shows it: `left` is the stock not yet redeemed (null = unlimited). */
function view(r: Row) {
  const x = toReward(r);
  return {
    id: x.id, name: x.name, description: r.description ?? null, points_cost: x.pointsCost, stock: x.stock, redeemed: x.redeemed,
    left: x.stock === null ? null : Math.max(0, x.stock - x.redeemed), per_member_limit: x.perMemberLimit, tiers: x.tiers,
    starts_at: x.startsAt, ends_at: x.endsAt, active: x.active, created_at: r.created_at, updated_at: r.updated_at,
  };
}
export type RewardView = ReturnType<typeof view>;

function checkWindow(startsAt: string | null | undefined, endsAt: string | null | undefined) {
  if (startsAt && endsAt && Date.parse(endsAt) <= Date.parse(startsAt)) throw new SiyuError('invalid_data', 'reward.invalid_window', 'ends_at: must be after starts_at', { field: 'ends_at' });
}

export class RewardsService {
  constructor(private readonly store: Store, private readonly tierCodes: (ws: string) => Promise<string[] | null>) {}

  async create(ws: string, input: RewardCreate): Promise<RewardView> {
    checkWindow(input.starts_at, input.ends_at);
    await this.checkTiers(ws, input.tiers);
    const id = input.id ?? newId('rwd');
    const inserted = await this.store.query(
      `INSERT INTO loyalty_rewards (workspace_id, id, name, description, points_cost, stock, redeemed, per_member_limit, tiers, starts_at, ends_at, active, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 0, $7, CAST($8 AS JSON), CAST($9 AS TIMESTAMPTZ), CAST($10 AS TIMESTAMPTZ), $11, now(), now())
       ON CONFLICT (workspace_id, id) DO NOTHING RETURNING id`,
      [ws, id, input.name, input.description ?? null, input.points_cost, input.stock, input.per_member_limit, JSON.stringify(input.tiers), input.starts_at, input.ends_at, input.active],
    );
    if (inserted.length === 0) throw new SiyuError('duplicate', 'reward.duplicate', `A reward with id ${id} exists`, { field: 'id' });
    return this.get(ws, id);
  }

  async get(ws: string, id: string): Promise<RewardView> {
    const [r] = await this.store.query(`SELECT ${FIELDS} FROM loyalty_rewards WHERE workspace_id = $1 AND id = $2`, [ws, id]);
    if (!r) throw notFound('reward.not_found', `No reward ${id}`, 'id');
    return view(r);
  }

  /** Rewards, newest first; `available` keeps those a member could redeem at `now` (active, in window, in stock). */
  async list(ws: string, opts: { available?: boolean } = {}, now = new Date()): Promise<RewardView[]> {
    const rows = (await this.store.query(`SELECT ${FIELDS} FROM loyalty_rewards WHERE workspace_id = $1 ORDER BY created_at DESC, id`, [ws])).map(view);
    if (!opts.available) return rows;
    const t = now.getTime();
    return rows.filter((r) => r.active && (!r.starts_at || Date.parse(r.starts_at) <= t) && (!r.ends_at || Date.parse(r.ends_at) > t) && (r.left === null || r.left > 0));
  }

  /** Changes a reward. Stock may not go below what was already redeemed. */
  async update(ws: string, id: string, patch: RewardPatch): Promise<RewardView> {
    const cur = await this.get(ws, id);
    const next = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as RewardView & RewardPatch;
    checkWindow(next.starts_at, next.ends_at);
    if (patch.tiers) await this.checkTiers(ws, patch.tiers);
    const updated = await this.store.query(
      `UPDATE loyalty_rewards SET name = $3, description = $4, points_cost = $5, stock = CAST($6 AS BIGINT), per_member_limit = $7, tiers = CAST($8 AS JSON),
         starts_at = CAST($9 AS TIMESTAMPTZ), ends_at = CAST($10 AS TIMESTAMPTZ), active = $11, updated_at = now()
       WHERE workspace_id = $1 AND id = $2 AND (CAST($6 AS BIGINT) IS NULL OR redeemed <= CAST($6 AS BIGINT)) RETURNING id`,
      [ws, id, next.name, next.description ?? null, next.points_cost, next.stock ?? null, next.per_member_limit ?? null, JSON.stringify(next.tiers ?? []),
        next.starts_at ?? null, next.ends_at ?? null, next.active ?? true],
    );
    if (updated.length === 0) throw new SiyuError('conflict', 'reward.stock_below_redeemed', `stock: ${cur.redeemed} already redeemed`, { field: 'stock' });
    return this.get(ws, id);
  }

  /** Retires a reward: it stays for the history of redemptions but can no longer be redeemed. */
  async deactivate(ws: string, id: string): Promise<RewardView> {
    await this.get(ws, id);
    await this.store.exec(`UPDATE loyalty_rewards SET active = false, updated_at = now() WHERE workspace_id = $1 AND id = $2`, [ws, id]);
    return this.get(ws, id);
  }

  /** Redemptions of a reward (or of a member), newest first. */
  redemptions(ws: string, q: { reward?: string; member?: string; limit: number }) {
    const params: (string | number)[] = [ws];
    let where = 'workspace_id = $1';
    if (q.reward) where += ` AND reward_id = $${params.push(q.reward)}`;
    if (q.member) where += ` AND member_id = $${params.push(q.member)}`;
    params.push(q.limit);
    return this.store.query(
      `WITH r AS MATERIALIZED (SELECT id, reward_id, member_id, quantity, points, idempotency_key, created_at FROM loyalty_reward_redemptions WHERE ${where})
       SELECT * FROM r ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  private async checkTiers(ws: string, tiers: string[]) {
    if (tiers.length === 0) return;
    const codes = await this.tierCodes(ws);
    const unknown = tiers.find((t) => !codes?.includes(t));
    if (unknown) throw new SiyuError('invalid_data', 'loyalty.tier_unknown', `tiers: no tier "${unknown}" in the program`, { field: 'tiers' });
  }
}
