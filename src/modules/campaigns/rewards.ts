// Gives campaign rewards through the modules that own them: points through the loyalty ledger, coupons through the
// coupons module, each with an idempotency key, so a retried or swept reward is given once.

/** Points: the loyalty service's `earn` (ledger entry with an idempotency key). */
export interface PointsGranter {
  earn(ws: string, input: { member: string; points: number; idempotency_key: string; reason?: string }): Promise<{ replayed: boolean }>;
}

/** Coupons: the coupons service's `issueToMember`. */
export interface CouponIssuer {
  issueToMember(ws: string, templateRef: string, memberRef: string, opts: { idempotencyKey?: string; source?: string }): Promise<{ issued: boolean; coupon: { id: string; code: string } }>;
}

export interface RewardSpec { points?: number; coupon?: string }

/** What was given for one key: points entry and/or coupon (ids for the record). */
export interface GivenReward { key: string; member: string; points?: number; coupon_id?: string; coupon_code?: string }

export class RewardGiver {
  constructor(private readonly points: () => PointsGranter | null, private readonly coupons: () => CouponIssuer | null) {}

  /**
   * Gives `spec` to `memberId` under `key`. Points and coupon use the same key in their own modules; a retry
   * returns what the first call gave.
   */
  async give(ws: string, memberId: string, spec: RewardSpec, key: string, source: string): Promise<GivenReward> {
    const out: GivenReward = { key, member: memberId };
    if (spec.points) {
      const p = this.points();
      if (!p) throw new Error('campaign rewards: the loyalty service is not wired');
      await p.earn(ws, { member: memberId, points: spec.points, idempotency_key: key, reason: source });
      out.points = spec.points;
    }
    if (spec.coupon) {
      const c = this.coupons();
      if (!c) throw new Error('campaign rewards: the coupons service is not wired');
      const r = await c.issueToMember(ws, spec.coupon, memberId, { idempotencyKey: key, source });
      out.coupon_id = r.coupon.id;
      out.coupon_code = r.coupon.code;
    }
    return out;
  }
}
