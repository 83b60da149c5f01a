// A demo member's behavioural events: the sessions around their orders, browsing without buying, daily sign-ins,
// coupon claims, shares, official-account reading and WeCom contact — all inside their active periods.
import { BROWSE_HOUR_WEIGHTS, dayAt, weightBetween, type Calendar } from './calendar.ts';
import { PRODUCTS, type ChannelId, type Product } from './catalog.ts';
import { activeDays, type MemberPlan } from './lifecycle.ts';
import type { GenOrder } from './order-gen.ts';
import type { Profile } from './people.ts';
import { cumulative, type Prng } from './prng.ts';

/** Receives one event: epoch ms, Segment type, name, channel, properties. */
export type EmitEvent = (ms: number, type: 'track' | 'page' | 'identify', name: string | null, channel: ChannelId, properties: Record<string, unknown> | null) => void;

const BROWSE_HOUR_CUM = cumulative(BROWSE_HOUR_WEIGHTS);
const PRODUCT_CUM = cumulative(PRODUCTS.map((p) => p.weight));
const ARTICLES = ['夏日冰饮上新｜一口入夏', '会员日攻略：周三8.8折', '秋天的第一杯奶茶，你喝了吗', '门店探访｜城市里的茶空间', '新品测评：樱花白桃乌龙', '积分商城焕新上线', '年度会员权益全解读', '冬日暖饮指南'];

const productProps = (p: Product) => ({ product_id: p.id, name: p.name, category: p.category, price: p.price / 100 });

function sessionStart(r: Prng, profile: Profile, channel: ChannelId, t: number, emit: EmitEvent, storeId: string | null): number {
  if (channel === 'app') emit(t, 'track', 'app_open', 'app', { app_version: '3.' + (4 + r.int(3)) + '.0' });
  else if (channel === 'miniprogram') {
    if (r.chance(0.25)) emit(t, 'page', '首页', 'miniprogram', { path: 'pages/index/index', title: '首页' });
    t += 3_000 + r.int(20_000);
    emit(t, 'page', '点单页', 'miniprogram', { path: 'pages/menu/index', title: '点单页', ...(storeId ? { store_id: storeId } : {}) });
  } else if (channel === 'wecom') emit(t, 'track', 'wecom_link_clicked', 'wecom', { store_id: profile.homeStores[0] });
  else emit(t, 'page', '公众号菜单点单', 'official_account', { path: 'menu/order', title: '公众号菜单点单' });
  return t;
}

