// Pure parts of segments: the reference graph (cycles, order), node paths, change coalescing, dependency matching
// and schedules.
import { describe, expect, it } from 'vitest';
import { dependentsOf, levels, pathTo, readsOf, refPaths, resolveRef, topoOrder, type SegmentNode } from './graph.ts';
import { emptyPending, mergeChange, RealtimeQueue, touches, type PendingChange } from './realtime.ts';
import { cronError, isDue } from './scheduler.ts';
import type { RuleDeps } from './rules/index.ts';

const nodes: SegmentNode[] = [
  { id: 'seg_a', name: 'A', refs: [] },
  { id: 'seg_b', name: 'B', refs: ['A'] },
  { id: 'seg_c', name: 'C', refs: ['seg_b', 'missing'] },
  { id: 'seg_d', name: 'D', refs: ['A', 'C'] },
  { id: 'seg_e', name: 'seg_a', refs: [] }, // a name equal to another segment's id: the id wins
];

describe('segment graph', () => {
  const reads = readsOf(nodes);

  it('resolves refs by id first, then by name', () => {
    expect(resolveRef(nodes, 'seg_a')?.name).toBe('A');
    expect(resolveRef(nodes, 'C')?.id).toBe('seg_c');
    expect(resolveRef(nodes, 'nope')).toBeUndefined();
    expect(reads.get('seg_c')).toEqual(['seg_b']);
  });

  it('finds the chain that would close a cycle', () => {
    expect(pathTo(reads, 'seg_d', 'seg_a')).toEqual(['seg_d', 'seg_a']);
    expect(pathTo(reads, 'seg_c', 'seg_a')).toEqual(['seg_c', 'seg_b', 'seg_a']);
    expect(pathTo(reads, 'seg_a', 'seg_d')).toBeNull();
  });

  it('lists readers transitively and orders readers after what they read', () => {
    expect([...dependentsOf(reads, ['seg_a'])].sort()).toEqual(['seg_b', 'seg_c', 'seg_d']);
    expect([...dependentsOf(reads, ['seg_c'])]).toEqual(['seg_d']);
    expect(topoOrder(reads, ['seg_d', 'seg_c', 'seg_b', 'seg_a'])).toEqual(['seg_a', 'seg_b', 'seg_c', 'seg_d']);
    expect(topoOrder(reads, ['seg_d', 'seg_e'])).toEqual(['seg_d', 'seg_e']);
    const byLevel = levels(reads, [...nodes].reverse(), (n) => n.id).map((l) => l.map((n) => n.id));
    expect(byLevel).toEqual([['seg_e', 'seg_a'], ['seg_b'], ['seg_c'], ['seg_d']]);
    expect(levels(reads, nodes.filter((n) => n.id !== 'seg_b'), (n) => n.id).map((l) => l.map((n) => n.id))).toEqual([['seg_a', 'seg_c', 'seg_e'], ['seg_d']]);
  });

  it('points at the in_segment nodes naming a ref', () => {
    const rule = { and: [{ attribute: 'city', op: '=', value: 'A' }, { or: [{ in_segment: 'A' }, { not: { not_in_segment: 'A' } }] }] };
    expect(refPaths(rule, 'A')).toEqual(['rule.and[1].or[0].in_segment', 'rule.and[1].or[1].not.not_in_segment']);
    expect(refPaths(rule, 'B')).toEqual([]);
  });
});

const deps = (d: Partial<RuleDeps>): RuleDeps => ({ events: [], anyEvent: false, orders: false, attributes: false, tags: false, identities: false, scores: false, segments: [], timeRelative: false, ...d });
const pending = (p: Partial<PendingChange>): PendingChange => ({ ...emptyPending(), ...p });

describe('realtime matching and coalescing', () => {
  it('matches a change to the rules it can affect', () => {
    expect(touches(deps({ events: ['Signed In'] }), pending({ events: new Set(['Signed In']) }))).toBe(true);
    expect(touches(deps({ events: ['Signed In'] }), pending({ events: new Set(['Page Viewed']) }))).toBe(false);
    expect(touches(deps({ anyEvent: true }), pending({ events: new Set(['Page Viewed']) }))).toBe(true);
    expect(touches(deps({ tags: true }), pending({ tags: true }))).toBe(true);
    expect(touches(deps({ orders: true, attributes: true }), pending({ tags: true, identities: true }))).toBe(false);
    expect(touches(deps({ scores: true }), pending({ orders: true, attributes: true, tags: true, identities: true }))).toBe(false);
  });

  it('merges changes, keeping the earliest commit time per member', () => {
    const p = emptyPending();
    mergeChange(p, { workspaceId: 'w', memberIds: ['m1', 'm2'], events: ['A'], committedAt: 200 });
    mergeChange(p, { workspaceId: 'w', memberIds: ['m1'], events: ['B'], tags: true, created: ['m3'], committedAt: 100 });
    expect([...p.members]).toEqual([['m1', 100], ['m2', 200], ['m3', 100]]);
    expect([...p.events]).toEqual(['A', 'B']);
    expect([...p.everything]).toEqual(['m3']);
    expect(p).toMatchObject({ tags: true, orders: false });
  });

  it('evaluates a burst of changes once per window and never overlaps evaluations of a workspace', async () => {
    const calls: { ws: string; members: string[] }[] = [];
    let release!: () => void;
    let block = new Promise<void>((r) => (release = r));
    const q = new RealtimeQueue({
      windowMs: 10,
      evaluate: async (ws, p) => {
        calls.push({ ws, members: [...p.members.keys()] });
        await block;
      },
    });
    for (let i = 0; i < 5; i++) q.push({ workspaceId: 'w1', memberIds: [`m${i}`], events: [], committedAt: i });
    q.push({ workspaceId: 'w2', memberIds: ['x'], events: [], committedAt: 0 });
    q.push({ workspaceId: 'w1', memberIds: [], events: [], committedAt: 0 }); // nothing to do
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toEqual([{ ws: 'w1', members: ['m0', 'm1', 'm2', 'm3', 'm4'] }, { ws: 'w2', members: ['x'] }]);
    q.push({ workspaceId: 'w1', memberIds: ['m9'], events: [], committedAt: 9 }); // arrives while w1 is evaluated
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toHaveLength(2);
    release();
    block = Promise.resolve();
    await q.flush();
    expect(calls[2]).toEqual({ ws: 'w1', members: ['m9'] });
    await q.close();
    q.push({ workspaceId: 'w1', memberIds: ['late'], events: [], committedAt: 0 });
    await q.flush();
    expect(calls).toHaveLength(3);
  });
});

describe('schedules', () => {
  it('validates cron expressions and tells when a run is due', () => {
    expect(cronError('*/15 * * * *')).toBeNull();
    expect(cronError('every day')).toEqual(expect.any(String));
    expect(isDue('*/15 * * * *', '2026-01-01T10:00:00Z', new Date('2026-01-01T10:14:59Z'), 'UTC')).toBe(false);
    expect(isDue('*/15 * * * *', '2026-01-01T10:00:00Z', new Date('2026-01-01T10:15:00Z'), 'UTC')).toBe(true);
    // 08:00 in Shanghai is 00:00 UTC
    expect(isDue('0 8 * * *', '2026-01-01T23:00:00Z', new Date('2026-01-02T00:00:30Z'), 'Asia/Shanghai')).toBe(true);
    expect(isDue('0 8 * * *', '2026-01-01T23:00:00Z', new Date('2026-01-01T23:59:00Z'), 'Asia/Shanghai')).toBe(false);
  });
});
