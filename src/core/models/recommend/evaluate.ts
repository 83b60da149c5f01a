// Offline evaluation on a time split: train on purchases before the split, score each member's top-k against what
// they bought after it (only members present on both sides), for every algorithm and the popularity baseline.
import { buildInteractions, type Interaction, type InteractionMatrix } from './interactions.ts';
import { trainItemCf, scoreItemCf, type ItemCfOptions } from './item-cf.ts';
import { trainAls, scoreAls, type AlsOptions } from './als.ts';
import { popularityScores } from './popularity.ts';
import { topN } from './top-n.ts';
import { rankingMetrics, type RankingMetrics } from './metrics.ts';

export type EvalAlgorithm = 'item_cf' | 'als' | 'popularity';

export interface EvaluateOptions {
  splitAt: number;
  k: number;
  /**
   * true (default): the task is discovery — recommend products the member has not bought before the split, and
   * count as hits only such new products bought after it. false: re-purchases count too (and may be recommended).
   */
  excludeBought: boolean;
  itemCf: Partial<ItemCfOptions>;
  als: Partial<AlsOptions>;
  algorithms: EvalAlgorithm[];
}

export interface AlgorithmResult extends RankingMetrics {
  algorithm: EvalAlgorithm;
  train_ms: number;
}

export interface EvaluationReport {
  split_at: string;
  k: number;
  exclude_bought: boolean;
  train_interactions: number;
  train_members: number;
  catalogue: number;
  test_members: number;
  results: AlgorithmResult[];
}

/**
 * Runs the time-split evaluation.
 * @example evaluateSplit(interactions, { splitAt: Date.parse('2011-09-01'), k: 10 }).results
 */
export function evaluateSplit(all: Interaction[], opts: Partial<EvaluateOptions> & { splitAt: number }): EvaluationReport {
  const o: EvaluateOptions = { k: 10, excludeBought: true, itemCf: {}, als: {}, algorithms: ['item_cf', 'als', 'popularity'], ...opts };
  const train = buildInteractions(all.filter((r) => r.at < o.splitAt));
  const truth = testTruth(train, all.filter((r) => r.at >= o.splitAt), o.excludeBought);
  const nItems = train.items.length;
  const users = [...truth.keys()];
  const relevant = users.map((u) => truth.get(u)!);
  const results: AlgorithmResult[] = [];
  for (const algorithm of o.algorithms) {
    const started = performance.now();
    const scorer = trainScorer(algorithm, train, o);
    const train_ms = performance.now() - started;
    const skip = new Uint8Array(nItems);
    const recommended = users.map((u) => {
      const s = train.userPtr[u]!, e = train.userPtr[u + 1]!;
      if (o.excludeBought) for (let p = s; p < e; p++) skip[train.userItems[p]!] = 1;
      const top = topN(scorer(u), o.k, skip).map((r) => r.item);
      if (o.excludeBought) for (let p = s; p < e; p++) skip[train.userItems[p]!] = 0;
      return top;
    });
    results.push({ algorithm, train_ms: Math.round(train_ms), ...rankingMetrics(recommended, relevant, o.k, nItems) });
  }
  return {
    split_at: new Date(o.splitAt).toISOString(), k: o.k, exclude_bought: o.excludeBought, train_interactions: train.userItems.length,
    train_members: train.users.length, catalogue: nItems, test_members: users.length, results,
  };
}

/** Per train-user index: items bought after the split (new ones only when excluding), users with none dropped. */
function testTruth(train: InteractionMatrix, test: Interaction[], excludeBought: boolean): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  // Items unseen in training get fresh negative ids: no algorithm can recommend them, but they count in recall.
  const unseen = new Map<string, number>();
  for (const r of test) {
    if (!(r.weight > 0)) continue;
    const u = train.userIndex.get(r.user);
    if (u === undefined) continue;
    let i = train.itemIndex.get(r.item);
    if (i === undefined) {
      i = unseen.get(r.item) ?? -(unseen.size + 1);
      unseen.set(r.item, i);
    } else if (excludeBought && boughtBefore(train, u, i)) continue;
    let set = out.get(u);
    if (!set) out.set(u, (set = new Set()));
    set.add(i);
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/** Binary search in the user's sorted row. */
export function boughtBefore(m: InteractionMatrix, u: number, i: number): boolean {
  let lo = m.userPtr[u]!, hi = m.userPtr[u + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = m.userItems[mid]!;
    if (v === i) return true;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function trainScorer(algorithm: EvalAlgorithm, m: InteractionMatrix, o: EvaluateOptions): (u: number) => Float64Array {
  const nItems = m.items.length;
  if (algorithm === 'popularity') {
    const pop = popularityScores(m);
    return () => pop;
  }
  if (algorithm === 'item_cf') {
    const model = trainItemCf(m, o.itemCf);
    return (u) => scoreItemCf(model, m.userItems.subarray(m.userPtr[u]!, m.userPtr[u + 1]!), nItems);
  }
  const model = trainAls(m, o.als);
  return (u) => scoreAls(model, u, nItems);
}
