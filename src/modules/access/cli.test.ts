// `siyu user …` and `siyu key create --scope …` in-process on both stores; then the password works for sign-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { runCli } from '../../../test/support/cli.ts';
import { openStore } from '../../store/open-store.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../core/config.ts';

describe.each(ENGINES)('siyu user / key [%s]', (engine) => {
  let db: TestDb;
  let dbArgs: string[];
  const run = async (args: string[]) => {
    const r = await runCli([...args, ...dbArgs]);
    if (r.error) throw r.error;
    return r.out;
  };

  beforeAll(async () => {
    db = await createTestDb(engine);
    dbArgs = db.options.dbPath ? ['--db', db.options.dbPath] : ['--database-url', db.options.databaseUrl!];
  });
  afterAll(async () => db?.cleanup());

  it('creates, lists, updates, disables, enables, resets and deletes users', async () => {
    expect(await run(['user', 'create', 'Li.Lei', '--role', 'operator', '--password', 'op password', '--name', '李雷'])).toMatch(/created operator li\.lei \(usr_/);
    const generated = await run(['user', 'create', 'hanmeimei', '--role', 'viewer']);
    expect(generated).toMatch(/password: \S{12,}\n/);
    const bad = await runCli(['user', 'create', 'x1', '--role', 'root', ...dbArgs]);
    expect(bad.error?.code).toBe('request.invalid');
    expect(await run(['user', 'list'])).toMatch(/li\.lei\toperator\t李雷\tactive\t-\n[^]*hanmeimei\tviewer\t\tactive/);
    expect(await run(['user', 'update', 'li.lei', '--role', 'analyst'])).toMatch(/li\.lei\tanalyst\t李雷\tactive/);
    expect(await run(['user', 'disable', 'li.lei'])).toMatch(/\tdisabled\t/);
    expect(await run(['user', 'enable', 'li.lei'])).toMatch(/\tactive\t/);
    expect(await run(['user', 'reset-password', 'li.lei', '--password', 'new password'])).toBe('password of li.lei reset\n');
    expect(await run(['user', 'reset-password', 'hanmeimei'])).toMatch(/password: \S{12,}/);
    expect(await run(['user', 'delete', 'hanmeimei'])).toBe('deleted hanmeimei\n');
    expect((await runCli(['user', 'delete', 'hanmeimei', ...dbArgs])).error?.code).toBe('user.not_found');

    const store = await openStore(db.options);
    try {
      const { app } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}), consoleDir: false });
      await app.ready();
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'li.lei', password: 'new password' } });
      expect(r.json().user).toMatchObject({ role: 'analyst', display_name: '李雷' });
      await app.close();
    } finally {
      await store.close();
    }
  });

  it('creates keys by scope and lists scope and last use', async () => {
    const k = JSON.parse(await run(['key', 'create', '--scope', 'read', '--name', 'BI', '--json']));
    expect(k).toMatchObject({ scope: 'read', kind: 'read' });
    expect(await run(['keys', 'create', '--name', 'POS'])).toMatch(/^ingest key key_\w+\nsecret: wk_/);
    expect(await run(['keys', 'create', '--kind', 'admin'])).toMatch(/^admin key /);
    expect(await run(['keys', 'list'])).toMatch(new RegExp(`${k.id}\\tread\\tsk_read_[^\\t]*…\\tBI\\tactive\\t-`));
  });
});
