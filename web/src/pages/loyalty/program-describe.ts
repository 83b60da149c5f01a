// The loyalty programme in words for the tiers table (benefits, qualification, downgrade), instead of raw JSON keys.
// The console's `t` takes its dictionary's keys; these helpers build some keys from values, so they take any `t`
// (no import of the i18n module keeps them importable by the server-side tests).
type T = (key: never) => string;
const words = (t: T) => (key: string) => t(key as never);
type Obj = Record<string, unknown>;

/** The benefits a tier adds over the defaults (×1 points, no discount, no gift, no free shipping), one tag each. */
export function benefitLabels(b: Obj | undefined, t: T, num: (n: number) => string): string[] {
  const w = words(t);
  if (!b) return [];
  const out: string[] = [];
  const multiplier = Number(b.pointsMultiplier ?? 1);
  if (multiplier !== 1) out.push(`${w('lf.multiplier')} ×${num(multiplier)}`);
  const discount = Number(b.discountPercent ?? 0);
  if (discount > 0) out.push(`${w('lf.discount')} ${num(discount)}%`);
  if (b.freeShipping === true) out.push(w('lf.freeShipping'));
  const gift = b.birthdayGift as Obj | null | undefined;
  if (gift && typeof gift.points === 'number') out.push(`${w('lf.birthdayGift')} ${num(gift.points)} ${w('lf.giftPoints')}`);
  else if (gift && gift.couponTemplateId) out.push(`${w('lf.birthdayGift')} ${w('lf.giftCoupon')}`);
  return out;
}

/** e.g. 消费金额 · 最近 365 天 / Spend · last 365 days. */
export function basisLabel(basis: Obj | undefined, t: T): string {
  const w = words(t);
  if (!basis) return '—';
  const win = (basis.window ?? {}) as Obj;
  const window = win.type === 'rolling' ? w('lf.rolling').replace('N', String(win.days)) : w('lf.calendarYear');
  return `${w(`lf.metric.${String(basis.metric)}`)} · ${window}`;
}

/** e.g. 定期复核 · 每年 · 宽限天数 30 · 降到达标等级. */
export function downgradeLabel(d: Obj | undefined, t: T): string {
  const w = words(t);
  if (!d) return '—';
  const parts = [w(`lf.down.${String(d.mode)}`)];
  if (d.mode === 'periodic_review') parts.push(w(`lf.period.${String(d.period ?? 'year')}`));
  if (d.mode !== 'never') {
    if (Number(d.graceDays ?? 0) > 0) parts.push(`${w('lf.graceDays')} ${d.graceDays}`);
    parts.push(w(d.steps === 'one_level' ? 'lf.oneLevel' : 'lf.toQualified'));
  }
  return parts.join(' · ');
}

/** The order earn rule as [label, value] rows, in the order an operator reads them. */
export function orderRuleRows(r: Obj, t: T, num: (n: number) => string): Array<[string, string]> {
  const w = words(t);
  const rate = (r.rate ?? { points: 1, per: 1 }) as { points: number; per: number };
  const list = (v: unknown) => (Array.isArray(v) && v.length ? v.join('、') : '—');
  const rows: Array<[string, string]> = [
    [w('lf.ratePer'), `¥${num(rate.per)} → ${num(rate.points)} ${w('lf.ratePoints')}`],
    [w('lf.rounding'), w(`lf.round.${String(r.rounding ?? 'floor')}`)],
    [w('lf.minOrder'), Number(r.minOrderAmount ?? 0) > 0 ? `¥${num(Number(r.minOrderAmount))}` : '—'],
    [w('lf.memberDayFactor'), `×${num(Number(r.memberDayFactor ?? 1))}`],
    [w('lf.tierMultiplier'), w(r.tierMultiplier === false ? 'common.no' : 'common.yes')],
    [w('lf.maxPerOrder'), r.maxPointsPerOrder == null ? '—' : num(Number(r.maxPointsPerOrder))],
    [w('lf.excludedCategories'), list(r.excludedCategories)],
  ];
  if (Array.isArray(r.excludedProducts) && r.excludedProducts.length) rows.push([w('lf.excludedProducts'), list(r.excludedProducts)]);
  if (Array.isArray(r.campaigns) && r.campaigns.length) rows.push([w('lf.campaigns'), String(r.campaigns.length)]);
  return rows;
}

/** Event rule caps, e.g. 每日 1 · 每周 5. */
export function capsLabel(caps: unknown, t: T): string {
  const w = words(t);
  const entries = caps && typeof caps === 'object' ? Object.entries(caps as Obj).filter(([, v]) => v != null) : [];
  return entries.length ? entries.map(([k, v]) => `${w(`lf.cap.${k}`)} ${String(v)}`).join(' · ') : '—';
}

/** A list or a single value as text (tracked event names, categories). */
export const listLabel = (v: unknown): string => (Array.isArray(v) ? (v.length ? v.join('、') : '—') : v == null || v === '' ? '—' : String(v));

/** Event property conditions, e.g. rating exists · channel = app. */
export function whereLabel(where: unknown): string {
  if (!Array.isArray(where) || where.length === 0) return '—';
  return where.map((c: Obj) => [c.property, c.op, c.value === undefined ? '' : Array.isArray(c.value) ? c.value.join('/') : String(c.value)].filter((x) => x !== '').join(' ')).join(' · ');
}
