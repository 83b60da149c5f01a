// Turns one generated member (profile, orders, events, tags) into rows of the core tables.
import { blindIndex, seal } from '../../core/pii/index.ts';
import { sealPii } from '../pii/member-fields.ts';
import { PRODUCTS, TAGS, type Category, type ChannelId } from './catalog.ts';
import { DAY_MS, type Calendar } from './calendar.ts';
import type { MemberPlan } from './lifecycle.ts';
import type { GenOrder } from './order-gen.ts';
import { demoId, identitiesOf, type Profile } from './people.ts';
import type { Prng } from './prng.ts';
import { T } from './tables.ts';
import type { BulkWriter } from './bulk-writer.ts';

export const iso = (ms: number) => new Date(ms).toISOString();
const yuan = (fen: number) => fen / 100;

/** 12-month spend (fen) → tier, the way the brand's loyalty programme names them. */
function tierOf(spend: number): string {
  if (spend >= 300_000) return '黑金';
  if (spend >= 100_000) return '金卡';
  if (spend >= 30_000) return '银卡';
  return '普通';
}

/** Writes the orders, their lines and refunds; returns spend of the last 12 months (fen) and the last order time. */
export function writeOrders(w: BulkWriter, memberId: string, orders: GenOrder[], endMs: number): { yearSpend: number; categoryCount: Map<Category, number> } {
  let yearSpend = 0;
  const categoryCount = new Map<Category, number>();
  for (const o of orders) {
    const refunded = o.refund?.amount ?? 0;
    const status = !o.refund ? 'paid' : refunded >= o.paid ? 'refunded' : 'partially_refunded';
    const attrs: Record<string, unknown> = { fulfilment: o.fulfilment, points_earned: o.pointsEarned };
    if (o.day.promotion) attrs.promotion = o.day.promotion.name;
    if (o.day.memberDay) attrs.member_day = true;
    const updated = o.refund ? o.refund.ms : o.ms;
    w.push(T.orders, [
      o.id, memberId, status, yuan(o.paid), yuan(o.discount), yuan(refunded), 'CNY', o.coupon?.code ?? null, o.pointsUsed,
      o.channel, o.storeId, o.items.length, iso(o.ms), attrs, iso(o.ms), iso(updated),
    ]);
    o.items.forEach((it, line) => {
      w.push(T.orderItems, [o.id, line, memberId, it.product.id, it.product.name, it.product.category, it.quantity, yuan(it.product.price), yuan(it.amount)]);
      categoryCount.set(it.product.category, (categoryCount.get(it.product.category) ?? 0) + it.quantity);
    });
    if (o.refund) {
      const it = o.refund.item;
      const items = it ? [{ line_no: o.items.indexOf(it), product_id: it.product.id, name: it.product.name, category: it.product.category, quantity: it.quantity, unit_price: yuan(it.product.price), amount: yuan(o.refund.amount) }] : null;
      w.push(T.refunds, [o.refund.id, o.id, memberId, yuan(o.refund.amount), o.refund.reason, items, o.channel, iso(o.refund.ms), iso(o.refund.ms)]);
    }
    if (o.ms >= endMs - 365 * DAY_MS) yearSpend += o.paid - refunded;
  }
  return { yearSpend, categoryCount };
}

/** Tags the member: persona (mostly recognised), taste, crowd, and the operations team's marks. */
export function writeTags(r: Prng, w: BulkWriter, plan: MemberPlan, profile: Profile, orders: GenOrder[], categories: Map<Category, number>, shares: number, cal: Calendar) {
  const at = (ms: number) => iso(Math.min(cal.endMs - 1, ms));
  const tag = (id: string, source: string, ms: number) => w.push(T.memberTags, [profile.id, id, source, at(ms)]);
  const persona = TAGS.find((t) => 'persona' in t && t.persona === plan.persona);
  if (persona && orders.length >= 2 && r.chance(0.85)) tag(persona.id, 'import', plan.signupMs + 30 * DAY_MS);
  if (orders.length >= 3) {
    let best: Category | null = null;
    for (const [c, n] of categories) if (c !== '轻食' && c !== '周边' && (!best || n > categories.get(best)!)) best = c;
    const taste = TAGS.find((t) => 'category' in t && t.category === best);
    if (taste) tag(taste.id, 'rule', orders[2].ms);
  }
  if (profile.age !== null) {
    if (profile.age <= 22 && r.chance(0.6)) tag('tag_student', 'import', plan.signupMs);
    else if (profile.age >= 23 && profile.age <= 40 && r.chance(0.5)) tag('tag_office_worker', 'import', plan.signupMs);
    else if (profile.age >= 28 && r.chance(0.25)) tag('tag_parent', 'manual', plan.signupMs + 10 * DAY_MS);
  }
  if (shares >= 3 || r.chance(0.008)) tag('tag_koc', 'manual', plan.signupMs + 60 * DAY_MS);
  const complaint = orders.find((o) => o.refund && ['饮品做错了', '配送超时', '口味不满意'].includes(o.refund.reason));
  if (complaint && r.chance(0.6)) tag('tag_complained', 'manual', complaint.refund!.ms + 3_600_000);
}

