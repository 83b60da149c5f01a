// Shared pieces of the pure loyalty model: config parsing, money in cents, points, results and rounding.
import { z } from 'zod';
import { SiyuError } from '../errors.ts';
import { parseWith } from '../segmentation/shared.ts';

export { parseWith };

/**
 * Outcome of a business check that may legitimately fail (not enough points, coupon expired): the caller decides
 * whether to show it, try something else or throw. Invalid configs and inputs throw SiyuError instead.
 */
export type Result<T, C extends string = string> = ({ ok: true } & T) | { ok: false; code: C; message: string; details?: Record<string, unknown> };

/** A failed Result. @example fail('points.insufficient', 'need 50 more points', { shortBy: 50 }) */
export const fail = <C extends string>(code: C, message: string, details?: Record<string, unknown>) =>
  ({ ok: false, code, message, ...(details ? { details } : {}) }) as const;

/**
 * A failed Result as the SiyuError a service throws for it (`conflict` → HTTP 409 by default).
 * @example throw resultError(plan) // when !plan.ok
 */
export function resultError(r: { code: string; message: string; details?: Record<string, unknown> }, type: SiyuError['type'] = 'conflict'): SiyuError {
  return new SiyuError(type, r.code, r.message, { details: r.details });
}

/** Currency units → integer cents (half away from zero); the same rule as the orders module. @example toCents(19.9) // 1990 */
export const toCents = (v: number): number => Math.sign(v) * Math.round(Math.abs(v) * 100 + 1e-7);

/** Integer cents → currency units. @example fromCents(1990) // 19.9 */
export const fromCents = (c: number): number => c / 100;

/** How a fractional point count becomes whole points. */
export const Rounding = z.enum(['floor', 'round', 'ceil']);
export type Rounding = z.output<typeof Rounding>;

/**
 * Rounds a non-negative point count. A tolerance of 1e-9 keeps float noise from costing or granting a point
 * (0.1 × 3 × 10 is 2.9999999999999996, which must floor to 3).
 * @example roundPoints(2.9999999999999996, 'floor') // 3
 */
export function roundPoints(x: number, mode: Rounding): number {
  const eps = 1e-9 * Math.max(1, Math.abs(x));
  if (mode === 'floor') return Math.floor(x + eps);
  if (mode === 'ceil') return Math.ceil(x - eps);
  return Math.round(x + eps);
}

/**
 * floor(a × b / c) exactly, for integers whose product may pass 2^53 (points × cents). Used for pro rata shares,
 * where an off-by-one from float rounding would claw back a point too many.
 * @example mulDivFloor(7, 1, 3) // 2
 */
export function mulDivFloor(a: number, b: number, c: number): number {
  if (c === 0) throw new RangeError('division by zero');
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

/** round-half-up(a × b / c) exactly for non-negative integers. @example mulDivRound(1, 1, 2) // 1 */
export function mulDivRound(a: number, b: number, c: number): number {
  return Number((2n * BigInt(a) * BigInt(b) + BigInt(c)) / (2n * BigInt(c)));
}

/**
 * Splits `total` integer units over `weights` in proportion, summing exactly to `total` (largest remainder; ties go
 * to the earlier weight). All-zero weights split nothing (everything goes to the first).
 * @example allocate(100, [1, 1, 1]) // [34, 33, 33]
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const base = weights.map((w) => mulDivFloor(total, w, sum));
  let left = total - base.reduce((s, v) => s + v, 0);
  const order = weights
    .map((w, i) => ({ i, rem: Number((BigInt(total) * BigInt(w)) % BigInt(sum)) }))
    .sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    base[i]++;
    left--;
  }
  return base;
}

/** A whole, non-negative point count (at most 10^12, well inside exact double integers). */
export const Points = z.number().int().min(0).max(1e12);
/** A money amount in currency units (yuan), at most 10^11 like orders. */
export const Money = z.number().finite().min(0).max(1e11);
/** An ISO-8601 instant with a zone, as stored and exchanged everywhere. */
export const Instant = z.iso.datetime({ offset: true });
/** An identifier-like code: lower-case letters, digits, `_` and `-` (tier codes, event names, groups). */
export const Slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use a-z, 0-9, _ or - (up to 64 chars)');
/** A name in Chinese and English for the console. */
export const I18nName = z.object({ zh: z.string().min(1).max(64), en: z.string().min(1).max(64) }).strict();

/** Milliseconds of an instant, refusing strings that are not dates. */
export function ms(iso: string, field = 'at'): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new SiyuError('invalid_data', 'loyalty.invalid_time', `${field}: not a time: ${iso}`, { field });
  return t;
}

/** An ISO instant (UTC, `Z`) of milliseconds. */
export const iso = (t: number): string => new Date(t).toISOString();
