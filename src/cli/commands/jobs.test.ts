// `siyu jobs …` in-process on both stores (each call opens the store and the app, so the calls are few).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, withStore } from '../../../test/support/cli.ts';
import { JobService } from '../../modules/jobs/service.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';

describe.each(ENGINES)('siyu jobs [%s]', (engine) => {
  let db: TestDb;
  const { tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
  });
  afterAll(async () => db?.cleanup());

  it('sets, lists and deletes schedules; lists, shows, cancels and retries jobs', async () => {
    const bad = await tryRun(['jobs', 'schedule-set', 'x', '--cron', '* * * * *', '--kind', 'jobs.noop', '--payload', '{nope']);
    expect(bad.error?.code).toBe('cli.payload_invalid');
    const set = await tryRun(['jobs', 'schedule-set', 'ping', '--cron', '*/5 * * * *', '--kind', 'jobs.noop', '--timezone', 'UTC', '--payload', '{"n":1}']);
    expect(set.error).toBeUndefined();
    expect(set.out).toMatch(/^schedule ping: \*\/5 \* \* \* \* \(UTC\) → jobs\.noop, next 20\d\d-/);
    expect((await tryRun(['jobs', 'schedules'])).out).toMatch(/^ping\t\*\/5 \* \* \* \*\tUTC\tjobs\.noop\tenabled\tnext 20/);
    expect((await tryRun(['jobs', 'schedule-delete', 'ping'])).out).toBe('deleted schedule ping\n');

    // Jobs in the default workspace (the CLI's), enqueued directly; nothing runs them here.
    const ids: string[] = [];
    await withStore(db, async (store) => {
      const jobs = new JobService({ store, timezoneOf: async () => 'UTC' });
      for (let i = 0; i < 3; i++) ids.push((await jobs.enqueue(DEFAULT_WORKSPACE, { kind: 'jobs.noop', payload: { i }, key: `k${i}` })).id);
    });

    const list = await tryRun(['jobs', 'list', '--limit', '2']);
    expect(list.out.split('\n').filter(Boolean)).toHaveLength(3);
    expect(list.out).toMatch(new RegExp(`^${ids[2]}\tjobs\\.noop\tqueued\t0/5\t\\S+\tkey k2\n`));
    const cursor = /more: --cursor (\S+)/.exec(list.out)![1];
    expect((await tryRun(['jobs', 'list', '--limit', '2', '--cursor', cursor])).out).toContain(ids[0]);
    const shown = JSON.parse((await tryRun(['jobs', 'show', ids[1]])).out);
    expect(shown).toMatchObject({ id: ids[1], state: 'queued', payload: { i: 1 } });
    expect((await tryRun(['jobs', 'cancel', ids[1]])).out).toBe(`cancelled jobs.noop job ${ids[1]}\n`);
    expect((await tryRun(['jobs', 'retry', ids[1]])).out).toMatch(new RegExp(`^jobs\\.noop job ${ids[1]} queued \\(attempt 0/5, due `));
    expect((await tryRun(['jobs', 'stats'])).out).toContain('jobs.noop\tqueued\t3\n');
  });
});