/** The member row, identities and the traits row of the seen window. */
export function writeMember(w: BulkWriter, profile: Profile, plan: MemberPlan, points: number, yearSpend: number, lastMs: number, endMs: number) {
  const attributes = { member_card: profile.memberCard, tier: tierOf(yearSpend), points, home_store: profile.homeStores[0] };
  const last = Math.max(plan.signupMs, lastMs);
  // Sealed in JS as rows are made (about 5 µs a value); identities reuse the member's ciphertext and hash.
  const pii = sealPii({ name: profile.name, phone: profile.phone, email: profile.email, address: null });
  w.push(T.members, [
    profile.id, null, profile.sourceChannel, pii.name, profile.gender, profile.birthday, profile.city.name, profile.city.province,
    pii.phone, pii.email, attributes, iso(plan.signupMs), iso(last), pii.name_hash, pii.phone_hash, pii.email_hash,
  ]);
  for (const [type, value, channel, appId] of identitiesOf(profile)) {
    const hashed = type === 'phone' ? [pii.phone_hash, pii.phone] : type === 'email' ? [pii.email_hash, pii.email] : [value, null];
    w.push(T.identities, [type, hashed[0], profile.id, channel, appId, iso(plan.signupMs), iso(last), hashed[1]]);
  }
  w.push(T.memberTraits, [profile.id, iso(plan.signupMs), iso(last), iso(endMs)]);
}

/**
 * A duplicate profile created at the till before the member bound the same phone in the mini-program, merged
 * since: the old row stays with `merged_into`, its card now belongs to the member, and the history says why.
 */
export function writeMergedDuplicate(r: Prng, w: BulkWriter, profile: Profile, plan: MemberPlan, seq: number) {
  if (!profile.phone) return false;
  const createdMs = plan.signupMs - (30 + r.int(300)) * DAY_MS;
  const dupId = demoId('mem', createdMs, seq, r);
  const card = '8861' + String(seq).padStart(8, '0') + String(r.int(10_000)).padStart(4, '0');
  const phoneHash = blindIndex('phone', profile.phone);
  w.push(T.members, [dupId, profile.id, 'store', null, null, null, profile.city.name, profile.city.province, seal(profile.phone), null, { member_card: card }, iso(createdMs), iso(plan.signupMs), null, phoneHash, null]);
  w.push(T.identities, ['member_card', card, profile.id, 'store', null, iso(createdMs), iso(plan.signupMs), null]);
  w.push(T.memberMerges, [demoId('mrg', plan.signupMs, seq, r), dupId, profile.id, 'shared_phone', 'phone', phoneHash, { identities: 2, events: 0, orders: 0 }, iso(plan.signupMs)]);
  return true;
}

/** The brand's static rows: channels, menu, tag groups and tags. */
export function writeCatalog(w: BulkWriter, channels: { id: ChannelId; name: string; kind: string }[], cal: Calendar, groups: { id: string; name: string; description: string; exclusive: boolean }[]) {
  const start = iso(cal.startMs - 400 * DAY_MS);
  for (const c of channels) w.push(T.channels, [c.id, c.name, c.kind, start]);
  for (const p of PRODUCTS) {
    const launched = p.launchDay !== undefined ? cal.startMs + p.launchDay * DAY_MS : null;
    const attrs: Record<string, unknown> = {};
    if (launched !== null) attrs.launched_at = iso(launched).slice(0, 10);
    if (p.months) attrs.seasonal_months = p.months;
    w.push(T.products, [p.id, p.name, p.category, yuan(p.price), Object.keys(attrs).length ? attrs : null, launched !== null ? iso(launched) : start]);
  }
  for (const g of groups) w.push(T.tagGroups, [g.id, g.name, g.description, g.exclusive, start]);
  for (const t of TAGS) {
    const kind = 'category' in t ? 'rule' : t.group === 'tgrp_ops' ? 'manual' : 'imported';
    w.push(T.tags, [t.id, t.name, t.group, kind, null, start]);
  }
}
