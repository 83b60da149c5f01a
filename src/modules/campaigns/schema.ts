// Request validation for campaigns (zod, strict). Program, deal and campaign configs are checked by the pure model
// (src/core/loyalty: parseReferralProgram, parseGroupBuyDeal, parseAssistCampaign, parseBargainCampaign), whose
// errors name the field inside them.
import { z } from 'zod';

const memberRef = z.string().trim().min(1).max(600);
const name = z.string().trim().min(1).max(100);
const instant = z.iso.datetime({ offset: true });
const money = z.number().finite().min(0).max(1e11);

/** Identifiers the client saw on the device making the request (they may belong to nobody yet). */
export const ClientFacts = {
  phone: z.string().trim().min(1).max(64).optional(),
  unionid: z.string().trim().min(1).max(128).optional(),
  device_id: z.string().trim().min(1).max(256).optional(),
};

export const ReferralConfigBody = z
  .object({
    /** The program as src/core/loyalty/referral.ts defines it: trigger, rewards, attributionDays, limits, checks. */
    program: z.unknown(),
    /** Invite links are `${link_base}${code}` (e.g. `https://brand.example/r/`). */
    link_base: z.string().trim().url().max(500).nullable().default(null),
    enabled: z.boolean().default(true),
  })
  .strict();

export const CodeBody = z.object({ member: memberRef }).strict();
export const CodeParam = z.object({ code: z.string().trim().min(1).max(64) }).strict();
export const MemberParam = z.object({ ref: memberRef }).strict();

export const AttributeBody = z
  .object({
    invitee: memberRef,
    code: z.string().trim().min(1).max(64),
    /** When the invitee opened the invite (defaults to the invitee's registration). */
    opened_at: instant.optional(),
    ...ClientFacts,
  })
  .strict();

export const ReportQuery = z
  .object({
    /** The base for the k-factor (e.g. active members); defaults to the members with an invite code. */
    users: z.coerce.number().int().min(1).optional(),
  })
  .strict();

export const DealCreate = z
  .object({
    name,
    product_id: z.string().trim().min(1).max(128).optional(),
    group_price: money,
    original_price: money.optional(),
    /** groupSize, timeLimitMinutes, checkSharedIdentity (src/core/loyalty/group-buy.ts). */
    config: z.unknown(),
    /** Issued to every member of a successful group (the group price as a coupon); none: the orders are marked. */
    coupon_template: z.string().trim().min(1).max(128).optional(),
    status: z.enum(['active', 'ended']).default('active'),
  })
  .strict();
export const DealPatch = z.object({ status: z.enum(['active', 'ended']) }).strict();

export const IdParam = z.object({ id: z.string().trim().min(1).max(128) }).strict();

export const SeatBody = z
  .object({ member: memberRef, order_id: z.string().trim().min(1).max(128).optional(), ...ClientFacts })
  .strict();
export const LeaveBody = z.object({ member: memberRef }).strict();

export const HelpKind = z.enum(['assist', 'bargain']);
export const KindParam = z.object({ kind: HelpKind }).strict();
export const KindIdParam = z.object({ kind: HelpKind, id: z.string().trim().min(1).max(128) }).strict();

const Reward = z
  .object({ points: z.number().int().min(1).max(1e12).optional(), coupon_template: z.string().trim().min(1).max(128).optional() })
  .strict()
  .refine((r) => r.points !== undefined || r.coupon_template !== undefined, { message: 'a reward needs points or coupon_template', path: ['points'] });

export const HelpCampaignCreate = z
  .object({
    name,
    /** assist: helpsRequired, timeLimitMinutes…; bargain: originalPrice, floorPrice, helpsToFloor, spread… */
    config: z.unknown(),
    /** Assist only: what the initiator gets at `helpsRequired` helps. */
    reward: Reward.optional(),
    status: z.enum(['active', 'ended']).default('active'),
  })
  .strict();

export const StartBody = z.object({ member: memberRef, ...ClientFacts }).strict();
export const HelpBody = z.object({ helper: memberRef, ...ClientFacts }).strict();

export const JobsBody = z.object({ at: instant.optional() }).strict();

export type ClientFactsInput = { phone?: string; unionid?: string; device_id?: string };
