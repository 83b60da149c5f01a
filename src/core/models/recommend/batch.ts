// Per-member top-N for every trained member in one pass (the rows the store keeps), without already-bought items.
import { type InteractionMatrix } from './interactions.ts';
import { scoreItemCf, type ItemCfModel } from './item-cf.ts';
import { scoreAls, type AlsModel } from './als.ts';
import { topN } from './top-n.ts';

/** Top-N per user in flat arrays: user u's list is `items/scores[u·n .. u·n + count[u])`. */
export interface UserTopN {
  n: number;
  count: Int32Array;
  items: Int32Array;
  scores: Float64Array;
}

/**
 * Scores every user with the model and keeps the best `n` items not bought yet (when `excludeBought`).
 * @example batchTopN(matrix, alsModel, 20, true).count[0] // ≤ 20
 */
export function batchTopN(m: InteractionMatrix, model: ItemCfModel | AlsModel, n: number, excludeBought = true): UserTopN {
  const nU = m.users.length;
  const nI = m.items.length;
  const count = new Int32Array(nU);
  const items = new Int32Array(nU * n);
  const scores = new Float64Array(nU * n);
  const skip = new Uint8Array(nI);
  for (let u = 0; u < nU; u++) {
    const s = m.userPtr[u]!, e = m.userPtr[u + 1]!;
    const row = model.kind === 'als' ? scoreAls(model, u, nI) : scoreItemCf(model, m.userItems.subarray(s, e), nI);
    if (excludeBought) for (let p = s; p < e; p++) skip[m.userItems[p]!] = 1;
    // only positive scores: an item-CF score of 0 means "no link", not a recommendation
    const top = topN(row, n, skip, model.kind === 'als' ? -Infinity : 0);
    if (excludeBought) for (let p = s; p < e; p++) skip[m.userItems[p]!] = 0;
    count[u] = top.length;
    top.forEach((r, k) => {
      items[u * n + k] = r.item;
      scores[u * n + k] = r.score;
    });
  }
  return { n, count, items, scores };
}
