// Unit tests of code generation: alphabet and prefix, uniqueness, unbiased draws, code-space checks, normalisation.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALPHABET, assertCodeSpace, collisionProbability, entropyBits, generateCodes, normalizeCode, parseCodeFormat, randomCode } from './codes.ts';

describe('codes', () => {
  it('generates distinct codes of the alphabet with the prefix', () => {
    const f = parseCodeFormat({ prefix: 'VIP-', length: 10 });
    const codes = generateCodes(f, 2000);
    expect(new Set(codes).size).toBe(2000);
    for (const c of codes) expect(c).toMatch(/^VIP-[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{10}$/);
    expect(DEFAULT_ALPHABET).not.toMatch(/[01OIL]/);
  });
  it('avoids codes that already exist', () => {
    const f = parseCodeFormat({ alphabet: 'AB', length: 4, maxGuessProbability: 0.99 });
    const existing = new Set(['AAAA', 'AAAB', 'ABAB']);
    const codes = generateCodes(f, 12, existing); // 15 of the 16 possible codes in use afterwards
    expect(codes.filter((c) => existing.has(c))).toEqual([]);
    expect(new Set([...codes, ...existing]).size).toBe(15);
    expect(() => generateCodes(f, 13, existing)).toThrow(expect.objectContaining({ code: 'coupon_code.too_short' }));
  });
  it('draws characters without modulo bias (bytes above the last full cycle are skipped)', () => {
    // Alphabet of 3: bytes 255 (≥ 255 = 256 − 256 % 3) are rejected; 0,1,2 map to A,B,C.
    let calls = 0;
    const bytes = (n: number) => { calls++; return Uint8Array.from({ length: n }, (_, i) => (calls === 1 ? 255 : i % 3)); };
    expect(randomCode(parseCodeFormat({ alphabet: 'ABC', length: 4, maxGuessProbability: 0.5 }), bytes)).toBe('ABCA');
    expect(calls).toBe(2);
  });
  it('states entropy and collision odds, and refuses a code space too small for the batch', () => {
    const f = parseCodeFormat();
    expect(entropyBits(f)).toBeCloseTo(12 * Math.log2(31), 6);
    expect(collisionProbability(f, 1_000_000)).toBeLessThan(1e-5);
    expect(() => assertCodeSpace(f, 1_000_000)).not.toThrow();
    expect(() => assertCodeSpace(parseCodeFormat({ length: 6 }), 1_000_000))
      .toThrow(expect.objectContaining({ code: 'coupon_code.too_short', field: 'length', details: expect.objectContaining({ minLength: 11 }) }));
  });
  it('validates the format and normalises typed codes', () => {
    expect(() => parseCodeFormat({ alphabet: 'AAB' })).toThrow(expect.objectContaining({ code: 'coupon_code.invalid_config', field: 'alphabet' }));
    expect(() => parseCodeFormat({ prefix: 'vip' })).toThrow(expect.objectContaining({ field: 'prefix' }));
    expect(normalizeCode(' vip-k7m2 x ')).toBe('VIP-K7M2X');
  });
});
