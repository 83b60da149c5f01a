// Pure shaping of what the coupons API returns: templates, member coupons, the funnel, and errors shared by the
// service files.
import { SiyuError, notFound } from '../../core/errors.ts';
import { parseCouponTemplate, type CouponTemplate } from '../../core/loyalty/index.ts';
import type { MemberCouponRow } from './coupon-repo.ts';
import type { FunnelRow, TemplateRow } from './template-repo.ts';

export interface TemplateView extends Omit<TemplateRow, 'config'> {
  config: CouponTemplate;
  /** Coupons that may still be issued under total_limit; null without a limit. */
  remaining: number | null;
}

export const templateView = (t: TemplateRow): TemplateView => ({
  ...t,
  config: parseCouponTemplate(t.config),
  remaining: t.total_limit === null ? null : Math.max(0, t.total_limit - t.issued_count),
});

export interface MemberCouponView {
  id: string;
  code: string;
  template: { id: string; name: string | null };
  member_id: string | null;
  /** issued (waiting to be claimed), claimed (usable in its window), used, voided, expired. */
  status: MemberCouponRow['status'];
  source: string;
  claim_code: string | null;
  issued_at: string;
  claimed_at: string | null;
  valid_from: string | null;
  valid_to: string | null;
  used_at: string | null;
  order_id: string | null;
  discount: number | null;
  voided_at: string | null;
  void_reason: string | null;
}

/** A member coupon as the API shows it; an unused coupon past valid_to reads `expired` before the job marks it. */
export function couponView(r: MemberCouponRow, now = Date.now()): MemberCouponView {
  const lapsed = (r.status === 'issued' || r.status === 'claimed') && r.valid_to !== null && Date.parse(r.valid_to) <= now;
  return {
    id: r.id,
    code: r.code,
    template: { id: r.template_id, name: r.template_name ?? null },
    member_id: r.member_id,
    status: lapsed ? 'expired' : r.status,
    source: r.source,
    claim_code: r.claim_code,
    issued_at: r.issued_at,
    claimed_at: r.claimed_at,
    valid_from: r.valid_from,
    valid_to: r.valid_to,
    used_at: r.used_at,
    order_id: r.order_id,
    discount: r.discount,
    voided_at: r.voided_at,
    void_reason: r.void_reason,
  };
}

export interface FunnelView extends FunnelRow {
  template_id: string;
  name: string;
  /** Batch and uploaded codes (not the codes of coupons issued straight to members) and how many were claimed. */
  codes: { total: number; claimed: number };
  /** claimed / issued and used / claimed, 0–1 (null when the base is 0). */
  claim_rate: number | null;
  use_rate: number | null;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : null);

export const funnelView = (t: TemplateRow, f: FunnelRow, codes: { codes: number; codes_claimed: number }): FunnelView => ({
  template_id: t.id,
  name: t.name,
  ...f,
  discount: Math.round(f.discount * 100) / 100,
  codes: { total: codes.codes, claimed: codes.codes_claimed },
  claim_rate: ratio(f.claimed, f.issued),
  use_rate: ratio(f.used, f.claimed),
});

export const templateNotFound = (ref: string) => notFound('coupon_template.not_found', `No coupon template ${ref} / 未找到优惠券模板`, 'template');
export const codeNotFound = (code: string) => notFound('coupon.not_found', `No coupon or code ${code} / 未找到该券码`, 'code');

/** Issuing from a paused or archived template is refused. */
export function assertActive(t: TemplateRow): void {
  if (t.status !== 'active') {
    throw new SiyuError('conflict', 'coupon_template.not_active', `Coupon template ${t.name} is ${t.status}; only active templates issue coupons`, { field: 'template' });
  }
}

/**
 * Re-raises a config error of the pure model under the request field it came from (`config.benefit.amount`).
 * @example withField('config', () => parseCouponTemplate(body.config))
 */
export function withField<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SiyuError && e.type === 'invalid_data') {
      const field = e.field && e.field !== 'config' ? `${prefix}.${e.field}` : prefix;
      throw new SiyuError(e.type, e.code, e.message.startsWith(`${field}`) ? e.message : `${prefix}.${e.message}`, { field, details: e.details });
    }
    throw e;
  }
}
