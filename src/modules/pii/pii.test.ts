// Personal data protection on both stores: sealed columns and hashed identities in the raw tables, lookups and
// search through the hashes, masking without pii.read, rotation (API and CLI, resumable), the one-time sealing of
// plaintext rows, tampered ciphertext, a wrong key set, and segment rules on sealed fields.
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { forEachStore, createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { adminRequests, asKeyScope, asRole, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { cliRunner, dbArgsOf, runCli, withApp } from '../../../test/support/cli.ts';
import { TEST_DATA_KEYS, TEST_KEYRING } from '../../../test/support/pii.ts';
import { PiiKeyring, blindIndex, isBlindIndex, isSealed, open, sealedKeyId, usePiiKeyring } from '../../core/pii/index.ts';
import { loadConfig } from '../../core/config.ts';
import { DEFAULT_WORKSPACE } from '../workspaces/service.ts';
import { preparePii } from './setup.ts';

const INDEX_ROOT = Buffer.alloc(32, 0x22); // the test keyring's lookup-hash root: kept across rotation
const K2 = { id: 'k2', key: Buffer.alloc(32, 0x33) };
const ROTATED = new PiiKeyring([K2, TEST_KEYRING.current], INDEX_ROOT);

forEachStore('pii', (ctx) => {
  let t: TestApp;
  const { api, ok } = adminRequests(() => t);
  const as = async (headers: Record<string, string>, url: string) => t.app.inject({ method: 'GET', url, headers });
  let id: string;

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    const r = await ok('POST', '/api/members', {
      user_id: 'p-1', name: '张三丰', phone: '+86 138 1234 0000', email: 'Zhang.San@Example.com', city: '杭州', region: '浙江',
      attributes: { tier: 'gold' },
    });
    id = r.id;
    const ingest = await t.app.inject({
      method: 'POST', url: '/v1/identify', headers: t.write,
      payload: { userId: 'p-1', traits: { address: { province: '浙江省', city: '杭州市', street: '文三路 1 号' } } },
    });
    expect(ingest.statusCode, ingest.body).toBe(200);
  });
  afterAll(() => t.app.close());
  afterEach(() => usePiiKeyring(TEST_KEYRING));

  it('stores ciphertext and lookup hashes, never the plaintext', async () => {
    const [m] = await ctx.store.query('SELECT * FROM members WHERE workspace_id = $1 AND id = $2', [t.workspaceId, id]);
    const raw = JSON.stringify(m);
    for (const plain of ['13812340000', 'zhang.san@example.com', '张三丰', '文三路']) expect(raw).not.toContain(plain);
    for (const c of ['name', 'phone', 'email', 'address']) expect(isSealed(m[c]), c).toBe(true);
    expect(open(m.phone)).toBe('13812340000');
    expect(JSON.parse(open(m.address))).toMatchObject({ street: '文三路 1 号' });
    expect(m.phone_hash).toBe(blindIndex('phone', '13812340000'));
    expect(m.name_hash).toBe(blindIndex('name', '张三丰'));
    const idents = await ctx.store.query(`SELECT type, value, value_enc FROM identities WHERE workspace_id = $1 AND type IN ('phone', 'email') ORDER BY type`, [t.workspaceId]);
    expect(idents).toHaveLength(2);
    for (const i of idents) {
      expect(isBlindIndex(i.value)).toBe(true);
      expect(isSealed(i.value_enc)).toBe(true);
    }
    expect(JSON.stringify(idents)).not.toContain('13812340000');
    // the identify event keeps its personal traits sealed too
    const events = await ctx.store.query(`SELECT properties FROM events WHERE workspace_id = $1 AND type = 'identify'`, [t.workspaceId]);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain('文三路');
  });

  it('finds members by phone, email and exact name through the hashes; admins see the plaintext', async () => {
    for (const ref of ['phone:13812340000', 'phone:+8613812340000', 'email:zhang.san@example.com']) {
      expect((await ok('GET', `/api/members/${encodeURIComponent(ref)}`)).id, ref).toBe(id);
    }
    for (const q of ['138 1234 0000', 'ZHANG.SAN@example.com', '张三丰']) {
      expect((await ok('GET', `/api/members?q=${encodeURIComponent(q)}`)).data.map((m: any) => m.id), q).toEqual([id]);
    }
    const m = await ok('GET', `/api/members/${id}`);
    expect(m.attributes).toMatchObject({ name: '张三丰', phone: '13812340000', email: 'zhang.san@example.com', address: { province: '浙江省', city: '杭州市', street: '文三路 1 号' } });
    expect(m.identities).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'phone', value: '13812340000' }), expect.objectContaining({ type: 'email', value: 'zhang.san@example.com' })]));
    const tl = await ok('GET', `/api/members/${id}/timeline?kinds=event`);
    expect(tl.data.find((e: any) => e.type === 'identify').properties.address).toMatchObject({ street: '文三路 1 号' });
    const list = await ok('GET', `/api/members?q=p-1`);
    expect(list.data[0]).toMatchObject({ name: '张三丰', phone: '13812340000', email: 'zhang.san@example.com' });
  });

  it('masks phone, email, name and address for principals without pii.read (analyst role, read key)', async () => {
    for (const headers of [await asRole(t, 'analyst'), await asKeyScope(t, 'read')]) {
      const m = (await as(headers, `/api/members/${id}`)).json();
      expect(m.attributes).toMatchObject({ name: '张**', phone: '138****0000', email: 'z***@example.com', address: { province: '浙江省', city: '杭州市' } });
      expect(m.attributes.address.street).toBeUndefined();
      expect(m.identities.find((i: any) => i.type === 'phone').value).toBe('138****0000');
      expect(m.identities.find((i: any) => i.type === 'email').value).toBe('z***@example.com');
      // search still matches the full value; the answer is masked
      const list = (await as(headers, `/api/members?q=13812340000`)).json();
      expect(list.data).toEqual([expect.objectContaining({ id, name: '张**', phone: '138****0000', email: 'z***@example.com' })]);
      const tl = (await as(headers, `/api/members/${id}/timeline?kinds=event`)).json();
      expect(tl.data.find((e: any) => e.type === 'identify').properties).toEqual({ address: { province: '浙江省', city: '杭州市' } });
    }
    const analyst = await asRole(t, 'analyst');
    const csv = await as(analyst, '/api/members/export?q=p-1&format=csv');
    if (csv.statusCode === 200) {
      expect(csv.body).toContain('138****0000');
      expect(csv.body).not.toContain('13812340000');
    } else expect(csv.statusCode).toBe(403); // analysts may not export member lists at all
    // a template preview renders the member's own data: masked where it shows
    const tpl = await ok('POST', '/api/templates', { name: 'pii-preview', content: { sms: { text: '【思域】{{ member.name }} {{ member.phone }} {{ member.email }} 回T退订' } } }, 201);
    const preview = await t.app.inject({ method: 'POST', url: `/api/templates/${tpl.id}/preview`, headers: analyst, payload: { member: id } });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json().rendered.sms.text).toContain('张** 138****0000 z***@example.com');
    expect((await ok('POST', `/api/templates/${tpl.id}/preview`, { member: id })).rendered.sms.text).toContain('张三丰 13812340000 zhang.san@example.com');
    const operator = await asRole(t, 'operator'); // operators hold pii.read
    expect((await as(operator, `/api/members/${id}`)).json().attributes.phone).toBe('13812340000');
    const adminCsv = await api('GET', '/api/members/export?q=p-1&format=csv');
    expect(adminCsv.body).toContain('13812340000');
  });

  it('segment rules on sealed fields: equality and exists through the hash, anything else refused naming the field', async () => {
    const count = async (rule: unknown) => (await ok('POST', '/api/segments/preview', { rule, sample: 0 })).count;
    expect(await count({ attribute: 'phone', op: '=', value: '+86 13812340000' })).toBe(1);
    expect(await count({ attribute: 'email', op: 'in', value: ['nobody@x.cn', 'ZHANG.SAN@example.com'] })).toBe(1);
    expect(await count({ attribute: 'name', op: '=', value: '张三丰' })).toBe(1);
    expect(await count({ and: [{ attribute: 'phone', op: 'exists' }, { attribute: 'name', op: '!=', value: '李四' }] })).toBeGreaterThanOrEqual(1);
    for (const [attribute, op, value] of [['phone', 'contains', '1381'], ['name', '>', 'a'], ['email', 'contains', 'example']]) {
      const r = await api('POST', '/api/segments/preview', { rule: { attribute, op, value }, sample: 0 });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json()).toMatchObject({ code: 'segment.rule_invalid' });
      expect(r.json().message).toContain(`"${attribute}"`);
    }
  });

  it('rejects tampered ciphertext instead of returning garbage', async () => {
    const r = await ok('POST', '/api/members', { user_id: 'p-tamper', phone: '13900000009' });
    const [m] = await ctx.store.query('SELECT phone FROM members WHERE workspace_id = $1 AND id = $2', [t.workspaceId, r.id]);
    const parts = (m.phone as string).split(':');
    parts[3] = (parts[3][0] === 'A' ? 'B' : 'A') + parts[3].slice(1);
    await ctx.store.exec('UPDATE members SET phone = $3 WHERE workspace_id = $1 AND id = $2', [t.workspaceId, r.id, parts.join(':')]);
    const res = await api('GET', `/api/members/${r.id}`);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'pii.tampered' });
    expect(res.body).not.toContain('13900000009');
  });

  it('rotates to a new key in resumable batches; the old key can then be dropped', async () => {
    usePiiKeyring(ROTATED);
    const before = await ok('GET', '/api/pii/keys');
    expect(before).toMatchObject({ current_key_id: 'k2', key_ids: ['k2', 'test1'] });
    expect(before.remaining).toBeGreaterThan(0);
    // the tampered row of the previous test cannot be re-encrypted: repair it first (erase the value)
    await ctx.store.exec(`UPDATE members SET phone = NULL WHERE workspace_id = $1 AND phone IS NOT NULL AND id IN (SELECT member_id FROM identities WHERE workspace_id = $1 AND type = 'user_id' AND value = 'p-tamper')`, [t.workspaceId]);
    const first = await ok('POST', '/api/pii/rotate', { batch_size: 1, max_batches: 1 });
    expect(first).toMatchObject({ batches: 1, key_id: 'k2' });
    expect(first.remaining).toBeGreaterThan(0);
    const rest = await ok('POST', '/api/pii/rotate', { batch_size: 2 });
    expect(rest.remaining).toBe(0);
    const rows = await ctx.store.query(`SELECT name, phone, email, address FROM members WHERE workspace_id = $1`, [t.workspaceId]);
    for (const r of rows) for (const v of Object.values(r)) if (v !== null) expect(sealedKeyId(v as string)).toBe('k2');
    // only the new key (same lookup root): data still reads and lookups still hit
    usePiiKeyring(new PiiKeyring([K2], INDEX_ROOT));
    expect((await ok('GET', '/api/members/phone:13812340000')).attributes.phone).toBe('13812340000');
  });

  it('seals plaintext rows left by an older version once at start, and refuses a different key set', async () => {
    usePiiKeyring(ROTATED); // the rows of the tests above are under k2 by now
    const ws = t.workspaceId;
    await ctx.store.exec(
      `INSERT INTO members (workspace_id, id, name, phone, email, created_at, updated_at) VALUES ($1, 'mem_legacy1', '王五', '13700000077', 'w5@old.cn', now(), now())`, [ws]);
    await ctx.store.exec(
      `INSERT INTO identities (workspace_id, type, value, member_id, first_seen_at, last_seen_at) VALUES ($1, 'phone', '13700000077', 'mem_legacy1', now(), now())`, [ws]);
    await ctx.store.exec(`INSERT INTO pii_state (name, value) VALUES ('plaintext_pending', '1') ON CONFLICT (name) DO NOTHING`);
    await preparePii(ctx.store, loadConfig({ logLevel: 'silent' }, {}));
    const [m] = await ctx.store.query(`SELECT name, phone, email, phone_hash FROM members WHERE workspace_id = $1 AND id = 'mem_legacy1'`, [ws]);
    expect(isSealed(m.phone) && isSealed(m.name) && isSealed(m.email)).toBe(true);
    expect(m.phone_hash).toBe(blindIndex('phone', '13700000077'));
    expect((await ok('GET', '/api/members/phone:13700000077')).attributes).toMatchObject({ name: '王五', phone: '13700000077' });
    expect((await ctx.store.query(`SELECT name FROM pii_state WHERE name = 'plaintext_pending'`))).toHaveLength(0);
    // a key set with another lookup key would make every lookup miss: refused at start
    usePiiKeyring(null);
    const other = `x1:${Buffer.alloc(32, 0x44).toString('base64')}`;
    await expect(preparePii(ctx.store, loadConfig({ logLevel: 'silent', dataKeys: other }, {}))).rejects.toMatchObject({ code: 'pii.key_mismatch' });
  });
});

