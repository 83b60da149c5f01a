// SQL of member coupons: bulk inserts, per-member counts for claim limits, segment targets, lookups, the
// conditional status changes (claim, use, void, restore, expire) and moving coupons on member merges.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';

export type CouponStatus = 'issued' | 'claimed' | 'used' | 'voided' | 'expired';

export interface MemberCouponRow {
  id: string;
  template_id: string;
  template_name?: string;
  member_id: string | null;
  code: string;
  claim_code: string | null;
  status: CouponStatus;
  source: string;
  issue_id: string | null;
  issued_at: string;
  claimed_at: string | null;
  valid_from: string | null;
  valid_to: string | null;
  used_at: string | null;
  order_id: string | null;
  discount: number | null;
  redemption: unknown;
  voided_at: string | null;
  void_reason: string | null;
}

/** A coupon to insert. */
export interface NewCoupon {
  id: string;
  member_id: string | null;
  code: string;
  claim_code: string | null;
  status: 'issued' | 'claimed';
  claimed_at: string | null;
  valid_from: string | null;
  valid_to: string | null;
}

const COLUMNS = `mc.id, mc.template_id, t.name AS template_name, mc.member_id, mc.code, mc.claim_code, mc.status, mc.source, mc.issue_id,
  mc.issued_at, mc.claimed_at, mc.valid_from, mc.valid_to, mc.used_at, mc.order_id, mc.discount, mc.redemption, mc.voided_at, mc.void_reason`;
const FROM = 'member_coupons mc JOIN coupon_templates t ON t.workspace_id = mc.workspace_id AND t.id = mc.template_id';

const NEW_COLS: JsonColumn[] = [
  { name: 'id', type: 'text' }, { name: 'member_id', type: 'text' }, { name: 'code', type: 'text' }, { name: 'claim_code', type: 'text' },
  { name: 'status', type: 'text' }, { name: 'claimed_at', type: 'timestamptz' }, { name: 'valid_from', type: 'timestamptz' }, { name: 'valid_to', type: 'timestamptz' },
];
const ID_COLS: JsonColumn[] = [{ name: 'id', type: 'text' }];

const rowOf = (r: MemberCouponRow): MemberCouponRow => ({
  ...r,
  discount: r.discount === null || r.discount === undefined ? null : Number(r.discount),
  redemption: typeof r.redemption === 'string' ? JSON.parse(r.redemption) : r.redemption,
});

/** Members of segment $3 with fewer than $4 (NULL: any number of) coupons of template $2. */
const ELIGIBLE = (select: string) => `SELECT ${select} FROM segment_members s
  LEFT JOIN (SELECT member_id, count(*) AS n FROM member_coupons WHERE workspace_id = $1 AND template_id = $2 GROUP BY member_id) c
    ON c.member_id = s.member_id
  WHERE s.workspace_id = $1 AND s.segment_id = $3 AND ($4::BIGINT IS NULL OR COALESCE(c.n, 0) < $4)`;

