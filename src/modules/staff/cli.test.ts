// `siyu staff …`, `siyu qrcode …` and `siyu community …` end to end on both stores, in-process (the CLI opens the
// database itself), against a local server speaking WeCom's contracts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, jsonFiles, withApp } from '../../../test/support/cli.ts';
import { DEFAULT_WORKSPACE } from '../workspaces/service.ts';
import { startWechatServer, type WechatServer } from '../messaging/testing/wechat-server.ts';
import { crmContract, type CrmContract } from './testing/wecom-crm-contract.ts';

describe.each(ENGINES)('siyu staff / qrcode / community [%s]', (engine) => {
  let db: TestDb;
  let wx: WechatServer;
  let crm: CrmContract;
  const { dir, file: jsonFile } = jsonFiles('siyu-staff-cli-');
  const { run } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    crm = crmContract();
    wx = await startWechatServer({ corpId: 'ww_cli', corpSecret: 'cs', handlers: crm.handlers });
    crm.addGroup({ chat_id: 'wrCLI', name: 'CLI群', owner: 'zhangsan', members: [{ userid: 'wmCLI1', type: 2 }] });
    db = await createTestDb(engine);
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { user_id: 'c1', name: '李雷' }, null);
      await services.messaging.createChannel(DEFAULT_WORKSPACE, { name: 'wecom-main', type: 'wecom', config: { corp_id: 'ww_cli', corp_secret: 'cs', base_url: wx.url }, options: { retries: 0, timeout_ms: 3000 }, enabled: true } as any);
    });
  });
  afterAll(async () => {
    await wx?.close();
    await db?.cleanup();
  });

  it('manages stores, staff, assignments, tasks and the report', async () => {
    expect(await run(['staff', 'store-add', 'S1', '静安店'])).toMatch(/^created store S1 静安店 \(sto_\w+\)\n$/);
    expect(await run(['staff', 'add', '张三', '--userid', 'zhangsan', '--store', 'S1'])).toMatch(/^created staff 张三 \(stf_\w+\)\n$/);
    await run(['staff', 'add', '李四', '--userid', 'lisi', '--store', 'S1']);
    expect(await run(['staff', 'assign', 'zhangsan', '--member', 'user_id:c1,user_id:nobody'])).toBe('zhangsan: assigned 1, unchanged 0, not found 1 (2 refs)\n');
    expect(await run(['staff', 'list'])).toMatch(/张三\tzhangsan\tsto_\w+\tactive\t1 members\tstf_\w+/);
    const added = await run(['staff', 'tasks', 'add', '--member', 'user_id:c1', '--type', 'call', '--script', '回访', '--due', '2024-01-01T00:00:00Z', '--source-key', 'cli:1']);
    expect(added).toMatch(/^created task tsk_\w+ for stf_\w+\n$/);
    const overdue = await run(['staff', 'tasks', 'list', '--overdue']);
    expect(overdue).toMatch(/^tsk_\w+\tcall\topen \(overdue\)\tmem_\w+\tstf_\w+\tdue 2024-01-01T00:00:00.000Z\n$/);
    const id = overdue.split('\t')[0];
    expect(await run(['staff', 'tasks', 'done', id, '--note', 'ok'])).toMatch(/\tdone\t/);
    const file = join(dir, `${engine}-report.csv`);
    expect(await run(['staff', 'report', '--from', '2024-01-01', '--to', '2024-01-31', '--out', file])).toBe(`wrote staff report to ${file}\n`);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('staff_id,userid,name,store_id,members,new_members,new_contacts,lost_contacts,orders,buyers,gmv,tasks_created,tasks_done,tasks_open,tasks_overdue');
  });

  it('creates, rotates and reports channel QR codes', async () => {
    const created = await run(['qrcode', 'create', '--name', '海报', '--channel', 'wecom-main', '--staff', 'zhangsan', '--tags', '新客,海报', '--state', 'cli_poster']);
    expect(created).toMatch(/^created contact code 海报 \(qrc_\w+\) state cli_poster\nhttps:\/\//);
    expect([...crm.contactWays.values()].map((w) => [w.state, w.user])).toEqual([['cli_poster', ['zhangsan']]]);
    expect(await run(['qrcode', 'list'])).toMatch(/^海报\tcontact\tcli_poster\tactive\tnow stf_\w+ of 1\thttps/);
    const csv = await run(['qrcode', 'report', '--from', '2024-01-01', '--to', '2024-01-31']);
    expect(csv.split('\n')[1]).toMatch(/^qrc_\w+,海报,contact,cli_poster,,,,0,0,0,0,0,0,,$/);
  });

  it('syncs groups, labels them, gives audiences, posts SOPs and reports', async () => {
    expect(await run(['community', 'sync', '--channel', 'wecom-main'])).toBe('synced 1 groups: 1 joined, 0 left, 0 dismissed\n');
    expect(await run(['community', 'set', 'wrCLI', '--positioning', '会员群', '--tags', '静安'])).toMatch(/^CLI群\twrCLI\tzhangsan\t2 members\t会员群\t-\tactive\tgrp_\w+\n$/);
    expect(await run(['community', 'audience', '--positioning', '会员群'])).toMatch(/^mem_\w+\n$/);
    expect(await run(['community', 'members', 'wrCLI'])).toMatch(/wmCLI1\tcustomer\tmem_\w+\tjoined/);
    const sopFile = jsonFile('sop', { name: 'weekly', cron: '0 10 * * 3', channel: 'wecom-main', content: { text: '{{ group.name }} 会员日' }, targets: { tag: '静安' } });
    expect(await run(['community', 'sop', 'create', '--file', sopFile])).toMatch(/^created SOP weekly\t0 10 \* \* 3 Asia\/Shanghai\tenabled/);
    const r = JSON.parse(await run(['community', 'sop', 'run', 'weekly', '--tick', '2024-05-01T02:00:00Z']));
    expect(r).toMatchObject({ groups: 1, sent: 1 });
    expect([...wx.tasks.values()].map((x) => x.body.text.content)).toEqual(['CLI群 会员日']);
    const csv = await run(['community', 'report', '--from', '2024-01-01', '--to', '2099-12-31']);
    expect(csv.split('\n')[1]).toMatch(/^grp_\w+,wrCLI,CLI群,会员群,,zhangsan,active,1,0,1,1,1,1,0,0,0,0,0,0,0,$/);
  });
});
