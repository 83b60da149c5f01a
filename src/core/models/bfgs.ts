// Quasi-Newton (BFGS) minimiser with a backtracking line search, for smooth objectives with analytic gradients.

/** Objective with gradient: returns f(x) and writes ∇f(x) into `grad`. */
export type ObjectiveWithGradient = (x: number[], grad: number[]) => number;

/** Options of {@link bfgs}. */
export interface BfgsOptions {
  /** Stop when every gradient component is below this in absolute value. Default 1e-9. */
  gradTol?: number;
  /** Maximum number of iterations. Default 500. */
  maxIterations?: number;
  /** Starting inverse Hessian (e.g. from a fit on a sample); default the identity, scaled after the first step. */
  inverseHessian?: number[][];
}

/** Result of {@link bfgs}. */
export interface BfgsResult {
  x: number[];
  fx: number;
  iterations: number;
  /** Evaluations of f (each also computes the gradient). */
  evaluations: number;
  /** True when the gradient test was met (false: stopped on the iteration limit or no further progress). */
  converged: boolean;
  /** The final inverse Hessian approximation (to warm-start a related fit). */
  inverseHessian: number[][];
}

const dot = (u: number[], v: number[]) => u.reduce((s, ui, i) => s + ui * v[i], 0);
const maxAbs = (u: number[]) => u.reduce((m, ui) => Math.max(m, Math.abs(ui)), 0);
const identity = (n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));

/**
 * Minimises f from x0 with BFGS on the inverse Hessian and an Armijo backtracking line search. Non-finite values
 * count as failed steps (the step is shortened), so the objective may return Infinity/NaN outside its domain.
 * @example bfgs((x, g) => { g[0] = 2 * (x[0] - 3); return (x[0] - 3) ** 2 }, [0]).x // ≈ [3]
 */
export function bfgs(fg: ObjectiveWithGradient, x0: number[], opts: BfgsOptions = {}): BfgsResult {
  const gradTol = opts.gradTol ?? 1e-9;
  const maxIterations = opts.maxIterations ?? 500;
  const n = x0.length;
  let evaluations = 0;
  const evaluate = (x: number[], g: number[]) => {
    evaluations++;
    const v = fg(x, g);
    return Number.isFinite(v) && g.every(Number.isFinite) ? v : Infinity;
  };

  let x = x0.slice();
  let g = new Array<number>(n).fill(0);
  let f = evaluate(x, g);
  let H = opts.inverseHessian ? opts.inverseHessian.map((row) => row.slice()) : identity(n);
  if (!Number.isFinite(f)) return { x, fx: f, iterations: 0, evaluations, converged: false, inverseHessian: H };
  let fresh = !opts.inverseHessian; // H is the identity: the first step is scaled to a modest length
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; iterations++) {
    if (maxAbs(g) <= gradTol) {
      converged = true;
      break;
    }
    let p = H.map((row) => -dot(row, g));
    let slope = dot(g, p);
    if (!(slope < 0)) {
      // Not a descent direction (H lost positive definiteness numerically): restart from steepest descent.
      H = identity(n);
      fresh = true;
      p = g.map((gi) => -gi);
      slope = dot(g, p);
    }
    let t = fresh ? Math.min(1, 1 / Math.sqrt(dot(g, g))) : 1;
    const gNew = new Array<number>(n).fill(0);
    let xNew = x;
    let fNew = Infinity;
    let accepted = false;
    for (let k = 0; k < 60; k++) {
      xNew = x.map((xi, i) => xi + t * p[i]);
      fNew = evaluate(xNew, gNew);
      if (fNew <= f + 1e-4 * t * slope) {
        accepted = true;
        break;
      }
      // Quadratic interpolation of the step where possible, else halve; keep within [0.1, 0.5] of the last step.
      const q = Number.isFinite(fNew) ? (-slope * t * t) / (2 * (fNew - f - slope * t)) : 0.1 * t;
      t = Math.min(0.5 * t, Math.max(0.1 * t, q));
    }
    if (!accepted) {
      if (fresh) break; // even steepest descent makes no progress: at the optimum to machine precision
      H = identity(n);
      fresh = true;
      continue;
    }
    const s = xNew.map((xi, i) => xi - x[i]);
    const y = gNew.map((gi, i) => gi - g[i]);
    const sy = dot(s, y);
    const progress = f - fNew;
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (fresh) {
        // Scale the initial inverse Hessian to the curvature just seen (Nocedal & Wright 6.20).
        const scale = sy / dot(y, y);
        H = H.map((row) => row.map((v) => v * scale));
        fresh = false;
      }
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
      const rho = 1 / sy;
      const Hy = H.map((row) => dot(row, y));
      const yHy = dot(y, Hy);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          H[i][j] += -rho * (Hy[i] * s[j] + s[i] * Hy[j]) + (rho * rho * yHy + rho) * s[i] * s[j];
        }
      }
    }
    x = xNew;
    f = fNew;
    g = gNew;
    if (progress <= 1e-16 * Math.abs(f) && maxAbs(s) <= 1e-14) break;
  }
  return { x, fx: f, iterations, evaluations, converged, inverseHessian: H };
}