describe.each(ENGINES)('siyu pii [%s]', (engine) => {
  let db: TestDb;
  const { tryRun } = cliRunner(() => dbArgsOf(db));
  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { members: [1, 2, 3].map((i) => ({ user_id: `c-${i}`, phone: `1360000000${i}`, name: `会员${i}` })) });
    });
  });
  afterAll(async () => {
    usePiiKeyring(TEST_KEYRING);
    await db?.cleanup();
  });

  it('keys, rotate (resumable), keygen', async () => {
    // as an operator does: the new key first in SIYU_DATA_KEYS, the old one still listed, the lookup root unchanged
    const saved = process.env.SIYU_DATA_KEYS;
    process.env.SIYU_DATA_KEYS = `k2:${K2.key.toString('base64')},${TEST_DATA_KEYS}`;
    onTestFinished(() => {
      process.env.SIYU_DATA_KEYS = saved;
    });
    const keys = await tryRun(['pii', 'keys', '--json']);
    expect(keys.error).toBeUndefined();
    expect(JSON.parse(keys.out)).toMatchObject({ current_key_id: 'k2' });
    const part = await tryRun(['pii', 'rotate', '--batch-size', '1', '--max-batches', '1', '--json']);
    expect(part.error).toBeUndefined();
    expect(JSON.parse(part.out).remaining).toBeGreaterThan(0);
    const all = await tryRun(['pii', 'rotate']);
    expect(all.out).toMatch(/re-encrypted under k2: .*; 0 remaining/);
    const gen = await runCli(['pii', 'keygen']);
    expect(gen.out.trim()).toMatch(/^k\d{8}[0-9a-f]{4}:[A-Za-z0-9+/]{43}=$/);
  });
});
