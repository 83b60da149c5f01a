// `siyu messaging …` end to end on both stores, in-process: channel set/list/test/delete, a one-off send, sends,
// WeCom mass-send polling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';
import { cliRunner, dbArgsOf, jsonFiles, withApp } from '../../../test/support/cli.ts';
import { startHttpSink, type HttpSink } from '../../modules/messaging/testing/http-sink.ts';
import { startWechatServer } from '../../modules/messaging/testing/wechat-server.ts';

const SECRET = 'whsec_cli_secret';

describe.each(ENGINES)('siyu messaging [%s]', (engine) => {
  let db: TestDb;
  let sink: HttpSink;
  const { file } = jsonFiles('siyu-messaging-cli-');
  const { tryRun: run } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    sink = await startHttpSink({ secret: SECRET });
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { members: [{ user_id: 'cli-1', phone: '13700000001', email: 'cli1@example.com' }] });
    });
  });
  afterAll(async () => {
    await sink?.close();
    await db?.cleanup();
  });

  it('sets, lists (without secrets), tests, sends through and deletes a channel', async () => {
    const cfg = file('hook', { config: { url: sink.url + '/in', secret: SECRET }, options: { retries: 1, backoff_ms: 1 } });
    const set = await run(['messaging', 'channels', 'set', 'crm-hook', '--type', 'webhook', '--file', cfg, '--timeout-ms', '3000']);
    expect(set.error).toBeUndefined();
    expect(set.out).toMatch(/^created messaging channel crm-hook \(webhook, mch_\w+\)\nreceipts: POST \/api\/messaging\/receipts\/mch_\w+/);
    const again = await run(['messaging', 'channels', 'set', 'crm-hook', '--type', 'webhook', '--file', cfg]);
    expect(again.out).toMatch(/^updated messaging channel crm-hook/);

    const list = await run(['messaging', 'channels', 'list', '--json']);
    expect(list.out).not.toContain(SECRET);
    expect(JSON.parse(list.out)[0]).toMatchObject({ name: 'crm-hook', has_secret: true, config: { secret: '***' }, options: { timeout_ms: 3000, retries: 1 } });

    const test = await run(['messaging', 'channels', 'test', 'crm-hook']);
    expect(test.out).toMatch(/^ok: ping in \d+ ms/);
    expect(sink.requests.at(-1)!.signatureOk).toBe(true);

    const content = file('content', { text: '会员日快乐' });
    const sent = await run(['messaging', 'send', '--channel', 'crm-hook', '--member', 'user_id:cli-1', '--file', content, '--source-key', 'oneoff:cli']);
    expect(sent.error).toBeUndefined();
    expect(sent.out).toMatch(/^sent: msg_\w+ to mem_\w+ \(oneoff:cli\)/);
    const body = sink.requests.at(-1)!.json;
    expect(body).toMatchObject({ type: 'message', source_key: 'oneoff:cli', to: { phone: '13700000001', email: 'cli1@example.com', user_id: 'cli-1' }, content: { channel: 'webhook', text: '会员日快乐' } });
    const dup = await run(['messaging', 'send', '--channel', 'crm-hook', '--member', 'user_id:cli-1', '--file', content, '--source-key', 'oneoff:cli']);
    expect(dup.out).toMatch(/^skipped: /);

    const sends = await run(['messaging', 'sends', '--member', 'user_id:cli-1']);
    expect(sends.out).toMatch(/msg_\w+\tsent\tmem_\w+\toneoff:cli\twebhook/);

    const missing = await run(['messaging', 'channels', 'set', 'x']);
    expect(missing.error?.code).toBe('cli.type_required');
    expect((await run(['messaging', 'channels', 'delete', 'crm-hook'])).out).toBe('deleted messaging channel crm-hook\n');
    expect((await run(['messaging', 'channels', 'list'])).out).toBe('no messaging channels\n');
  });

  it('polls a WeCom channel\u2019s mass-send results; other channel types are refused', async () => {
    const wx = await startWechatServer({ corpId: 'ww_cli', corpSecret: 'cs' });
    try {
      const cfg = file('wecom', { config: { corp_id: 'ww_cli', corp_secret: 'cs', base_url: wx.url } });
      expect((await run(['messaging', 'channels', 'set', 'wecom-cli', '--type', 'wecom', '--file', cfg])).error).toBeUndefined();
      const r = await run(['messaging', 'poll', 'wecom-cli', '--max-age-hours', '24']);
      expect(r.error).toBeUndefined();
      expect(r.out).toBe('0 tasks: 0 receipts (0 new), 0 employees yet to send\n');
      const json = await run(['messaging', 'poll', 'wecom-cli', '--json']);
      expect(JSON.parse(json.out)).toMatchObject({ tasks: 0, receipts: 0, errors: [] });
      const hook = file('hook2', { config: { url: sink.url + '/in' } });
      await run(['messaging', 'channels', 'set', 'hook2', '--type', 'webhook', '--file', hook]);
      expect((await run(['messaging', 'poll', 'hook2'])).error?.code).toBe('messaging.channel_type_invalid');
    } finally {
      await wx.close();
    }
  });
});
