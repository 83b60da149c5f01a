// Referral (裂变) rules as pure functions over facts: who may be rewarded for an invite (abuse checks on shared
// identity), when the reward is due, and the funnel with its k-factor. Group-buy and assist reuse the identity check.
import { z } from 'zod';
import { Money, Points, parseWith } from './shared.ts';

/** The identifiers that betray one person behind two accounts. */
export interface IdentityFacts {
  memberId: string;
  phones?: readonly string[];
  unionids?: readonly string[];
  deviceIds?: readonly string[];
}

export type SharedIdentity = 'same_member' | 'shared_phone' | 'shared_unionid' | 'shared_device';

const overlaps = (a: readonly string[] = [], b: readonly string[] = []) => a.some((x) => x !== '' && b.includes(x));

/**
 * What two accounts share: the same member id, or a phone, WeChat unionid or device id.
 * @example sharedIdentity({ memberId: 'a', phones: ['138'] }, { memberId: 'b', phones: ['138'] }) // ['shared_phone']
 */
export function sharedIdentity(a: IdentityFacts, b: IdentityFacts): SharedIdentity[] {
  const out: SharedIdentity[] = [];
  if (a.memberId === b.memberId) out.push('same_member');
  if (overlaps(a.phones, b.phones)) out.push('shared_phone');
  if (overlaps(a.unionids, b.unionids)) out.push('shared_unionid');
  if (overlaps(a.deviceIds, b.deviceIds)) out.push('shared_device');
  return out;
}

const Reward = z
  .object({ points: Points.min(1).optional(), couponTemplateId: z.string().min(1).max(128).optional() })
  .strict()
  .refine((r) => r.points !== undefined || r.couponTemplateId !== undefined, 'a reward needs points or a couponTemplateId');

/** A referral program: what each side gets, and on which of the invitee's events. */
export const ReferralProgramSchema = z
  .object({
    trigger: z.enum(['registration', 'first_paid_order']).default('first_paid_order'),
    /** For `first_paid_order`: the order must pay at least this much. */
    minOrderAmount: Money.default(0),
    /** The invite counts only if the invitee registers within this many days of opening it. */
    attributionDays: z.number().int().min(1).max(365).default(7),
    inviterReward: Reward.nullable().default(null),
    inviteeReward: Reward.nullable().default(null),
    /** Rewards an inviter can collect in total (null = no limit). */
    maxRewardsPerInviter: z.number().int().min(1).nullable().default(null),
    checks: z
      .object({ sharedPhone: z.boolean().default(true), sharedUnionid: z.boolean().default(true), sharedDevice: z.boolean().default(true) })
      .strict()
      .default({ sharedPhone: true, sharedUnionid: true, sharedDevice: true }),
  })
  .strict();
export type ReferralProgram = z.output<typeof ReferralProgramSchema>;
export const parseReferralProgram = (raw: unknown = {}): ReferralProgram => parseWith(ReferralProgramSchema, 'referral', raw);

export type ReferralRefusal =
  | 'self_invite' | 'shared_phone' | 'shared_unionid' | 'shared_device' | 'invitee_already_rewarded' | 'invitee_not_new'
  | 'attribution_expired' | 'inviter_limit_reached' | 'not_trigger_event' | 'order_too_small';

/** What the store knows when an invitee's event may trigger referral rewards. */
export interface ReferralFacts {
  inviter: IdentityFacts;
  invitee: IdentityFacts;
  /** Some inviter was already rewarded for this invitee (one reward per invitee, ever). */
  inviteeAlreadyRewarded: boolean;
  /** The invitee was a member before opening the invite (an existing member cannot be "invited"). */
  inviteeExistedBefore: boolean;
  /** Days from opening the invite to the invitee's registration. */
  daysToRegistration: number;
  inviterRewardsSoFar: number;
  event: { type: 'registration' } | { type: 'paid_order'; firstPaidOrder: boolean; amount: number };
}

