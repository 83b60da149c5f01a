// Fallback rankings for members with no (or too little) history: all-time popularity and recency-weighted trending.
import { type InteractionMatrix } from './interactions.ts';

/**
 * Distinct buyers per item — the popularity baseline.
 * @example popularityScores(matrix)[i] // buyers of item i
 */
export function popularityScores(m: InteractionMatrix): Float64Array {
  const out = new Float64Array(m.items.length);
  for (let i = 0; i < m.items.length; i++) out[i] = m.itemPtr[i + 1]! - m.itemPtr[i]!;
  return out;
}

/**
 * Buyers per item weighted by how recent their last purchase is: Σ 0.5^((asOf − last) / halfLife), so a product
 * that sells now outranks one that sold a year ago (recency fallback).
 * @example trendingScores(matrix, Date.now(), 30 * 86400e3)
 */
export function trendingScores(m: InteractionMatrix, asOf: number, halfLifeMs: number): Float64Array {
  const out = new Float64Array(m.items.length);
  for (let p = 0; p < m.userItems.length; p++) {
    const age = Math.max(0, asOf - m.lastAt[p]!);
    out[m.userItems[p]!] += Math.pow(0.5, age / halfLifeMs);
  }
  return out;
}
