// Cohort activity as BIGINT bit masks (one bit per unit), shared by the raw and the facts-based cohort queries.

/** Bits per BIGINT mask: units 0–61 in the first mask, 62–123 in the second, … (no sign bit). */
export const BITS = 62;

/** Bit `unit` (an SQL expression) of the masks named prefix0, prefix1, … as 0 or 1; `range` lists the masks. */
export function bitOf(prefix: string, unit: string, range: number[]): string {
  const pick = range.length === 1 ? `${prefix}0` : `CASE ${range.map((j) => `WHEN ${unit} < ${(j + 1) * BITS} THEN ${prefix}${j}`).join(' ')} END`;
  return `((COALESCE(${pick}, 0) >> ((${unit}) % ${BITS})) & 1)`;
}
