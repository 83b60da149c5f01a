// `siyu alerts …` in-process on both stores: create a monitor, back-test a spike, list/show/ack/resolve, delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, withStore } from '../../../test/support/cli.ts';
import { DEFAULT_WORKSPACE } from '../workspaces/service.ts';
import { dailyWithSpike, insertTrackEvents } from './testing.ts';
import { parseRecipient, ruleOf } from '../../cli/commands/alerts.ts';

const D = '2024-06-03';

describe.each(ENGINES)('siyu alerts [%s]', (engine) => {
  let db: TestDb;
  const { run, tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withStore(db, async (store) => {
      await store.exec(`INSERT INTO workspaces (id, name) VALUES ($1, 'Default') ON CONFLICT DO NOTHING`, [DEFAULT_WORKSPACE]);
      await insertTrackEvents(store, DEFAULT_WORKSPACE, 'bad_review', dailyWithSpike(D, 28, 3, 30, 'r'));
    });
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  it('monitors, evaluate, list, show, ack, resolve', async () => {
    expect(await run(['alerts', 'monitors', 'create', '差评', '--metric', 'event_count', '--event', 'bad_review', '--anomaly', 'up', '--weeks', '4', '--schedule', 'none']))
      .toMatch(/^created monitor 差评 \(amon_\w+\) on event_count, on demand\n$/);
    expect(await run(['alerts', 'monitors', 'list'])).toMatch(/^差评\tevent_count\tanomaly up\ton demand\tenabled\t-\tamon_\w+\n$/);
    expect(await run(['alerts', 'evaluate', '--as-of', D, '--dry-run'])).toMatch(/^差评\t2024-06-03\tbreach critical\tvalue 30\tnone\n$/);
    const opened = await run(['alerts', 'evaluate', '--as-of', D]);
    const id = /opened (alrt_\w+)/.exec(opened)![1];
    expect(await run(['alerts', 'list', '--state', 'open'])).toBe(`${id}\topen\tcritical\t差评\t2024-06-03..2024-06-03\t30\t×1\n`);
    expect(await run(['alerts', 'ack', id, '--note', '客服跟进'])).toBe(`${id} acknowledged\n`);
    expect(await run(['alerts', 'resolve', id, '--note', '已处理'])).toBe(`${id} resolved\n`);
    const shown = await run(['alerts', 'show', id]);
    expect(shown).toContain(`${id}\tresolved\tcritical\t差评`);
    expect(shown).toMatch(/opened\tsystem[\s\S]*acknowledged\t\S+\t客服跟进[\s\S]*resolved\t\S+\t已处理/);
    const bad = await tryRun(['alerts', 'list', '--state', 'closed']);
    expect(bad.error?.code).toBe('request.invalid');
    expect(await run(['alerts', 'monitors', 'delete', '差评'])).toBe('deleted monitor 差评\n');
    expect(await run(['alerts', 'list'])).toBe('no alerts\n');
  });

  it('names console users as recipients with --user', async () => {
    await run(['user', 'create', 'ops.lead', '--role', 'operator', '--password', 'ops lead password', '--email', 'lead@example.com']);
    const created = JSON.parse(await run(['alerts', 'monitors', 'create', '值班', '--metric', 'event_count', '--event', 'bad_review', '--static', 'above', '--warning', '10',
      '--schedule', 'none', '--recipient', 'name=值班,email=duty@example.com', '--user', 'ops.lead', '--json']));
    expect(created.recipients).toEqual([{ name: '值班', email: 'duty@example.com' }, { user: 'ops.lead' }]);
    const bad = await tryRun(['alerts', 'monitors', 'update', '值班', '--user', 'ops.lead', '--user', 'nobody']);
    expect(bad.error?.code).toBe('alert.recipient_unknown');
    expect(bad.error?.message).toMatch(/No console user nobody .*\(field recipients\.1\.user\)/);
    expect(JSON.parse(await run(['alerts', 'monitors', 'update', '值班', '--user', 'ops.lead', '--json'])).recipients).toEqual([{ user: 'ops.lead' }]);
    await run(['alerts', 'monitors', 'delete', '值班']);
  });
});

describe('alerts CLI flags', () => {
  it('builds rules and recipients', () => {
    expect(ruleOf({ static: 'above', warning: '0.05', critical: '0.1', periods: '2', minVolume: '20' })).toEqual({ type: 'static', op: 'above', thresholds: { warning: 0.05, critical: 0.1 }, periods: 2, min_volume: 20 });
    expect(ruleOf({ anomaly: true })).toEqual({ type: 'anomaly', direction: 'both' });
    expect(ruleOf({ rule: '{"type":"anomaly"}' })).toEqual({ type: 'anomaly' });
    expect(() => ruleOf({ static: 'above', warning: 'x' })).toThrow(/--warning must be a number/);
    expect(parseRecipient('staff:zhangsan')).toEqual({ staff: 'zhangsan' });
    expect(parseRecipient('user:ops.lead')).toEqual({ user: 'ops.lead' });
    expect(parseRecipient('name=值班,email=ops@example.com')).toEqual({ name: '值班', email: 'ops@example.com' });
    expect(() => parseRecipient('oops')).toThrow(/--recipient/);
  });
});
