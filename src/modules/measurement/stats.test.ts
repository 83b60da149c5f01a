// Statistics against published and independently computed values: Newcombe's (1998) Table II examples for the
// hybrid score interval, Wilson intervals and t quantiles as scipy gives them, Welch intervals as R's t.test.
import { describe, expect, it } from 'vitest';
import { erfc, incompleteBeta, meanVariance, newcombeDifference, normalCdf, normalQuantile, relativeLift, tQuantile, welchDifference, wilson } from './stats.ts';

const close = (actual: number | undefined, expected: number, digits = 6) => expect(actual).toBeCloseTo(expected, digits);

describe('normal and t quantiles', () => {
  it('match the tables (scipy.stats.norm.ppf / t.ppf)', () => {
    close(normalQuantile(0.975), 1.959963984540054, 14);
    close(normalQuantile(0.5), 0, 12);
    close(normalQuantile(0.01), -2.3263478740408408, 8);
    close(normalQuantile(0.999), 3.090232306167813, 7);
    const t: [number, number][] = [[1, 12.706204736174694], [2, 4.302652729749462], [5, 2.5705818356363146], [10, 2.228138851986274], [30, 2.0422724563012378], [100, 1.9839715185235518], [1000, 1.9623390808264083], [7.3, 2.345066736547703]];
    for (const [df, q] of t) close(tQuantile(0.975, df), q, 8);
    close(tQuantile(0.025, 10), -2.228138851986274, 8);
  });

  it('erfc and Φ match scipy.special.erfc / norm.cdf in the body and the tails', () => {
    expect(erfc(1) / 0.15729920705028516).toBeCloseTo(1, 13);
    expect(erfc(2.4) / 0.0006885138966450789).toBeCloseTo(1, 11);
    expect(erfc(3) / 2.2090496998585445e-5).toBeCloseTo(1, 13);
    close(erfc(-0.5), 1.5204998778130465, 14);
    close(normalCdf(1.96), 0.9750021048517795, 14);
    close(normalQuantile(1e-10), -6.361340902404056, 9);
    close(normalQuantile(0.9999999), 5.199337582290661, 9);
  });

  it('incomplete beta: symmetric case and a closed form', () => {
    close(incompleteBeta(0.5, 3, 3), 0.5, 12);
    // I_x(1, b) = 1 − (1 − x)^b
    close(incompleteBeta(0.3, 1, 4), 1 - 0.7 ** 4, 12);
  });
});

describe('Wilson score interval', () => {
  it('matches scipy binomtest(…).proportion_ci(method="wilson")', () => {
    const [l1, u1] = wilson(56, 70);
    close(l1, 0.6918335550374693, 10);
    close(u1, 0.8769526075163704, 10);
    const [l2, u2] = wilson(48, 80);
    close(l2, 0.490454650051604, 10);
    close(u2, 0.7003817240412907, 10);
    expect(wilson(0, 10)[0]).toBe(0);
    close(wilson(0, 10)[1], 0.27753279986288926, 10);
    expect(wilson(10, 10)[1]).toBe(1);
  });
});

describe('Newcombe hybrid score interval for p1 − p2', () => {
  // Newcombe RG (1998) Stat Med 17:873–890, Table II, method 10 (to 4 decimals in the paper).
  const table: [number, number, number, number, number, number][] = [
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [10, 10, 0, 20, 0.6791, 1.0],
  ];
  it.each(table)('%i/%i − %i/%i → [%f, %f]', (x1, n1, x2, n2, lo, hi) => {
    const r = newcombeDifference(x1, n1, x2, n2)!;
    close(r.estimate, x1 / n1 - x2 / n2, 12);
    close(r.ci[0], lo, 4);
    close(r.ci[1], hi, 4);
  });

  it('to full precision for a campaign-sized example (derived from scipy Wilson limits)', () => {
    const r = newcombeDifference(120, 1000, 90, 1000)!;
    close(r.estimate, 0.03, 12);
    close(r.ci[0], 0.0030960486785798214, 10);
    close(r.ci[1], 0.057009571192658454, 10);
    // Narrower than nothing and wider than the Wald interval's lower bound (0.003162…): it is not the Wald interval.
    expect(r.ci[0]).toBeLessThan(0.003162087844242642);
  });

  it('is null without a group', () => {
    expect(newcombeDifference(1, 0, 1, 10)).toBeNull();
  });
});

describe('relative lift (Katz log interval of the risk ratio)', () => {
  it('matches exp(ln RR ± z·SE) − 1', () => {
    const r = relativeLift(120, 1000, 90, 1000)!;
    close(r.estimate, 1 / 3, 12);
    close(r.ci[0], 0.029234260416685753, 10);
    close(r.ci[1], 0.7272819669431172, 10);
  });
  it('is null when a group has no conversions', () => {
    expect(relativeLift(5, 100, 0, 100)).toBeNull();
    expect(relativeLift(0, 100, 3, 100)).toBeNull();
  });
});

describe('Welch interval for a difference of means', () => {
  const moments = (xs: number[]) => ({ n: xs.length, sum: xs.reduce((a, b) => a + b, 0), sumSq: xs.reduce((a, b) => a + b * b, 0) });

  it('matches scipy ttest_ind(equal_var=False).confidence_interval()', () => {
    const r = welchDifference(moments([3, 5, 7, 9, 11, 2]), moments([1, 2, 1, 3]))!;
    close(r.estimate, 4.416666666666667, 10);
    close(r.ci[0], 0.7501527332777198, 8);
    close(r.ci[1], 8.083180600055615, 8);
    close(r.df!, 6.064895095258328, 8);
  });

  it('matches on revenue-like data with many zeros', () => {
    const r = welchDifference(moments([0, 0, 0, 120.5, 99, 0, 0, 35.2, 0, 0]), moments([0, 0, 88, 0, 0, 0, 0, 0]))!;
    close(r.estimate, 14.47, 8);
    close(r.ci[0], -24.280345297450467, 7);
    close(r.ci[1], 53.220345297450464, 7);
    close(r.df!, 15.651237139429272, 7);
  });

  it('handles constant groups and too few values', () => {
    expect(welchDifference(moments([2, 2]), moments([1, 1]))).toEqual({ estimate: 1, ci: [1, 1], df: null });
    expect(welchDifference(moments([2]), moments([1, 1]))).toBeNull();
    expect(meanVariance({ n: 0, sum: 0, sumSq: 0 })).toEqual({ mean: null, variance: null });
  });
});
