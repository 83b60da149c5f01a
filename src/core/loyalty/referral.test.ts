// Unit tests of referral abuse checks, reward triggers and the funnel / k-factor.
import { describe, expect, it } from 'vitest';
import { kFactor, parseReferralProgram, referralReward, sharedIdentity, type ReferralFacts } from './referral.ts';

const program = parseReferralProgram({ inviterReward: { points: 200 }, inviteeReward: { couponTemplateId: 'tpl_new' }, minOrderAmount: 20, maxRewardsPerInviter: 10 });
const facts = (over: Partial<ReferralFacts> = {}): ReferralFacts => ({
  inviter: { memberId: 'a', phones: ['13800000001'], unionids: ['ua'], deviceIds: ['d1'] },
  invitee: { memberId: 'b', phones: ['13800000002'], unionids: ['ub'], deviceIds: ['d2'] },
  inviteeAlreadyRewarded: false, inviteeExistedBefore: false, daysToRegistration: 1, inviterRewardsSoFar: 0,
  event: { type: 'paid_order', firstPaidOrder: true, amount: 59 }, ...over,
});

describe('referralReward', () => {
  it('rewards both sides on the invitee’s first paid order', () => {
    expect(referralReward(program, facts())).toEqual({ reward: true, refusals: [], inviterReward: { points: 200 }, inviteeReward: { couponTemplateId: 'tpl_new' } });
  });
  it('waits for the trigger event', () => {
    expect(referralReward(program, facts({ event: { type: 'registration' } })).refusals).toEqual(['not_trigger_event']);
    expect(referralReward(program, facts({ event: { type: 'paid_order', firstPaidOrder: false, amount: 99 } })).refusals).toEqual(['not_trigger_event']);
    expect(referralReward(parseReferralProgram({ trigger: 'registration' }), facts({ event: { type: 'registration' } })).reward).toBe(true);
  });
  it('lists every abuse signal: self-invite, shared phone/unionid/device, repeat invitee, existing member', () => {
    const same = { memberId: 'a', phones: ['13800000001'], unionids: ['ua'], deviceIds: ['d1'] };
    expect(referralReward(program, facts({ invitee: same, inviteeAlreadyRewarded: true, inviteeExistedBefore: true })).refusals)
      .toEqual(['self_invite', 'shared_phone', 'shared_unionid', 'shared_device', 'invitee_already_rewarded', 'invitee_not_new']);
    const r = referralReward(program, facts({ invitee: { memberId: 'c', deviceIds: ['d1'] } }));
    expect(r).toMatchObject({ reward: false, refusals: ['shared_device'], inviterReward: null });
  });
  it('lets a brand switch off a check, and applies limits', () => {
    const lenient = parseReferralProgram({ checks: { sharedDevice: false } });
    expect(referralReward(lenient, facts({ invitee: { memberId: 'c', deviceIds: ['d1'] } })).reward).toBe(true);
    expect(referralReward(program, facts({ daysToRegistration: 8, inviterRewardsSoFar: 10, event: { type: 'paid_order', firstPaidOrder: true, amount: 19.99 } })).refusals)
      .toEqual(['attribution_expired', 'inviter_limit_reached', 'order_too_small']);
  });
  it('ignores empty identifiers', () => {
    expect(sharedIdentity({ memberId: 'a', phones: [''] }, { memberId: 'b', phones: [''] })).toEqual([]);
  });
});

describe('kFactor', () => {
  it('is invites per user × invite conversion, with stage rates', () => {
    const k = kFactor({ inviters: 100, invitesSent: 500, invitesOpened: 200, registrations: 50, firstOrders: 20 }, 1000);
    expect(k).toMatchObject({ invitesPerUser: 0.5, conversion: 0.1, paidKFactor: 0.02 });
    expect(k.kFactor).toBeCloseTo(0.05, 12);
    expect(k.stages.map((s) => s.rate)).toEqual([1, 0.4, 0.25, 0.4]);
    expect(kFactor({ inviters: 100, invitesSent: 500, invitesOpened: 200, registrations: 150, firstOrders: 20 }).kFactor).toBeCloseTo(1.5, 12);
    expect(kFactor({ inviters: 0, invitesSent: 0, invitesOpened: 0, registrations: 0, firstOrders: 0 }).kFactor).toBe(0);
  });
});
