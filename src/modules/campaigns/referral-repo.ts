// SQL of referral: program config, invite codes, attributions and the facts the reward decision needs.
import type { SqlExecutor } from '../../store/port.ts';

export interface AttributionRow {
  invitee_id: string;
  inviter_id: string;
  code: string;
  /** Prefix of the rewards' idempotency keys (`referral:<invitee at attribution>`); null on rows from before it. */
  reward_key: string | null;
  status: 'attributed' | 'rewarding' | 'rewarded' | 'refused';
  refusals: unknown;
  client_facts: unknown;
  opened_at: string | null;
  attributed_at: string;
  trigger_order_id: string | null;
  rewards: unknown;
  rewarded_at: string | null;
}

const ATTR_COLS = 'invitee_id, inviter_id, code, reward_key, status, refusals, client_facts, opened_at, attributed_at, trigger_order_id, rewards, rewarded_at';

export const referralRepo = {
  async config(db: SqlExecutor, ws: string): Promise<{ config: unknown; updated_at: string } | null> {
    const [r] = await db.query(`SELECT config, updated_at FROM campaign_configs WHERE workspace_id = $1 AND kind = 'referral'`, [ws]);
    return (r as any) ?? null;
  },

  async saveConfig(db: SqlExecutor, ws: string, config: unknown, at: string): Promise<void> {
    await db.exec(
      `INSERT INTO campaign_configs (workspace_id, kind, config, updated_at) VALUES ($1, 'referral', $2, CAST($3 AS TIMESTAMPTZ))
       ON CONFLICT (workspace_id, kind) DO UPDATE SET config = EXCLUDED.config, updated_at = EXCLUDED.updated_at`,
      [ws, JSON.stringify(config), at],
    );
  },

  async codeOfMember(db: SqlExecutor, ws: string, memberId: string): Promise<{ code: string; created_at: string } | null> {
    const [r] = await db.query(`SELECT code, created_at FROM referral_codes WHERE workspace_id = $1 AND member_id = $2`, [ws, memberId]);
    return (r as any) ?? null;
  },

  /**
   * The member a code invites for: its owner, or the survivor when the owner was merged away (the code of a
   * merged member whose survivor had a code of its own stays valid as an alias).
   */
  async memberOfCode(db: SqlExecutor, ws: string, code: string): Promise<{ member_id: string; owner_id: string; created_at: string } | null> {
    const [r] = await db.query(
      `SELECT COALESCE(m.merged_into, c.member_id) AS member_id, c.member_id AS owner_id, c.created_at
       FROM referral_codes c LEFT JOIN members m ON m.workspace_id = c.workspace_id AND m.id = c.member_id
       WHERE c.workspace_id = $1 AND c.code = $2`,
      [ws, code],
    );
    return (r as any) ?? null;
  },

  /** Codes of members merged into `memberId` that still lead to it (aliases). */
  async aliasCodes(db: SqlExecutor, ws: string, memberId: string): Promise<string[]> {
    const rows = await db.query<{ code: string }>(
      `SELECT c.code FROM referral_codes c WHERE c.workspace_id = $1
         AND c.member_id IN (SELECT m.id FROM members m WHERE m.workspace_id = $1 AND m.merged_into = $2) ORDER BY c.created_at, c.code`,
      [ws, memberId],
    );
    return rows.map((r) => r.code);
  },

  /** Inserts a code unless the member or the code already has one; true when inserted. */
  async insertCode(db: SqlExecutor, ws: string, code: string, memberId: string, at: string): Promise<boolean> {
    return (await db.execCount(
      `INSERT INTO referral_codes (workspace_id, code, member_id, created_at) VALUES ($1, $2, $3, CAST($4 AS TIMESTAMPTZ)) ON CONFLICT DO NOTHING`,
      [ws, code, memberId, at],
    )) === 1;
  },

  async attribution(db: SqlExecutor, ws: string, inviteeId: string): Promise<AttributionRow | null> {
    const [r] = await db.query(`SELECT ${ATTR_COLS} FROM referral_attributions WHERE workspace_id = $1 AND invitee_id = $2`, [ws, inviteeId]);
    return (r as AttributionRow) ?? null;
  },

  async asInviter(db: SqlExecutor, ws: string, inviterId: string): Promise<AttributionRow[]> {
    return db.query<AttributionRow>(`SELECT ${ATTR_COLS} FROM referral_attributions WHERE workspace_id = $1 AND inviter_id = $2 ORDER BY attributed_at, invitee_id`, [ws, inviterId]);
  },

  /** Inserts the invitee's one attribution; false when the invitee already has one (the primary key). */
  async insertAttribution(db: SqlExecutor, ws: string, a: { invitee: string; inviter: string; code: string; status: string; refusals: string[] | null; client: unknown; openedAt: string | null; at: string }): Promise<boolean> {
    return (await db.execCount(
      `INSERT INTO referral_attributions (workspace_id, invitee_id, inviter_id, code, reward_key, status, refusals, client_facts, opened_at, attributed_at, updated_at)
       VALUES ($1, $2, $3, $4, $10, $5, $6, $7, CAST($8 AS TIMESTAMPTZ), CAST($9 AS TIMESTAMPTZ), CAST($9 AS TIMESTAMPTZ)) ON CONFLICT DO NOTHING`,
      [ws, a.invitee, a.inviter, a.code, a.status, a.refusals ? JSON.stringify(a.refusals) : null, a.client ? JSON.stringify(a.client) : null, a.openedAt, a.at, `referral:${a.invitee}`],
    )) === 1;
  },

  /** Moves an attribution from one status to another; the count says whether this caller made the move. */
  async move(db: SqlExecutor, ws: string, invitee: string, from: string, to: string, set: { refusals?: string[]; orderId?: string; rewards?: unknown; at: string }): Promise<boolean> {
    return (await db.execCount(
      `UPDATE referral_attributions SET status = CAST($4 AS VARCHAR), updated_at = CAST($5 AS TIMESTAMPTZ),
         refusals = COALESCE($6, refusals), trigger_order_id = COALESCE($7, trigger_order_id), rewards = COALESCE($8, rewards),
         rewarded_at = CASE WHEN CAST($4 AS VARCHAR) = 'rewarded' THEN CAST($5 AS TIMESTAMPTZ) ELSE rewarded_at END
       WHERE workspace_id = $1 AND invitee_id = $2 AND status = $3`,
      [ws, invitee, from, to, set.at, set.refusals ? JSON.stringify(set.refusals) : null, set.orderId ?? null, set.rewards ? JSON.stringify(set.rewards) : null],
    )) === 1;
  },

  /** Registration time of a member and its first paid order (the trigger's facts). */
  async inviteeFacts(db: SqlExecutor, ws: string, memberId: string): Promise<{ created_at: string; first_order_id: string | null; first_paid_at: string | null; first_amount: number | null } | null> {
    const [m] = await db.query<{ created_at: string }>(`SELECT created_at FROM members WHERE workspace_id = $1 AND id = $2`, [ws, memberId]);
    if (!m) return null;
    const [o] = await db.query<{ id: string; paid_at: string; amount: number }>(
      `SELECT id, paid_at, amount FROM orders WHERE workspace_id = $1 AND member_id = $2 AND status = 'paid' ORDER BY paid_at, id LIMIT 1`,
      [ws, memberId],
    );
    return { created_at: m.created_at, first_order_id: o?.id ?? null, first_paid_at: o?.paid_at ?? null, first_amount: o ? Number(o.amount) : null };
  },

  async inviterRewards(db: SqlExecutor, ws: string, inviterId: string): Promise<number> {
    const [r] = await db.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM referral_attributions WHERE workspace_id = $1 AND inviter_id = $2 AND status IN ('rewarding', 'rewarded')`,
      [ws, inviterId],
    );
    return Number(r.n);
  },

  /** Invitees waiting for their trigger among `members` (all when null) that have a paid order now. */
  async waitingWithOrders(db: SqlExecutor, ws: string): Promise<string[]> {
    const rows = await db.query<{ invitee_id: string }>(
      `SELECT a.invitee_id FROM referral_attributions a
        WHERE a.workspace_id = $1 AND a.status = 'attributed'
          AND a.invitee_id IN (SELECT o.member_id FROM orders o WHERE o.workspace_id = $1 AND o.status = 'paid' AND o.member_id IS NOT NULL)
        ORDER BY a.invitee_id`,
      [ws],
    );
    return rows.map((r) => r.invitee_id);
  },

  async byStatus(db: SqlExecutor, ws: string, status: string, members?: string[]): Promise<string[]> {
    if (members && members.length === 0) return [];
    const list = members ? ` AND invitee_id IN (${members.map((_, i) => `$${i + 3}`).join(', ')})` : '';
    const rows = await db.query<{ invitee_id: string }>(
      `SELECT invitee_id FROM referral_attributions WHERE workspace_id = $1 AND status = $2${list} ORDER BY invitee_id`,
      [ws, status, ...(members ?? [])],
    );
    return rows.map((r) => r.invitee_id);
  },

  async funnel(db: SqlExecutor, ws: string) {
    const [r] = await db.query<Record<string, number>>(
      `SELECT
         (SELECT COUNT(*) FROM referral_codes c WHERE c.workspace_id = $1
            AND c.member_id NOT IN (SELECT m.id FROM members m WHERE m.workspace_id = $1 AND m.merged_into IS NOT NULL)) AS codes,
         (SELECT COUNT(DISTINCT inviter_id) FROM referral_attributions WHERE workspace_id = $1) AS active_inviters,
         COUNT(*) AS attributions,
         COALESCE(SUM(CASE WHEN status = 'refused' THEN 1 ELSE 0 END), 0) AS refused,
         COALESCE(SUM(CASE WHEN status = 'attributed' THEN 1 ELSE 0 END), 0) AS waiting,
         COALESCE(SUM(CASE WHEN status IN ('rewarding', 'rewarded') THEN 1 ELSE 0 END), 0) AS rewarded,
         COALESCE(SUM(CASE WHEN status <> 'refused' AND invitee_id IN
           (SELECT o.member_id FROM orders o WHERE o.workspace_id = $1 AND o.status = 'paid' AND o.member_id IS NOT NULL) THEN 1 ELSE 0 END), 0) AS first_orders
       FROM referral_attributions WHERE workspace_id = $1`,
      [ws],
    );
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])) as Record<'codes' | 'active_inviters' | 'attributions' | 'refused' | 'waiting' | 'rewarded' | 'first_orders', number>;
  },
};
