// Group-buy (拼团) as a pure state machine: open → (joins) → success when the group fills before its deadline,
// failed at the deadline or when the leader leaves. Each transition returns the new state and the effects the
// service must carry out (issue the deal's benefit, or release orders and stock).
import { z } from 'zod';
import { type IdentityFacts, sharedIdentity } from './referral.ts';
import { type Result, fail, iso, ms, parseWith } from './shared.ts';

export const GroupBuyDealSchema = z
  .object({
    groupSize: z.number().int().min(2).max(100),
    timeLimitMinutes: z.number().int().min(1).max(43_200),
    /** Refuse joiners sharing a phone, unionid or device with someone already in the group. */
    checkSharedIdentity: z.boolean().default(true),
  })
  .strict();
export type GroupBuyDeal = z.output<typeof GroupBuyDealSchema>;
export const parseGroupBuyDeal = (raw: unknown): GroupBuyDeal => parseWith(GroupBuyDealSchema, 'group_buy', raw);

export interface GroupMember {
  memberId: string;
  /** The order that holds the member's seat (paid or reserved); released if the group fails. */
  orderId: string | null;
  joinedAt: string;
  role: 'leader' | 'member';
  identity?: IdentityFacts;
}

export interface GroupState {
  status: 'open' | 'success' | 'failed';
  openedAt: string;
  deadline: string;
  members: readonly GroupMember[];
  closedAt: string | null;
  closeReason: 'size_reached' | 'deadline' | 'leader_left' | null;
}

/** What the service must do after a transition. */
export type GroupEffect =
  | { type: 'issue_benefit'; members: readonly GroupMember[] }
  | { type: 'release'; members: readonly GroupMember[] };

export type GroupError = 'group.not_open' | 'group.expired' | 'group.already_joined' | 'group.shared_identity' | 'group.not_member';

/** Opens a group with its leader as the first member. @example openGroup(deal, { memberId: 'm1', orderId: 'o1' }, now) */
export function openGroup(deal: GroupBuyDeal, leader: Omit<GroupMember, 'joinedAt' | 'role'>, now: string): GroupState {
  return {
    status: 'open', openedAt: iso(ms(now, 'now')), deadline: iso(ms(now, 'now') + deal.timeLimitMinutes * 60_000),
    members: [{ ...leader, joinedAt: now, role: 'leader' }], closedAt: null, closeReason: null,
  };
}

/**
 * Adds a member. Filling the last seat closes the group as a success (effect: issue the benefit to everyone).
 * A group past its deadline refuses joins with `group.expired` (the caller then runs `expireGroup`).
 */
export function joinGroup(
  deal: GroupBuyDeal, s: GroupState, joiner: Omit<GroupMember, 'joinedAt' | 'role'>, now: string,
): Result<{ state: GroupState; effects: GroupEffect[] }, GroupError> {
  if (s.status !== 'open') return fail('group.not_open', `the group is ${s.status}`);
  if (ms(now, 'now') >= ms(s.deadline)) return fail('group.expired', `the group closed at ${s.deadline}`);
  if (s.members.some((m) => m.memberId === joiner.memberId)) return fail('group.already_joined', `member ${joiner.memberId} is already in the group`);
  if (deal.checkSharedIdentity && joiner.identity) {
    for (const m of s.members) {
      const shared = m.identity ? sharedIdentity(joiner.identity, m.identity) : [];
      if (shared.length > 0) return fail('group.shared_identity', `member ${joiner.memberId} shares ${shared.join(', ')} with ${m.memberId}`, { shared, with: m.memberId });
    }
  }
  const members = [...s.members, { ...joiner, joinedAt: now, role: 'member' as const }];
  if (members.length >= deal.groupSize) {
    return { ok: true, state: { ...s, members, status: 'success', closedAt: now, closeReason: 'size_reached' }, effects: [{ type: 'issue_benefit', members }] };
  }
  return { ok: true, state: { ...s, members }, effects: [] };
}

/**
 * A member leaves an open group (order cancelled or refunded before success): their seat is released. The leader
 * leaving fails the whole group, since the group is theirs.
 */
export function leaveGroup(s: GroupState, memberId: string, now: string): Result<{ state: GroupState; effects: GroupEffect[] }, GroupError> {
  if (s.status !== 'open') return fail('group.not_open', `the group is ${s.status}`);
  const leaving = s.members.find((m) => m.memberId === memberId);
  if (!leaving) return fail('group.not_member', `member ${memberId} is not in the group`);
  if (leaving.role === 'leader') {
    return { ok: true, state: { ...s, status: 'failed', closedAt: now, closeReason: 'leader_left' }, effects: [{ type: 'release', members: s.members }] };
  }
  return { ok: true, state: { ...s, members: s.members.filter((m) => m !== leaving) }, effects: [{ type: 'release', members: [leaving] }] };
}

/** At or after the deadline an open group fails and releases everyone; otherwise nothing changes. Safe to call twice. */
export function expireGroup(s: GroupState, now: string): { state: GroupState; effects: GroupEffect[] } {
  if (s.status !== 'open' || ms(now, 'now') < ms(s.deadline)) return { state: s, effects: [] };
  return { state: { ...s, status: 'failed', closedAt: s.deadline, closeReason: 'deadline' }, effects: [{ type: 'release', members: s.members }] };
}

/** Seats still free in an open group. */
export const seatsLeft = (deal: GroupBuyDeal, s: GroupState): number => (s.status === 'open' ? Math.max(0, deal.groupSize - s.members.length) : 0);
