// `siyu broadcast …` on both stores, in-process: create (draft, or scheduled at once), list, schedule, progress after
// the jobs ran, show, cancel, send-test, and errors with their codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, withApp } from '../../../test/support/cli.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';
import { startHttpSink, type HttpSink } from '../../modules/messaging/testing/http-sink.ts';

describe.each(ENGINES)('siyu broadcast [%s]', (engine) => {
  let db: TestDb;
  let sink: HttpSink;
  const ws = DEFAULT_WORKSPACE;
  const { tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    sink = await startHttpSink();
    await withApp(db, async ({ services: s }) => {
      await s.members.upsert(ws, { members: Array.from({ length: 20 }, (_, i) => ({ user_id: `cli${i}`, name: `顾客${i}` })) });
      await s.segments.create(ws, { name: '老客', kind: 'static', members: Array.from({ length: 20 }, (_, i) => `user_id:cli${i}`) } as any);
      await s.messaging.createChannel(ws, { name: 'hook', type: 'webhook', config: { url: sink.url }, options: { retries: 0 } as any, enabled: true });
      await s.templates.create(ws, { name: '问候', content: { webhook: { body: { text: '{{ member.name }},好久不见' } } } });
      await s.consent.updateGuardConfig(ws, { quiet_hours: null }); // runs at any hour
    });
  });
  afterAll(async () => {
    await sink?.close();
    await db?.cleanup();
  });

  it('creates, schedules, runs and reports a broadcast', async () => {
    const created = await tryRun(['broadcast', 'create', '--name', '回访', '--segment', '老客', '--template', '问候', '--channel', 'hook', '--holdout', '0.2', '--json']);
    expect(created.error).toBeUndefined();
    const b = JSON.parse(created.out);
    expect(b).toMatchObject({ status: 'draft', holdout_share: 0.2 });
    expect((await tryRun(['broadcast', 'list'])).out).toContain(`${b.id}\t回访\tdraft\twebhook\tnow\tholdout 0.2`);
    expect((await tryRun(['broadcast', 'schedule', '回访'])).out).toMatch(/^scheduled broadcast 回访 \(brd_\w+\): now, starts .*, template v1/);
    await withApp(db, ({ services }) => services.jobs.drain({ kinds: ['broadcast.start', 'broadcast.chunk'] }));
    const p = await tryRun(['broadcast', 'progress', b.id, '--json']);
    const progress = JSON.parse(p.out);
    expect(progress).toMatchObject({ status: 'completed', audience: 20, counts: { pending: 0, failed: 0, skipped: 0 } });
    expect(progress.counts.sent + progress.counts.holdout).toBe(20);
    expect(sink.delivered.size).toBe(progress.counts.sent);
    expect((await tryRun(['broadcast', 'progress', b.id])).out).toMatch(new RegExp(`^completed: audience 20 · sent ${progress.counts.sent} · failed 0 · skipped 0 · holdout ${progress.counts.holdout} · pending 0 · chunks 1/1 done`));
    const shown = await tryRun(['broadcast', 'show', b.id]);
    expect(shown.out).toMatch(/template mtpl_\w+ v1 · channel mch_\w+ · marketing/);
    const test = await tryRun(['broadcast', 'send-test', b.id, '--member', 'user_id:cli1', '--to', 'email=staff@example.com']);
    expect(test.out).toMatch(/^test send broadcast-test:brd_\w+:tst_\w+: sent 1, failed 0, skipped 0/);
  });

  it('schedules at a member-local time at once, cancels, and reports errors with codes', async () => {
    const r = await tryRun(['broadcast', 'create', '--name', '新年', '--segment', '老客', '--template', '问候', '--channel', 'hook', '--local-time', '2099-01-01 10:00', '--rate', '50', '--schedule']);
    expect(r.out).toMatch(/^scheduled broadcast 新年 \(brd_\w+\): 2099-01-01 10:00 member-local, starts 2098-12-31T20:00:00.000Z/);
    expect((await tryRun(['broadcast', 'cancel', '新年'])).out).toMatch(/^cancelled broadcast 新年/);
    expect((await tryRun(['broadcast', 'list', '--status', 'cancelled'])).out).toContain('新年\tcancelled\twebhook\t2099-01-01 10:00 member-local\t50/s');
    expect((await tryRun(['broadcast', 'create', '--name', 'x', '--segment', '老客', '--template', 'nope', '--channel', 'hook'])).error?.code).toBe('template.not_found');
    expect((await tryRun(['broadcast', 'create', '--name', 'x', '--segment', '老客', '--template', '问候', '--channel', 'hook', '--local-time', 'tomorrow'])).error?.code).toBe('cli.local_time_invalid');
    expect((await tryRun(['broadcast', 'cancel', '回访'])).error?.code).toBe('broadcast.not_cancellable');
  });
});
