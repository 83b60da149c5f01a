// Implicit-feedback matrix factorisation (Hu, Koren & Volinsky 2008): ALS with confidence c = 1 + α·r, solved per
// row by conjugate gradient (Takács, Pilászy & Tikk 2011) or Cholesky, on Float64Array factors.
import { type InteractionMatrix } from './interactions.ts';
import { choleskySolve, dot } from './linalg.ts';

export interface AlsOptions {
  factors: number;
  /** L2 regularisation λ. */
  lambda: number;
  /** Confidence slope α in c = 1 + α·r. */
  alpha: number;
  iterations: number;
  /** `log` uses r' = log(1 + r / epsilon) instead of r (Hu et al. §4): tames wholesale quantities. */
  confidence: 'linear' | 'log';
  epsilon: number;
  solver: 'cg' | 'cholesky';
  /** CG steps per row and sweep (warm-started from the previous sweep, so 3 is usually enough). */
  cgSteps: number;
  seed: number;
}

export const ALS_DEFAULTS: AlsOptions = {
  factors: 32, lambda: 0.1, alpha: 10, iterations: 12, confidence: 'log', epsilon: 1, solver: 'cg', cgSteps: 3, seed: 42,
};

export interface AlsModel {
  kind: 'als';
  options: AlsOptions;
  /** users × factors, row-major. */
  userFactors: Float64Array;
  /** items × factors, row-major. */
  itemFactors: Float64Array;
  /** Weighted squared loss after the first and the last sweep, for the model metadata (falls as training converges). */
  loss: number[];
}

/** Deterministic PRNG (mulberry32) so training is reproducible from `seed`. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Trains user and item factors by alternating least squares on the confidence-weighted implicit matrix
 * (preference 1 where bought, 0 elsewhere).
 * @example trainAls(matrix, { factors: 16, iterations: 10 }).itemFactors.length // items × 16
 */
export function trainAls(m: InteractionMatrix, opts: Partial<AlsOptions> = {}): AlsModel {
  const o = { ...ALS_DEFAULTS, ...opts };
  const f = o.factors;
  const nU = m.users.length;
  const nI = m.items.length;
  const rnd = mulberry32(o.seed);
  const init = (n: number) => {
    const a = new Float64Array(n * f);
    for (let k = 0; k < a.length; k++) a[k] = (rnd() - 0.5) * 0.01 / Math.sqrt(f);
    return a;
  };
  const X = init(nU);
  const Y = init(nI);
  const conf = (r: number) => o.alpha * (o.confidence === 'log' ? Math.log1p(r / o.epsilon) : r);
  // c − 1 per stored entry, shared by both directions (user rows and item rows hold the same weights)
  const cu = m.userWeights.map(conf);
  const ci = m.itemWeights.map(conf);
  const loss: number[] = [];
  const ws = workspace(f);
  for (let it = 0; it < o.iterations; it++) {
    sweep(X, Y, nU, m.userPtr, m.userItems, cu, f, o, ws);
    sweep(Y, X, nI, m.itemPtr, m.itemUsers, ci, f, o, ws);
    // The loss costs as much as a sweep's Gram products: kept for the first and the last sweep (convergence check).
    if (it === 0 || it === o.iterations - 1) loss.push(lossOf(X, Y, m, cu, f, o.lambda));
  }
  return { kind: 'als', options: o, userFactors: X, itemFactors: Y, loss };
}

function workspace(f: number) {
  return {
    gram: new Float64Array(f * f), a: new Float64Array(f * f), b: new Float64Array(f), x: new Float64Array(f),
    r: new Float64Array(f), p: new Float64Array(f), ap: new Float64Array(f),
  };
}

/** Fixed side's Gram matrix YᵀY + λI. */
function gramOf(Y: Float64Array, n: number, f: number, lambda: number, out: Float64Array) {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const o = i * f;
    for (let a = 0; a < f; a++) {
      const ya = Y[o + a]!;
      if (ya === 0) continue;
      for (let b = a; b < f; b++) out[a * f + b] += ya * Y[o + b]!;
    }
  }
  for (let a = 0; a < f; a++) {
    for (let b = 0; b < a; b++) out[a * f + b] = out[b * f + a]!;
    out[a * f + a] += lambda;
  }
}

type Ws = ReturnType<typeof workspace>;

/** Re-solves every row of X with Y fixed. */
function sweep(X: Float64Array, Y: Float64Array, n: number, ptr: Int32Array, idx: Int32Array, c1: Float64Array, f: number, o: AlsOptions, ws: Ws) {
  const nY = Y.length / f;
  gramOf(Y, nY, f, o.lambda, ws.gram);
  for (let u = 0; u < n; u++) {
    const s = ptr[u]!;
    const e = ptr[u + 1]!;
    const xo = u * f;
    if (s === e) {
      X.fill(0, xo, xo + f);
      continue;
    }
    if (o.solver === 'cholesky') solveCholesky(X, Y, xo, s, e, idx, c1, f, ws);
    else solveCg(X, Y, xo, s, e, idx, c1, f, o.cgSteps, ws);
  }
}

