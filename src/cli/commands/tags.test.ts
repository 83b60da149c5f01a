// `siyu tags …` end to end on both stores: in-process through buildProgram, and the real binary for the exit code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';
import { cliRunner, dbArgsOf, withApp } from '../../../test/support/cli.ts';

describe.each(ENGINES)('siyu tags [%s]', (engine) => {
  let db: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'siyu-tags-cli-'));
  const { tryRun: run } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    // Seed members of the default workspace (the one the CLI's in-process key belongs to), then let go of the store.
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { members: Array.from({ length: 1000 }, (_, i) => ({ user_id: `c${i}`, phone: `1770000${String(i).padStart(4, '0')}` })) });
      await services.members.upsert(DEFAULT_WORKSPACE, { members: Array.from({ length: 1000 }, (_, i) => ({ user_id: `c${i + 1000}` })) });
      await services.members.upsert(DEFAULT_WORKSPACE, { members: Array.from({ length: 500 }, (_, i) => ({ user_id: `c${i + 2000}` })) });
    });
  });
  afterAll(async () => db?.cleanup());

  it('creates groups and tags and lists them', async () => {
    expect((await run(['tag-groups', 'create', '价格态度', '--exclusive'])).out).toMatch(/created tag group 价格态度 .*exclusive/);
    expect((await run(['tags', 'create', '价格敏感型', '--group', '价格态度'])).out).toMatch(/created tag 价格敏感型 .* in group 价格态度/);
    const dup = await run(['tags', 'create', '价格敏感型']);
    expect(dup.error?.code).toBe('tag.duplicate');
    const list = await run(['tags', 'list']);
    expect(list.out).toMatch(/价格敏感型\t价格态度 \(exclusive\)\tmanual\t0 members/);
  });

  it('adds from a CSV in batches of 1000 and fails with the line numbers of unknown refs', async () => {
    // 2,500 known user ids over three batches, plus an unknown id (line 3), an empty cell (line 1,203) and a bad one.
    const rows = ['name,user_id', 'a,c0', 'ghost,nobody'];
    for (let i = 1; i < 2500; i++) rows.push(`m${i},c${i}`);
    rows.splice(1202, 0, 'empty,');
    rows.push('bad,null');
    const file = join(dir, 'vip.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const r = await run(['tags', 'add', 'VIP', '--file', file, '--create']);
    expect(r.out).toContain('VIP: added 2500, already tagged 0, not found 3');
    expect(r.error?.code).toBe('tags.refs_not_found');
    expect(r.error?.message).toContain(`at lines 3, 1203, ${rows.length}`);
    const again = await run(['tags', 'add', 'VIP', '--file', file]);
    expect(again.out).toContain('VIP: added 0, already tagged 2500, not found 3');
    const list = await run(['tags', 'list', '--json']);
    expect(JSON.parse(list.out).find((t: any) => t.name === 'VIP').member_count).toBe(2500);
  });

  it('removes from a plain file of refs, bare values typed with --type', async () => {
    const file = join(dir, 'remove.txt');
    writeFileSync(file, '# leavers\nuser_id:c1\nphone:17700000002\n17700000003\n\nuser_id:c1\n');
    const r = await run(['tags', 'remove', 'VIP', '--file', file, '--type', 'phone']);
    expect(r.error).toBeUndefined();
    expect(r.out).toContain('VIP: removed 3, not tagged 0, not found 0 (4 refs)');
    const list = await run(['tags', 'list', '--json']);
    expect(JSON.parse(list.out).find((t: any) => t.name === 'VIP').member_count).toBe(2497);
  });

  it('shows the tags in `siyu member show`', async () => {
    const r = await run(['member', 'show', 'user_id:c7', '--json']);
    expect(r.error).toBeUndefined();
    const m = JSON.parse(r.out);
    expect(m).toMatchObject({ attributes: { phone: '17700000007' }, tags: [{ name: 'VIP', group: null }], timeline: [] });
    expect(m.identities.map((i: any) => i.type).sort()).toEqual(['phone', 'user_id']);
  });

  it('exits non-zero from the real binary and prints the lines', () => {
    const file = join(dir, 'some.txt');
    writeFileSync(file, 'user_id:c5\nuser_id:nobody\n');
    const p = spawnSync(process.execPath, ['bin/siyu.mjs', 'tags', 'add', 'VIP', '--file', file, ...dbArgsOf(db)], { encoding: 'utf8', env: { ...process.env, SIYU_ADMIN_KEY: '' } });
    expect(p.stdout).toContain('VIP: added 0, already tagged 1, not found 1');
    expect(p.stderr).toContain('at lines 2');
    expect(p.status).not.toBe(0);
  });
});
