// Group-buy (拼团) on the store: deals, groups opened and joined through the API, the last seat taken once (a
// conditional update of the group's seat counter, then the pure state machine's checks inside the same
// transaction), the benefit issued to every member of a full group, and an expiry job that fails groups at their
// deadline and releases every seat (and lists the orders to release).
import { SiyuError, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { type GroupBuyDeal, type GroupState, joinGroup, leaveGroup, openGroup, parseGroupBuyDeal, resultError } from '../../core/loyalty/index.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import { clientFacts, identityFacts, recordRefusal } from './facts.ts';
import type { RewardGiver } from './rewards.ts';
import type { ClientFactsInput } from './schema.ts';
import { json, nowIso, underField } from './shared.ts';

interface DealRow { id: string; name: string; product_id: string | null; group_price: number; original_price: number | null; config: unknown; coupon_template: string | null; status: string; created_at: string; updated_at: string }
interface GroupRow { id: string; deal_id: string; leader_id: string; status: 'open' | 'success' | 'failed'; group_size: number; seats_taken: number; opened_at: string; deadline: string; closed_at: string | null; close_reason: string | null; benefit_done: boolean }
interface SeatRow { member_id: string; order_id: string | null; role: 'leader' | 'member'; status: string; client_facts: unknown; benefit: unknown; joined_at: string }

const DEAL_COLS = 'id, name, product_id, group_price, original_price, config, coupon_template, status, created_at, updated_at';
const GROUP_COLS = 'id, deal_id, leader_id, status, group_size, seats_taken, opened_at, deadline, closed_at, close_reason, benefit_done';

const dealView = (d: DealRow) => ({ ...d, group_price: Number(d.group_price), original_price: d.original_price === null ? null : Number(d.original_price), config: json<GroupBuyDeal>(d.config) });

type SeatInput = { member: string; order_id?: string } & ClientFactsInput;

export class GroupBuyService {
  constructor(private readonly store: Store, private readonly refs: MemberRefs, private readonly rewards: RewardGiver) {}

  async createDeal(ws: string, b: { name: string; product_id?: string; group_price: number; original_price?: number; config: unknown; coupon_template?: string; status: string }) {
    const config = underField('config', () => parseGroupBuyDeal(b.config));
    const id = newId('gbd');
    const at = nowIso();
    await this.store.exec(
      `INSERT INTO group_buy_deals (workspace_id, id, name, product_id, group_price, original_price, config, coupon_template, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CAST($10 AS TIMESTAMPTZ), CAST($10 AS TIMESTAMPTZ))`,
      [ws, id, b.name, b.product_id ?? null, b.group_price, b.original_price ?? null, JSON.stringify(config), b.coupon_template ?? null, b.status, at],
    );
    return this.deal(ws, id);
  }

  async listDeals(ws: string) {
    return (await this.store.query<DealRow>(`SELECT ${DEAL_COLS} FROM group_buy_deals WHERE workspace_id = $1 ORDER BY created_at, id`, [ws])).map(dealView);
  }

  async deal(ws: string, id: string, db: SqlExecutor = this.store) {
    const [d] = await db.query<DealRow>(`SELECT ${DEAL_COLS} FROM group_buy_deals WHERE workspace_id = $1 AND id = $2`, [ws, id]);
    if (!d) throw notFound('group_buy.deal_not_found', `id: no group-buy deal ${id}`, 'id');
    return dealView(d);
  }

  async setDealStatus(ws: string, id: string, status: string) {
    await this.deal(ws, id);
    await this.store.exec(`UPDATE group_buy_deals SET status = $3, updated_at = CAST($4 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2`, [ws, id, status, nowIso()]);
    return this.deal(ws, id);
  }

  /** Opens a group with `member` as its leader (one live group per member per deal). */
  async open(ws: string, dealId: string, b: SeatInput, now = nowIso()) {
    const member = await this.refs.resolveOne(this.store, ws, b.member);
    const deal = await this.deal(ws, dealId);
    if (deal.status !== 'active') throw new SiyuError('conflict', 'group_buy.deal_ended', `id: deal ${dealId} has ended`, { field: 'id' });
    const state = openGroup(deal.config, { memberId: member, orderId: b.order_id ?? null }, now);
    const id = newId('gbg');
    await this.store.transaction(async (tx) => {
      await this.takeSeat(tx, ws, dealId, member, id);
      await tx.exec(
        `INSERT INTO group_buy_groups (workspace_id, id, deal_id, leader_id, status, group_size, seats_taken, opened_at, deadline, updated_at)
         VALUES ($1, $2, $3, $4, 'open', $5, 1, CAST($6 AS TIMESTAMPTZ), CAST($7 AS TIMESTAMPTZ), CAST($6 AS TIMESTAMPTZ))`,
        [ws, id, dealId, member, deal.config.groupSize, state.openedAt, state.deadline],
      );
      await this.insertMember(tx, ws, id, dealId, member, b, 'leader', now);
    });
    return this.group(ws, id);
  }

  /** The one live seat of a member in a deal: the primary key refuses a second. */
  private async takeSeat(tx: SqlExecutor, ws: string, dealId: string, member: string, groupId: string) {
    const [held] = await tx.query<{ group_id: string }>(`SELECT group_id FROM group_buy_seats WHERE workspace_id = $1 AND deal_id = $2 AND member_id = $3`, [ws, dealId, member]);
    const ok = !held && (await tx.execCount(`INSERT INTO group_buy_seats (workspace_id, deal_id, member_id, group_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [ws, dealId, member, groupId])) === 1;
    if (!ok) throw new SiyuError('conflict', 'group.already_joined', `member: already in group ${held?.group_id ?? '(concurrent)'} of this deal`, { field: 'member', details: { group_id: held?.group_id } });
  }

  private insertMember(tx: SqlExecutor, ws: string, groupId: string, dealId: string, member: string, b: SeatInput, role: string, now: string) {
    const facts = clientFacts(b);
    return tx.exec(
      `INSERT INTO group_buy_members (workspace_id, group_id, deal_id, member_id, order_id, role, status, client_facts, joined_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'joined', $7, CAST($8 AS TIMESTAMPTZ), CAST($8 AS TIMESTAMPTZ))`,
      [ws, groupId, dealId, member, b.order_id ?? null, role, facts ? JSON.stringify(facts) : null, now],
    );
  }

  /**
   * Joins a group. The seat counter's conditional update comes first (PostgreSQL: the row lock serialises joins;
   * DuckDB: concurrent updates conflict and retry), so the last seat is taken once; the pure machine then checks
   * the joiner (already in, shared identity, expired) against the settled state and any refusal rolls back.
   */
  async join(ws: string, groupId: string, b: SeatInput, now = nowIso()) {
    const member = await this.refs.resolveOne(this.store, ws, b.member);
    let filled = false;
    try {
      await this.store.transaction(async (tx) => {
        const g = await this.groupRow(tx, ws, groupId);
        const deal = await this.deal(ws, g.deal_id, tx);
        const took = await tx.execCount(
          `UPDATE group_buy_groups SET seats_taken = seats_taken + 1, updated_at = CAST($3 AS TIMESTAMPTZ)
           WHERE workspace_id = $1 AND id = $2 AND status = 'open' AND seats_taken < group_size AND deadline > CAST($3 AS TIMESTAMPTZ)`,
          [ws, groupId, now],
        );
        const state = await this.state(tx, ws, await this.groupRow(tx, ws, groupId));
        if (took === 0) {
          const why = state.status !== 'open' ? 'group.not_open' : Date.parse(now) >= Date.parse(state.deadline) ? 'group.expired' : 'group.full';
          throw new SiyuError('conflict', why, `id: group ${groupId} is ${why === 'group.expired' ? 'past its deadline' : why === 'group.full' ? 'full' : state.status}`, { field: 'id' });
        }
        // The state read after the update holds the counter but not yet the joiner's row: check against it.
        const facts = await identityFacts(tx, ws, [...state.members.map((m) => m.memberId), member], { [member]: clientFacts(b) });
        const r = joinGroup(deal.config, { ...state, members: state.members.map((m) => ({ ...m, identity: facts.get(m.memberId) })) }, { memberId: member, orderId: b.order_id ?? null, identity: facts.get(member) }, now);
        if (!r.ok) throw resultError(r);
        await this.takeSeat(tx, ws, g.deal_id, member, groupId);
        await this.insertMember(tx, ws, groupId, g.deal_id, member, b, 'member', now);
        if (r.state.status === 'success') {
          filled = true;
          await tx.exec(
            `UPDATE group_buy_groups SET status = 'success', closed_at = CAST($3 AS TIMESTAMPTZ), close_reason = 'size_reached' WHERE workspace_id = $1 AND id = $2`,
            [ws, groupId, now],
          );
        }
      });
    } catch (e) {
      if (e instanceof SiyuError && e.type === 'conflict' && e.code.startsWith('group.')) {
        await recordRefusal(this.store, ws, { kind: 'group_buy', campaignId: groupId, subjectId: member, reasons: [e.code.slice('group.'.length)], at: now });
      }
      throw e;
    }
    if (filled) await this.issueBenefits(ws, groupId);
    return this.group(ws, groupId);
  }

  /** A member leaves an open group (their order was cancelled): their seat is freed; the leader leaving fails it. */
  async leave(ws: string, groupId: string, ref: string, now = nowIso()) {
    const member = await this.refs.resolveOne(this.store, ws, ref);
    await this.store.transaction(async (tx) => {
      const g = await this.groupRow(tx, ws, groupId);
      const r = leaveGroup(await this.state(tx, ws, g), member, now);
      if (!r.ok) throw resultError(r);
      if (r.state.status === 'failed') {
        await tx.exec(`UPDATE group_buy_groups SET status = 'failed', closed_at = CAST($3 AS TIMESTAMPTZ), close_reason = 'leader_left', updated_at = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2`, [ws, groupId, now]);
        await this.release(tx, ws, `group_id = $2`, [groupId], now);
      } else {
        await tx.exec(`UPDATE group_buy_groups SET seats_taken = seats_taken - 1, updated_at = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2`, [ws, groupId, now]);
        await this.release(tx, ws, `group_id = $2 AND member_id = $3`, [groupId, member], now);
      }
    });
    return this.group(ws, groupId);
  }

  /** Marks seats released and frees them (set-based; `where` filters group_buy_members with params from $2). */
  private async release(tx: SqlExecutor, ws: string, where: string, params: string[], now: string) {
    const n = params.length + 2;
    await tx.exec(
      `DELETE FROM group_buy_seats WHERE workspace_id = $1 AND EXISTS (SELECT 1 FROM group_buy_members m
         WHERE m.workspace_id = $1 AND m.status = 'joined' AND m.group_id = group_buy_seats.group_id AND m.member_id = group_buy_seats.member_id
           AND ${where})`,
      [ws, ...params],
    );
    await tx.exec(`UPDATE group_buy_members SET status = 'released', updated_at = CAST($${n} AS TIMESTAMPTZ) WHERE workspace_id = $1 AND status = 'joined' AND ${where}`, [ws, ...params, now]);
  }

  /** The benefit of a full group to each member (coupon with key group_buy:<group>:<member>, or the seat marked). */
  private async issueBenefits(ws: string, groupId: string): Promise<void> {
    const g = await this.groupRow(this.store, ws, groupId);
    if (g.status !== 'success' || g.benefit_done) return;
    const deal = await this.deal(ws, g.deal_id);
    const seats = await this.store.query<{ member_id: string; order_id: string | null }>(`SELECT member_id, order_id FROM group_buy_members WHERE workspace_id = $1 AND group_id = $2 AND status = 'joined'`, [ws, groupId]);
    for (const s of seats) {
      const benefit = deal.coupon_template
        ? await this.rewards.give(ws, s.member_id, { coupon: deal.coupon_template }, `group_buy:${groupId}:${s.member_id}`, 'group_buy')
        : { key: `group_buy:${groupId}:${s.member_id}`, member: s.member_id, order_id: s.order_id, group_price: deal.group_price };
      await this.store.exec(
        `UPDATE group_buy_members SET status = 'succeeded', benefit = $4, updated_at = CAST($5 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3`,
        [ws, groupId, s.member_id, JSON.stringify(benefit), nowIso()],
      );
    }
    await this.store.exec(`UPDATE group_buy_groups SET benefit_done = true WHERE workspace_id = $1 AND id = $2`, [ws, groupId]);
  }

  /** Expiry job: open groups past their deadline fail and release every seat; full groups missing their benefit get it. */
  async expire(ws: string, now = nowIso()): Promise<{ failed: number; released_orders: string[]; benefits: number }> {
    const released = await this.store.transaction(async (tx) => {
      const due = await tx.query<{ id: string }>(`SELECT id FROM group_buy_groups WHERE workspace_id = $1 AND status = 'open' AND deadline <= CAST($2 AS TIMESTAMPTZ)`, [ws, now]);
      if (due.length === 0) return { failed: 0, orders: [] as string[] };
      const cond = `group_id IN (SELECT id FROM group_buy_groups WHERE workspace_id = $1 AND status = 'open' AND deadline <= CAST($2 AS TIMESTAMPTZ))`;
      const orders = await tx.query<{ order_id: string }>(`SELECT order_id FROM group_buy_members WHERE workspace_id = $1 AND status = 'joined' AND order_id IS NOT NULL AND ${cond} ORDER BY order_id`, [ws, now]);
      await this.release(tx, ws, cond, [now], now);
      const failed = await tx.execCount(
        `UPDATE group_buy_groups SET status = 'failed', closed_at = deadline, close_reason = 'deadline', updated_at = CAST($2 AS TIMESTAMPTZ)
         WHERE workspace_id = $1 AND status = 'open' AND deadline <= CAST($2 AS TIMESTAMPTZ)`,
        [ws, now],
      );
      return { failed, orders: orders.map((o) => o.order_id) };
    });
    const owed = await this.store.query<{ id: string }>(`SELECT id FROM group_buy_groups WHERE workspace_id = $1 AND status = 'success' AND NOT benefit_done`, [ws]);
    for (const g of owed) await this.issueBenefits(ws, g.id);
    return { failed: released.failed, released_orders: released.orders, benefits: owed.length };
  }

  private async groupRow(db: SqlExecutor, ws: string, id: string): Promise<GroupRow> {
    const [g] = await db.query<GroupRow>(`SELECT ${GROUP_COLS} FROM group_buy_groups WHERE workspace_id = $1 AND id = $2`, [ws, id]);
    if (!g) throw notFound('group_buy.group_not_found', `id: no group ${id}`, 'id');
    return g;
  }

  private async seats(db: SqlExecutor, ws: string, id: string): Promise<SeatRow[]> {
    return db.query<SeatRow>(`SELECT member_id, order_id, role, status, client_facts, benefit, joined_at FROM group_buy_members WHERE workspace_id = $1 AND group_id = $2 ORDER BY joined_at, member_id`, [ws, id]);
  }

  private async state(db: SqlExecutor, ws: string, g: GroupRow): Promise<GroupState> {
    const seats = (await this.seats(db, ws, g.id)).filter((s) => s.status !== 'released');
    return {
      status: g.status, openedAt: g.opened_at, deadline: g.deadline, closedAt: g.closed_at, closeReason: g.close_reason as GroupState['closeReason'],
      members: seats.map((s) => ({ memberId: s.member_id, orderId: s.order_id, joinedAt: s.joined_at, role: s.role })),
    };
  }

  async group(ws: string, id: string) {
    const g = await this.groupRow(this.store, ws, id);
    const seats = await this.seats(this.store, ws, id);
    return {
      ...g, seats_left: g.status === 'open' ? Math.max(0, g.group_size - g.seats_taken) : 0,
      members: seats.map((s) => ({ member_id: s.member_id, order_id: s.order_id, role: s.role, status: s.status, joined_at: s.joined_at, benefit: json(s.benefit) ?? null })),
    };
  }

  async report(ws: string, dealId: string) {
    const deal = await this.deal(ws, dealId);
    const [r] = await this.store.query<Record<string, number>>(
      `SELECT COUNT(*) AS groups,
         COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0) AS open,
         COALESCE(SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END), 0) AS success,
         COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
         (SELECT COUNT(*) FROM group_buy_members m WHERE m.workspace_id = $1 AND m.deal_id = $2) AS seats,
         (SELECT COUNT(*) FROM group_buy_members m WHERE m.workspace_id = $1 AND m.deal_id = $2 AND m.status = 'succeeded') AS succeeded_members
       FROM group_buy_groups WHERE workspace_id = $1 AND deal_id = $2`,
      [ws, dealId],
    );
    const n = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));
    const closed = n.success + n.failed;
    const refusals = await this.store.query<{ reasons: unknown }>(
      `SELECT reasons FROM campaign_refusals WHERE workspace_id = $1 AND kind = 'group_buy' AND campaign_id IN (SELECT id FROM group_buy_groups WHERE workspace_id = $1 AND deal_id = $2)`,
      [ws, dealId],
    );
    const byReason: Record<string, number> = {};
    for (const x of refusals) for (const reason of json<string[]>(x.reasons)) byReason[reason] = (byReason[reason] ?? 0) + 1;
    return { deal_id: deal.id, ...n, success_rate: closed > 0 ? n.success / closed : 0, refused_by_reason: byReason };
  }
}
