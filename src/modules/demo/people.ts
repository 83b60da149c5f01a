// A demo member's profile: natural attributes, home stores, identifiers per channel and order-channel habits.
import { BRAND, CATEGORIES, CITIES, storeId, type Category, type ChannelId, type City } from './catalog.ts';
import type { MemberPlan } from './lifecycle.ts';
import { chineseName, deviceId, email, mobilePhone, openId, unionId, wecomExternalUserId } from './names.ts';
import { Prng, cumulative } from './prng.ts';

export interface Profile {
  id: string;
  userId: string;
  memberCard: string;
  name: string;
  gender: 'female' | 'male' | 'unknown';
  birthday: string | null;
  age: number | null;
  city: City;
  homeStores: string[];
  phone: string | null;
  email: string | null;
  unionid: string | null;
  /** Mini-program openid (the member orders in the mini-program). */
  mpOpenid: string | null;
  /** Official-account openid (the member follows the account). */
  oaOpenid: string | null;
  wecomId: string | null;
  /** App device id (the member has the app). */
  device: string | null;
  sourceChannel: ChannelId;
  /** Cumulative weights over ORDER_CHANNELS. */
  channelCum: Float64Array;
  /** Relative appetite per category, index as CATEGORIES. */
  taste: number[];
}

export const ORDER_CHANNELS: ChannelId[] = ['miniprogram', 'app', 'store', 'wecom', 'official_account'];
const CITY_CUM = cumulative(CITIES.map((c) => c.weight));
const SOURCE: ChannelId[] = ['miniprogram', 'store', 'wecom', 'app', 'official_account'];
const SOURCE_CUM = cumulative([46, 22, 12, 11, 9]);
const TIME_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** An id shaped like `newId` (prefix, 10 time chars, 16 more) but deterministic: the sequence number keeps it unique. */
export function demoId(prefix: string, ms: number, seq: number, r: Prng): string {
  let t = '';
  for (let i = 0, x = ms; i < 10; i++, x = Math.floor(x / 32)) t = TIME_ALPHABET[x % 32] + t;
  let s = '';
  for (let i = 0, x = seq; i < 6; i++, x = Math.floor(x / 32)) s = TIME_ALPHABET[x % 32] + s;
  return `${prefix}_${t}${s}${r.chars(TIME_ALPHABET, 10)}`;
}

function birthdayOf(r: Prng, signupMs: number): { birthday: string | null; age: number | null } {
  if (r.chance(0.14)) return { birthday: null, age: null };
  // Tea and coffee drinkers skew young: ages 16-50, mode in the mid-twenties.
  const age = Math.min(55, Math.max(16, Math.round(r.logNormal(Math.log(26), 0.24))));
  const year = new Date(signupMs).getUTCFullYear() - age;
  const month = 1 + r.int(12);
  const day = 1 + r.int(28);
  return { birthday: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, age };
}

/** Builds the profile of one planned member (draws from `r`, the history stream). */
export function makeProfile(r: Prng, plan: MemberPlan): Profile {
  const i = plan.index;
  const gender = r.chance(0.03) ? 'unknown' : r.chance(0.63) ? 'female' : 'male';
  const { birthday, age } = birthdayOf(r, plan.signupMs);
  const city = CITIES[r.pickCumulative(CITY_CUM)];
  const home = r.int(city.stores);
  const second = (home + 1 + r.int(city.stores - 1)) % city.stores;
  const sourceChannel = SOURCE[r.pickCumulative(SOURCE_CUM)];
  const usesMp = sourceChannel === 'miniprogram' || r.chance(sourceChannel === 'store' ? 0.55 : 0.8);
  const usesApp = sourceChannel === 'app' || r.chance(0.14);
  const followsOa = sourceChannel === 'official_account' || r.chance(0.3);
  const wecomFriend = sourceChannel === 'wecom' || r.chance(0.22);
  const wechat = usesMp || followsOa || wecomFriend;
  // Order channels: mini-program ordering dominates, the till keeps the walk-ins, the app keeps its fans.
  const w = [usesMp ? 52 : 0, usesApp ? 30 : 0, sourceChannel === 'store' ? 55 : 26, wecomFriend ? 6 : 0, followsOa ? 3 : 0];
  const taste = CATEGORIES.map((c: Category) => (c === '周边' ? 0.6 : 0.3 + r.next() * (r.chance(0.35) ? 3 : 1)));
  return {
    id: demoId('mem', plan.signupMs, i, r),
    userId: 'tc' + String(10_000_000 + i * 3 + r.int(3)),
    memberCard: '8860' + String(i + 1).padStart(8, '0') + String(r.int(10_000)).padStart(4, '0'),
    name: chineseName(r, gender),
    gender,
    birthday,
    age,
    city,
    homeStores: [storeId(city, home), storeId(city, city.stores > 1 ? second : home)],
    phone: sourceChannel === 'store' || r.chance(0.92) ? mobilePhone(r, i) : null,
    email: r.chance(0.08) ? email(r, i) : null,
    unionid: wechat ? unionId(r, i) : null,
    mpOpenid: usesMp ? openId(r, i) : null,
    oaOpenid: followsOa ? openId(r, i + 50_000_000) : null,
    wecomId: wecomFriend ? wecomExternalUserId(r, i) : null,
    device: usesApp ? deviceId(r, i) : null,
    sourceChannel,
    channelCum: cumulative(w),
    taste,
  };
}

/** Identity rows of a profile: [type, value, source_channel, app_id]. */
export function identitiesOf(p: Profile): [string, string, string, string | null][] {
  const out: [string, string, string, string | null][] = [
    ['user_id', p.userId, p.sourceChannel, null],
    ['member_card', p.memberCard, 'store', null],
  ];
  if (p.phone) out.push(['phone', p.phone, p.sourceChannel, null]);
  if (p.email) out.push(['email', p.email, p.sourceChannel, null]);
  if (p.unionid) out.push(['unionid', p.unionid, p.mpOpenid ? 'miniprogram' : p.oaOpenid ? 'official_account' : 'wecom', null]);
  if (p.mpOpenid) out.push(['openid', `${BRAND.miniProgramAppId}:${p.mpOpenid}`, 'miniprogram', BRAND.miniProgramAppId]);
  if (p.oaOpenid) out.push(['openid', `${BRAND.officialAccountAppId}:${p.oaOpenid}`, 'official_account', BRAND.officialAccountAppId]);
  if (p.wecomId) out.push(['wecom_external_userid', p.wecomId, 'wecom', null]);
  if (p.device) out.push(['device_id', p.device, 'app', null]);
  return out;
}
