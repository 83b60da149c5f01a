// `siyu templates …` end to end on both stores, in-process (the CLI opens the database itself, as without a server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, jsonFiles, withApp } from '../../../test/support/cli.ts';
import { DEFAULT_WORKSPACE } from '../workspaces/service.ts';

describe.each(ENGINES)('siyu templates [%s]', (engine) => {
  let db: TestDb;
  const { file } = jsonFiles('siyu-templates-cli-');
  const { run, tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { user_id: 'cli-t1', name: '韩梅梅', phone: '13900001111' }, null);
    });
  });
  afterAll(async () => db?.cleanup());

  it('creates, lists, shows, updates, previews and deletes templates', async () => {
    const created = await run(['templates', 'create', '--file', file('welcome', { name: '欢迎短信', content: { sms: { text: '{{ member.name }}您好,手机{{ member.phone | mask_phone }}' } } })]);
    expect(created).toMatch(/^created template 欢迎短信 \(mtpl_\w+\) version 1: sms\n$/);
    expect(await run(['templates', 'list'])).toMatch(/^欢迎短信\tv1\tsms\tmtpl_\w+\n$/);

    const preview = await run(['templates', 'preview', '欢迎短信', '--member', 'user_id:cli-t1']);
    expect(preview).toContain('text: 韩梅梅您好,手机139****1111');
    expect(preview).toContain('(19 characters, ucs2, 1 segment)');

    // Content-only file → new version; the old one stays readable.
    expect(await run(['templates', 'update', '欢迎短信', '--file', file('v2', { sms: { text: '{{ member.name }},欢迎回来' }, app_push: { title: '欢迎', body: '{{ member.name }}' } })]))
      .toMatch(/updated template 欢迎短信 \(mtpl_\w+\): version 2/);
    const shown = JSON.parse(await run(['templates', 'show', '欢迎短信', '--template-version', '1', '--json']));
    expect(shown).toMatchObject({ version: 1, current_version: 2, content: { sms: { text: '{{ member.name }}您好,手机{{ member.phone | mask_phone }}' } } });
    const json = JSON.parse(await run(['templates', 'preview', '欢迎短信', '--member', 'user_id:cli-t1', '--channel', 'app_push', '--json']));
    expect(json.rendered).toEqual({ app_push: { channel: 'app_push', title: '欢迎', body: '韩梅梅' } });
    const unsaved = await run(['templates', 'preview', '--file', file('draft', { sms: { text: '券码 {{ coupon.code }}' } }), '--member', 'user_id:cli-t1', '--extras', '{"coupon":{"code":"CLI-9"}}']);
    expect(unsaved).toContain('text: 券码 CLI-9');

    expect(await run(['templates', 'delete', '欢迎短信'])).toBe('deleted template 欢迎短信\n');
    expect(await run(['templates', 'list'])).toBe('no templates\n');
  });

  it('prints save-time errors with the field and exits as invalid data', async () => {
    const r = await tryRun(['templates', 'create', '--file', file('bad', { name: 'bad', content: { email: { subject: '{{ member.nmae }}', text: 'x' } } })]);
    expect(r.error).toMatchObject({ type: 'invalid_data', code: 'template.variable_unknown' });
    expect(r.error.message).toContain('content.email.subject');
    const missing = await tryRun(['templates', 'show', 'nope']);
    expect(missing.error).toMatchObject({ code: 'template.not_found' });
  });
});
