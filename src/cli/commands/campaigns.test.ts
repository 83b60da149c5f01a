// `siyu campaigns …` in-process on both stores: referral config, codes and report; a group-buy deal; assist and
// bargain campaigns; the jobs; invalid input exits with the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, jsonFiles, withApp } from '../../../test/support/cli.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';

describe.each(ENGINES)('siyu campaigns [%s]', (engine) => {
  let db: TestDb;
  const { file } = jsonFiles('siyu-campaigns-cli-');
  const { tryRun: run } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { members: [{ user_id: 'inv1' }, { user_id: 'new1' }] });
    });
  });
  afterAll(async () => db?.cleanup());

  it('sets and shows the referral program, prints codes and the report', async () => {
    const program = file('program', { trigger: 'registration', inviterReward: { points: 10 } });
    expect((await run(['campaigns', 'referral', 'config', 'set', '--program', `@${program}`, '--link-base', 'https://b.example/r/'])).out).toContain('trigger registration');
    expect(JSON.parse((await run(['campaigns', 'referral', 'config', 'show'])).out)).toMatchObject({ program: { trigger: 'registration' }, link_base: 'https://b.example/r/' });
    const code = (await run(['campaigns', 'referral', 'code', 'user_id:inv1'])).out;
    expect(code).toMatch(/^[A-Z2-9]{10}\thttps:\/\/b\.example\/r\/[A-Z2-9]{10}\n$/);
    expect((await run(['campaigns', 'referral', 'report'])).out).toContain('invites issued 1 → attributed 0');
    const bad = await run(['campaigns', 'referral', 'config', 'set', '--program', '{"attributionDays":0}']);
    expect(bad.error).toMatchObject({ code: 'referral.invalid_config' });
    expect(bad.error.message).toContain('(field program.attributionDays)');
  });

  it('creates and lists deals and help campaigns, and runs the jobs', async () => {
    expect((await run(['campaigns', 'group-buy', 'create', 'duo', '--price', '59', '--config', '{"groupSize":2,"timeLimitMinutes":60}'])).out).toMatch(/created group-buy deal duo \(gbd_/);
    expect((await run(['campaigns', 'group-buy', 'deals'])).out).toMatch(/duo\tactive\t2 people in 60 min\t59/);
    expect((await run(['campaigns', 'assist', 'create', 'a1', '--config', '{"helpsRequired":2,"timeLimitMinutes":10}', '--reward', '{"points":5}'])).out).toMatch(/created assist campaign a1/);
    expect((await run(['campaigns', 'bargain', 'create', 'b1', '--config', '{"originalPrice":10,"floorPrice":1,"helpsToFloor":3,"timeLimitMinutes":10}'])).out).toMatch(/created bargain campaign b1/);
    expect((await run(['campaigns', 'bargain', 'list'])).out).toMatch(/b1\tactive\t10 min/);
    expect(JSON.parse((await run(['campaigns', 'jobs', 'run'])).out)).toMatchObject({ group_buy: { failed: 0 }, help: { expired: 0 } });
  });
});
