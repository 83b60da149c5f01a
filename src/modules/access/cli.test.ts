// `siyu user …` and `siyu key create --scope …` in-process on both stores; then the password works for sign-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, withApp } from '../../../test/support/cli.ts';

describe.each(ENGINES)('siyu user / key [%s]', (engine) => {
  let db: TestDb;
  const { run, tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
  });
  afterAll(async () => db?.cleanup());

  it('creates, lists, updates, disables, enables, resets and deletes users', async () => {
    expect(await run(['user', 'create', 'Li.Lei', '--role', 'operator', '--password', 'op password', '--name', '李雷'])).toMatch(/created operator li\.lei \(usr_/);
    const generated = await run(['user', 'create', 'hanmeimei', '--role', 'viewer']);
    expect(generated).toMatch(/password: \S{12,}\n/);
    const bad = await tryRun(['user', 'create', 'x1', '--role', 'root']);
    expect(bad.error?.code).toBe('request.invalid');
    expect(await run(['user', 'list'])).toMatch(/li\.lei\toperator\t李雷\tactive\t-\n[^]*hanmeimei\tviewer\t\tactive/);
    expect(await run(['user', 'update', 'li.lei', '--role', 'analyst'])).toMatch(/li\.lei\tanalyst\t李雷\tactive/);
    expect(await run(['user', 'disable', 'li.lei'])).toMatch(/\tdisabled\t/);
    expect(await run(['user', 'enable', 'li.lei'])).toMatch(/\tactive\t/);
    expect(await run(['user', 'reset-password', 'li.lei', '--password', 'new password'])).toBe('password of li.lei reset\n');
    expect(await run(['user', 'reset-password', 'hanmeimei'])).toMatch(/password: \S{12,}/);
    expect(await run(['user', 'delete', 'hanmeimei'])).toBe('deleted hanmeimei\n');
    expect((await tryRun(['user', 'delete', 'hanmeimei'])).error?.code).toBe('user.not_found');

    await withApp(db, async ({ app }) => {
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'li.lei', password: 'new password' } });
      expect(r.json().user).toMatchObject({ role: 'analyst', display_name: '李雷' });
    });
  });

  it('creates keys by scope and lists scope and last use', async () => {
    const k = JSON.parse(await run(['key', 'create', '--scope', 'read', '--name', 'BI', '--json']));
    expect(k).toMatchObject({ scope: 'read', kind: 'read' });
    expect(await run(['keys', 'create', '--name', 'POS'])).toMatch(/^ingest key key_\w+\nsecret: wk_/);
    expect(await run(['keys', 'create', '--kind', 'admin'])).toMatch(/^admin key /);
    expect(await run(['keys', 'list'])).toMatch(new RegExp(`${k.id}\\tread\\tsk_read_[^\\t]*…\\tBI\\tactive\\t-`));
  });
});