export function couponRepo(store: Store) {
  return {
    async insert(tx: SqlExecutor, ws: string, rows: NewCoupon[], c: { template_id: string; source: string; issue_id: string | null; now: string }) {
      if (rows.length === 0) return;
      await tx.exec(
        `INSERT INTO member_coupons (workspace_id, id, template_id, member_id, code, claim_code, status, source, issue_id, issued_at,
                                     claimed_at, valid_from, valid_to, updated_at)
         SELECT $1, r.id, $3, r.member_id, r.code, r.claim_code, r.status, $4, $5, CAST($6 AS TIMESTAMPTZ),
                r.claimed_at, r.valid_from, r.valid_to, CAST($6 AS TIMESTAMPTZ)
         FROM ${store.jsonRows(2, NEW_COLS, 'r')}`,
        [ws, JSON.stringify(rows), c.template_id, c.source, c.issue_id, c.now],
      );
    },

    /** Coupons of the template each member has ever held (the per-member limit counts them all). */
    async countsFor(db: SqlExecutor, ws: string, templateId: string, memberIds: string[]): Promise<Map<string, number>> {
      if (memberIds.length === 0) return new Map();
      const rows = await db.query<{ member_id: string; n: number }>(
        `SELECT mc.member_id, count(*) AS n FROM member_coupons mc JOIN ${store.jsonRows(3, ID_COLS, 'p')} ON mc.member_id = p.id
         WHERE mc.workspace_id = $1 AND mc.template_id = $2 GROUP BY mc.member_id`,
        [ws, templateId, JSON.stringify(memberIds.map((id) => ({ id })))],
      );
      return new Map(rows.map((r) => [r.member_id, Number(r.n)]));
    },

    async segmentSize(db: SqlExecutor, ws: string, segmentId: string): Promise<number> {
      const [r] = await db.query<{ n: number }>('SELECT count(*) AS n FROM segment_members WHERE workspace_id = $1 AND segment_id = $2', [ws, segmentId]);
      return Number(r.n);
    },

    /**
     * The next members of a segment (member id order, after `after`) still under the per-member limit: one hash
     * join of the segment's members against the template's coupon counts, so large segments stay set-based.
     */
    async segmentEligible(db: SqlExecutor, ws: string, q: { templateId: string; segmentId: string; perMember: number | null; after: string; limit: number }): Promise<string[]> {
      const rows = await db.query<{ member_id: string }>(
        `${ELIGIBLE('s.member_id')} AND s.member_id > $5 ORDER BY s.member_id LIMIT $6`,
        [ws, q.templateId, q.segmentId, q.perMember, q.after, q.limit],
      );
      return rows.map((r) => r.member_id);
    },

    /** How many members of the segment are under the per-member limit now. */
    async segmentEligibleCount(db: SqlExecutor, ws: string, q: { templateId: string; segmentId: string; perMember: number | null }): Promise<number> {
      const [r] = await db.query<{ n: number }>(ELIGIBLE('count(*) AS n'), [ws, q.templateId, q.segmentId, q.perMember]);
      return Number(r.n);
    },

    async byCode(db: SqlExecutor, ws: string, code: string): Promise<MemberCouponRow | undefined> {
      const rows = await db.query<MemberCouponRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE mc.workspace_id = $1 AND mc.code = $2`, [ws, code]);
      return rows[0] && rowOf(rows[0]);
    },

    async byIds(db: SqlExecutor, ws: string, ids: string[]): Promise<MemberCouponRow[]> {
      if (ids.length === 0) return [];
      const rows = await db.query<MemberCouponRow>(
        `SELECT ${COLUMNS} FROM ${FROM} JOIN ${store.jsonRows(2, ID_COLS, 'p')} ON mc.id = p.id WHERE mc.workspace_id = $1`,
        [ws, JSON.stringify(ids.map((id) => ({ id })))],
      );
      return rows.map(rowOf);
    },

    /** The member's coupon claimed from a shared code, if any: the oldest unused one, else the latest. */
    async fromSharedCode(db: SqlExecutor, ws: string, claimCode: string, memberId: string): Promise<MemberCouponRow | undefined> {
      const rows = await db.query<MemberCouponRow>(
        `SELECT ${COLUMNS} FROM ${FROM} WHERE mc.workspace_id = $1 AND mc.claim_code = $2 AND mc.member_id = $3
         ORDER BY CASE WHEN mc.status IN ('issued', 'claimed') THEN 0 ELSE 1 END,
                  CASE WHEN mc.status IN ('issued', 'claimed') THEN mc.issued_at END, mc.issued_at DESC, mc.id LIMIT 1`,
        [ws, claimCode, memberId],
      );
      return rows[0] && rowOf(rows[0]);
    },

    /** A member's coupons, newest first; `unused` = issued or claimed and not past valid_to at `now`. */
    async ofMember(db: SqlExecutor, ws: string, memberId: string, q: { status: string; templateId?: string; limit: number; now: string }): Promise<MemberCouponRow[]> {
      const rows = await db.query<MemberCouponRow>(
        `SELECT ${COLUMNS} FROM ${FROM}
         WHERE mc.workspace_id = $1 AND mc.member_id = $2 AND ($3::VARCHAR IS NULL OR mc.template_id = $3)
           AND (CASE WHEN CAST($4 AS VARCHAR) = 'all' THEN true
                     WHEN CAST($4 AS VARCHAR) = 'unused' THEN mc.status IN ('issued', 'claimed') AND (mc.valid_to IS NULL OR mc.valid_to > CAST($5 AS TIMESTAMPTZ))
                     ELSE mc.status = CAST($4 AS VARCHAR) END)
         ORDER BY mc.issued_at DESC, mc.id DESC LIMIT $6`,
        [ws, memberId, q.templateId ?? null, q.status, q.now, q.limit],
      );
      return rows.map(rowOf);
    },

    async countUnused(db: SqlExecutor, ws: string, memberId: string, now: string): Promise<number> {
      const [r] = await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM member_coupons WHERE workspace_id = $1 AND member_id = $2 AND status IN ('issued', 'claimed')
           AND (valid_to IS NULL OR valid_to > CAST($3 AS TIMESTAMPTZ))`,
        [ws, memberId, now],
      );
      return Number(r.n);
    },

    /** Coupons currently used on an order (the ones a new coupon must stack with). */
    async onOrder(db: SqlExecutor, ws: string, orderId: string): Promise<(MemberCouponRow & { config: unknown })[]> {
      const rows = await db.query<MemberCouponRow & { config: unknown }>(
        `SELECT ${COLUMNS}, t.config FROM ${FROM} WHERE mc.workspace_id = $1 AND mc.order_id = $2 AND mc.status = 'used' ORDER BY mc.used_at, mc.id`,
        [ws, orderId],
      );
      return rows.map((r) => ({ ...rowOf(r), config: typeof r.config === 'string' ? JSON.parse(r.config) : r.config }));
    },

    /** Unused coupons (issued or claimed, window not past at `now`) of each member; members without any are absent. */
    async countUnusedMany(db: SqlExecutor, ws: string, memberIds: string[], now: string): Promise<Map<string, number>> {
      if (memberIds.length === 0) return new Map();
      const rows = await db.query<{ member_id: string; n: number }>(
        `SELECT mc.member_id, count(*) AS n FROM member_coupons mc JOIN ${store.jsonRows(2, ID_COLS, 'p')} ON mc.member_id = p.id
         WHERE mc.workspace_id = $1 AND mc.status IN ('issued', 'claimed') AND (mc.valid_to IS NULL OR mc.valid_to > CAST($3 AS TIMESTAMPTZ))
         GROUP BY mc.member_id`,
        [ws, JSON.stringify(memberIds.map((id) => ({ id }))), now],
      );
      return new Map(rows.map((r) => [r.member_id, Number(r.n)]));
    },

    /** An issued coupon becomes claimed, its validity fixed now; false when it was not `issued` any more. */
    async claim(tx: SqlExecutor, ws: string, id: string, v: { claimed_at: string; valid_from: string; valid_to: string }): Promise<boolean> {
      const rows = await tx.query(
        `UPDATE member_coupons SET status = 'claimed', claimed_at = CAST($3 AS TIMESTAMPTZ), valid_from = CAST($4 AS TIMESTAMPTZ),
           valid_to = CAST($5 AS TIMESTAMPTZ), updated_at = CAST($3 AS TIMESTAMPTZ)
         WHERE workspace_id = $1 AND id = $2 AND status = 'issued' RETURNING id`,
        [ws, id, v.claimed_at, v.valid_from, v.valid_to],
      );
      return rows.length > 0;
    },

    /** Uses a claimed coupon on an order; false when a concurrent request changed it first. */
    async use(tx: SqlExecutor, ws: string, id: string, u: { order_id: string; discount: number; redemption: unknown; now: string }): Promise<boolean> {
      const rows = await tx.query(
        `UPDATE member_coupons SET status = 'used', used_at = CAST($5 AS TIMESTAMPTZ), order_id = $3, discount = $4,
           redemption = CAST($6 AS JSON), updated_at = CAST($5 AS TIMESTAMPTZ)
         WHERE workspace_id = $1 AND id = $2 AND status = 'claimed' RETURNING id`,
        [ws, id, u.order_id, u.discount, u.now, JSON.stringify(u.redemption)],
      );
      return rows.length > 0;
    },

    /** A used coupon goes back to its member (refund), or any coupon not yet voided is voided. */
    async release(tx: SqlExecutor, ws: string, id: string, r: { from: CouponStatus[]; to: 'claimed' | 'voided'; reason: string | null; now: string }): Promise<boolean> {
      const from = r.from.map((_, i) => `$${i + 6}`).join(', ');
      const rows = await tx.query(
        `UPDATE member_coupons SET status = CAST($3 AS VARCHAR),
           used_at = CASE WHEN CAST($3 AS VARCHAR) = 'claimed' THEN NULL ELSE used_at END,
           order_id = CASE WHEN CAST($3 AS VARCHAR) = 'claimed' THEN NULL ELSE order_id END,
           discount = CASE WHEN CAST($3 AS VARCHAR) = 'claimed' THEN NULL ELSE discount END,
           redemption = CASE WHEN CAST($3 AS VARCHAR) = 'claimed' THEN NULL ELSE redemption END,
           voided_at = CASE WHEN CAST($3 AS VARCHAR) = 'voided' THEN CAST($5 AS TIMESTAMPTZ) ELSE voided_at END,
           void_reason = CASE WHEN CAST($3 AS VARCHAR) = 'voided' THEN CAST($4 AS VARCHAR) ELSE void_reason END,
           updated_at = CAST($5 AS TIMESTAMPTZ)
         WHERE workspace_id = $1 AND id = $2 AND status IN (${from}) RETURNING id`,
        [ws, id, r.to, r.reason, r.now, ...r.from],
      );
      return rows.length > 0;
    },

    /** Unused coupons past valid_to become expired; returns how many. */
    async expire(tx: SqlExecutor, ws: string, now: string): Promise<number> {
      const rows = await tx.query<{ id: string }>(
        `UPDATE member_coupons SET status = 'expired', updated_at = CAST($2 AS TIMESTAMPTZ)
         WHERE workspace_id = $1 AND status IN ('issued', 'claimed') AND valid_to <= CAST($2 AS TIMESTAMPTZ) RETURNING id`,
        [ws, now],
      );
      return rows.length;
    },

    /**
     * Merge hook: the merged member's coupons belong to the survivor, and so does their redemption log. The
     * per-member limit then counts both accounts' coupons (a survivor above a limit keeps what it holds and gets no
     * more); codes are unique per workspace, not per member, so nothing collides.
     */
    async moveOnMerge(tx: SqlExecutor, ws: string, fromId: string, intoId: string): Promise<number> {
      const rows = await tx.query('UPDATE member_coupons SET member_id = $3 WHERE workspace_id = $1 AND member_id = $2 RETURNING id', [ws, fromId, intoId]);
      await tx.exec('UPDATE coupon_redemptions SET member_id = $3 WHERE workspace_id = $1 AND member_id = $2', [ws, fromId, intoId]);
      return rows.length;
    },

    /** Holders of the coupons one issue request created (to announce the change after it committed). */
    async membersOfIssue(db: SqlExecutor, ws: string, issueId: string): Promise<string[]> {
      const rows = await db.query<{ member_id: string }>(
        'SELECT DISTINCT member_id FROM member_coupons WHERE workspace_id = $1 AND issue_id = $2 AND member_id IS NOT NULL',
        [ws, issueId],
      );
      return rows.map((r) => r.member_id);
    },
  };
}
