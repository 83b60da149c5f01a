// Imports and exports through the HTTP API on both stores: templates, reports, atomic batches, re-runs, xlsx, export.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiOf } from '../../../test/support/import-api.ts';
import { runImport, type ImportApi } from './run-import.ts';
import { exportMembers, EXPORT_COLUMNS } from './export.ts';
import { importCommand } from '../../cli/commands/import.ts';
import { connectApi } from '../../cli/api-client.ts';

const FIX = join(import.meta.dirname, '../../../test/fixtures/imports');
const TMP = mkdtempSync(join(tmpdir(), 'siyu-imp-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const tempDir = () => mkdtempSync(join(TMP, 'd-'));

/** A private copy of a fixture, so reports land in a temp folder. */
function fixture(name: string): string {
  const dir = tempDir();
  copyFileSync(join(FIX, name), join(dir, name));
  return join(dir, name);
}

forEachStore('imports', (ctx) => {
  let t: TestApp;
  let api: ImportApi;
  const count = async (sql: string) => Number((await ctx.store.query(sql.replace('$ws', '$1'), [t.workspaceId]))[0].n);
  const counts = async () => ({
    members: await count('SELECT count(*) AS n FROM members WHERE workspace_id = $ws AND merged_into IS NULL'),
    orders: await count('SELECT count(*) AS n FROM orders WHERE workspace_id = $ws'),
    items: await count('SELECT count(*) AS n FROM order_items WHERE workspace_id = $ws'),
    events: await count('SELECT count(*) AS n FROM events WHERE workspace_id = $ws'),
  });

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    api = apiOf(t);
  });

  it('mapping templates: save, list with built-ins, read, refuse bad ones, delete', async () => {
    const body = { kind: 'members', fields: { user_id: '会员编号', phone: { column: '手机', transform: ['trim'] } } };
    const put = await t.app.inject({ method: 'PUT', url: '/api/mappings/pos-members', headers: t.admin, payload: body });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ name: 'pos-members', kind: 'members', builtin: false });
    const list = (await t.app.inject({ url: '/api/mappings', headers: t.admin })).json().data;
    expect(list.map((m: any) => m.name)).toEqual(['online-retail', 'cdnow', 'pos-members']);
    expect((await t.app.inject({ url: '/api/mappings/cdnow', headers: t.admin })).json()).toMatchObject({ builtin: true, kind: 'orders' });
    const bad = await t.app.inject({ method: 'PUT', url: '/api/mappings/x', headers: t.admin, payload: { kind: 'members', fields: { amount: 'a' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('mapping.invalid');
    expect((await t.app.inject({ method: 'PUT', url: '/api/mappings/cdnow', headers: t.admin, payload: body })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/mappings/pos-members', headers: t.admin })).statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/mappings/pos-members', headers: t.admin })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/mappings', headers: t.write })).statusCode).toBe(403);
  });

  it('imports with a saved template (--mapping NAME) or a mapping .json file', async () => {
    const dir = tempDir();
    const file = join(dir, 'pos.csv');
    writeFileSync(file, '单号,会员卡,下单时间,商品,数量,单价,门店\nP-1,C001,2024/05/01 09:30:00,拿铁,2,28,SH01\nP-1,C001,2024/05/01 09:30:00,可颂,1,15,SH01\nP-2,C002,2024/05/01 10:00:00,美式,1,22,BJ02\n');
    const template = {
      kind: 'orders',
      timezone: 'Asia/Shanghai',
      fields: {
        order_id: '单号', member_card: '会员卡', product_name: '商品', quantity: '数量', unit_price: '单价', store_id: '门店',
        paid_at: { column: '下单时间', transform: [{ date: 'YYYY/MM/DD HH:MM:SS' }] },
        channel: { value: 'store' }, currency: { value: 'CNY' },
      },
    };
    expect((await t.app.inject({ method: 'PUT', url: '/api/mappings/pos-orders', headers: t.admin, payload: template })).statusCode).toBe(200);
    const s = await runImport({ api, kind: 'orders', file, mapping: 'pos-orders' });
    expect(s).toMatchObject({ rowsRead: 3, imported: 3, rejected: 0, orders: 2, membersCreated: 2 });
    const p1 = (await t.app.inject({ url: '/api/orders/P-1', headers: t.admin })).json();
    expect(p1).toMatchObject({ amount: 71, item_count: 2, store_id: 'SH01', channel: 'store', paid_at: '2024-05-01T01:30:00.000Z' });
    expect((await t.app.inject({ url: '/api/members/member_card:C002', headers: t.admin })).statusCode).toBe(200);

    const json = join(dir, 'pos-mapping.json');
    writeFileSync(json, JSON.stringify({ ...template, timezone: 'UTC' }));
    const again = await runImport({ api, kind: 'orders', file, mapping: json });
    expect(again).toMatchObject({ imported: 3, orders: 2, membersCreated: 0 });
    expect((await t.app.inject({ url: '/api/orders/P-1', headers: t.admin })).json().paid_at).toBe('2024-05-01T09:30:00.000Z');
    await expect(runImport({ api, kind: 'members', file, mapping: 'pos-orders' })).rejects.toThrow(/for orders, not members/);
    await expect(runImport({ api, kind: 'orders', file, mapping: 'no-such-template' })).rejects.toThrow(/No mapping template/);
  });

  it('members: valid rows imported, rejected rows in the report next to the file, exit code 2', async () => {
    const file = fixture('members.csv');
    const out: string[] = [];
    const io = { out: { write: (s: string) => out.push(s), isTTY: false } as any, err: { write: (s: string) => out.push(s) } as any };
    const code = await importCommand(api, 'members', file, {}, io);
    expect(code).toBe(2);
    expect(out.join('')).toMatch(/rows read\s+6[\s\S]*imported\s+3[\s\S]*rejected\s+3\s+→ report: .*members\.csv\.report\.csv/);
    expect(readFileSync(`${file}.report.csv`, 'utf8')).toBe(
      'row,column,value,reason\n' +
        '4,email,not-an-email,email: not an email address\n' +
        '5,birthday,1980-13-01,birthday: not a date (expected YYYY-MM-DD)\n' +
        '5,gender,x,gender: expected male/female/unknown (男/女/未知)\n' +
        '7,(identifiers),,"no identifier: a member row needs one of user_id, anonymous_id, phone, email, unionid, openid, wecom_external_userid, member_card, device_id"\n',
    );
    const m = (await t.app.inject({ url: '/api/members/user_id:u2', headers: t.admin })).json();
    expect(m.attributes).toMatchObject({ name: '李四', phone: '13800000002', email: 'li@example.com', gender: 'female', birthday: '1992-07-04', city: '杭州', region: '浙江' });
    expect((await t.app.inject({ url: '/api/members/user_id:u5', headers: t.admin })).json().attributes.name).toBe('Multi\nLine');
    expect((await t.app.inject({ url: '/api/members/user_id:u3', headers: t.admin })).statusCode).toBe(404);
  });

  it('orders and events: grouped lines, guest orders, deterministic event ids; re-running stores nothing twice', async () => {
    const orders = fixture('orders.csv');
    const events = fixture('events.csv');
    const first = await runImport({ api, kind: 'orders', file: orders });
    expect(first).toMatchObject({ rowsRead: 8, imported: 5, rejected: 3, orders: 3 });
    const e1 = await runImport({ api, kind: 'events', file: events });
    expect(e1).toMatchObject({ rowsRead: 6, imported: 3, rejected: 3, eventsInserted: 3 });
    const before = await counts();
    const o2 = (await t.app.inject({ url: '/api/orders/o2', headers: t.admin })).json();
    expect(o2).toMatchObject({ amount: 41.5, item_count: 2 });
    const o3 = (await t.app.inject({ url: '/api/orders/o3', headers: t.admin })).json();
    expect(o3.member_id).toBeNull();

    const again = await runImport({ api, kind: 'orders', file: orders });
    const e2 = await runImport({ api, kind: 'events', file: events });
    expect(again).toMatchObject({ imported: 5, rejected: 3, orders: 3, membersCreated: 0 });
    expect(e2).toMatchObject({ imported: 3, eventsInserted: 0, membersCreated: 0 });
    expect(await counts()).toEqual(before);
    const runs = (await t.app.inject({ url: '/api/import-runs?limit=2', headers: t.admin })).json().data;
    expect(runs[0]).toMatchObject({ kind: 'events', status: 'completed_with_rejections', rows_total: 6, rows_imported: 3, rows_rejected: 3, file_name: 'events.csv' });
    expect(runs[0].file_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a batch that fails on the server stores nothing; the CLI reports the record and imports the rest', async () => {
    const run = (await t.app.inject({ method: 'POST', url: '/api/import-runs', headers: t.admin, payload: { kind: 'orders', file_name: 'x.csv', file_sha256: 'a'.repeat(64) } })).json();
    const good = { type: 'order', row: 2, user_id: 'atomic-1', order_id: 'atomic-o1', paid_at: '2024-01-01T00:00:00.000Z', amount: 10, items: [] };
    // Valid by shape, but the orders service refuses it (no lines and no amount is fine; a blocked identifier is not).
    const blocked = { type: 'order', row: 3, user_id: 'null', order_id: 'atomic-o2', paid_at: '2024-01-01T00:00:00.000Z', amount: 5, items: [] };
    const res = await t.app.inject({ method: 'POST', url: '/api/imports/orders/batch', headers: t.admin, payload: { run_id: run.id, rows: [good, blocked] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.invalid).toEqual([{ index: 1, row: 3, field: 'user_id', reason: expect.stringMatching(/no usable identifier/) }]);
    expect((await t.app.inject({ url: '/api/orders/atomic-o1', headers: t.admin })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/members/user_id:atomic-1', headers: t.admin })).statusCode).toBe(404);
    const shape = await t.app.inject({ method: 'POST', url: '/api/imports/orders/batch', headers: t.admin, payload: { run_id: run.id, rows: [good, { ...good, row: 4, amount: -1 }] } });
    expect(shape.json().details.invalid).toEqual([{ index: 1, row: 4, field: 'amount', reason: expect.any(String) }]);
    expect((await t.app.inject({ url: `/api/import-runs/${run.id}`, headers: t.admin })).json().rows_imported).toBe(0);

    // Through the client: the server's refusal becomes a report line and the rest of the batch is written.
    const file = join(tempDir(), 'blocked.csv');
    writeFileSync(file, 'order_id,user_id,paid_at,amount\natomic-o3,atomic-3,2024-01-01,7\natomic-o4,null,2024-01-01,8\n');
    const s = await runImport({ api, kind: 'orders', file });
    expect(s).toMatchObject({ imported: 1, rejected: 1, orders: 1 });
    expect(readFileSync(`${file}.report.csv`, 'utf8')).toMatch(/^row,column,value,reason\n3,user_id,null,"no usable identifier/);
    expect((await t.app.inject({ url: '/api/orders/atomic-o3', headers: t.admin })).json().amount).toBe(7);
  });

  it('xlsx round trip: import members from Excel, tag some, export csv and xlsx with --tag', async () => {
    const dir = tempDir();
    const input = join(dir, 'members.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('会员');
    ws.addRow(['会员编号', '姓名', '手机', '生日', '城市']);
    ws.addRow([900001, '王小明', '13900000001', new Date(Date.UTC(1991, 5, 1)), '北京']);
    ws.addRow(['x-2', '陈 静', '13900000002', '1993-08-09', '广州']);
    // writeFile can resolve before the file is flushed (seen under load): write the bytes ourselves.
    writeFileSync(input, Buffer.from(await wb.xlsx.writeBuffer()));
    const mapping = { kind: 'members' as const, fields: { user_id: '会员编号', name: '姓名', phone: '手机', birthday: '生日', city: '城市' } };
    const s = await runImport({ api, kind: 'members', file: input, mapping });
    expect(s).toMatchObject({ rowsRead: 2, imported: 2, rejected: 0, membersCreated: 2, reportPath: null });
    const tag = await t.app.inject({ method: 'POST', url: '/api/tags/xlsx-vip/members', headers: t.admin, payload: { members: ['user_id:900001', 'user_id:x-2'], create_missing_tag: true } });
    expect(tag.statusCode).toBe(200);

    const csv = join(dir, 'vip.csv');
    expect((await exportMembers({ api, out: csv, tag: 'xlsx-vip' })).rows).toBe(2);
    const text = readFileSync(csv, 'utf8');
    expect(text.startsWith('\uFEFF' + EXPORT_COLUMNS.join(',') + '\n')).toBe(true);
    expect(text).toMatch(/,900001,王小明,13900000001,,,1991-06-01,北京,/);
    expect(text).toContain(',xlsx-vip\n');

    const xlsx = join(dir, 'vip.xlsx');
    await exportMembers({ api, out: xlsx, tag: 'xlsx-vip' });
    const back = new ExcelJS.Workbook();
    await back.xlsx.readFile(xlsx);
    const sheet = back.worksheets[0];
    expect(sheet.getRow(1).values).toEqual([undefined, ...EXPORT_COLUMNS]);
    const rows = [2, 3].map((i) => sheet.getRow(i).values as unknown[]);
    expect(rows.map((r) => r[3]).sort()).toEqual(['王小明', '陈 静']);
    expect(rows.every((r) => r[15] === 'xlsx-vip')).toBe(true);

    // Re-importing the exported xlsx (columns named like fields) changes nothing.
    const before = await counts();
    const again = await runImport({ api, kind: 'members', file: xlsx });
    expect(again).toMatchObject({ imported: 2, rejected: 0, membersCreated: 0 });
    expect(await counts()).toEqual(before);

    const missing = exportMembers({ api, out: join(dir, 'none.csv'), tag: 'no-such-tag' });
    await expect(missing).rejects.toThrow(/404/);
    expect(existsSync(join(dir, 'none.csv'))).toBe(false);
  });

  it('GET /api/members/export downloads csv and xlsx', async () => {
    const csv = await t.app.inject({ url: '/api/members/export?tag=xlsx-vip&format=csv', headers: t.admin });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf])); // UTF-8 BOM for Excel
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toBe(EXPORT_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    const xlsx = await t.app.inject({ url: '/api/members/export?tag=xlsx-vip&format=xlsx', headers: t.admin });
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as any);
    expect(wb.worksheets[0].rowCount).toBe(3);
    expect((await t.app.inject({ url: '/api/members/export?tag=nope', headers: t.admin })).statusCode).toBe(404);

    // More members than one page of GET /api/members (1000): the download pages through all of them.
    const file = join(tempDir(), 'many.csv');
    writeFileSync(file, 'user_id,name\n' + Array.from({ length: 1005 }, (_, i) => `bulk-${i},会员${i}`).join('\n') + '\n');
    expect(await runImport({ api, kind: 'members', file })).toMatchObject({ imported: 1005, membersCreated: 1005 });
    const total = (await counts()).members;
    const all = await t.app.inject({ url: '/api/members/export', headers: t.admin });
    const ids = (parse(all.body, { bom: true, from_line: 2 }) as string[][]).map((r) => r[0]);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    const paged = join(tempDir(), 'vip.csv');
    expect((await exportMembers({ api, out: paged, tag: 'xlsx-vip', pageSize: 1 })).rows).toBe(2);
  });

  it('over real HTTP (a running server): the CLI client imports with small batches', async () => {
    const server = await createTestApp(ctx.store);
    const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const http = await connectApi({ url, key: server.adminKey });
    try {
      const s = await runImport({ api: http, kind: 'orders', file: fixture('orders.csv'), batchSize: 1 });
      expect(s).toMatchObject({ rowsRead: 8, imported: 5, rejected: 3, orders: 3 });
      expect((await server.app.inject({ url: '/api/orders/o1', headers: server.admin })).json().item_count).toBe(2);
    } finally {
      await http.close();
      await server.app.close();
    }
  });

  it('dry run validates and writes the report without writing data', async () => {
    const file = fixture('orders.csv');
    const before = await counts();
    const s = await runImport({ api, kind: 'orders', file, dryRun: true });
    expect(s).toMatchObject({ dryRun: true, runId: null, rowsRead: 8, imported: 5, rejected: 3 });
    expect(existsSync(`${file}.report.csv`)).toBe(true);
    expect(await counts()).toEqual(before);
  });
});
