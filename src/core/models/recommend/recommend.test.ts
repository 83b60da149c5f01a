// Pure recommenders on small hand-checked inputs: matrix building, linear algebra, top-N, item-CF normalisations,
// ALS (both solvers agree and the loss falls), fallbacks, metrics and the time-split evaluation.
import { describe, expect, it } from 'vitest';
import {
  batchTopN, buildInteractions, choleskySolve, evaluateSplit, popularityScores, rankingMetrics, scoreAls, scoreItemCf, topN,
  trainAls, trainItemCf, trendingScores, type Interaction,
} from './index.ts';

const rows = (pairs: Array<[string, string, number?]>): Interaction[] => pairs.map(([user, item, at]) => ({ user, item, weight: 1, at: at ?? 0 }));

/** Two clusters: {a, b, c} bought together, {x, y} bought together, one bridge buyer. */
const clusters = () => rows([
  ['u1', 'a'], ['u1', 'b'], ['u1', 'c'], ['u2', 'a'], ['u2', 'b'], ['u3', 'b'], ['u3', 'c'], ['u4', 'a'], ['u4', 'c'],
  ['u5', 'x'], ['u5', 'y'], ['u6', 'x'], ['u6', 'y'], ['u7', 'x'], ['u7', 'y'], ['u8', 'a'], ['u8', 'x'], ['u9', 'a'],
]);

describe('interaction matrix', () => {
  it('merges duplicates, keeps the latest time and transposes', () => {
    const m = buildInteractions([...rows([['u1', 'a', 5], ['u1', 'a', 9], ['u2', 'b']]), { user: 'u3', item: 'a', weight: 0, at: 0 }]);
    expect(m.users).toEqual(['u1', 'u2']);
    expect([...m.userWeights]).toEqual([2, 1]);
    expect([...m.lastAt]).toEqual([9, 0]);
    expect([...m.itemPtr]).toEqual([0, 1, 2]);
    expect([...m.itemUsers]).toEqual([0, 1]);
  });
});

describe('linear algebra and top-N', () => {
  it('solves an SPD system by Cholesky and rejects an indefinite one', () => {
    const x = new Float64Array(3);
    expect(choleskySolve(new Float64Array([4, 2, 0, 2, 5, 1, 0, 1, 3]), new Float64Array([6, 8, 4]), x, 3)).toBe(true);
    expect([...x].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 1, 1]);
    expect(choleskySolve(new Float64Array([1, 2, 2, 1]), new Float64Array([1, 1]), new Float64Array(2), 2)).toBe(false);
  });

  it('keeps the n best, skips masked and breaks ties by index', () => {
    const s = new Float64Array([0.5, 0.9, 0.5, NaN, 0.7, 0.1]);
    expect(topN(s, 3)).toEqual([{ item: 1, score: 0.9 }, { item: 4, score: 0.7 }, { item: 0, score: 0.5 }]);
    expect(topN(s, 2, Uint8Array.from([0, 1, 0, 0, 0, 0])).map((r) => r.item)).toEqual([4, 0]);
    expect(topN(s, 10, undefined, 0.5).map((r) => r.item)).toEqual([1, 4]);
    expect(topN(s, 0)).toEqual([]);
  });
});

describe('item-based CF', () => {
  it('links items bought together; cosine is symmetric, conditional probability is not', () => {
    const m = buildInteractions(clusters());
    const i = (id: string) => m.itemIndex.get(id)!;
    const cos = trainItemCf(m, { alpha: 0.5, shrink: 0, userDamping: false, normalise: false });
    const sim = (model: typeof cos, from: string, to: string) => {
      for (let p = model.ptr[i(from)]!; p < model.ptr[i(from) + 1]!; p++) if (model.items[p] === i(to)) return model.sims[p]!;
      return 0;
    };
    // a: 5 buyers, b: 3, co(a, b) = 2 → cosine 2/√15
    expect(sim(cos, 'a', 'b')).toBeCloseTo(2 / Math.sqrt(15), 12);
    expect(sim(cos, 'b', 'a')).toBeCloseTo(sim(cos, 'a', 'b'), 12);
    const cond = trainItemCf(m, { alpha: 0, shrink: 0, userDamping: false, normalise: false });
    expect(sim(cond, 'b', 'a')).toBeCloseTo(2 / 3, 12); // P(a | b)
    expect(sim(cond, 'a', 'b')).toBeCloseTo(2 / 5, 12); // P(b | a)
    expect(sim(cos, 'y', 'b')).toBe(0);
    // counts are the raw co-purchases
    const p = [...cos.items.subarray(cos.ptr[i('a')]!, cos.ptr[i('a') + 1]!)].indexOf(i('b'));
    expect(cos.counts[cos.ptr[i('a')]! + p]).toBe(2);
  });

  it('recommends the missing item of the cluster first and keeps only K neighbours', () => {
    const m = buildInteractions(clusters());
    const model = trainItemCf(m, { neighbours: 1 });
    for (let k = 0; k < m.items.length; k++) expect(model.ptr[k + 1]! - model.ptr[k]!).toBeLessThanOrEqual(1);
    const full = trainItemCf(m);
    const scores = scoreItemCf(full, [m.itemIndex.get('a')!, m.itemIndex.get('b')!], m.items.length);
    const top = topN(scores, 1, Uint8Array.from(m.items.map((id) => (id === 'a' || id === 'b' ? 1 : 0))));
    expect(m.items[top[0]!.item]).toBe('c');
  });
});

