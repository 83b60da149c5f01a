// Coupon and invite codes: crypto-random, unbiased, with a configurable length, alphabet and prefix, and a check
// that refuses code spaces small enough to guess into for the batch size.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SiyuError } from '../errors.ts';
import { parseWith } from './shared.ts';

/** Upper-case letters and digits without the look-alikes 0/O, 1/I/L (read aloud or typed from a poster). */
export const DEFAULT_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export const CodeFormatSchema = z
  .object({
    length: z.number().int().min(4).max(64).default(12),
    alphabet: z
      .string()
      .min(2)
      .max(256)
      .refine((a) => new Set(a).size === a.length, 'alphabet characters must be distinct')
      .refine((a) => /^[\x21-\x7e]+$/.test(a), 'alphabet must be printable ASCII without spaces')
      .default(DEFAULT_ALPHABET),
    /** Upper case only, so a code typed in lower case still matches after `normalizeCode`. */
    prefix: z.string().regex(/^[A-Z0-9_-]{0,16}$/, 'up to 16 of A-Z, 0-9, _ or -').default(''),
    /** Highest acceptable chance that one random guess hits some valid code (n codes / code space). */
    maxGuessProbability: z.number().gt(0).lt(1).default(1e-9),
  })
  .strict();
export type CodeFormat = z.output<typeof CodeFormatSchema>;
export const parseCodeFormat = (raw: unknown = {}): CodeFormat => parseWith(CodeFormatSchema, 'coupon_code', raw);

/** Bits of randomness per code. @example entropyBits(parseCodeFormat()) // 12 × log2(31) ≈ 59.4 */
export const entropyBits = (f: CodeFormat): number => f.length * Math.log2(f.alphabet.length);

/** Chance that `n` random codes contain a duplicate (birthday bound; duplicates are redrawn, this is for sizing). */
export function collisionProbability(f: CodeFormat, n: number): number {
  const space = Math.pow(f.alphabet.length, f.length);
  return -Math.expm1((-n * (n - 1)) / (2 * space));
}

/** Chance that one random guess is a valid code when `n` codes exist. */
export const guessProbability = (f: CodeFormat, n: number): number => n / Math.pow(f.alphabet.length, f.length);

/**
 * Refuses a format too short for `totalCodes` (this batch plus codes already issued with the format): the guess
 * chance must stay under `maxGuessProbability`. The error says the shortest length that would do.
 */
export function assertCodeSpace(f: CodeFormat, totalCodes: number): void {
  if (guessProbability(f, totalCodes) <= f.maxGuessProbability) return;
  const minLength = Math.ceil(Math.log(totalCodes / f.maxGuessProbability) / Math.log(f.alphabet.length));
  throw new SiyuError('invalid_data', 'coupon_code.too_short', `length: ${f.length} characters are guessable for ${totalCodes} codes; use at least ${minLength}`, {
    field: 'length', details: { minLength, entropyBits: entropyBits(f) },
  });
}

/** One code: each character drawn uniformly by rejection sampling (no modulo bias) from crypto-random bytes. */
export function randomCode(f: CodeFormat, bytes: (n: number) => Uint8Array = randomBytes): string {
  const k = f.alphabet.length;
  const limit = 256 - (256 % k); // bytes ≥ limit would favour the first characters
  let out = '';
  while (out.length < f.length) {
    for (const b of bytes(f.length * 2)) {
      if (b >= limit) continue;
      out += f.alphabet[b % k];
      if (out.length === f.length) break;
    }
  }
  return f.prefix + out;
}

/**
 * A batch of `count` distinct codes, none in `existing` (the store still enforces uniqueness with a constraint;
 * this avoids retries). Checks the code space first.
 * @example generateCodes(parseCodeFormat({ prefix: 'VIP' }), 3) // ['VIPK7M2…', …]
 */
export function generateCodes(f: CodeFormat, count: number, existing: ReadonlySet<string> = new Set(), bytes?: (n: number) => Uint8Array): string[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > 10_000_000)
    throw new SiyuError('invalid_data', 'coupon_code.invalid_count', 'count: 1 to 10,000,000 codes per batch', { field: 'count' });
  assertCodeSpace(f, count + existing.size);
  const out = new Set<string>();
  while (out.size < count) {
    const c = randomCode(f, bytes);
    if (!existing.has(c)) out.add(c);
  }
  return [...out];
}

/**
 * A code as a member typed or pasted it, normalised for lookup: white space removed, upper-cased when the alphabet
 * has no lower case. @example normalizeCode(' vip-k7m2 ') // 'VIP-K7M2'
 */
export function normalizeCode(raw: string, f?: CodeFormat): string {
  const s = raw.replace(/\s+/g, '');
  const alphabet = f?.alphabet ?? DEFAULT_ALPHABET;
  return alphabet === alphabet.toUpperCase() ? s.toUpperCase() : s;
}
