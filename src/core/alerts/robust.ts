// Robust statistics for anomaly baselines: median, median absolute deviation (MAD) and the robust z-score.

/** The median of `xs` (mean of the middle two for an even count); NaN for an empty list. @example median([3, 1, 2]) // 2 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median absolute deviation from the median (unscaled). @example mad([1, 2, 3, 4, 100]) // 1 */
export function mad(xs: readonly number[], centre = median(xs)): number {
  return median(xs.map((x) => Math.abs(x - centre)));
}

/** 0.6745 ≈ Φ⁻¹(0.75): with it the robust z of normal data is on the scale of an ordinary z-score (Iglewicz & Hoaglin). */
export const MAD_Z = 0.6745;

/**
 * Robust z-score `0.6745 · (x − median) / MAD`, with MAD raised to `madFloor` so a flat history (MAD = 0) does not
 * turn every small wobble into an infinite score.
 * @example robustZ(20, 10, 2, 0.5) // 3.3725
 */
export function robustZ(x: number, centre: number, deviation: number, madFloor: number): number {
  const d = Math.max(deviation, madFloor);
  if (!(d > 0)) return x === centre ? 0 : x > centre ? Infinity : -Infinity;
  return (MAD_Z * (x - centre)) / d;
}

/** The value at robust z `z` around a baseline: the edge of a band for charts. @example valueAtZ(3, 10, 2, 0) // ≈ 18.9 */
export const valueAtZ = (z: number, centre: number, deviation: number, madFloor: number): number => centre + (z * Math.max(deviation, madFloor)) / MAD_Z;
