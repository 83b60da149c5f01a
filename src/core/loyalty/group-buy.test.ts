// Unit tests of the group-buy state machine: joins, success on filling, failure at the deadline, leaving.
import { describe, expect, it } from 'vitest';
import { expireGroup, joinGroup, leaveGroup, openGroup, parseGroupBuyDeal, seatsLeft, type GroupState } from './group-buy.ts';

const deal = parseGroupBuyDeal({ groupSize: 3, timeLimitMinutes: 60 });
const t0 = '2024-05-01T10:00:00.000Z';
const at = (min: number) => new Date(Date.parse(t0) + min * 60_000).toISOString();
const person = (id: string, phone = `p-${id}`) => ({ memberId: id, orderId: `o-${id}`, identity: { memberId: id, phones: [phone] } });
const joined = (s: GroupState, id: string, min: number, phone?: string) => {
  const r = joinGroup(deal, s, person(id, phone), at(min));
  if (!r.ok) throw new Error(r.code);
  return r;
};

describe('group-buy', () => {
  it('opens with the leader and succeeds when the last seat fills in time', () => {
    const g = openGroup(deal, person('leader'), t0);
    expect(g).toMatchObject({ status: 'open', deadline: at(60), members: [{ memberId: 'leader', role: 'leader' }] });
    const a = joined(g, 'a', 10);
    expect([a.state.status, seatsLeft(deal, a.state), a.effects]).toEqual(['open', 1, []]);
    const b = joined(a.state, 'b', 59);
    expect(b.state).toMatchObject({ status: 'success', closeReason: 'size_reached', closedAt: at(59) });
    expect(b.effects).toEqual([{ type: 'issue_benefit', members: b.state.members }]);
    expect(joinGroup(deal, b.state, person('c'), at(59))).toMatchObject({ ok: false, code: 'group.not_open' });
  });
  it('fails at the deadline and releases everyone; joins after it are refused', () => {
    const a = joined(openGroup(deal, person('leader'), t0), 'a', 5);
    expect(joinGroup(deal, a.state, person('b'), at(60))).toMatchObject({ ok: false, code: 'group.expired' });
    expect(expireGroup(a.state, at(59)).effects).toEqual([]);
    const e = expireGroup(a.state, at(61));
    expect(e.state).toMatchObject({ status: 'failed', closeReason: 'deadline', closedAt: at(60) });
    expect(e.effects).toEqual([{ type: 'release', members: a.state.members }]);
    expect(expireGroup(e.state, at(90)).effects).toEqual([]);
  });
  it('refuses a second seat for the same member and joiners sharing identity with a member', () => {
    const g = openGroup(deal, person('leader', '138'), t0);
    expect(joinGroup(deal, g, person('leader'), at(1))).toMatchObject({ code: 'group.already_joined' });
    expect(joinGroup(deal, g, person('alt', '138'), at(1))).toMatchObject({ code: 'group.shared_identity', details: { shared: ['shared_phone'], with: 'leader' } });
    const lenient = parseGroupBuyDeal({ groupSize: 3, timeLimitMinutes: 60, checkSharedIdentity: false });
    expect(joinGroup(lenient, g, person('alt', '138'), at(1)).ok).toBe(true);
  });
  it('releases a leaving member’s seat; the leader leaving fails the group', () => {
    const a = joined(openGroup(deal, person('leader'), t0), 'a', 5);
    const left = leaveGroup(a.state, 'a', at(6));
    expect(left.ok && [left.state.members.length, left.effects[0].members.map((m) => m.memberId)]).toEqual([1, ['a']]);
    const gone = leaveGroup(a.state, 'leader', at(6));
    expect(gone.ok && gone.state).toMatchObject({ status: 'failed', closeReason: 'leader_left' });
    expect(leaveGroup(a.state, 'zz', at(6))).toMatchObject({ code: 'group.not_member' });
  });
});
