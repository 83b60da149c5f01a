// Birthday gifts and member-day coupons, as idempotent jobs: a birthday gift is keyed `birthday:<year>:<member>`
// (once a year whatever the retries or workers), a member-day coupon `member_day:<date>:<member>`. Coupons go
// through the coupons module when it offers `issueToMember`; otherwise only points are given.
import { addDays, birthdayGift, isMemberDay, localDateOf, parts, tierByCode } from '../../core/loyalty/index.ts';
import type { Store } from '../../store/port.ts';
import type { LoyaltyConfig } from './config.ts';
import type { LedgerService } from './ledger-service.ts';
import type { StoreOp } from './ops.ts';
import type { TierService } from './tiers.ts';

/** The part of the coupons service gifts use (structural: the modules stay decoupled). */
export interface CouponIssuer {
  issueToMember(ws: string, templateId: string, memberId: string, opts: { idempotencyKey: string; source?: string }): Promise<unknown>;
}

export interface GiftRunResult { candidates: number; points_given: number; points: number; coupons_given: number; coupons_skipped: number; already: number; failed: number }

const PAGE = 2000;

export class Gifts {
  constructor(
    private readonly store: Store,
    private readonly ledger: LedgerService,
    private readonly tiers: TierService,
    private readonly config: (ws: string) => Promise<LoyaltyConfig>,
    private readonly coupons: () => CouponIssuer | null,
  ) {}

  /** Gives the birthday gift to every member inside their birthday window at `now` who has not had this year's. */
  async birthdays(ws: string, now = new Date().toISOString()): Promise<GiftRunResult> {
    const out: GiftRunResult = { candidates: 0, points_given: 0, points: 0, coupons_given: 0, coupons_skipped: 0, already: 0, failed: 0 };
    const config = await this.config(ws);
    const b = config.birthday;
    if (!b?.enabled) return out;
    const today = localDateOf(now, b.window.timezone);
    // Month-day codes of every date whose birthday window contains today; 29 Feb whenever Feb or Mar is near.
    const codes = new Set<number>();
    for (let d = -b.window.daysAfter; d <= b.window.daysBefore; d++) {
      const { m, d: day } = parts(addDays(today, d));
      codes.add(m * 100 + day);
      if (m === 2 || m === 3) codes.add(229);
    }
    const list = [...codes];
    for (let after = ''; ;) {
      const rows = await this.store.query(
        `SELECT id, CAST(birthday AS VARCHAR) AS birthday FROM members
         WHERE workspace_id = $1 AND merged_into IS NULL AND birthday IS NOT NULL AND id > $2
           AND CAST(EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday) AS INTEGER) IN (${list.map((_, i) => `$${3 + i}`).join(', ')})
         ORDER BY id LIMIT ${PAGE}`,
        [ws, after, ...list],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      await this.giveBirthdayGifts(ws, config, rows.map((r) => ({ id: r.id, birthday: String(r.birthday).slice(0, 10) })), now, out);
      if (rows.length < PAGE) break;
    }
    return out;
  }

  private async giveBirthdayGifts(ws: string, config: LoyaltyConfig, members: { id: string; birthday: string }[], now: string, out: GiftRunResult): Promise<void> {
    const b = config.birthday!;
    const p = config.program;
    const tiers = p ? await this.tiers.codesOf(this.store, ws, p, members.map((m) => m.id)) : new Map<string, string>();
    const ops: StoreOp[] = [];
    const coupons: { member: string; templateId: string; key: string }[] = [];
    for (const m of members) {
      const d = birthdayGift(b.window, m.birthday, null, now);
      if (!d.eligible || !d.key) continue;
      out.candidates++;
      const tierGift = p ? tierByCode(p, tiers.get(m.id) ?? p.tiers[0].code).benefits.birthdayGift : null;
      const key = `${d.key}:${m.id}`;
      const points = tierGift && 'points' in tierGift ? tierGift.points : tierGift ? undefined : b.gift?.points;
      const template = tierGift && 'couponTemplateId' in tierGift ? tierGift.couponTemplateId : tierGift ? undefined : b.gift?.couponTemplateId;
      // A gift is not subject to the pending period (nothing can be returned).
      if (points) ops.push({ kind: 'earn', key, member: m.id, points, reason: 'birthday', at: now, availableAt: null });
      if (template) coupons.push({ member: m.id, templateId: template, key: `${key}:coupon` });
    }
    const outcomes = await this.ledger.applyMany(ws, ops);
    outcomes.forEach((r, i) => {
      if (!r.ok) out.failed++;
      else if (r.replayed) out.already++;
      else {
        out.points_given++;
        out.points += (ops[i] as { points: number }).points;
      }
    });
    await this.issueCoupons(ws, coupons, 'birthday', out);
  }

  /** On a member day, issues the configured coupon to members of the configured tiers (once per member and day). */
  async memberDay(ws: string, now = new Date().toISOString()): Promise<GiftRunResult & { member_day: boolean }> {
    const out = { candidates: 0, points_given: 0, points: 0, coupons_given: 0, coupons_skipped: 0, already: 0, failed: 0, member_day: false };
    const config = await this.config(ws);
    const md = config.memberDay;
    if (!md || !isMemberDay(md.schedule, now)) return out;
    out.member_day = true;
    if (!md.coupon) return out;
    const date = localDateOf(now, md.schedule.timezone);
    const tiers = md.coupon.tiers;
    for (let after = ''; ;) {
      // Members with a tier row (anyone who earned or was assigned); with no tier filter, every tier.
      const rows = await this.store.query(
        `SELECT member_id FROM loyalty_member_tiers WHERE workspace_id = $1 AND member_id > $2
           ${tiers.length ? `AND tier IN (${tiers.map((_, i) => `$${3 + i}`).join(', ')})` : ''}
         ORDER BY member_id LIMIT ${PAGE}`,
        [ws, after, ...tiers],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1].member_id;
      out.candidates += rows.length;
      await this.issueCoupons(ws, rows.map((r) => ({ member: r.member_id, templateId: md.coupon!.templateId, key: `member_day:${date}:${r.member_id}` })), 'member_day', out);
      if (rows.length < PAGE) break;
    }
    return out;
  }

  private async issueCoupons(ws: string, list: { member: string; templateId: string; key: string }[], source: string, out: GiftRunResult): Promise<void> {
    if (list.length === 0) return;
    const issuer = this.coupons();
    if (!issuer) {
      out.coupons_skipped += list.length;
      return;
    }
    for (const c of list) {
      try {
        const r = (await issuer.issueToMember(ws, c.templateId, c.member, { idempotencyKey: c.key, source })) as { issued?: boolean } | undefined;
        if (r && r.issued === false) out.already++;
        else out.coupons_given++;
      } catch {
        out.failed++;
      }
    }
  }
}
