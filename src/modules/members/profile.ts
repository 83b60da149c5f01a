// Pure shaping of the member 360 view: natural and free attributes, computed age and recency, trait defaults.
import { addressValue } from '../pii/member-fields.ts';

/**
 * Completed years between a `YYYY-MM-DD` birthday and `now` (UTC calendar), or null without a birthday.
 * @example ageOn('1990-06-15', new Date('2024-06-14T00:00:00Z')) // 33
 */
export function ageOn(birthday: string | null | undefined, now: Date): number | null {
  if (!birthday) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthday);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let age = now.getUTCFullYear() - y;
  const beforeBirthday = now.getUTCMonth() + 1 < mo || (now.getUTCMonth() + 1 === mo && now.getUTCDate() < d);
  if (beforeBirthday) age -= 1;
  return age >= 0 ? age : null;
}

/** Whole days from `ts` to `now` (floor), or null without a timestamp. */
export function daysSince(ts: string | null | undefined, now: Date): number | null {
  if (!ts) return null;
  const ms = now.getTime() - Date.parse(ts);
  return Number.isFinite(ms) ? Math.max(0, Math.floor(ms / 86_400_000)) : null;
}

export interface MemberRow {
  id: string;
  created_at: string;
  updated_at?: string;
  source_channel: string | null;
  name: string | null;
  gender: string | null;
  birthday: string | null;
  city: string | null;
  region: string | null;
  phone: string | null;
  email: string | null;
  /** Street address (sealed in the store; plain text or JSON text of an object once opened). */
  address?: string | null;
  attributes: Record<string, unknown> | null;
}

/** Natural attributes (with computed age) over the free ones: a free key never hides a natural attribute. */
export function shapeAttributes(m: MemberRow, now: Date): Record<string, unknown> {
  return {
    ...(m.attributes ?? {}),
    name: m.name,
    gender: m.gender,
    birthday: m.birthday,
    age: ageOn(m.birthday, now),
    city: m.city,
    region: m.region,
    phone: m.phone,
    email: m.email,
    address: addressValue(m.address),
  };
}

/** A member_traits row (or nothing yet, for a member without orders). */
export interface TraitsRow {
  first_order_at: string | null;
  last_order_at: string | null;
  order_count: number | null;
  total_spend: number | null;
  avg_spend: number | null;
  refund_total: number | null;
  favourite_category: string | null;
  favourite_product: string | null;
  preferred_channel: string | null;
  last_seen_at: string | null;
}

export interface MemberTraits {
  first_order_at: string | null;
  last_order_at: string | null;
  order_count: number;
  total_spend: number;
  avg_spend: number | null;
  refund_total: number;
  favourite_category: string | null;
  favourite_product: string | null;
  preferred_channel: string | null;
  days_since_last_order: number | null;
  active_days_30: number;
  last_seen_at: string | null;
}

/** The latest of some ISO timestamps (nulls ignored), or null. */
export function latest(...ts: (string | null | undefined)[]): string | null {
  let best: string | null = null;
  for (const t of ts) if (t && (best === null || Date.parse(t) > Date.parse(best))) best = t;
  return best;
}

/**
 * Stored traits plus what is computed at read time: days since the last order and activity figures.
 * `activity.seen` (newest recent event, identifiers' last sighting) moves last_seen_at forward when the stored value lags.
 */
export function shapeTraits(
  t: TraitsRow | undefined,
  activity: { activeDays30: number; seen: (string | null | undefined)[] },
  now: Date,
): MemberTraits {
  return {
    first_order_at: t?.first_order_at ?? null,
    last_order_at: t?.last_order_at ?? null,
    order_count: Number(t?.order_count ?? 0),
    total_spend: Number(t?.total_spend ?? 0),
    avg_spend: t?.avg_spend === null || t?.avg_spend === undefined ? null : Number(t.avg_spend),
    refund_total: Number(t?.refund_total ?? 0),
    favourite_category: t?.favourite_category ?? null,
    favourite_product: t?.favourite_product ?? null,
    preferred_channel: t?.preferred_channel ?? null,
    days_since_last_order: daysSince(t?.last_order_at, now),
    active_days_30: activity.activeDays30,
    last_seen_at: latest(t?.last_seen_at, t?.last_order_at, ...activity.seen),
  };
}

/**
 * The loyalty part of the member 360 view: tier, points balance (and debt from refunds), the points expiring in
 * the next 30 days and the lots. Filled by the loyalty module through `MembersService.extendProfile`; absent without it.
 */
export interface LoyaltyProfile {
  tier: { code: string; name: { zh: string; en: string } } | null;
  points_balance: number;
  points_debt: number;
  points_expiring: { days: number; until: string; points: number };
  /** Lots with points left, first to expire first (at most 20; `points_lots_total` says how many there are). */
  points_lots: { id: string; points: number; remaining: number; source: string | null; earned_at: string; available_at: string | null; expires_at: string | null; pending: boolean }[];
  points_lots_total: number;
}

/**
 * The coupons part of the member 360 view: how many coupons the member can still use (issued or claimed, not past
 * their window) and the newest of them. Filled by the coupons module through `MembersService.extendProfile`.
 */
export interface CouponsProfile {
  unused_count: number;
  unused: { id: string; code: string; template: { id: string; name: string | null }; status: string; valid_from: string | null; valid_to: string | null }[];
}

/** A section another module adds to the member 360 view (e.g. `loyalty`). */
export type ProfileSection = (ws: string, memberId: string, now: Date) => Promise<unknown>;
