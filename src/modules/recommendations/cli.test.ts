// `siyu recommend …` end to end on both stores, in-process (the CLI opens the database itself, as without a server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, withApp } from '../../../test/support/cli.ts';
import { DEFAULT_WORKSPACE } from '../workspaces/service.ts';

describe.each(ENGINES)('siyu recommend [%s]', (engine) => {
  let db: TestDb;
  const { run, tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ store, services }) => {
      const it = (id: string) => ({ product_id: id, name: id.toUpperCase(), category: 'c', quantity: 1, unit_price: 5 });
      const orders: Record<string, unknown>[] = [];
      for (let i = 0; i < 6; i++) {
        orders.push({ order_id: `o${i}`, user_id: `u${i}`, items: [it('a'), it('b'), ...(i % 2 ? [it('c')] : [])], paid_at: `2024-0${1 + (i % 3)}-10T00:00:00Z` });
        orders.push({ order_id: `p${i}`, user_id: `u${i}`, items: [it(i % 2 ? 'd' : 'e')], paid_at: '2024-06-10T00:00:00Z' });
      }
      orders.push({ order_id: 'q', user_id: 'solo', items: [it('a')], paid_at: '2024-01-01T00:00:00Z' });
      await store.transaction((tx) => services.orders.upsertOrders(tx, DEFAULT_WORKSPACE, orders));
    });
  });
  afterAll(() => db?.cleanup());

  it('trains, lists models, a member and also-bought', async () => {
    const trained = await run(['recommend', 'train', '--factors', '4']);
    expect(trained).toMatch(/^item_cf\trmod/m);
    expect(trained).toMatch(/^als\trmod/m);
    expect(await run(['recommend', 'models'])).toMatch(/\tals\t/);
    const member = await run(['recommend', 'member', 'user_id:solo', '--algorithm', 'item_cf', '--n', '2']);
    expect(member.split('\n')[0]).toMatch(/^1\tb\tB\tc\t/);
    const json = JSON.parse(await run(['recommend', 'member', 'user_id:solo', '--json']));
    expect(json.items.length).toBeGreaterThan(0);
    expect(await run(['recommend', 'also-bought', 'a'])).toMatch(/^1\tb\tB\t\d+ bought both/);
  });

  it('evaluates the store on a time split', async () => {
    const text = await run(['recommend', 'evaluate', '--split-date', '2024-05-01', '--k', '2']);
    expect(text).toContain('| algorithm | precision@2 | recall@2 | NDCG@2 | hit rate@2 | coverage | train ms |');
    expect(text).toMatch(/\| popularity \|/);
    const json = JSON.parse(await run(['recommend', 'evaluate', '--split-date', '2024-05-01', '--format', 'json']));
    expect(json).toMatchObject({ k: 10, test_members: expect.any(Number) });
    const bad = await tryRun(['recommend', 'evaluate', '--split-date', 'yesterday']);
    expect(bad.error).toMatchObject({ code: 'recommend.split_date_invalid' });
  });
});
