// `siyu segment …` end to end on both stores, in-process through buildProgram (the CLI is a client of the API).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';
import { cliRunner, dbArgsOf, withApp } from '../../../test/support/cli.ts';
import { table } from './segment.ts';

describe('segment CLI tables', () => {
  it('aligns columns, counting CJK characters as two', () => {
    expect(table([['name', 'n'], ['上海', 1], ['abcdef', null]])).toBe('name    n\n上海    1\nabcdef  -\n');
  });
});

describe.each(ENGINES)('siyu segment [%s]', (engine) => {
  let db: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'siyu-seg-cli-'));
  const { tryRun: run } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { members: Array.from({ length: 12 }, (_, i) => ({ user_id: `c${i}`, name: `客户${i}`, city: i < 8 ? '上海' : '杭州' })) });
    });
  });
  afterAll(async () => db?.cleanup());

  it('creates from --rule and --rule-file, lists, counts and shows members', async () => {
    const created = await run(['segment', 'create', '上海客户', '--rule', '{"attribute":"city","op":"=","value":"上海"}']);
    expect(created.error).toBeUndefined();
    expect(created.out).toMatch(/created segment 上海客户 \(seg_\w+\): 8 members/);
    const file = join(dir, 'rule.json');
    writeFileSync(file, JSON.stringify({ attribute: 'city', op: '=', value: '杭州' }));
    expect((await run(['segment', 'create', 'hz', '--rule-file', file, '--no-realtime'])).out).toContain(': 4 members');

    const list = await run(['segment', 'list']);
    expect(list.out.split('\n')[0]).toMatch(/^name\s+kind\s+members\s+realtime\s+last_computed_at\s+id$/);
    expect(list.out).toMatch(/上海客户\s+dynamic\s+8\s+yes/);
    expect(list.out).toMatch(/hz\s+dynamic\s+4\s+no/);
    const json = JSON.parse((await run(['segment', 'list', '--json'])).out);
    expect(json.map((s: any) => s.name).sort()).toEqual(['hz', '上海客户']);

    expect((await run(['segment', 'count', '上海客户'])).out).toMatch(/^上海客户: 8 members/);
    expect(JSON.parse((await run(['segment', 'count', 'hz', '--json'])).out).count).toBe(4);

    const page = await run(['segment', 'members', '上海客户', '--limit', '5']);
    expect(page.out).toMatch(/^member_id\s+user_id\s+name/);
    expect(page.out.split('\n').filter((l) => l.startsWith('mem_'))).toHaveLength(5);
    const cursor = /--cursor (\S+)/.exec(page.out)![1];
    const rest = JSON.parse((await run(['segment', 'members', '上海客户', '--cursor', cursor, '--json'])).out);
    expect(rest.data).toHaveLength(3);
    expect(rest.next_cursor).toBeNull();
  });

  it('reports invalid rules with the field and a non-zero exit', async () => {
    const bad = await run(['segment', 'create', 'bad', '--rule', '{"attribute":"city","op":"~","value":1}']);
    expect(bad.error?.code).toBe('segment.rule_invalid');
    expect(bad.error?.message).toContain('rule.op');
    expect((await run(['segment', 'create', 'bad', '--rule', '{oops'])).error?.code).toBe('cli.rule_not_json');
    expect((await run(['segment', 'count', 'nope'])).error?.code).toBe('segment.not_found');
  });

  it('previews, updates, recomputes and exports CSV and XLSX', async () => {
    const preview = await run(['segment', 'preview', '--rule', '{"attribute":"name","op":"in","value":["客户1","客户10","客户11"]}', '--sample', '2']);
    expect(preview.out).toMatch(/^3 members/);
    expect(preview.out.split('\n').filter((l) => l.startsWith('mem_'))).toHaveLength(2);

    const upd = await run(['segment', 'update', 'hz', '--rule', '{"attribute":"city","op":"in","value":["杭州","上海"]}', '--name', 'hz-sh']);
    expect(upd.error).toBeUndefined();
    expect(upd.out).toMatch(/updated segment hz-sh .*version 2, 12 members/);
    expect((await run(['segment', 'recompute', 'hz-sh'])).out).toMatch(/12 members, entered 0, exited 0 \(manual/);

    const csv = join(dir, 'sh.csv');
    expect((await run(['segment', 'export', '上海客户', '--format', 'csv', '--out', csv])).out).toContain('Exported 8 members');
    const lines = readFileSync(csv, 'utf8').replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toMatch(/^member_id,user_id,name/);
    expect(lines).toHaveLength(9);
    const xlsx = join(dir, 'sh.xlsx');
    expect((await run(['segment', 'export', '上海客户', '--out', xlsx])).out).toContain('Exported 8 members');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    expect(wb.worksheets[0].rowCount).toBe(9);
  });

  it('uploads static lists with --mode, shows history and deletes', async () => {
    expect((await run(['segment', 'create', '名单', '--static'])).out).toContain(': 0 members');
    const file = join(dir, 'list.csv');
    writeFileSync(file, 'user_id\nc0\nc1\nghost\nc2\n');
    const up = await run(['segment', 'upload', '名单', '--file', file, '--mode', 'replace']);
    expect(up.out).toContain('名单: replace — entered 3, exited 0, now 3 members, not found 1 (4 refs)');
    expect(up.error?.code).toBe('segment.refs_not_found');
    expect(up.error?.message).toContain('at lines 4');
    const file2 = join(dir, 'more.txt');
    writeFileSync(file2, 'user_id:c2\nuser_id:c3\n');
    expect((await run(['segment', 'upload', '名单', '--file', file2])).out).toContain('append — entered 1, exited 0, now 4 members');
    expect((await run(['segment', 'upload', '名单', '--file', file2, '--mode', 'replace'])).out).toContain('replace — entered 0, exited 2, now 2 members');
    expect((await run(['segment', 'upload', '名单', '--file', file2, '--mode', 'wipe'])).error?.code).toBe('cli.mode_invalid');

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const h = await run(['segment', 'history', '名单', '--date', today]);
    expect(h.out).toContain(`名单 on ${today}: 2 members`);
    const trend = await run(['segment', 'history', '名单']);
    expect(trend.out).toMatch(new RegExp(`${today}\\s+2\\s+4\\s+2\\s+3`));

    expect((await run(['segment', 'delete', '名单'])).out).toContain('deleted segment 名单');
    expect((await run(['segment', 'count', '名单'])).error?.code).toBe('segment.not_found');
  });
});
