// Item-based collaborative filtering: co-purchase similarity with a chosen normalisation, top-K neighbours per item.
import { type InteractionMatrix } from './interactions.ts';
import { topN } from './top-n.ts';

/**
 * `alpha` picks the normalisation of the co-purchase count co(i, j) (buyers of both):
 * sim(i → j) = co(i, j) / (n_i^(1−alpha) · n_j^alpha + shrink) — alpha 0.5 is cosine on the binary matrix, alpha 0
 * the conditional probability P(j | i), higher alpha damps popular targets. `userDamping` weights each buyer by
 * 1 / log2(1 + items bought) so a wholesaler who bought half the catalogue does not link everything to everything.
 */
export interface ItemCfOptions {
  neighbours: number;
  alpha: number;
  shrink: number;
  userDamping: boolean;
  /** Scale each item's neighbour list so its best similarity is 1 (keeps one very similar item from dominating). */
  normalise: boolean;
}

export const ITEM_CF_DEFAULTS: ItemCfOptions = { neighbours: 100, alpha: 0.7, shrink: 5, userDamping: true, normalise: true };

/** Neighbour lists in CSR: item i's neighbours are `items[ptr[i]..ptr[i+1])`, most similar first. */
export interface ItemCfModel {
  kind: 'item_cf';
  options: ItemCfOptions;
  ptr: Int32Array;
  items: Int32Array;
  sims: Float64Array;
  /** Members who bought both the item and the neighbour (undamped), for "members who bought X also bought". */
  counts: Int32Array;
}

/**
 * Trains the neighbour lists: one dense accumulator row per item (sparse × sparse product of the item's buyers'
 * baskets), so memory stays O(items · K) and time O(Σ basket²).
 * @example trainItemCf(matrix, { neighbours: 20 }).items // neighbours of item 0 first
 */
export function trainItemCf(m: InteractionMatrix, opts: Partial<ItemCfOptions> = {}): ItemCfModel {
  const o = { ...ITEM_CF_DEFAULTS, ...opts };
  const nItems = m.items.length;
  const nUsers = m.users.length;
  const uw = new Float64Array(nUsers);
  for (let u = 0; u < nUsers; u++) {
    const d = m.userPtr[u + 1]! - m.userPtr[u]!;
    uw[u] = o.userDamping ? 1 / Math.log2(1 + Math.max(1, d)) : 1;
  }
  // n_i = weighted number of buyers, so the normalisation matches the weighted counts
  const n = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) {
    let s = 0;
    for (let p = m.itemPtr[i]!; p < m.itemPtr[i + 1]!; p++) s += uw[m.itemUsers[p]!]!;
    n[i] = s;
  }
  const acc = new Float64Array(nItems);
  const co = new Int32Array(nItems);
  const touched = new Int32Array(nItems);
  const compact = new Float64Array(nItems);
  const lists: Array<{ items: Int32Array; sims: Float64Array; counts: Int32Array }> = new Array(nItems);
  let total = 0;
  for (let i = 0; i < nItems; i++) {
    let nt = 0;
    for (let p = m.itemPtr[i]!; p < m.itemPtr[i + 1]!; p++) {
      const u = m.itemUsers[p]!;
      const w = uw[u]!;
      for (let q = m.userPtr[u]!; q < m.userPtr[u + 1]!; q++) {
        const j = m.userItems[q]!;
        if (j === i) continue;
        if (acc[j] === 0) touched[nt++] = j;
        acc[j] += w;
        co[j]!++;
      }
    }
    const ni = Math.pow(n[i]!, 1 - o.alpha);
    for (let t = 0; t < nt; t++) {
      const j = touched[t]!;
      acc[j] = acc[j]! / (ni * Math.pow(n[j]!, o.alpha) + o.shrink);
    }
    const best = nt <= o.neighbours ? rankTouched(acc, touched, nt) : topTouched(acc, touched, nt, o.neighbours, compact);
    const items = new Int32Array(best.length);
    const sims = new Float64Array(best.length);
    const counts = new Int32Array(best.length);
    const top = best.length ? best[0]!.score : 1;
    best.forEach((b, k) => {
      items[k] = b.item;
      sims[k] = o.normalise ? b.score / top : b.score;
      counts[k] = co[b.item]!;
    });
    lists[i] = { items, sims, counts };
    total += best.length;
    for (let t = 0; t < nt; t++) {
      acc[touched[t]!] = 0;
      co[touched[t]!] = 0;
    }
  }
  const ptr = new Int32Array(nItems + 1);
  const items = new Int32Array(total);
  const sims = new Float64Array(total);
  const counts = new Int32Array(total);
  for (let i = 0; i < nItems; i++) {
    const l = lists[i]!;
    items.set(l.items, ptr[i]!);
    sims.set(l.sims, ptr[i]!);
    counts.set(l.counts, ptr[i]!);
    ptr[i + 1] = ptr[i]! + l.items.length;
  }
  return { kind: 'item_cf', options: o, ptr, items, sims, counts };
}

// Selects among the touched entries only, so a big catalogue costs O(touched), not O(items), per item.
function topTouched(acc: Float64Array, touched: Int32Array, nt: number, k: number, compact: Float64Array) {
  for (let t = 0; t < nt; t++) compact[t] = acc[touched[t]!]!;
  return topN(compact.subarray(0, nt), k, undefined, 0).map((r) => ({ item: touched[r.item]!, score: r.score }));
}

function rankTouched(acc: Float64Array, touched: Int32Array, nt: number) {
  const out: Array<{ item: number; score: number }> = [];
  for (let t = 0; t < nt; t++) if (acc[touched[t]!]! > 0) out.push({ item: touched[t]!, score: acc[touched[t]!]! });
  return out.sort((a, b) => b.score - a.score || a.item - b.item);
}

/**
 * Scores every item for a basket (item indices with optional weights): Σ over basket items of sim(basket item → j).
 * @example scoreItemCf(model, [3, 7], nItems) // Float64Array of length nItems
 */
export function scoreItemCf(model: ItemCfModel, basket: ArrayLike<number>, nItems: number, weights?: ArrayLike<number>): Float64Array {
  const scores = new Float64Array(nItems);
  for (let b = 0; b < basket.length; b++) {
    const i = basket[b]!;
    const w = weights ? weights[b]! : 1;
    for (let p = model.ptr[i]!; p < model.ptr[i + 1]!; p++) scores[model.items[p]!] += w * model.sims[p]!;
  }
  return scores;
}
