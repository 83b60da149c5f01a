// `siyu jobs …` in-process on both stores (each call opens the store and the app, so the calls are few).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { runCli } from '../../../test/support/cli.ts';
import { openStore } from '../../store/open-store.ts';
import { JobService } from '../../modules/jobs/service.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';

describe.each(ENGINES)('siyu jobs [%s]', (engine) => {
  let db: TestDb;
  let dbArgs: string[];

  beforeAll(async () => {
    db = await createTestDb(engine);
    dbArgs = db.options.dbPath ? ['--db', db.options.dbPath] : ['--database-url', db.options.databaseUrl!];
  });
  afterAll(async () => db?.cleanup());

  it('sets, lists and deletes schedules; lists, shows, cancels and retries jobs', async () => {
    const bad = await runCli(['jobs', 'schedule-set', 'x', '--cron', '* * * * *', '--kind', 'jobs.noop', '--payload', '{nope', ...dbArgs]);
    expect(bad.error?.code).toBe('cli.payload_invalid');
    const set = await runCli(['jobs', 'schedule-set', 'ping', '--cron', '*/5 * * * *', '--kind', 'jobs.noop', '--timezone', 'UTC', '--payload', '{"n":1}', ...dbArgs]);
    expect(set.error).toBeUndefined();
    expect(set.out).toMatch(/^schedule ping: \*\/5 \* \* \* \* \(UTC\) → jobs\.noop, next 20\d\d-/);
    expect((await runCli(['jobs', 'schedules', ...dbArgs])).out).toMatch(/^ping\t\*\/5 \* \* \* \*\tUTC\tjobs\.noop\tenabled\tnext 20/);
    expect((await runCli(['jobs', 'schedule-delete', 'ping', ...dbArgs])).out).toBe('deleted schedule ping\n');

    // Jobs in the default workspace (the CLI's), enqueued directly; nothing runs them here.
    const store = await openStore(db.options);
    const jobs = new JobService({ store, timezoneOf: async () => 'UTC' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await jobs.enqueue(DEFAULT_WORKSPACE, { kind: 'jobs.noop', payload: { i }, key: `k${i}` })).id);
    await store.close();

    const list = await runCli(['jobs', 'list', '--limit', '2', ...dbArgs]);
    expect(list.out.split('\n').filter(Boolean)).toHaveLength(3);
    expect(list.out).toMatch(new RegExp(`^${ids[2]}\tjobs\\.noop\tqueued\t0/5\t\\S+\tkey k2\n`));
    const cursor = /more: --cursor (\S+)/.exec(list.out)![1];
    expect((await runCli(['jobs', 'list', '--limit', '2', '--cursor', cursor, ...dbArgs])).out).toContain(ids[0]);
    const shown = JSON.parse((await runCli(['jobs', 'show', ids[1], ...dbArgs])).out);
    expect(shown).toMatchObject({ id: ids[1], state: 'queued', payload: { i: 1 } });
    expect((await runCli(['jobs', 'cancel', ids[1], ...dbArgs])).out).toBe(`cancelled jobs.noop job ${ids[1]}\n`);
    expect((await runCli(['jobs', 'retry', ids[1], ...dbArgs])).out).toMatch(new RegExp(`^jobs\\.noop job ${ids[1]} queued \\(attempt 0/5, due `));
    expect((await runCli(['jobs', 'stats', ...dbArgs])).out).toContain('jobs.noop\tqueued\t3\n');
  });
});
