// `siyu loyalty …` end to end on both stores, in-process (the CLI opens the database itself, as without a server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, jsonFiles, withApp } from '../../../test/support/cli.ts';
import { DEFAULT_WORKSPACE } from '../workspaces/service.ts';
import { TEST_PROGRAM } from './fixture.ts';

describe.each(ENGINES)('siyu loyalty [%s]', (engine) => {
  let db: TestDb;
  const { file } = jsonFiles('siyu-loyalty-cli-');
  const { run, tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { user_id: 'cli-u1' }, null);
    });
  });
  afterAll(async () => db?.cleanup());

  it('sets and shows the program, adjusts points idempotently, lists tiers and rewards, runs the jobs', async () => {
    const program = file('program', { program: TEST_PROGRAM, lots: { expiry: { type: 'days', days: 10 } } });
    expect(await run(['loyalty', 'program', 'set', '--file', program])).toContain('regular < silver < gold < black');
    expect(await run(['loyalty', 'program', 'show'])).toContain('银卡 / Silver');

    const adjust = ['loyalty', 'points', 'adjust', 'user_id:cli-u1', '--delta', '1200', '--reason', 'welcome', '--operator', 'ops', '--idempotency-key', 'cli-k1'];
    expect(await run(adjust)).toContain('adjusted (cli-k1): balance 1200');
    expect(await run(adjust)).toContain('already applied');
    const shown = JSON.parse(await run(['loyalty', 'points', 'show', 'user_id:cli-u1', '--json']));
    expect(shown).toMatchObject({ balance: 1200, entries: { data: [{ kind: 'adjust', reason: 'welcome', operator: 'ops' }] } });

    expect(await run(['loyalty', 'rewards', 'create', '--name', 'Cup', '--cost', '100', '--stock', '5', '--id', 'cup'])).toContain('created reward cup');
    expect(await run(['loyalty', 'rewards', 'list'])).toMatch(/cup\tCup\t100 points\t5 left/);
    expect(await run(['loyalty', 'tiers', 'assign', 'user_id:cli-u1', '--tier', 'gold', '--reason', 'vip', '--operator', 'ops'])).toContain('tier gold');
    expect(await run(['loyalty', 'tiers', 'review'])).toMatch(/reviewed \d+ members/);
    const all = JSON.parse(await run(['loyalty', 'tiers', 'review', '--all', '--json']));
    expect(all.reviewed).toBeGreaterThanOrEqual(1); // every live member, not only those above the lowest tier
    const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
    expect(await run(['loyalty', 'expire', '--at', later])).toContain('expired: 1200 points in 1 lots of 1 members');
    expect(await run(['loyalty', 'drift'])).toContain('mismatched 0');

    const bad = await tryRun(['loyalty', 'points', 'adjust', 'user_id:cli-u1', '--delta', 'lots', '--reason', 'x']);
    expect(bad.error).toMatchObject({ code: 'cli.invalid_number' });
    const unknown = await tryRun(['loyalty', 'points', 'show', 'user_id:nobody']);
    expect(unknown.error?.message).toContain('404');
  });
});
