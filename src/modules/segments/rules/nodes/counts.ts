// Count and amount comparisons shared by event and order nodes.
import type { CountOp } from '../schema.ts';

/** The operator that holds exactly when `op` does not. */
export const INVERSE: Record<CountOp, CountOp> = { '>=': '<', '>': '<=', '<=': '>', '<': '>=', '=': '!=', '!=': '=' };

/** Whether `n op value` holds. */
export function countHolds(n: number, op: CountOp, value: number): boolean {
  switch (op) {
    case '>=': return n >= value;
    case '>': return n > value;
    case '<=': return n <= value;
    case '<': return n < value;
    case '=': return n === value;
    case '!=': return n !== value;
  }
}

/** True when `count op value` holds for every count ≥ 1, so a plain "has a row" test is enough (no GROUP BY). */
export function trivialForPositive(op: CountOp, value: number): boolean {
  return ((op === '>=' || op === '>') && countHolds(1, op, value)) || (op === '!=' && value === 0);
}

/** SQL spelling of a count operator. */
export const sqlOp = (op: CountOp) => (op === '!=' ? '<>' : op);
