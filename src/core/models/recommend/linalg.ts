// Small dense linear algebra on Float64Array for the ALS solves: Cholesky and conjugate gradient (row-major f × f).

/**
 * Solves A x = b for symmetric positive-definite A (row-major n × n) by Cholesky; A is overwritten by its factor.
 * Returns false when A is not positive definite (x untouched).
 * @example const x = new Float64Array(2); choleskySolve(new Float64Array([4, 0, 0, 9]), new Float64Array([8, 9]), x, 2) // x = [2, 1]
 */
export function choleskySolve(a: Float64Array, b: Float64Array, x: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! * a[j * n + k]!;
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / l;
    }
  }
  // forward: L y = b, then back: Lᵀ x = y
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= a[i * n + k]! * x[k]!;
    x[i] = s / a[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < n; k++) s -= a[k * n + i]! * x[k]!;
    x[i] = s / a[i * n + i]!;
  }
  return true;
}

/** Dot product of a[ao..ao+n) and b[bo..bo+n). */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[ao + k]! * b[bo + k]!;
  return s;
}
