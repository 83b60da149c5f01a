// fast-check arbitraries of hostile input shared by the fuzz tests: SQL quotes, NUL bytes, lone surrogates, huge and
// tiny numbers, deep nesting, long strings, prototype keys. Each test keeps its run count small (seconds per file).
import fc from 'fast-check';

/** Strings chosen to break naive code: quotes, comments, NUL, broken UTF-16, RTL marks, HTML, format strings. */
export const NASTY_STRINGS = [
  "'",
  "''",
  "'; DROP TABLE events; --",
  "' OR '1'='1",
  '"; SELECT pg_sleep(10); --',
  '$1',
  '$$',
  '\\',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u2066',
  '😀',
  '中文 私域',
  '<script>alert(1)</script>',
  '<img src=x onerror="window.__xss=1">',
  '{{ 7 * 7 }}',
  '{% raw %}',
  '%s%n%x',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9999-12-31T23:59:59Z',
  '0001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '2026-02-30T00:00:00+08:00',
  '1969-12-31T23:59:59.999Z',
  '9999-12-31',
  '0000-00-00',
  ' ',
  '',
];

export const nastyString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 2, arbitrary: fc.string({ maxLength, unit: 'binary' }) },
    { weight: 2, arbitrary: fc.string({ maxLength }) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...NASTY_STRINGS), { maxLength: 4 }).map((a) => a.join('x')) },
  );

export const nastyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2, 5e-324, -0, 2 ** 63, 2 ** 31, -(2 ** 31) - 1),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Any JSON value built from nasty strings and numbers, a few levels deep. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString(),
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(nastyString(12), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A value nested `depth` levels: {a:{a:…}} or [[…]]. */
export function deeplyNested(depth: number, array = false): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = array ? [v] : { a: v };
  return v;
}

/** Runs of each property; small so each fuzz file takes seconds (FC_RUNS overrides for a long local hunt). */
export const fuzzRuns = (n: number) => Number(process.env.FC_RUNS ?? n);
