// Coupon template forms ↔ the API's config (src/core/loyalty/coupons.ts), and how a benefit reads to an operator.
import type { CouponBenefit, CouponTemplate, CouponValidity } from '../../api/types';
import type { Lang } from '../../i18n';

export type BenefitType = CouponBenefit['type'];

export interface CouponFormValues {
  name: string;
  description?: string;
  benefit: BenefitType;
  amount?: number;
  percentOff?: number;
  maxDiscount?: number | null;
  spend?: number;
  save?: number;
  repeat?: boolean;
  maxShipping?: number | null;
  productId?: string;
  quantity?: number;
  minSpend?: number;
  validity: 'after_claim' | 'window';
  days?: number;
  window?: [{ toISOString(): string }, { toISOString(): string }];
  total_limit?: number | null;
  per_member_limit?: number | null;
}

const present = (v: number | null | undefined) => v !== undefined && v !== null;

export function benefitOf(v: CouponFormValues): CouponBenefit {
  switch (v.benefit) {
    case 'fixed': return { type: 'fixed', amount: v.amount! };
    case 'percent': return { type: 'percent', percentOff: v.percentOff!, ...(present(v.maxDiscount) ? { maxDiscount: v.maxDiscount } : {}) };
    case 'threshold': return { type: 'threshold', spend: v.spend!, save: v.save!, repeat: Boolean(v.repeat) };
    case 'free_shipping': return { type: 'free_shipping', ...(present(v.maxShipping) ? { maxShipping: v.maxShipping } : {}) };
    case 'gift': return { type: 'gift', productId: v.productId!, quantity: v.quantity ?? 1 };
  }
}

export function validityOf(v: CouponFormValues): CouponValidity {
  if (v.validity === 'window' && v.window) return { type: 'window', startsAt: v.window[0].toISOString(), endsAt: v.window[1].toISOString() };
  return { type: 'after_claim', days: v.days ?? 7 };
}

/** The POST /api/coupons/templates body of a filled-in form. */
export function templateBody(v: CouponFormValues) {
  return {
    name: v.name.trim(),
    ...(v.description ? { description: v.description } : {}),
    config: { benefit: benefitOf(v), minSpend: v.minSpend ?? 0, validity: validityOf(v) },
    total_limit: present(v.total_limit) ? v.total_limit! : null,
    per_member_limit: present(v.per_member_limit) ? v.per_member_limit! : null,
  };
}

const yuan = (n: number | null | undefined) => `¥${n ?? 0}`;

/** 满100减20, 8.5折 (最高减¥30), ¥10 无门槛, 包邮, 赠品 — or the English. */
export function benefitText(c: Pick<CouponTemplate, 'config'>, lang: Lang): string {
  const b = c.config?.benefit;
  if (!b) return '—';
  const min = c.config.minSpend ? (lang === 'zh' ? `满${yuan(c.config.minSpend)}可用` : `min. spend ${yuan(c.config.minSpend)}`) : '';
  const zh = lang === 'zh';
  let s: string;
  switch (b.type) {
    case 'fixed': s = zh ? `立减${yuan(b.amount)}` : `${yuan(b.amount)} off`; break;
    case 'percent': {
      const cap = present(b.maxDiscount) ? (zh ? `，最高减${yuan(b.maxDiscount)}` : `, up to ${yuan(b.maxDiscount)}`) : '';
      s = zh ? `${Math.round((100 - (b.percentOff ?? 0)) * 10) / 100}折${cap}` : `${b.percentOff}% off${cap}`;
      break;
    }
    case 'threshold': s = zh ? `${b.repeat ? '每' : ''}满${yuan(b.spend)}减${yuan(b.save)}` : `${yuan(b.save)} off ${b.repeat ? 'every' : 'over'} ${yuan(b.spend)}`; break;
    case 'free_shipping': s = zh ? `包邮${present(b.maxShipping) ? `（运费最高${yuan(b.maxShipping)}）` : ''}` : `free shipping${present(b.maxShipping) ? ` (up to ${yuan(b.maxShipping)})` : ''}`; break;
    case 'gift': s = zh ? `赠品 ${b.productId} ×${b.quantity ?? 1}` : `gift ${b.productId} ×${b.quantity ?? 1}`; break;
    default: s = JSON.stringify(b);
  }
  return min ? `${s}（${min}）`.replace('（', zh ? '（' : ' (').replace(/）$/, zh ? '）' : ')') : s;
}

export function validityText(c: Pick<CouponTemplate, 'config'>, lang: Lang, dt: (s: string) => string): string {
  const v = c.config?.validity;
  if (!v) return '—';
  if (v.type === 'after_claim') return lang === 'zh' ? `领取后 ${v.days} 天内有效` : `${v.days} days after claim`;
  return `${dt(v.startsAt!)} – ${dt(v.endsAt!)}`;
}
