// `siyu consent …` end to end on both stores, in-process through buildProgram: set, show, import, export, link,
// inbound replies, check and guard settings.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';
import { cliRunner, dbArgsOf, jsonFiles, withApp } from '../../../test/support/cli.ts';

describe.each(ENGINES)('siyu consent [%s]', (engine) => {
  let db: TestDb;
  const { dir, file } = jsonFiles('siyu-consent-cli-');
  const { tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { members: Array.from({ length: 20 }, (_, i) => ({ user_id: `k${i}`, phone: `1770000${String(i).padStart(4, '0')}` })) });
    });
  });
  afterAll(async () => db?.cleanup());

  it('sets, shows and checks consent', async () => {
    const set = await tryRun(['consent', 'set', 'user_id:k1', '--channel', 'sms', '--grant', '--detail', 'paper form', '--operator', 'alice']);
    expect(set.error).toBeUndefined();
    expect(set.out).toMatch(/^mem_\w+: sms marketing granted/);
    const show = await tryRun(['consent', 'show', 'user_id:k1']);
    expect(show.out).toMatch(/sms\tmarketing\tgranted\toperator/);
    expect(show.out).toMatch(/marketing\tyes \(granted\)/);
    const history = await tryRun(['consent', 'show', 'user_id:k1', '--history']);
    expect(history.out).toMatch(/sms\tmarketing\tgranted\toperator \(paper form\) by alice/);
    const both = await tryRun(['consent', 'set', 'user_id:k1', '--channel', 'sms']);
    expect(both.error?.code).toBe('cli.consent_status_required');
    const bad = await tryRun(['consent', 'set', 'user_id:k1', '--channel', 'fax', '--revoke']);
    expect(bad.error).toBeDefined();

    const check = await tryRun(['consent', 'check', 'user_id:k1', 'user_id:k2', 'user_id:nobody', '--channel', 'sms', '--at', '2025-06-18T04:00:00Z']);
    expect(check.out.trim().split('\n')).toEqual(['user_id:k1\tadmit', 'user_id:k2\tno_consent', 'user_id:nobody\tmember_not_found']);
    const quiet = await tryRun(['consent', 'check', 'user_id:k1', '--channel', 'sms', '--at', '2025-06-18T14:00:00Z']);
    expect(quiet.out).toBe('user_id:k1\tquiet_hours until 2025-06-19T01:00:00.000Z\n');
  });

  it('imports a CSV file, exports the history and makes links', async () => {
    const csv = join(dir, `c-${engine}.csv`);
    writeFileSync(csv, ['member,channel,purpose,status,at', ...Array.from({ length: 12 }, (_, i) => `user_id:k${i},email,marketing,${i % 2 ? 'yes' : 'no'},2025-05-0${(i % 9) + 1}T00:00:00Z`), 'user_id:ghost,sms,marketing,yes,'].join('\n'));
    const imp = await tryRun(['consent', 'import', csv]);
    expect(imp.error).toBeUndefined();
    expect(imp.out).toMatch(/recorded 12 of 13 statements/);
    expect(imp.out).toMatch(/1 rows name unknown members: row 13 \(user_id:ghost\)/);

    const json = file('c', [{ member: 'user_id:k3', channel: 'all', status: false }]);
    expect((await tryRun(['consent', 'import', json])).out).toMatch(/recorded 1 of 1/);

    const out = join(dir, `h-${engine}.csv`);
    const exp = await tryRun(['consent', 'export', '--out', out]);
    expect(exp.out).toMatch(/wrote 14 statements/);
    const lines = readFileSync(out, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('id,member_id,channel,purpose,status,source,source_detail,operator,ip,user_agent,occurred_at,recorded_at');
    expect(lines).toHaveLength(15);
    const one = await tryRun(['consent', 'export', '--member', 'user_id:k3']);
    expect(one.out.trim().split('\r\n')).toHaveLength(3);

    const link = await tryRun(['consent', 'link', 'user_id:k3', '--channel', 'email']);
    expect(link.out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?t=[\w-]+\.[\w-]+\n$/);
  });

  it('takes an inbound reply: 退订 revokes marketing on the channel, other text changes nothing', async () => {
    expect((await tryRun(['consent', 'set', 'user_id:k15', '--channel', 'sms', '--grant', '--at', '2025-01-01T00:00:00Z'])).error).toBeUndefined();
    const none = await tryRun(['consent', 'inbound', '--channel', 'sms', '--from', '17700000015', '--text', '几点发货']);
    expect(none.out).toBe('no unsubscribe keyword\n');
    const r = await tryRun(['consent', 'inbound', '--channel', 'sms', '--from', '17700000015', '--text', '退订']);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/^keyword 退订: marketing revoked on sms for mem_\w+\n$/);
    expect((await tryRun(['consent', 'show', 'user_id:k15'])).out).toMatch(/marketing\tno \(revoked\)/);
    const unknown = await tryRun(['consent', 'inbound', '--channel', 'sms', '--from', '13100000000', '--text', 'TD']);
    expect(unknown.out).toBe('keyword TD: no member found for 13100000000\n');
  });

  it('shows and changes the guard settings', async () => {
    const show = await tryRun(['consent', 'guard']);
    expect(JSON.parse(show.out).quiet_hours).toEqual({ start: '21:00', end: '09:00', purposes: ['marketing'] });
    const f = join(dir, `g-${engine}.json`);
    writeFileSync(f, JSON.stringify({ caps: [{ scope: 'all', period: 'week', limit: 3 }], quiet_hours: null }));
    const set = await tryRun(['consent', 'guard', '--set', f]);
    expect(JSON.parse(set.out)).toMatchObject({ caps: [{ scope: 'all', period: 'week', limit: 3, purposes: ['marketing'] }], quiet_hours: null });
    writeFileSync(f, JSON.stringify({ caps: [{ scope: 'all', period: 'year', limit: 3 }] }));
    expect((await tryRun(['consent', 'guard', '--set', f])).error).toBeDefined();
  });
});
