// `siyu broadcast …` on both stores, in-process: create (draft, or scheduled at once), list, schedule, progress after
// the jobs ran, show, cancel, send-test, and errors with their codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { runCli } from '../../../test/support/cli.ts';
import { openStore } from '../../store/open-store.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../core/config.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';
import { startHttpSink, type HttpSink } from '../../modules/messaging/testing/http-sink.ts';

describe.each(ENGINES)('siyu broadcast [%s]', (engine) => {
  let db: TestDb;
  let dbArgs: string[];
  let sink: HttpSink;
  const ws = DEFAULT_WORKSPACE;

  /** Opens the store with the full app, runs `fn`, closes it again (the CLI opens it in between). */
  async function withServices<T>(fn: (s: Awaited<ReturnType<typeof buildApp>>['services']) => Promise<T>): Promise<T> {
    const store = await openStore(db.options);
    const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}) });
    await app.ready();
    try {
      return await fn(services);
    } finally {
      await app.close();
      await store.close();
    }
  }

  beforeAll(async () => {
    db = await createTestDb(engine);
    dbArgs = db.options.dbPath ? ['--db', db.options.dbPath] : ['--database-url', db.options.databaseUrl!];
    sink = await startHttpSink();
    await withServices(async (s) => {
      await s.workspaces.ensureDefault();
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
    const created = await runCli(['broadcast', 'create', '--name', '回访', '--segment', '老客', '--template', '问候', '--channel', 'hook', '--holdout', '0.2', '--json', ...dbArgs]);
    expect(created.error).toBeUndefined();
    const b = JSON.parse(created.out);
    expect(b).toMatchObject({ status: 'draft', holdout_share: 0.2 });
    expect((await runCli(['broadcast', 'list', ...dbArgs])).out).toContain(`${b.id}\t回访\tdraft\twebhook\tnow\tholdout 0.2`);
    expect((await runCli(['broadcast', 'schedule', '回访', ...dbArgs])).out).toMatch(/^scheduled broadcast 回访 \(brd_\w+\): now, starts .*, template v1/);
    await withServices((s) => s.jobs.drain({ kinds: ['broadcast.start', 'broadcast.chunk'] }));
    const p = await runCli(['broadcast', 'progress', b.id, '--json', ...dbArgs]);
    const progress = JSON.parse(p.out);
    expect(progress).toMatchObject({ status: 'completed', audience: 20, counts: { pending: 0, failed: 0, skipped: 0 } });
    expect(progress.counts.sent + progress.counts.holdout).toBe(20);
    expect(sink.delivered.size).toBe(progress.counts.sent);
    expect((await runCli(['broadcast', 'progress', b.id, ...dbArgs])).out).toMatch(new RegExp(`^completed: audience 20 · sent ${progress.counts.sent} · failed 0 · skipped 0 · holdout ${progress.counts.holdout} · pending 0 · chunks 1/1 done`));
    const shown = await runCli(['broadcast', 'show', b.id, ...dbArgs]);
    expect(shown.out).toMatch(/template mtpl_\w+ v1 · channel mch_\w+ · marketing/);
    const test = await runCli(['broadcast', 'send-test', b.id, '--member', 'user_id:cli1', '--to', 'email=staff@example.com', ...dbArgs]);
    expect(test.out).toMatch(/^test send broadcast-test:brd_\w+:tst_\w+: sent 1, failed 0, skipped 0/);
  });

  it('schedules at a member-local time at once, cancels, and reports errors with codes', async () => {
    const r = await runCli(['broadcast', 'create', '--name', '新年', '--segment', '老客', '--template', '问候', '--channel', 'hook', '--local-time', '2099-01-01 10:00', '--rate', '50', '--schedule', ...dbArgs]);
    expect(r.out).toMatch(/^scheduled broadcast 新年 \(brd_\w+\): 2099-01-01 10:00 member-local, starts 2098-12-31T20:00:00.000Z/);
    expect((await runCli(['broadcast', 'cancel', '新年', ...dbArgs])).out).toMatch(/^cancelled broadcast 新年/);
    expect((await runCli(['broadcast', 'list', '--status', 'cancelled', ...dbArgs])).out).toContain('新年\tcancelled\twebhook\t2099-01-01 10:00 member-local\t50/s');
    expect((await runCli(['broadcast', 'create', '--name', 'x', '--segment', '老客', '--template', 'nope', '--channel', 'hook', ...dbArgs])).error?.code).toBe('template.not_found');
    expect((await runCli(['broadcast', 'create', '--name', 'x', '--segment', '老客', '--template', '问候', '--channel', 'hook', '--local-time', 'tomorrow', ...dbArgs])).error?.code).toBe('cli.local_time_invalid');
    expect((await runCli(['broadcast', 'cancel', '回访', ...dbArgs])).error?.code).toBe('broadcast.not_cancellable');
  });
});