describe('implicit ALS', () => {
  it('Cholesky and CG reach the same factors and the loss falls', () => {
    const m = buildInteractions(clusters());
    const chol = trainAls(m, { factors: 4, iterations: 15, solver: 'cholesky', lambda: 0.1, alpha: 5 });
    const cg = trainAls(m, { factors: 4, iterations: 15, solver: 'cg', cgSteps: 4, lambda: 0.1, alpha: 5 });
    expect(chol.loss.at(-1)!).toBeLessThan(chol.loss[0]!);
    expect(cg.loss.at(-1)! / chol.loss.at(-1)!).toBeCloseTo(1, 2);
    for (let u = 0; u < m.users.length; u++) {
      const a = scoreAls(chol, u, m.items.length);
      const b = scoreAls(cg, u, m.items.length);
      for (let i = 0; i < a.length; i++) expect(b[i]!).toBeCloseTo(a[i]!, 2);
    }
  });

  it('ranks the own cluster above the other and is reproducible from its seed', () => {
    const m = buildInteractions(clusters());
    const model = trainAls(m, { factors: 4, iterations: 15, seed: 7 });
    const s = scoreAls(model, m.userIndex.get('u2')!, m.items.length);
    expect(s[m.itemIndex.get('c')!]!).toBeGreaterThan(s[m.itemIndex.get('y')!]!);
    expect(trainAls(m, { factors: 4, iterations: 15, seed: 7 }).itemFactors).toEqual(model.itemFactors);
    const top = batchTopN(m, model, 2, true);
    const u2 = m.userIndex.get('u2')!;
    expect([m.items[top.items[u2 * 2]!], m.items[top.items[u2 * 2 + 1]!]]).toContain('c');
    expect(top.count[u2]).toBe(2);
  });
});

describe('fallbacks and metrics', () => {
  it('popularity counts buyers, trending halves per half-life', () => {
    const m = buildInteractions(rows([['u1', 'a', 0], ['u2', 'a', 0], ['u1', 'b', 10]]));
    expect([...popularityScores(m)]).toEqual([2, 1]);
    expect([...trendingScores(m, 10, 10)]).toEqual([1, 1]);
  });

  it('computes precision, recall, NDCG, hit rate and coverage', () => {
    const r = rankingMetrics([[1, 2], [3, 4]], [new Set([2]), new Set([9, 8])], 2, 10);
    expect(r.precision).toBeCloseTo(0.25, 12);
    expect(r.recall).toBeCloseTo(0.5, 12);
    expect(r.ndcg).toBeCloseTo((1 / Math.log2(3)) / 2, 12);
    expect(r.hit_rate).toBe(0.5);
    expect(r.coverage).toBeCloseTo(0.4, 12);
  });

  it('evaluates a time split on members present on both sides only', () => {
    const train = clusters();
    const test = rows([['u2', 'c', 10], ['u5', 'a', 10], ['zz', 'a', 10], ['u1', 'a', 10]]);
    const r = evaluateSplit([...train, ...test], { splitAt: 5, k: 2, als: { factors: 4 } });
    expect(r).toMatchObject({ test_members: 2, train_members: 9, catalogue: 5, exclude_bought: true }); // u1 only re-bought
    const cf = r.results.find((x) => x.algorithm === 'item_cf')!;
    expect(cf.hit_rate).toBeGreaterThanOrEqual(0.5);
    const all = evaluateSplit([...train, ...test], { splitAt: 5, k: 2, excludeBought: false, algorithms: ['popularity'] });
    expect(all.test_members).toBe(3);
  });
});
