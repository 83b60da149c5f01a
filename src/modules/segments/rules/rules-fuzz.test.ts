// Property-based fuzzing of the segment rule language on both stores: arbitrary rule trees with injection strings
// in fields, refs and values either fail validation with a segment.* code or compile to SQL that runs, with no value
// text spliced into the SQL. Through the API (preview), never a 5xx.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { fuzzRuns, nastyJson, nastyNumber, nastyString } from '../../../../test/support/hostile.ts';
import { isSiyuError } from '../../../core/errors.ts';
import { LIFECYCLE_STAGES, RFM_SEGMENTS, VALUE_TIERS } from '../../../core/segmentation/index.ts';
import { compileRule, parseRule } from './index.ts';
import { CLV_FIELDS, COMPARE_OPS, COUNT_OPS } from './schema.ts';
import { MEMBER_FIELDS, TRAIT_FIELDS } from './fields.ts';
import { NOW, seedRulesFixture, TZ } from './rules-fixture.ts';

const WS = 'ws_rules_fuzz';
/** Every generated string carries this marker, so any of them spliced into SQL text is found. */
const MARK = 'ZQ';
const text = nastyString(30).map((s) => MARK + s);
const scalar = fc.oneof(text, nastyNumber, fc.boolean());
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }), fc.constant(undefined), nastyJson);
const op = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...COMPARE_OPS) }, { weight: 1, arbitrary: text });
const countOp = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...COUNT_OPS) }, { weight: 1, arbitrary: text });
const days = fc.oneof(fc.integer({ min: 1, max: 3660 }), nastyNumber);
const date = fc.oneof(fc.constantFrom('2026-01-01', '2026-03-01T00:00:00Z', '2025-12-31T23:59:59+08:00'), text);
const window = fc.record({ within_days: days, between: fc.tuple(date, date) }, { requiredKeys: [] });
const field = fc.oneof(
  fc.constantFrom(...Object.keys(MEMBER_FIELDS)),
  text.map((s) => `attributes.${s}`),
  fc.constantFrom('attributes.level', 'attributes.score', 'attributes.a.b'),
  text,
);
const filter = fc.record({ property: fc.oneof(text, fc.constantFrom('sku', 'price')), op, value }, { requiredKeys: ['property', 'op'] });
const refs = fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 }));

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ attribute: field, op, value }, { requiredKeys: ['attribute', 'op'] }),
  fc.record({ trait: fc.oneof(fc.constantFrom(...Object.keys(TRAIT_FIELDS)), text), op, value }, { requiredKeys: ['trait', 'op'] }),
  fc.record({ has_tag: refs }),
  fc.record({ lacks_tag: refs }),
  fc.record({ event: fc.record({ name: fc.oneof(text, fc.constant('Product Viewed')), where: fc.array(filter, { maxLength: 2 }), count: fc.record({ op: countOp, value: nastyNumber }), within_days: days, between: fc.tuple(date, date) }, { requiredKeys: ['name'] }) }),
  fc.record({ sequence: fc.record({ steps: fc.array(fc.record({ name: text, where: fc.array(filter, { maxLength: 1 }) }, { requiredKeys: ['name'] }), { minLength: 1, maxLength: 3 }), within_hours: nastyNumber }, { requiredKeys: ['steps'] }) }),
  fc.record({ orders: fc.record({ measure: fc.constantFrom('count', 'sum', 'avg'), op: countOp, value: nastyNumber, categories: fc.array(text, { minLength: 1, maxLength: 2 }), products: fc.array(text, { minLength: 1, maxLength: 2 }), channels: fc.array(text, { minLength: 1, maxLength: 2 }) }, { requiredKeys: ['measure', 'op', 'value'] }).chain((o) => window.map((w) => ({ ...o, ...w }))) }),
  fc.record({ in_segment: text }),
  fc.record({ not_in_segment: text }),
  fc.record({ has_identity: fc.oneof(text, fc.constantFrom('phone', 'user_id')) }),
  fc.record({ in_group: fc.record({ groups: fc.array(text, { minLength: 1, maxLength: 2 }), positioning: text, value_tier: text, tag: text, owner: text }, { requiredKeys: [] }) }),
  fc.record({ rfm_segment: fc.oneof(fc.constantFrom(...RFM_SEGMENTS.map((s) => s.id)), text) }),
  fc.record({ lifecycle_stage: fc.oneof(fc.constantFrom(...LIFECYCLE_STAGES), text) }),
  fc.record({ value_tier: fc.oneof(fc.constantFrom(...VALUE_TIERS), text) }),
  fc.record({ clv: fc.record({ field: fc.oneof(fc.constantFrom(...CLV_FIELDS), text), op, value }, { requiredKeys: ['field', 'op'] }) }),
  fc.record({ points_balance: fc.record({ op: countOp, value: nastyNumber }) }),
  fc.record({ tier: refs }),
  fc.record({ points_expiring: fc.record({ within_days: days, op: countOp, value: nastyNumber }) }),
  fc.record({ coupons: fc.record({ op: countOp, value: nastyNumber, templates: refs, expiring_within_days: days }, { requiredKeys: ['op', 'value'] }) }),
  fc.dictionary(text, nastyJson, { maxKeys: 2 }),
);

const rule: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ and: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ or: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
  ),
})).node;

/** Every string anywhere in a value (keys too). */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, strings(k, out));
  return out;
}

forEachStore('segment rules fuzz', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    await seedRulesFixture(ctx.store, WS);
    t = await createTestApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  it('either refuses a rule with segment.* or compiles it to SQL that runs, with no value text in the SQL', async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(rule, async (raw) => {
        let sql: string;
        let params: unknown[];
        try {
          const parsed = parseRule(raw);
          ({ sql, params } = compileRule(ctx.store, parsed, { workspaceId: WS, now: NOW, timezone: TZ, segmentIds: {} }));
        } catch (e) {
          expect(isSiyuError(e), String((e as Error)?.stack)).toBe(true);
          expect((e as { code: string }).code).toMatch(/^segment\./);
          return;
        }
        expect(sql).not.toContain(MARK);
        for (const s of strings(raw)) if (s.length > 0 && s.includes("'")) expect(sql).not.toContain(s);
        const [{ n }] = await ctx.store.query<{ n: number }>(`SELECT count(*) AS n FROM (${sql}) q`, params as never);
        expect(Number(n)).toBeGreaterThanOrEqual(0);
        ran++;
      }),
      { numRuns: fuzzRuns(200) },
    );
    if (process.env.FC_VERBOSE) console.log("rules that ran", ran);
    expect(ran).toBeGreaterThan(0);
  });

  it('answers preview of arbitrary rules with 200 or 400 segment.*, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: rule }, { weight: 1, arbitrary: nastyJson }), async (raw) => {
        const r = await t.app.inject({ method: 'POST', url: '/api/segments/preview', headers: t.admin, payload: { rule: raw, sample: 1 } });
        expect(r.statusCode, `${JSON.stringify(raw)} → ${r.body}`).toBeLessThan(500);
        if (r.statusCode !== 200) {
          expect(r.statusCode, r.body).toBeLessThan(500);
          expect(r.json().code, r.body).toMatch(/^(segment|request)\./);
          expect(r.body).not.toMatch(/\bFROM (members|events|orders)\b|SQLSTATE/);
        } else expect(typeof r.json().count).toBe('number');
      }),
      { numRuns: fuzzRuns(60) },
    );
  });
});
