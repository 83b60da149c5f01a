// A workspace's loyalty configuration: the program (tiers), earn rules, lot and refund policies, transfers, member
// day and birthday — each part validated by the pure parsers of src/core/loyalty, zones defaulting to the workspace's.
import { z } from 'zod';
import {
  type BirthdayGiftConfig, type EarnRules, type LotPolicy, type MemberDaySchedule, type Program, type RefundPolicy,
  Instant, Points, parseBirthdayGiftConfig, parseEarnRules, parseLotPolicy, parseMemberDaySchedule, parseProgram,
  parseRefundPolicy, parseWith, Slug,
} from '../../core/loyalty/index.ts';

/** Transfers between members are off unless the brand turns them on. */
export const TransferPolicySchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Most points one transfer may move; null = no limit. */
    maxPoints: Points.min(1).nullable().default(null),
  })
  .strict();
export type TransferPolicy = z.output<typeof TransferPolicySchema>;

/** Member-day coupons: on each member day, issue a coupon template to members of these tiers (empty = every tier). */
export const MemberDayCouponSchema = z.object({ templateId: z.string().min(1).max(128), tiers: z.array(Slug).max(20).default([]) }).strict();

/** Birthday gift when the member's tier names none: points and/or a coupon template. */
export const BirthdayDefaultGiftSchema = z
  .object({ points: Points.min(1).optional(), couponTemplateId: z.string().min(1).max(128).optional() })
  .strict();

export interface MemberDayConfig {
  schedule: MemberDaySchedule;
  coupon: z.output<typeof MemberDayCouponSchema> | null;
}

export interface BirthdayConfig {
  window: BirthdayGiftConfig;
  /** Given when the member's tier has no `birthdayGift`; null = only tier gifts. */
  gift: z.output<typeof BirthdayDefaultGiftSchema> | null;
  enabled: boolean;
}

/** Everything the ledger and jobs read, parsed. `program` is null until the brand sets one. */
export interface LoyaltyConfig {
  program: Program | null;
  earn: EarnRules;
  lots: LotPolicy;
  refunds: RefundPolicy;
  transfers: TransferPolicy;
  memberDay: MemberDayConfig | null;
  birthday: BirthdayConfig | null;
  /** Orders paid before this instant do not earn (null = every order). */
  earnSince: string | null;
  timezone: string;
}

/** The raw JSON parts as stored in `loyalty_programs`. */
export interface StoredConfig {
  program: unknown;
  earn: unknown;
  lots: unknown;
  refunds: unknown;
  transfers: unknown;
  member_day: unknown;
  birthday: unknown;
  earn_since: string | null;
}

/** Adds the workspace zone to a config object that names none. */
export function withZone(raw: unknown, tz: string): unknown {
  if (raw === null || raw === undefined) return { timezone: tz };
  if (typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const o = raw as Record<string, unknown>;
  return o.timezone === undefined ? { ...o, timezone: tz } : o;
}

const MemberDayInput = z.object({ schedule: z.unknown(), coupon: MemberDayCouponSchema.nullable().default(null) }).strict();
const BirthdayInput = z
  .object({
    enabled: z.boolean().default(true),
    daysBefore: z.number().optional(),
    daysAfter: z.number().optional(),
    feb29: z.enum(['feb28', 'mar1']).optional(),
    timezone: z.string().optional(),
    gift: BirthdayDefaultGiftSchema.nullable().default(null),
  })
  .strict();

/** Validates a member-day config `{ schedule: { rules, … }, coupon? }`. */
export function parseMemberDay(raw: unknown, tz: string): MemberDayConfig {
  const v = parseWith(MemberDayInput, 'loyalty', raw);
  return { schedule: parseMemberDaySchedule(withZone(v.schedule, tz)), coupon: v.coupon };
}

/** Validates a birthday config `{ daysBefore, daysAfter, feb29, gift: { points?, couponTemplateId? }, enabled }`. */
export function parseBirthday(raw: unknown, tz: string): BirthdayConfig {
  const v = parseWith(BirthdayInput, 'loyalty', raw ?? {});
  const { gift, enabled, ...window } = v;
  return { window: parseBirthdayGiftConfig(withZone(window, tz)), gift, enabled };
}

/** Parses what is stored (or defaults for a workspace without a program). */
export function parseStoredConfig(row: StoredConfig | null, tz: string): LoyaltyConfig {
  const program = row?.program ? parseProgram(withZone(row.program, tz)) : null;
  const zone = program?.timezone ?? tz;
  return {
    program,
    earn: parseEarnRules(withZone(row?.earn ?? {}, zone)),
    lots: parseLotPolicy(withZone(row?.lots ?? {}, zone)),
    refunds: parseRefundPolicy(row?.refunds ?? {}),
    transfers: parseWith(TransferPolicySchema, 'loyalty', row?.transfers ?? {}),
    memberDay: row?.member_day ? parseMemberDay(row.member_day, zone) : null,
    birthday: row?.birthday ? parseBirthday(row.birthday, zone) : null,
    earnSince: row?.earn_since ?? null,
    timezone: zone,
  };
}

/** Body of PUT /api/loyalty/program: the program and, optionally, the other parts (omitted parts are kept). */
export const ProgramBody = z
  .object({
    program: z.record(z.string(), z.unknown()),
    earn: z.record(z.string(), z.unknown()).optional(),
    lots: z.record(z.string(), z.unknown()).optional(),
    refunds: z.record(z.string(), z.unknown()).optional(),
    transfers: z.record(z.string(), z.unknown()).optional(),
    earn_since: Instant.nullable().optional(),
  })
  .strict();
export type ProgramBody = z.output<typeof ProgramBody>;
