// Money arithmetic in integer cents, so sums of prices do not pick up binary floating-point noise.

/** Currency units → integer cents (half away from zero). @example toCents(19.9) // 1990 */
export const toCents = (v: number): number => Math.sign(v) * Math.round(Math.abs(v) * 100 + 1e-7);

/** Integer cents → currency units. @example fromCents(1990) // 19.9 */
export const fromCents = (c: number): number => c / 100;

/** Rounds to cents. @example roundMoney(0.1 + 0.2) // 0.3 */
export const roundMoney = (v: number): number => fromCents(toCents(v));