/** Emits the events of one member; orders are already generated (their sessions lead up to payment). */
export function generateEvents(r: Prng, cal: Calendar, plan: MemberPlan, profile: Profile, orders: GenOrder[], emit: EmitEvent): void {
  const inWindow = (ms: number) => ms >= cal.startMs && ms < cal.endMs;
  if (plan.signupDay >= 0) emit(plan.signupMs, 'identify', null, profile.sourceChannel, { city: profile.city.name, source: profile.sourceChannel });

  const digital: ChannelId | null = profile.mpOpenid ? 'miniprogram' : profile.device ? 'app' : null;
  // Sessions that end in an order: menu, product details, cart, then the order itself (stored as an order).
  for (const o of orders) {
    // Coupons are claimed online beforehand; at the till without the app the cashier applies them (no event).
    const claimChannel = o.channel === 'store' ? digital : o.channel;
    if (o.coupon && o.coupon.code !== 'NEW10' && claimChannel) {
      const claimed = Math.max(plan.signupMs + 1_000, o.ms - 1_800_000 - r.int(48 * 3_600_000));
      if (inWindow(claimed)) emit(claimed, 'track', 'coupon_claimed', claimChannel, { coupon_code: o.coupon.code, coupon_name: o.coupon.name });
    }
    // Till orders leave no app trace; a share of app orders is a one-tap 再来一单 (reorder) without browsing.
    if (o.channel === 'store' || r.chance(0.3)) continue;
    let t = o.ms - 120_000 - r.int(420_000);
    t = sessionStart(r, profile, o.channel, t, emit, o.storeId);
    for (const it of o.items) {
      t += 8_000 + r.int(40_000);
      emit(t, 'track', 'product_view', o.channel, productProps(it.product));
      t += 4_000 + r.int(20_000);
      emit(t, 'track', 'add_to_cart', o.channel, { ...productProps(it.product), quantity: it.quantity });
    }
    if (r.chance(0.03)) emit(o.ms + 30_000 + r.int(600_000), 'track', 'share', o.channel, { ...productProps(o.items[0].product), target: r.chance(0.7) ? 'wechat_friend' : 'moments' });
  }

  const periods = plan.periods.filter((q) => q.to > q.from);
  if (periods.length === 0) return;
  const pickDay = () => {
    const q = periods.length === 1 || r.chance(0.6) ? periods[0] : periods[1];
    return dayAt(cal, q.from, q.to, r.next());
  };

  // Browsing without buying: about a quarter as many sessions as orders, evenings heavier.
  if (digital) {
    const weight = periods.reduce((s, q) => s + weightBetween(cal, q.from, q.to), 0);
    const sessions = r.poisson(Math.max(plan.rate, 0.004) * weight * 0.25);
    for (let k = 0; k < sessions; k++) {
      const channel: ChannelId = profile.device && profile.mpOpenid ? (r.chance(0.35) ? 'app' : 'miniprogram') : digital;
      let t = cal.days[pickDay()].startMs + r.pickCumulative(BROWSE_HOUR_CUM) * 3_600_000 + r.int(3_600_000);
      t = sessionStart(r, profile, channel, t, emit, null);
      const views = 1 + r.int(3);
      for (let v = 0; v < views; v++) {
        t += 6_000 + r.int(50_000);
        const p = PRODUCTS[r.pickCumulative(PRODUCT_CUM)];
        emit(t, 'track', 'product_view', channel, productProps(p));
        if (r.chance(0.12)) emit(t + 5_000, 'track', 'add_to_cart', channel, { ...productProps(p), quantity: 1 });
        if (r.chance(0.04)) emit(t + 9_000, 'track', 'share', channel, { ...productProps(p), target: r.chance(0.7) ? 'wechat_friend' : 'moments' });
      }
    }
    // A habit of daily check-in for points (签到) in some members.
    if (r.chance(0.2)) {
      const n = r.poisson(activeDays(plan) * (0.04 + 0.2 * r.next()));
      const signDays = new Set<number>();
      for (let k = 0; k < n; k++) signDays.add(periods[0].from + r.int(periods[0].to - periods[0].from));
      for (const d of [...signDays].sort((a, b) => a - b)) {
        emit(cal.days[d].startMs + (7 + r.int(16)) * 3_600_000 + r.int(3_600_000), 'track', 'sign_in', digital, { points: 5 });
      }
    }
    // Each promotion brings a coupon claim from some members, used or not.
    const seen = new Set<string>();
    for (const q of periods) {
      for (let d = q.from; d < q.to; d++) {
        const day = cal.days[d];
        if (!day.promotion || seen.has(`${day.promotion.id}${day.year}`)) continue;
        seen.add(`${day.promotion.id}${day.year}`);
        if (r.chance(plan.persona === 'price' ? 0.6 : 0.25)) {
          emit(day.startMs + (9 + r.int(13)) * 3_600_000 + r.int(3_600_000), 'track', 'coupon_claimed', digital, { coupon_code: day.promotion.coupon, promotion: day.promotion.name });
        }
      }
    }
  }

  if (profile.oaOpenid) {
    const followMs = profile.sourceChannel === 'official_account' ? plan.signupMs - 600_000 : cal.days[pickDay()].startMs + (9 + r.int(13)) * 3_600_000;
    if (inWindow(followMs)) emit(followMs, 'track', 'subscribe', 'official_account', { scene: r.pick(['qrcode', 'search', 'article']) });
    const reads = r.poisson((activeDays(plan) / 30) * 0.5);
    for (let k = 0; k < reads; k++) {
      const title = r.pick(ARTICLES);
      emit(cal.days[pickDay()].startMs + (8 + r.int(15)) * 3_600_000 + r.int(3_600_000), 'page', title, 'official_account', { path: 'article', title });
    }
  }
  if (profile.wecomId) {
    const addMs = profile.sourceChannel === 'wecom' ? plan.signupMs - 300_000 : cal.days[pickDay()].startMs + (10 + r.int(11)) * 3_600_000;
    if (inWindow(addMs)) emit(addMs, 'track', 'wecom_contact_added', 'wecom', { staff_store_id: profile.homeStores[0] });
    const chats = r.poisson((activeDays(plan) / 30) * 0.2);
    for (let k = 0; k < chats; k++) {
      emit(cal.days[pickDay()].startMs + (10 + r.int(11)) * 3_600_000 + r.int(3_600_000), 'track', 'wecom_message', 'wecom', { direction: r.chance(0.6) ? 'inbound' : 'outbound' });
    }
  }
}

