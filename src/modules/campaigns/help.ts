// Share-assist (助力) and bargain (砍价) on the store: campaigns, one session per member per campaign, helps from
// friends (one per person per campaign: the help_records key; the referral identity checks), the assist reward at
// N helps (key assist:<session>:reward), bargain cuts fixed by the pure generator down to the floor exactly, and
// an expiry job. Each help first bumps the session's counter conditionally, so concurrent helps serialise.
import { SiyuError, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import {
  type AssistCampaign, type BargainCampaign, type HelpState, addAssistHelp, addBargainHelp, bargainCuts, parseAssistCampaign, parseBargainCampaign,
  resultError, startHelp,
} from '../../core/loyalty/index.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import { clientFacts, identityFacts, recordRefusal, refusalsByReason } from './facts.ts';
import type { RewardGiver } from './rewards.ts';
import type { ClientFactsInput } from './schema.ts';
import { json, nowIso, underField } from './shared.ts';

export type HelpKind = 'assist' | 'bargain';
type Config = AssistCampaign | BargainCampaign;
interface CampaignRow { id: string; kind: HelpKind; name: string; config: unknown; reward: unknown; status: string; created_at: string; updated_at: string }
interface SessionRow { id: string; campaign_id: string; initiator_id: string; kind: HelpKind; status: 'open' | 'done' | 'expired'; help_count: number; price: number | null; client_facts: unknown; started_at: string; deadline: string; completed_at: string | null; reward: unknown; reward_done: boolean }

const SESSION_COLS = 'id, campaign_id, initiator_id, kind, status, help_count, price, client_facts, started_at, deadline, completed_at, reward, reward_done';
const parse = (kind: HelpKind, raw: unknown): Config => (kind === 'assist' ? parseAssistCampaign(raw) : parseBargainCampaign(raw));

export class HelpService {
  constructor(private readonly store: Store, private readonly refs: MemberRefs, private readonly rewards: RewardGiver) {}

  async create(ws: string, kind: HelpKind, b: { name: string; config: unknown; reward?: { points?: number; coupon_template?: string }; status: string }) {
    const config = underField('config', () => parse(kind, b.config));
    if (kind === 'assist' && !b.reward) throw new SiyuError('invalid_data', 'assist.reward_required', 'reward: an assist campaign needs a reward (points or coupon_template)', { field: 'reward' });
    if (kind === 'bargain' && b.reward) throw new SiyuError('invalid_data', 'bargain.unknown_field', 'reward: a bargain lowers the price; it has no reward', { field: 'reward' });
    const id = newId(kind === 'assist' ? 'asc' : 'bgc');
    const at = nowIso();
    await this.store.exec(
      `INSERT INTO help_campaigns (workspace_id, id, kind, name, config, reward, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8 AS TIMESTAMPTZ), CAST($8 AS TIMESTAMPTZ))`,
      [ws, id, kind, b.name, JSON.stringify(config), b.reward ? JSON.stringify(b.reward) : null, b.status, at],
    );
    return this.campaign(ws, kind, id);
  }

  async list(ws: string, kind: HelpKind) {
    const rows = await this.store.query<CampaignRow>(`SELECT id, kind, name, config, reward, status, created_at, updated_at FROM help_campaigns WHERE workspace_id = $1 AND kind = $2 ORDER BY created_at, id`, [ws, kind]);
    return rows.map(campaignView);
  }

  async campaign(ws: string, kind: HelpKind, id: string, db: SqlExecutor = this.store) {
    const [r] = await db.query<CampaignRow>(`SELECT id, kind, name, config, reward, status, created_at, updated_at FROM help_campaigns WHERE workspace_id = $1 AND id = $2 AND kind = $3`, [ws, id, kind]);
    if (!r) throw notFound(`${kind}.not_found`, `id: no ${kind} campaign ${id}`, 'id');
    return campaignView(r);
  }

  /** Starts (or returns) the member's session in a campaign. */
  async start(ws: string, kind: HelpKind, campaignId: string, b: { member: string } & ClientFactsInput, now = nowIso()) {
    const member = await this.refs.resolveOne(this.store, ws, b.member);
    const c = await this.campaign(ws, kind, campaignId);
    if (c.status !== 'active') throw new SiyuError('conflict', `${kind}.ended`, `id: campaign ${campaignId} has ended`, { field: 'id' });
    const s = startHelp(c.config, campaignId, { memberId: member }, now);
    const facts = clientFacts(b);
    const price = kind === 'bargain' ? (c.config as BargainCampaign).originalPrice : null;
    const created = (await this.store.execCount(
      `INSERT INTO help_sessions (workspace_id, campaign_id, initiator_id, id, kind, status, help_count, price, client_facts, started_at, deadline, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'open', 0, $6, $7, CAST($8 AS TIMESTAMPTZ), CAST($9 AS TIMESTAMPTZ), CAST($8 AS TIMESTAMPTZ)) ON CONFLICT DO NOTHING`,
      [ws, campaignId, member, newId('hls'), kind, price, facts ? JSON.stringify(facts) : null, s.startedAt, s.deadline],
    )) === 1;
    const [row] = await this.store.query<{ id: string }>(`SELECT id FROM help_sessions WHERE workspace_id = $1 AND campaign_id = $2 AND initiator_id = $3`, [ws, campaignId, member]);
    return { created, ...(await this.session(ws, kind, row.id)) };
  }

  /**
   * One friend's help. Refusals (self, already helped in the campaign, shared identity, not new, expired, done)
   * are recorded and answered 409 with the pure model's code.
   */
  async help(ws: string, kind: HelpKind, sessionId: string, b: { helper: string } & ClientFactsInput, now = nowIso()) {
    const helper = await this.refs.resolveOne(this.store, ws, b.helper);
    const first = await this.sessionRow(this.store, ws, kind, sessionId);
    let completed = false;
    try {
      await this.store.transaction(async (tx) => {
        const c = await this.campaign(ws, kind, first.campaign_id, tx);
        const bumped = await tx.execCount(
          `UPDATE help_sessions SET help_count = help_count + 1, updated_at = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2 AND status = 'open'`,
          [ws, sessionId, now],
        );
        const s = await this.sessionRow(tx, ws, kind, sessionId);
        const state = await this.state(tx, ws, s, c.config);
        if (bumped === 0) throw resultError({ code: 'help.not_open', message: `id: the session is ${s.status}` });
        const facts = await identityFacts(tx, ws, [s.initiator_id, helper], { [s.initiator_id]: json(s.client_facts), [helper]: clientFacts(b) });
        const [prior] = await tx.query(`SELECT session_id FROM help_records WHERE workspace_id = $1 AND campaign_id = $2 AND helper_id = $3`, [ws, s.campaign_id, helper]);
        const [m] = await tx.query<{ created_at: string }>(`SELECT created_at FROM members WHERE workspace_id = $1 AND id = $2`, [ws, helper]);
        const h = { ...facts.get(helper)!, existingMember: Date.parse(m.created_at) < Date.parse(s.started_at), helpedInCampaign: prior !== undefined };
        const initiator = facts.get(s.initiator_id)!;
        const r = kind === 'assist'
          ? addAssistHelp(c.config as AssistCampaign, { ...state, initiator }, h, now)
          : addBargainHelp(c.config as BargainCampaign, { ...state, initiator }, h, now, bargainCuts(c.config as BargainCampaign, `${s.campaign_id}:${s.initiator_id}`));
        if (!r.ok) throw resultError(r);
        const cut = 'cut' in r ? r.cut : 0;
        await tx.exec(
          `INSERT INTO help_records (workspace_id, campaign_id, helper_id, session_id, seq, cut, helped_at) VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS TIMESTAMPTZ))`,
          [ws, s.campaign_id, helper, sessionId, state.helps.length + 1, cut, now],
        );
        completed = r.state.status === 'done';
        await tx.exec(
          `UPDATE help_sessions SET status = CAST($3 AS VARCHAR), price = $4, completed_at = CASE WHEN CAST($3 AS VARCHAR) = 'done' THEN CAST($5 AS TIMESTAMPTZ) ELSE completed_at END WHERE workspace_id = $1 AND id = $2`,
          [ws, sessionId, r.state.status, 'price' in r ? r.price : null, now],
        );
      });
    } catch (e) {
      if (e instanceof SiyuError && e.code.startsWith('help.')) {
        await recordRefusal(this.store, ws, { kind, campaignId: first.campaign_id, subjectId: helper, otherId: first.initiator_id, reasons: [e.code.slice('help.'.length)], at: now });
      }
      throw e;
    }
    if (completed && kind === 'assist') await this.giveReward(ws, sessionId);
    return this.session(ws, kind, sessionId);
  }

  /** The assist reward of a completed session, once (key assist:<session>:reward). */
  private async giveReward(ws: string, sessionId: string): Promise<void> {
    const s = await this.sessionRow(this.store, ws, 'assist', sessionId);
    if (s.status !== 'done' || s.reward_done) return;
    const c = await this.campaign(ws, 'assist', s.campaign_id);
    const spec = c.reward as { points?: number; coupon_template?: string };
    const given = await this.rewards.give(ws, s.initiator_id, { points: spec.points, coupon: spec.coupon_template }, `assist:${sessionId}:reward`, 'assist');
    await this.store.exec(`UPDATE help_sessions SET reward = $3, reward_done = true WHERE workspace_id = $1 AND id = $2`, [ws, sessionId, JSON.stringify(given)]);
  }

  /** Expiry job: open sessions past their deadline expire; completed assists missing their reward get it. */
  async expire(ws: string, now = nowIso()): Promise<{ expired: number; rewards: number }> {
    const expired = await this.store.execCount(
      `UPDATE help_sessions SET status = 'expired', updated_at = CAST($2 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND status = 'open' AND deadline <= CAST($2 AS TIMESTAMPTZ)`,
      [ws, now],
    );
    const owed = await this.store.query<{ id: string }>(`SELECT id FROM help_sessions WHERE workspace_id = $1 AND kind = 'assist' AND status = 'done' AND NOT reward_done`, [ws]);
    for (const s of owed) await this.giveReward(ws, s.id);
    return { expired, rewards: owed.length };
  }

  private async sessionRow(db: SqlExecutor, ws: string, kind: HelpKind, id: string): Promise<SessionRow> {
    const [s] = await db.query<SessionRow>(`SELECT ${SESSION_COLS} FROM help_sessions WHERE workspace_id = $1 AND id = $2 AND kind = $3`, [ws, id, kind]);
    if (!s) throw notFound(`${kind}.session_not_found`, `id: no ${kind} session ${id}`, 'id');
    return s;
  }

  private async helps(db: SqlExecutor, ws: string, sessionId: string) {
    return db.query<{ helper_id: string; seq: number; cut: number; helped_at: string }>(
      `SELECT helper_id, seq, cut, helped_at FROM help_records WHERE workspace_id = $1 AND session_id = $2 ORDER BY seq`, [ws, sessionId],
    );
  }

  private async state(db: SqlExecutor, ws: string, s: SessionRow, _c: Config): Promise<HelpState> {
    const helps = await this.helps(db, ws, s.id);
    return {
      campaignId: s.campaign_id, initiator: { memberId: s.initiator_id }, startedAt: s.started_at, deadline: s.deadline, status: s.status,
      helps: helps.map((h) => ({ memberId: h.helper_id, at: h.helped_at, cut: Number(h.cut) })),
    };
  }

  async session(ws: string, kind: HelpKind, id: string) {
    const s = await this.sessionRow(this.store, ws, kind, id);
    const c = await this.campaign(ws, kind, s.campaign_id);
    const helps = await this.helps(this.store, ws, id);
    const base = {
      id: s.id, campaign_id: s.campaign_id, kind, initiator_id: s.initiator_id, status: s.status, help_count: helps.length,
      started_at: s.started_at, deadline: s.deadline, completed_at: s.completed_at,
      helps: helps.map((h) => ({ helper_id: h.helper_id, seq: Number(h.seq), cut: Number(h.cut), helped_at: h.helped_at })),
    };
    if (kind === 'assist') {
      const need = (c.config as AssistCampaign).helpsRequired;
      return { ...base, helps_required: need, helps_left: Math.max(0, need - helps.length), reward: json(s.reward) ?? null };
    }
    const b = c.config as BargainCampaign;
    return { ...base, original_price: b.originalPrice, floor_price: b.floorPrice, price: Number(s.price), helps_left: Math.max(0, b.helpsToFloor - helps.length) };
  }

  async report(ws: string, kind: HelpKind, campaignId: string) {
    const c = await this.campaign(ws, kind, campaignId);
    const [r] = await this.store.query<Record<string, number>>(
      `SELECT COUNT(*) AS sessions,
         COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0) AS open,
         COALESCE(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END), 0) AS completed,
         COALESCE(SUM(CASE WHEN status = 'expired' THEN 1 ELSE 0 END), 0) AS expired,
         COALESCE(SUM(help_count), 0) AS helps,
         COALESCE(SUM(CASE WHEN reward_done THEN 1 ELSE 0 END), 0) AS rewarded,
         AVG(CAST(price AS DOUBLE PRECISION)) AS avg_price
       FROM help_sessions WHERE workspace_id = $1 AND campaign_id = $2`,
      [ws, campaignId],
    );
    const n = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : Number(v)])) as Record<string, number | null>;
    const helpers = await this.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM help_records WHERE workspace_id = $1 AND campaign_id = $2`, [ws, campaignId]);
    const out = { campaign_id: c.id, kind, sessions: n.sessions, open: n.open, completed: n.completed, expired: n.expired, helps: Number(helpers[0].n), refused_by_reason: await refusalsByReason(this.store, ws, kind, campaignId) };
    return kind === 'assist'
      ? { ...out, rewarded: n.rewarded, completion_rate: n.sessions ? n.completed! / n.sessions : 0 }
      : { ...out, reached_floor: n.completed, avg_price: n.avg_price === null ? null : Math.round(n.avg_price * 100) / 100 };
  }
}

function campaignView(r: CampaignRow) {
  return { id: r.id, kind: r.kind, name: r.name, config: json<Config>(r.config), reward: json(r.reward) ?? null, status: r.status, created_at: r.created_at, updated_at: r.updated_at };
}
