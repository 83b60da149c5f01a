// Tests of the special functions behind the CLV models.
import { describe, expect, it } from 'vitest';
import { betaln, hyp2f1, lgamma } from './special.ts';

describe('lgamma / betaln', () => {
  it('matches factorials and known values', () => {
    expect(lgamma(1)).toBeCloseTo(0, 14);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(lgamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(lgamma(-0.5)).toBeCloseTo(Math.log(2 * Math.sqrt(Math.PI)), 12);
    expect(lgamma(171.5)).toBeCloseTo(709.0, 0);
    expect(betaln(2, 3)).toBeCloseTo(Math.log(1 / 12), 13);
  });
});

describe('hyp2f1', () => {
  it('matches closed forms inside and near the edge of the unit disc', () => {
    // 2F1(1,1;2;z) = −ln(1−z)/z
    for (const z of [0.1, 0.5, 0.8, 0.95, 0.999, -0.7, -5]) {
      expect(hyp2f1(1, 1, 2, z)).toBeCloseTo(-Math.log(1 - z) / z, 10);
    }
    // 2F1(a,b;b;z) = (1−z)^(−a), with non-integer c − a − b to exercise the 1 − z transformation.
    for (const z of [0.3, 0.9, 0.9999]) {
      const v = hyp2f1(0.7, 2.3, 2.3, z);
      expect(Math.abs(v / Math.pow(1 - z, -0.7) - 1)).toBeLessThan(1e-10);
    }
    // 2F1(1/2,1/2;3/2;z²) = arcsin(z)/z
    for (const z of [0.5, 0.95, 0.9999]) expect(hyp2f1(0.5, 0.5, 1.5, z * z)).toBeCloseTo(Math.asin(z) / z, 9);
  });

  it('agrees between the direct series and the 1 − z transformation', () => {
    // Just below and above the switch point the two methods must give the same continuous function.
    const a = 2.1, b = 1.7, c = 4.35;
    const below = hyp2f1(a, b, c, 0.75);
    const above = hyp2f1(a, b, c, 0.7500001);
    expect(Math.abs(above / below - 1)).toBeLessThan(1e-5);
  });

  it('rejects z >= 1', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
  });
});
