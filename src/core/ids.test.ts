import { describe, expect, it } from 'vitest';
import { newId } from './ids.ts';

describe('newId', () => {
  it('is prefix, 10 time chars and 16 random chars of Crockford base32', () => {
    expect(newId('mem')).toMatch(/^mem_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('sorts in creation order, also within one millisecond', () => {
    const at = Date.now();
    const ids = Array.from({ length: 5000 }, (_, i) => newId('job', at + Math.floor(i / 1000)));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('starts afresh (random) in a new millisecond', () => {
    const a = newId('x', 1_000_000), b = newId('x', 1_000_001);
    expect(a.slice(2, 12)).not.toBe(b.slice(2, 12));
    expect(b > a).toBe(true);
  });
});
