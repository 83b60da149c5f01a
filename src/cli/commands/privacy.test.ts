// `siyu privacy …`, `siyu audit …` and `siyu consent history` end to end on both stores, in-process through
// buildProgram: export to a file, erase (confirmation required), requests, audit list/export/verify.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';
import { cliRunner, dbArgsOf, withApp } from '../../../test/support/cli.ts';

describe.each(ENGINES)('siyu privacy / audit [%s]', (engine) => {
  let db: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'siyu-privacy-cli-'));
  const { tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { members: [{ user_id: 'cli-1', phone: '13700001234', name: '李四' }, { user_id: 'cli-2' }] });
    });
  });
  afterAll(async () => db?.cleanup());

  it('exports a person to a file, erases only with confirmation, and lists the requests', async () => {
    const file = join(dir, `export-${engine}.json`);
    const exp = await tryRun(['privacy', 'export', '--member', 'phone:13700001234', '--out', file]);
    expect(exp.error).toBeUndefined();
    expect(exp.out).toMatch(/^exported mem_\w+ to .*\(0 events, 0 orders/);
    const body = JSON.parse(readFileSync(file, 'utf8'));
    expect(body.profile.identities.map((i: any) => i.type)).toContain('phone');

    const refused = await tryRun(['privacy', 'erase', '--member', 'user_id:cli-1', '--reason', 'DSR-1']);
    expect(refused.error?.code).toBe('cli.confirm_required');
    const erased = await tryRun(['privacy', 'erase', '--member', 'user_id:cli-1', '--reason', 'DSR-1', '--yes']);
    expect(erased.error).toBeUndefined();
    expect(erased.out).toMatch(/^erased mem_\w+ \(request prq_\w+\): identities 2/);
    const again = await tryRun(['privacy', 'erase', '--member', body.member_id, '--reason', 'DSR-1', '--yes']);
    expect(again.out).toMatch(/was already erased/);
    const gone = await tryRun(['privacy', 'export', '--member', 'phone:13700001234']);
    expect(gone.error?.code).toBe('member.not_found');

    const reqs = await tryRun(['privacy', 'requests']);
    expect(reqs.out.trim().split('\n').map((l) => l.split('\t')[1])).toEqual(['erase', 'export']);
  });

  it('lists, exports and verifies the audit log, and exports consent history', async () => {
    expect((await tryRun(['consent', 'set', 'user_id:cli-2', '--channel', 'sms', '--grant'])).error).toBeUndefined();
    const list = await tryRun(['audit', 'list']);
    expect(list.error).toBeUndefined();
    expect(list.out).toMatch(/PUT \/api\/consent\/members\/:ref \[user_id:\*\*\*\] → 200/);
    expect(list.out).toMatch(/POST \/api\/privacy\/erase → 200/);
    const csvFile = join(dir, `audit-${engine}.csv`);
    const exp = await tryRun(['audit', 'export', '--action', 'POST /api/privacy', '--out', csvFile]);
    expect(exp.out).toMatch(/^wrote [1-9]\d* entries/);
    expect(readFileSync(csvFile, 'utf8').split('\r\n')[0]).toMatch(/^seq,occurred_at,actor/);
    const verify = await tryRun(['audit', 'verify']);
    expect(verify.error).toBeUndefined();
    expect(verify.out).toMatch(/^ok: \d+ rows verified/);

    const hist = await tryRun(['consent', 'history', '--channel', 'sms', '--purpose', 'marketing']);
    expect(hist.error).toBeUndefined();
    const lines = hist.out.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,member_id,channel,purpose,status/);
    expect(lines).toHaveLength(2);
    const jsonFile = join(dir, `consent-${engine}.json`);
    expect((await tryRun(['consent', 'history', '--member', 'user_id:cli-2', '--format', 'json', '--out', jsonFile])).out).toBe(`wrote 1 statements to ${jsonFile}\n`);
  });
});
