// Unit tests of the pure resolution planner.
import { describe, expect, it } from 'vitest';
import { planResolution, type KnownOwner } from './resolution-plan.ts';

const ts = '2024-01-01T00:00:00Z';
function ids() {
  let n = 0;
  return () => `mem_${String(++n).padStart(4, '0')}`;
}
const owners = (entries: [string, string, string, boolean][]) =>
  new Map<string, KnownOwner>(entries.map(([t, v, m, s]) => [`${t}\u0000${v}`, { memberId: m, ownerIsStrong: s }]));

describe('planResolution', () => {
  it('creates one member per new person and reuses it within the batch', () => {
    const p = planResolution([{ userId: 'u1', ts }, { userId: 'u1', anonymousId: 'a1', ts }, { userId: 'u2', ts }], new Map(), ids());
    expect(p.created.map((c) => c.id)).toEqual(['mem_0001', 'mem_0002']);
    expect(p.memberIds).toEqual(['mem_0001', 'mem_0001', 'mem_0002']);
    expect(p.attach.map((a) => `${a.key.type}:${a.key.value}->${a.memberId}`)).toEqual(['user_id:u1->mem_0001', 'anonymous_id:a1->mem_0001', 'user_id:u2->mem_0002']);
  });

  it('merges two known members that share a strong identifier; the oldest survives', () => {
    const o = owners([['user_id', 'u1', 'mem_A', true], ['phone', '13800000001', 'mem_B', true]]);
    const p = planResolution([{ userId: 'u1', traits: { phone: '13800000001' }, ts }], o, ids());
    expect(p.memberIds).toEqual(['mem_A']);
    expect(p.merges).toEqual([{ from: 'mem_B', into: 'mem_A', reason: 'shared_phone', identity: { type: 'phone', value: '13800000001', appId: null } }]);
  });

  it('lets a login claim an anonymous profile', () => {
    const o = owners([['anonymous_id', 'a1', 'mem_anon', false]]);
    const p = planResolution([{ userId: 'u1', anonymousId: 'a1', ts }], o, ids());
    expect(p.memberIds).toEqual(['mem_anon']);
    expect(p.created).toEqual([]);
    expect(p.attach.map((a) => a.key.type)).toEqual(['user_id']);
  });

  it('never fuses two known people over a shared device', () => {
    const o = owners([['anonymous_id', 'a1', 'mem_u2', true]]);
    const p = planResolution([{ userId: 'u1', anonymousId: 'a1', ts }], o, ids());
    expect(p.memberIds).toEqual(['mem_0001']);
    expect(p.merges).toEqual([]);
    expect(p.attach.map((a) => a.key.type)).toEqual(['user_id']);
  });

  it('alias folds the previous id into the user', () => {
    const o = owners([['anonymous_id', 'a9', 'mem_Z', false], ['user_id', 'u1', 'mem_Y', true]]);
    const p = planResolution([{ userId: 'u1', previousId: 'a9', ts }], o, ids());
    expect(p.merges).toEqual([{ from: 'mem_Z', into: 'mem_Y', reason: 'alias', identity: { type: 'user_id', value: 'a9' } }]);
    expect(p.memberIds).toEqual(['mem_Y']);
  });

  it('gives null to an input with only blocked identifiers', () => {
    const p = planResolution([{ userId: 'null', anonymousId: '0', ts }], new Map(), ids());
    expect(p.memberIds).toEqual([null]);
    expect(p.created).toEqual([]);
  });

  it('merges chains to the final survivor', () => {
    const o = owners([['user_id', 'u1', 'mem_C', true], ['phone', '13800000001', 'mem_B', true], ['email', 'x@y.z', 'mem_A', true]]);
    const p = planResolution([{ userId: 'u1', traits: { phone: '13800000001' }, ts }, { userId: 'u1', traits: { email: 'x@y.z' }, ts }], o, ids());
    expect(p.memberIds).toEqual(['mem_A', 'mem_A']);
    expect(p.merges.every((m) => m.into === 'mem_A')).toBe(true);
  });
});
