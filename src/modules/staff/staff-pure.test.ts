// Pure parts of staff and community: rotation and handover distribution, QR code states, group membership diffs and
// SOP rendering.
import { describe, expect, it } from 'vitest';
import { distribute, MAX_STATE_LENGTH, newState, nextRoundRobin, nextStaff, pickLeastLoaded, STATE_PATTERN } from './rotation.ts';
import { diffMembers, readGroupDetail } from '../community/membership.ts';
import { checkSopContent, renderForGroup } from '../community/sop-render.ts';

describe('rotation', () => {
  it('goes round the list, from the start when the current one is gone', () => {
    expect(nextRoundRobin(['a', 'b', 'c'], 'a')).toBe('b');
    expect(nextRoundRobin(['a', 'b', 'c'], 'c')).toBe('a');
    expect(nextRoundRobin(['a', 'b'], 'x')).toBe('a');
    expect(nextRoundRobin(['a'], null)).toBe('a');
    expect(nextRoundRobin([], 'a')).toBeNull();
  });

  it('picks the least loaded, ties to the earlier', () => {
    expect(pickLeastLoaded(['a', 'b', 'c'], new Map([['a', 3], ['b', 1], ['c', 1]]))).toBe('b');
    expect(nextStaff('least_loaded', ['a', 'b'], 'b', new Map())).toBe('a');
  });

  it('shares members in turn or evening out loads', () => {
    expect([...distribute(['m1', 'm2', 'm3'], ['a', 'b'], 'round_robin', new Map())]).toEqual([['m1', 'a'], ['m2', 'b'], ['m3', 'a']]);
    const even = distribute(['m1', 'm2', 'm3', 'm4'], ['a', 'b'], 'least_loaded', new Map([['a', 3], ['b', 0]]));
    expect([...even.values()]).toEqual(['b', 'b', 'b', 'a']);
    expect(distribute(['m1'], [], 'round_robin', new Map()).size).toBe(0);
  });

  it('makes states WeCom accepts', () => {
    const states = new Set(Array.from({ length: 200 }, () => newState()));
    expect(states.size).toBe(200);
    for (const s of states) {
      expect(s.length).toBeLessThanOrEqual(MAX_STATE_LENGTH);
      expect(s).toMatch(STATE_PATTERN);
    }
  });
});

describe('group membership', () => {
  const detail = readGroupDetail({
    errcode: 0,
    group_chat: {
      chat_id: 'wr1', name: '群', owner: 'zs', create_time: 1700000000, notice: '', member_version: 'v3',
      member_list: [
        { userid: 'zs', type: 1, join_time: 1700000000, join_scene: 1 },
        { userid: 'wm1', type: 2, unionid: 'u1', join_time: 1700000100, join_scene: 3, invitor: { userid: 'zs' }, name: '客户1', state: 'qr_x' },
      ],
    },
  });

  it('reads groupchat/get', () => {
    expect(detail.members[1]).toEqual({ userid: 'wm1', type: 2, unionid: 'u1', join_time: 1700000100, join_scene: 3, invitor: 'zs', name: '客户1', state: 'qr_x' });
    expect(detail.member_version).toBe('v3');
  });

  it('diffs who is there now against who was', () => {
    const present = [{ userid: 'zs', joined_at: '', member_type: 1, member_id: null }, { userid: 'wm9', joined_at: '', member_type: 2, member_id: 'mem_9' }];
    const d = diffMembers(present, detail.members);
    expect(d.joined.map((m) => m.userid)).toEqual(['wm1']);
    expect(d.left.map((m) => m.userid)).toEqual(['wm9']);
  });
});

describe('SOP content', () => {
  it('renders group facts and refuses bad Liquid at save time', () => {
    const g = { id: 'grp_1', chat_id: 'wr1', name: '会员群', positioning: '老客', value_tier: 'A', member_count: 120, owner_userid: 'zs', tags: ['静安'] } as any;
    expect(renderForGroup({ text: '{{ group.name }}/{{ group.positioning }}/{{ group.member_count }}/{{ tick_date }}/{{ sop.name }}' }, g, { name: 'w' }, '2024-05-01')).toEqual({
      channel: 'wecom', text: '会员群/老客/120/2024-05-01/w',
    });
    expect(() => checkSopContent({ text: '{% if %}' })).toThrow(/content.text is not valid Liquid/);
  });
});