export interface ReferralDecision {
  reward: boolean;
  /** Every reason that blocks the reward (all are listed so operators see the whole picture of an abuse case). */
  refusals: ReferralRefusal[];
  inviterReward: ReferralProgram['inviterReward'];
  inviteeReward: ReferralProgram['inviteeReward'];
}

/**
 * Whether this invitee event rewards inviter and invitee. Not the trigger event (or not the first paid order) →
 * `not_trigger_event` alone, which is not abuse; otherwise every abuse and limit check is reported.
 * @example referralReward(program, { …, event: { type: 'paid_order', firstPaidOrder: true, amount: 59 } }).reward // true
 */
export function referralReward(p: ReferralProgram, f: ReferralFacts): ReferralDecision {
  const decide = (refusals: ReferralRefusal[]): ReferralDecision => {
    const reward = refusals.length === 0;
    return { reward, refusals, inviterReward: reward ? p.inviterReward : null, inviteeReward: reward ? p.inviteeReward : null };
  };
  const e = f.event;
  const triggered = p.trigger === 'registration' ? e.type === 'registration' : e.type === 'paid_order' && e.firstPaidOrder;
  if (!triggered) return decide(['not_trigger_event']);
  const refusals: ReferralRefusal[] = [];
  const shared = sharedIdentity(f.inviter, f.invitee);
  if (shared.includes('same_member')) refusals.push('self_invite');
  if (p.checks.sharedPhone && shared.includes('shared_phone')) refusals.push('shared_phone');
  if (p.checks.sharedUnionid && shared.includes('shared_unionid')) refusals.push('shared_unionid');
  if (p.checks.sharedDevice && shared.includes('shared_device')) refusals.push('shared_device');
  if (f.inviteeAlreadyRewarded) refusals.push('invitee_already_rewarded');
  if (f.inviteeExistedBefore) refusals.push('invitee_not_new');
  if (f.daysToRegistration > p.attributionDays) refusals.push('attribution_expired');
  if (p.maxRewardsPerInviter !== null && f.inviterRewardsSoFar >= p.maxRewardsPerInviter) refusals.push('inviter_limit_reached');
  if (e.type === 'paid_order' && e.amount < p.minOrderAmount) refusals.push('order_too_small');
  return decide(refusals);
}

/** Counts along the referral funnel over one period. */
export interface ReferralFunnel {
  /** Members who sent at least one invite. */
  inviters: number;
  invitesSent: number;
  invitesOpened: number;
  registrations: number;
  firstOrders: number;
}

/**
 * Funnel rates and the k-factor: invites per user × conversion of invites to new members = registrations per user.
 * `users` is the base the brand grows from (all active members in the period); it defaults to the inviters, which
 * gives the k-factor among those who share. k > 1 means each cohort recruits a bigger one.
 * @example kFactor({ inviters: 100, invitesSent: 500, invitesOpened: 200, registrations: 50, firstOrders: 20 }, 1000).kFactor // 0.05
 */
export function kFactor(f: ReferralFunnel, users: number = f.inviters) {
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const invitesPerUser = ratio(f.invitesSent, users);
  const conversion = ratio(f.registrations, f.invitesSent);
  return {
    invitesPerUser,
    conversion,
    kFactor: invitesPerUser * conversion,
    /** The same with first paid orders instead of registrations: growth in buyers. */
    paidKFactor: ratio(f.firstOrders, users),
    stages: [
      { stage: 'invites_sent', count: f.invitesSent, rate: 1 },
      { stage: 'invites_opened', count: f.invitesOpened, rate: ratio(f.invitesOpened, f.invitesSent) },
      { stage: 'registrations', count: f.registrations, rate: ratio(f.registrations, f.invitesOpened) },
      { stage: 'first_orders', count: f.firstOrders, rate: ratio(f.firstOrders, f.registrations) },
    ],
  };
}
