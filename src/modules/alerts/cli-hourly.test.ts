// `siyu alerts …` with hourly monitors, in-process on both stores: create with --granularity hour (default hourly
// schedule), evaluate an hour with --as-of, list its hour periods, update the granularity back, and the refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, withStore } from '../../../test/support/cli.ts';
import { DEFAULT_WORKSPACE } from '../workspaces/service.ts';
import { insertTrackEvents } from './testing.ts';

const H10 = '2024-06-03T10:00';

describe.each(ENGINES)('siyu alerts, hourly [%s]', (engine) => {
  let db: TestDb;
  const { run, tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withStore(db, async (store) => {
      await store.exec(`INSERT INTO workspaces (id, name) VALUES ($1, 'Default') ON CONFLICT DO NOTHING`, [DEFAULT_WORKSPACE]);
      // 20 bad reviews between 10:00 and 11:00 Asia/Shanghai (02:00–03:00 UTC), 3 in the hour before.
      const instants = [...Array.from({ length: 20 }, (_, k) => `2024-06-03T02:${String(k * 2).padStart(2, '0')}:00Z`), '2024-06-03T01:00:00Z', '2024-06-03T01:10:00Z', '2024-06-03T01:20:00Z'];
      await insertTrackEvents(store, DEFAULT_WORKSPACE, 'bad_review', instants.map((ts, i) => ({ id: `r${i}`, ts })));
    });
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  it('creates, evaluates an hour, lists it, updates the granularity', async () => {
    expect(await run(['alerts', 'monitors', 'create', '差评/h', '--metric', 'event_count', '--event', 'bad_review', '--granularity', 'hour', '--static', 'above', '--warning', '10']))
      .toMatch(/^created monitor 差评\/h \(amon_\w+\) on event_count hourly, schedule 5 \* \* \* \*\n$/);
    expect(await run(['alerts', 'monitors', 'list'])).toMatch(/^差评\/h\tevent_count hourly\tstatic above\t5 \* \* \* \*\tenabled\t-\tamon_\w+\n$/);
    expect(await run(['alerts', 'evaluate', '--as-of', '2024-06-03T09:00', '--dry-run'])).toBe('差评/h\t2024-06-03T09:00\tok\tvalue 3\tnone\n');
    const opened = await run(['alerts', 'evaluate', '--as-of', H10, '--monitor', '差评/h']);
    expect(opened).toMatch(/^差评\/h\t2024-06-03T10:00\tbreach warning\tvalue 20\topened alrt_\w+\n$/);
    const id = /opened (alrt_\w+)/.exec(opened)![1];
    expect(await run(['alerts', 'list'])).toBe(`${id}\topen\twarning\t差评/h\t${H10}..${H10}\t20\t×1\n`);
    // A date evaluates the daily monitors only: there are none.
    expect(await run(['alerts', 'evaluate', '--as-of', '2024-06-03'])).toBe('no enabled monitors\n');

    expect(await run(['alerts', 'monitors', 'update', '差评/h', '--granularity', 'day', '--cooldown', '30']))
      .toMatch(/^updated monitor 差评\/h \(amon_\w+\) on event_count, schedule 5 9 \* \* \*\n$/);
    expect(JSON.parse(await run(['alerts', 'monitors', 'update', '差评/h', '--granularity', 'hour', '--disable', '--json']))).toMatchObject({ granularity: 'hour', schedule: '5 * * * *', enabled: false, cooldown_minutes: 30 });
  });

  it('refuses hours for daily-only metrics and an as_of of the wrong granularity', async () => {
    const dau = await tryRun(['alerts', 'monitors', 'create', 'dau/h', '--metric', 'dau', '--granularity', 'hour']);
    expect(dau.error).toMatchObject({ code: 'alert.granularity_unsupported', message: expect.stringMatching(/metric dau .*\(field granularity\)/) });
    const date = await tryRun(['alerts', 'evaluate', '--monitor', '差评/h', '--as-of', '2024-06-03']);
    expect(date.error).toMatchObject({ code: 'alert.as_of_invalid', message: expect.stringContaining('(field as_of)') });
    expect((await tryRun(['alerts', 'monitors', 'update', '差评/h', '--enable', '--disable'])).error).toMatchObject({ code: 'cli.flags_conflict' });
    expect((await tryRun(['alerts', 'monitors', 'create', 'x', '--metric', 'orders', '--granularity', 'week'])).error).toMatchObject({ code: 'request.invalid' });
  });
});
