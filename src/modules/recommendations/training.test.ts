// Pure training helpers: net purchases after item refunds, and the rows the store keeps.
import { describe, expect, it } from 'vitest';
import { netInteractions, trainAll } from './training.ts';

const P = (member_id: string, product_id: string, orders: number) => ({ member_id, product_id, orders, last_epoch: 1_700_000_000 });

describe('net purchases', () => {
  it('drops a line refunded in full, keeps a partly refunded one and other orders of the product', () => {
    const purchases = [P('m1', 'a', 1), P('m1', 'b', 1), P('m2', 'a', 2), P('m3', 'c', 1)];
    const refunds = [
      { order_id: 'o1', member_id: 'm1', items: [{ product_id: 'a', quantity: 2 }, { product_id: 'b', quantity: 1 }] },
      { order_id: 'o2', member_id: 'm2', items: [{ product_id: 'a', quantity: 1 }] },
      { order_id: 'o3', member_id: 'm3', items: null },
    ];
    const lines = [
      { order_id: 'o1', product_id: 'a', quantity: 2 },
      { order_id: 'o1', product_id: 'b', quantity: 3 },
      { order_id: 'o2', product_id: 'a', quantity: 1 },
    ];
    const net = netInteractions(purchases, refunds, lines);
    expect(net.map((n) => `${n.user}:${n.item}:${n.weight}`)).toEqual(['m1:b:1', 'm2:a:1', 'm3:c:1']);
    expect(net[0]!.at).toBe(1_700_000_000_000);
  });
});

describe('trained rows', () => {
  it('writes per-member lists sorted by member and rank, neighbours and the catalogue, whatever the input order', () => {
    const rows = [];
    for (let u = 0; u < 6; u++) for (const i of ['a', 'b', ...(u % 2 ? ['c'] : [])]) rows.push({ user: `u${u}`, item: i, weight: 1, at: u });
    rows.push({ user: 'x', item: 'a', weight: 1, at: 9 });
    const plan = { algorithms: ['item_cf', 'als'] as const, topN: 2, neighbours: 1, excludeBought: true, trendingHalfLifeDays: 30, itemCf: {}, als: { factors: 4 }, now: 10 };
    const a = trainAll(rows, new Map([['a', { name: 'A', category: 'k' }]]), { ...plan, algorithms: [...plan.algorithms] }, 3);
    const b = trainAll([...rows].reverse(), new Map(), { ...plan, algorithms: [...plan.algorithms] }, 3);
    const flat = (o: typeof a, k: number) => [...o.results[k]!.rows()].flatMap((c) => c.rows());
    expect(flat(a, 0)).toEqual(flat(b, 0));
    // the CSV lines say the same as the rows, chunk by chunk (about 3 rows each, never splitting a member)
    const chunks = [...a.results[0]!.rows()];
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      const lines = c.csv().trimEnd().split('\n');
      expect(lines).toHaveLength(c.length);
      expect(lines).toEqual(c.rows().map((r) => `"${r.member_id}","item_cf",${r.rank},"${r.product_id}",${r.score}`));
      expect(new Set(c.rows().map((r) => r.member_id)).size).toBe(c.rows().filter((r) => r.rank === 1).length);
    }
    const cf = flat(a, 0);
    expect(cf.filter((r) => r.member_id === 'x').map((r) => [r.rank, r.product_id])).toEqual([[1, 'b'], [2, 'c']]);
    expect([...a.neighbours!()].flat().find((r) => r.product_id === 'a')).toMatchObject({ rank: 1, neighbour_id: 'b', buyers_both: 6 });
    expect(a.items.find((i) => i.product_id === 'a')).toMatchObject({ name: 'A', category: 'k', buyers: 7 });
    expect(a.results.map((r) => r.algorithm)).toEqual(['item_cf', 'als']);
    expect(a.results[1]!.metrics.loss).toHaveLength(2);
  });
});
