// Compact Nelder–Mead simplex minimiser used to fit the CLV models by maximum likelihood.

/** Options of {@link nelderMead}. */
export interface NelderMeadOptions {
  /** Stop when the spread of f over the simplex is below this (absolute). Default 1e-10. */
  fTol?: number;
  /** Stop when every vertex is within this of the best one (per coordinate). Default 1e-10. */
  xTol?: number;
  /** Maximum number of iterations. Default 20 000. */
  maxIterations?: number;
  /** Initial simplex step per coordinate. Default 0.5. */
  step?: number;
  /** Number of restarts from the best point (escapes premature collapse). Default 2. */
  restarts?: number;
}

/** Result of a minimisation. */
export interface NelderMeadResult {
  x: number[];
  fx: number;
  iterations: number;
  evaluations: number;
}

/** Minimises f from x0 with the adaptive Nelder–Mead method (Gao & Han 2012 coefficients). */
export function nelderMead(f: (x: number[]) => number, x0: number[], opts: NelderMeadOptions = {}): NelderMeadResult {
  const fTol = opts.fTol ?? 1e-10;
  const xTol = opts.xTol ?? 1e-10;
  const maxIterations = opts.maxIterations ?? 20_000;
  const step = opts.step ?? 0.5;
  const n = x0.length;
  // Adaptive coefficients keep the method effective as the dimension grows.
  const alpha = 1;
  const beta = 1 + 2 / n;
  const gamma = 0.75 - 1 / (2 * n);
  const delta = 1 - 1 / n;
  let evaluations = 0;
  const fSafe = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    // Non-finite objective values are treated as a wall, so the simplex steps back from invalid regions.
    return Number.isFinite(v) ? v : Infinity;
  };

  let best = x0.slice();
  let bestF = fSafe(best);
  let iterations = 0;
  for (let round = 0; round <= (opts.restarts ?? 2); round++) {
    const simplex: number[][] = [best.slice()];
    for (let i = 0; i < n; i++) {
      const v = best.slice();
      v[i] += step;
      simplex.push(v);
    }
    const values = simplex.map((v, i) => (i === 0 ? bestF : fSafe(v)));
    const order = simplex.map((_, i) => i);
    for (; iterations < maxIterations; iterations++) {
      order.sort((i, j) => values[i] - values[j]);
      const lo = order[0];
      const hi = order[n];
      const fSpread = Math.abs(values[hi] - values[lo]);
      let xSpread = 0;
      for (const i of order) for (let k = 0; k < n; k++) xSpread = Math.max(xSpread, Math.abs(simplex[i][k] - simplex[lo][k]));
      if (fSpread <= fTol && xSpread <= xTol) break;
      if (xSpread <= xTol * 1e-3) break;

      const centroid = new Array<number>(n).fill(0);
      for (let j = 0; j < n; j++) {
        const v = simplex[order[j]];
        for (let k = 0; k < n; k++) centroid[k] += v[k] / n;
      }
      const along = (t: number): number[] => centroid.map((c, k) => c + t * (simplex[hi][k] - c));
      const xr = along(-alpha);
      const fr = fSafe(xr);
      const secondWorst = values[order[n - 1]];
      if (fr < values[lo]) {
        const xe = along(-alpha * beta);
        const fe = fSafe(xe);
        if (fe < fr) {
          simplex[hi] = xe;
          values[hi] = fe;
        } else {
          simplex[hi] = xr;
          values[hi] = fr;
        }
      } else if (fr < secondWorst) {
        simplex[hi] = xr;
        values[hi] = fr;
      } else {
        const outside = fr < values[hi];
        const xc = along(outside ? -alpha * gamma : gamma);
        const fc = fSafe(xc);
        if (fc < (outside ? fr : values[hi])) {
          simplex[hi] = xc;
          values[hi] = fc;
        } else {
          // Shrink towards the best vertex.
          for (let j = 1; j <= n; j++) {
            const i = order[j];
            simplex[i] = simplex[i].map((x, k) => simplex[lo][k] + delta * (x - simplex[lo][k]));
            values[i] = fSafe(simplex[i]);
          }
        }
      }
    }
    let bi = 0;
    for (let i = 1; i <= n; i++) if (values[i] < values[bi]) bi = i;
    const improved = values[bi] < bestF - fTol;
    best = simplex[bi].slice();
    bestF = values[bi];
    if (round > 0 && !improved) break;
  }
  return { x: best, fx: bestF, iterations, evaluations };
}
