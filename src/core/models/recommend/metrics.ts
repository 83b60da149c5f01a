// Offline ranking metrics at k: precision, recall, NDCG (binary relevance), hit rate and catalogue coverage.

export interface RankingMetrics {
  users: number;
  precision: number;
  recall: number;
  ndcg: number;
  hit_rate: number;
  /** Share of the catalogue that appears in at least one member's top-k. */
  coverage: number;
}

/**
 * Averages the metrics over users. `recommended[u]` is a ranked list of item indices (first k used), `relevant[u]`
 * the items the user actually bought in the test period; users without relevant items must be left out by the caller.
 * @example rankingMetrics([[1, 2]], [new Set([2])], 2, 10) // precision 0.5, recall 1, ndcg 1/log2(3)
 */
export function rankingMetrics(recommended: ArrayLike<number>[], relevant: Set<number>[], k: number, catalogueSize: number): RankingMetrics {
  const n = recommended.length;
  let precision = 0, recall = 0, ndcg = 0, hits = 0;
  const covered = new Set<number>();
  for (let u = 0; u < n; u++) {
    const recs = recommended[u]!;
    const rel = relevant[u]!;
    const top = Math.min(k, recs.length);
    let found = 0, dcg = 0;
    for (let r = 0; r < top; r++) {
      covered.add(recs[r]!);
      if (rel.has(recs[r]!)) {
        found++;
        dcg += 1 / Math.log2(r + 2);
      }
    }
    let idcg = 0;
    for (let r = 0; r < Math.min(k, rel.size); r++) idcg += 1 / Math.log2(r + 2);
    precision += found / k;
    recall += rel.size ? found / rel.size : 0;
    ndcg += idcg ? dcg / idcg : 0;
    if (found) hits++;
  }
  const d = Math.max(1, n);
  return { users: n, precision: precision / d, recall: recall / d, ndcg: ndcg / d, hit_rate: hits / d, coverage: catalogueSize ? covered.size / catalogueSize : 0 };
}
