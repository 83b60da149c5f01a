// `siyu loyalty earn-events` and `siyu loyalty quote` end to end on both stores, in-process: events tracked before
// the program had a `track` rule are awarded by the first sweep (7-day look-back), once; the quote from flags and a file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, jsonFiles, withApp } from '../../../test/support/cli.ts';
import { TEST_PROGRAM } from './fixture.ts';

describe.each(ENGINES)('siyu loyalty quote and earn-events [%s]', (engine) => {
  let db: TestDb;
  const { file } = jsonFiles('siyu-loyalty-quote-');
  const { run, tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ app, keyHeaders }) => {
      const r = await app.inject({
        method: 'POST', url: '/v1/track', headers: await keyHeaders('write'),
        payload: { userId: 'cli-q1', event: 'Signed In', messageId: 'cli-signin-1', timestamp: new Date(Date.now() - 3_600_000).toISOString() },
      });
      expect(r.statusCode, r.body).toBe(200);
    });
  });
  afterAll(async () => db?.cleanup());

  it('sweeps tracked events once, then quotes a checkout from flags and from a file', async () => {
    const program = {
      program: {
        ...TEST_PROGRAM,
        tiers: [{ ...TEST_PROGRAM.tiers[0], benefits: { discountPercent: 2 } }, ...TEST_PROGRAM.tiers.slice(1)],
        pointsValue: { points: 1, amount: 0.1, maxShare: 0.5 },
      },
      earn: { events: [{ event: 'sign_in', points: 5, caps: { day: 1 }, track: 'Signed In' }] },
      lots: { pendingDays: 0 },
    };
    await run(['loyalty', 'program', 'set', '--file', file('program', program)]);

    expect(await run(['loyalty', 'earn-events'])).toMatch(/^1 tracked events since .*: 1 earned 5 points, 0 capped, 0 skipped, 0 refused; swept to /);
    expect(JSON.parse(await run(['loyalty', 'earn-events', '--json']))).toMatchObject({ events: 0, earned: 0 });

    const text = await run(['loyalty', 'quote', '--member', 'user_id:cli-q1', '--item', 'latte:coffee:40:2', '--item', 'cookie::5', '--shipping', '8', '--points', 'max']);
    // 2 % off 85 = 1.70; 5 points pay 0.50 (the balance); shipping 8.
    expect(text).toContain('tier regular (普通 / Regular), 2% off');
    expect(text).toContain('points: 5 used = 0.50 (available 5');
    expect(text).toContain('goods 85.00 − tier 1.70 − coupons 0.00 − points 0.50 = 82.80');
    expect(text).toContain('payable 90.80');
    expect(text).toContain('earns 82 points (earned)');

    const order = file('order', { items: [{ sku: 'latte', category: 'coffee', price: 40, quantity: 1 }], shipping: 6, coupons: ['NOPE'] });
    const q = JSON.parse(await run(['loyalty', 'quote', '--member', 'user_id:cli-q1', '--file', order, '--json']));
    expect(q).toMatchObject({ goods_total: 40, tier_discount: 0.8, payable_total: 45.2, coupons: [{ code: 'NOPE', applied: false, error: { code: 'coupon.not_found' } }] });

    const bad = await tryRun(['loyalty', 'quote', '--member', 'user_id:cli-q1', '--item', 'latte']);
    expect(bad.error).toMatchObject({ code: 'cli.invalid_item' });
    const none = await tryRun(['loyalty', 'quote', '--item', 'latte::1']);
    expect(none.error).toMatchObject({ code: 'cli.member_required' });
  });
});