/** A x = b with A = YᵀY + λI + Σ (c−1) y yᵀ and b = Σ c y over the row's entries. */
function solveCholesky(X: Float64Array, Y: Float64Array, xo: number, s: number, e: number, idx: Int32Array, c1: Float64Array, f: number, ws: Ws) {
  const { a, b, x } = ws;
  a.set(ws.gram);
  b.fill(0);
  for (let p = s; p < e; p++) {
    const yo = idx[p]! * f;
    const w = c1[p]!;
    for (let i = 0; i < f; i++) {
      const yi = Y[yo + i]!;
      b[i] += (1 + w) * yi;
      const wy = w * yi;
      for (let j = 0; j < f; j++) a[i * f + j] += wy * Y[yo + j]!;
    }
  }
  if (choleskySolve(a, b, x, f)) X.set(x, xo);
}

/** A·v without forming A: gram·v + Σ (c−1)(y·v) y. */
function applyA(out: Float64Array, v: Float64Array, vo: number, Y: Float64Array, s: number, e: number, idx: Int32Array, c1: Float64Array, f: number, gram: Float64Array) {
  for (let i = 0; i < f; i++) out[i] = dot(gram, i * f, v, vo, f);
  for (let p = s; p < e; p++) {
    const yo = idx[p]! * f;
    const t = c1[p]! * dot(Y, yo, v, vo, f);
    for (let i = 0; i < f; i++) out[i] += t * Y[yo + i]!;
  }
}

function solveCg(X: Float64Array, Y: Float64Array, xo: number, s: number, e: number, idx: Int32Array, c1: Float64Array, f: number, steps: number, ws: Ws) {
  const { r, p, ap } = ws;
  applyA(ap, X, xo, Y, s, e, idx, c1, f, ws.gram);
  for (let i = 0; i < f; i++) r[i] = -ap[i]!;
  for (let q = s; q < e; q++) {
    const yo = idx[q]! * f;
    const c = 1 + c1[q]!;
    for (let i = 0; i < f; i++) r[i] += c * Y[yo + i]!;
  }
  p.set(r);
  let rs = dot(r, 0, r, 0, f);
  for (let k = 0; k < steps && rs > 1e-20; k++) {
    applyA(ap, p, 0, Y, s, e, idx, c1, f, ws.gram);
    const pap = dot(p, 0, ap, 0, f);
    if (!(pap > 0)) break;
    const step = rs / pap;
    for (let i = 0; i < f; i++) {
      X[xo + i] += step * p[i]!;
      r[i] -= step * ap[i]!;
    }
    const next = dot(r, 0, r, 0, f);
    const beta = next / rs;
    for (let i = 0; i < f; i++) p[i] = r[i]! + beta * p[i]!;
    rs = next;
  }
}

/**
 * Σ_observed c (1 − x·y)² + Σ_unobserved (x·y)² + λ(|X|² + |Y|²), the unobserved part via the Gram trick
 * Σ_all (x·y)² = Σ_u xᵀ(YᵀY)x, so it costs O(nnz·f + (users + items)·f²).
 */
function lossOf(X: Float64Array, Y: Float64Array, m: InteractionMatrix, c1: Float64Array, f: number, lambda: number): number {
  const nU = m.users.length;
  const gram = new Float64Array(f * f);
  gramOf(Y, m.items.length, f, 0, gram);
  let total = 0;
  const tmp = new Float64Array(f);
  for (let u = 0; u < nU; u++) {
    const xo = u * f;
    for (let i = 0; i < f; i++) tmp[i] = dot(gram, i * f, X, xo, f);
    total += dot(tmp, 0, X, xo, f);
    for (let p = m.userPtr[u]!; p < m.userPtr[u + 1]!; p++) {
      const pred = dot(X, xo, Y, m.userItems[p]! * f, f);
      total += (1 + c1[p]!) * (1 - pred) ** 2 - pred * pred;
    }
  }
  let reg = 0;
  for (let k = 0; k < X.length; k++) reg += X[k]! * X[k]!;
  for (let k = 0; k < Y.length; k++) reg += Y[k]! * Y[k]!;
  return total + lambda * reg;
}

/**
 * Scores every item for a user's factor row (index `u`), or for a basket folded in on the fly when the user was
 * not in training (one least-squares solve against the item factors).
 */
export function scoreAls(model: AlsModel, u: number, nItems: number): Float64Array {
  const f = model.options.factors;
  const out = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) out[i] = dot(model.userFactors, u * f, model.itemFactors, i * f, f);
  return out;
}

/** Factor row for a new basket (fold-in): solves the same normal equations as training with the items fixed. */
export function foldInAls(model: AlsModel, basket: ArrayLike<number>, weights: ArrayLike<number>): Float64Array {
  const o = model.options;
  const f = o.factors;
  const ws = workspace(f);
  gramOf(model.itemFactors, model.itemFactors.length / f, f, o.lambda, ws.gram);
  const idx = Int32Array.from(basket as ArrayLike<number>);
  const c1 = Float64Array.from(weights as ArrayLike<number>, (r) => o.alpha * (o.confidence === 'log' ? Math.log1p(r / o.epsilon) : r));
  const x = new Float64Array(f);
  solveCholesky(x, model.itemFactors, 0, 0, idx.length, idx, c1, f, ws);
  return x;
}
