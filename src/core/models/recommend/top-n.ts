// Top-N selection over a dense score vector with an exclusion mask: a bounded min-heap, O(items · log n).

/** One ranked item: its index in the matrix and its score. */
export interface Ranked {
  item: number;
  score: number;
}

/**
 * The `n` best items by score (descending; ties by lower index), skipping items where `skip[i]` is non-zero and
 * scores that are not finite or not above `minScore`.
 * @example topN(new Float64Array([0.1, 0.9, 0.5]), 2) // [{item: 1, score: 0.9}, {item: 2, score: 0.5}]
 */
export function topN(scores: Float64Array, n: number, skip?: Uint8Array, minScore = -Infinity): Ranked[] {
  if (n <= 0) return [];
  const heapItems = new Int32Array(n);
  const heapScores = new Float64Array(n);
  let size = 0;
  // "worse" = lower score, or equal score and higher index (so the lower index wins ties, deterministically)
  const worse = (sa: number, ia: number, sb: number, ib: number) => sa < sb || (sa === sb && ia > ib);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!(s > minScore) || !Number.isFinite(s) || (skip && skip[i])) continue;
    if (size < n) {
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(s, i, heapScores[p]!, heapItems[p]!)) break;
        heapScores[c] = heapScores[p]!;
        heapItems[c] = heapItems[p]!;
        c = p;
      }
      heapScores[c] = s;
      heapItems[c] = i;
    } else if (worse(heapScores[0]!, heapItems[0]!, s, i)) {
      siftDown(heapScores, heapItems, size, s, i, worse);
    }
  }
  const out: Ranked[] = [];
  for (let k = 0; k < size; k++) out.push({ item: heapItems[k]!, score: heapScores[k]! });
  return out.sort((a, b) => b.score - a.score || a.item - b.item);
}

function siftDown(hs: Float64Array, hi: Int32Array, size: number, s: number, i: number, worse: (a: number, b: number, c: number, d: number) => boolean) {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    const r = l + 1;
    const m = r < size && worse(hs[r]!, hi[r]!, hs[l]!, hi[l]!) ? r : l;
    if (!worse(hs[m]!, hi[m]!, s, i)) break;
    hs[c] = hs[m]!;
    hi[c] = hi[m]!;
    c = m;
  }
  hs[c] = s;
  hi[c] = i;
}
