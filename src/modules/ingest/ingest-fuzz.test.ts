// Property-based fuzzing of the Segment ingest API on both stores: arbitrary JSON, SQL quotes, NUL bytes, broken
// UTF-16, huge numbers, deep nesting. Every answer is 200 or a 4xx with a code, never a 5xx, and what is accepted
// is stored and readable.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { deeplyNested, fuzzRuns, nastyJson, nastyNumber, nastyString } from '../../../test/support/hostile.ts';
import { MESSAGE_TYPES } from './schema.ts';

const idLike = fc.oneof(nastyString(60), nastyNumber, fc.constant(null), fc.constant(undefined));
const objectLike = fc.oneof(fc.dictionary(nastyString(16), nastyJson, { maxKeys: 6 }), nastyJson, fc.constant(undefined));

/** A message with every known field present or hostile, plus arbitrary extra fields. */
const message = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...MESSAGE_TYPES), nastyString(10)),
    userId: idLike,
    anonymousId: idLike,
    messageId: idLike,
    previousId: idLike,
    groupId: idLike,
    event: fc.oneof(nastyString(60), nastyNumber),
    name: fc.oneof(nastyString(60), nastyNumber),
    category: nastyString(20),
    timestamp: fc.oneof(nastyString(30), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), nastyNumber),
    sentAt: fc.oneof(nastyString(30), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
    channel: fc.oneof(nastyString(20), nastyNumber),
    properties: objectLike,
    traits: fc.oneof(
      objectLike,
      fc.record({ email: nastyString(), phone: nastyString(), name: nastyString(), birthday: nastyString(), channel: nastyString() }, { requiredKeys: [] }),
    ),
    context: objectLike,
    integrations: objectLike,
    extra: nastyJson,
  },
  { requiredKeys: [] },
);

forEachStore('ingest fuzz', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(ctx.store, { rateLimitIngest: 0 });
  });
  afterAll(async () => t?.app.close());

  const post = (url: string, payload: unknown) =>
    t.app.inject({ method: 'POST', url, headers: { ...t.write, 'content-type': 'application/json' }, payload: JSON.stringify(payload) ?? 'null' });

  function expectClean(r: { statusCode: number; body: string }, what: string) {
    expect(r.statusCode, `${what} → ${r.body}`).toBeLessThan(500);
    const body = JSON.parse(r.body);
    if (r.statusCode === 200) expect(body).toEqual({ success: true });
    else {
      expect(body.success, r.body).toBe(false);
      expect(body.code, r.body).toMatch(/^[a-z_]+\.[a-z_]+$|^rate_limited$/);
      // Field names may echo the client's own keys; never the store's statements or errors.
      expect(r.body).not.toMatch(/INSERT INTO|FROM events|json_extract|jsonb_|SQLSTATE|duckdb|syntax error/i);
    }
  }

  it('answers arbitrary single calls with 200 or a 4xx code', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...MESSAGE_TYPES), message, async (type, m) => {
        const r = await post(`/v1/${type}`, m);
        expectClean(r, `/v1/${type} ${JSON.stringify(m)}`);
      }),
      { numRuns: fuzzRuns(120) },
    );
  });

  it('answers arbitrary batches with 200 or a 4xx code', async () => {
    const body = fc.oneof(
      { weight: 4, arbitrary: fc.record({ batch: fc.array(message, { minLength: 0, maxLength: 5 }), context: objectLike, sentAt: nastyString(30) }, { requiredKeys: ['batch'] }) },
      { weight: 1, arbitrary: nastyJson },
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        expectClean(await post('/v1/batch', b), `/v1/batch ${JSON.stringify(b)}`);
      }),
      { numRuns: fuzzRuns(80) },
    );
  });

  it('answers arbitrary bytes as a body with 400', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (raw) => {
        const r = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { ...t.write, 'content-type': 'application/json' }, payload: raw });
        expectClean(r, JSON.stringify(raw));
      }),
      { numRuns: fuzzRuns(60) },
    );
  });

  it('stores hostile values it accepts exactly, and refuses NUL and lone surrogates naming the field', async () => {
    const storable = { quote: "'; DROP TABLE events; --", big: 1e308, tiny: 5e-324, neg: -1e308, deep: deeplyNested(50), unicode: '私域😀\u202e', html: '<img src=x onerror=alert(1)>' };
    const ok = await post('/v1/track', { userId: "o'brien", event: "Bought'; --", messageId: 'fz-store-1', properties: storable });
    expectClean(ok, 'storable');
    expect(ok.statusCode).toBe(200);
    const row = (await ctx.store.query<{ user_id: string; name: string; properties: any }>(`SELECT user_id, name, properties FROM events WHERE workspace_id = $1 AND message_id = $2`, [t.workspaceId, 'fz-store-1']))[0];
    expect(row).toMatchObject({ user_id: "o'brien", name: "Bought'; --" });
    expect(row.properties).toEqual(storable);

    const refused: Array<[string, object, string]> = [
      ['/v1/track', { userId: 'fz-1', event: 'E', properties: { ok: 1, nul: 'a\u0000b' } }, 'properties.nul'],
      ['/v1/track', { userId: 'fz-1', event: 'E', properties: { list: ['x', '\ud800'] } }, 'properties.list[1]'],
      ['/v1/track', { userId: 'fz-1', event: 'E', context: { '\udc00key': 1 } }, 'context.?key'],
      ['/v1/identify', { userId: 'fz-1', traits: { email: 'a\u0000@x.cn' } }, 'traits.email'],
      ['/v1/identify', { userId: '\ud800', traits: {} }, 'userId'],
      ['/v1/group', { userId: 'fz-g', groupId: "g'", traits: { name: '\u0000' } }, 'traits.name'],
      ['/v1/batch', { batch: [{ type: 'track', userId: 'fz-b', event: 'E' }, { type: 'track', userId: 'fz-b', event: 'E\ud800' }] }, 'batch[1].event'],
    ];
    for (const [url, body, field] of refused) {
      const r = await post(url, body);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json()).toMatchObject({ success: false, code: 'ingest.invalid_text', field });
    }
    // Valid surrogate pairs written as escapes are fine.
    const pair = await t.app.inject({ method: 'POST', url: '/v1/track', headers: { ...t.write, 'content-type': 'application/json' }, payload: '{"userId":"fz-pair","event":"E","properties":{"e":"\\ud83d\\ude00"}}' });
    expect(pair.statusCode, pair.body).toBe(200);
  });

  it('refuses bodies nested thousands of levels deep without a 5xx', async () => {
    const nested = (depth: number, array: boolean) => (array ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
    const raw = (url: string, payload: string) => t.app.inject({ method: 'POST', url, headers: { ...t.write, 'content-type': 'application/json' }, payload });
    for (const depth of [3_000, 6_000]) {
      for (const array of [false, true]) {
        const r = await raw('/v1/track', `{"userId":"fz-very-deep","event":"Deep","properties":{"deep":${nested(depth, array)}}}`);
        expectClean(r, `depth ${depth}`);
      }
    }
    for (const depth of [20_000, 100_000]) {
      const r = await raw('/v1/batch', `{"batch":[{"type":"track","userId":"x","event":"e","properties":{"d":${nested(depth, true)}}}]}`);
      expectClean(r, `batch depth ${depth}`);
      expect(r.statusCode).toBe(400);
    }
  });
});
