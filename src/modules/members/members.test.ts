// Member 360 by every ref form, merged-member redirect, computed traits, search and member upsert, on both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

forEachStore('members', (ctx) => {
  let t: TestApp;
  const api = (method: string, url: string, payload?: unknown) => t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
  const get = async (url: string) => api('GET', url);

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  describe('360', () => {
    let id: string;
    beforeAll(async () => {
      const r = await api('POST', '/api/members', {
        user_id: 'u1',
        anonymous_id: 'anon-1',
        phone: '+86 138 0000 0000',
        email: 'Wang.Fang@Example.com',
        unionid: 'un-1',
        openid: 'wxmini:o-1',
        wecom_external_userid: 'wm-1',
        member_card: 'C0001',
        device_id: 'dev-1',
        name: '王芳',
        gender: '女',
        birthday: '1992-03-15',
        city: '杭州',
        region: '浙江',
        attributes: { favourite_drink: '拿铁', vip: true },
        channel: 'mini_program',
      });
      expect(r.statusCode, r.body).toBe(200);
      id = r.json().id;
      expect(r.json().created).toBe(true);
    });

    it('answers the same member for every ref form', async () => {
      const refs = [
        id,
        'user_id:u1',
        'phone:13800000000',
        'phone:+8613800000000',
        'email:wang.fang@example.com',
        'unionid:un-1',
        'openid:wxmini:o-1',
        'wecom_external_userid:wm-1',
        'member_card:C0001',
        'anonymous_id:anon-1',
        'device_id:dev-1',
      ];
      for (const ref of refs) {
        const r = await get(`/api/members/${encodeURIComponent(ref)}`);
        expect(r.statusCode, ref).toBe(200);
        expect(r.json().id, ref).toBe(id);
      }
    });

    it('returns attributes with computed age, identities, traits and tags', async () => {
      const m = (await get(`/api/members/user_id:u1`)).json();
      expect(m.source_channel).toBe('mini_program');
      expect(m.attributes).toMatchObject({ name: '王芳', gender: 'female', birthday: '1992-03-15', city: '杭州', region: '浙江', phone: '13800000000', email: 'wang.fang@example.com', favourite_drink: '拿铁', vip: true });
      const now = new Date();
      const expectedAge = now.getUTCFullYear() - 1992 - (now.getUTCMonth() + 1 < 3 || (now.getUTCMonth() + 1 === 3 && now.getUTCDate() < 15) ? 1 : 0);
      expect(m.attributes.age).toBe(expectedAge);
      const types = m.identities.map((i: any) => `${i.type}:${i.value}`).sort();
      expect(types).toEqual(
        ['anonymous_id:anon-1', 'device_id:dev-1', 'email:wang.fang@example.com', 'member_card:C0001', 'openid:wxmini:o-1', 'phone:13800000000', 'unionid:un-1', 'user_id:u1', 'wecom_external_userid:wm-1'].sort(),
      );
      expect(m.identities[0]).toHaveProperty('first_seen_at');
      expect(m.identities[0].source_channel).toBe('mini_program');
      expect(m.traits).toMatchObject({ order_count: 0, total_spend: 0, days_since_last_order: null, active_days_30: 0 });
      expect(m.tags).toEqual([]);
      expect(m.merged_from).toEqual([]);
    });

    it('computes order traits, recency and active days', async () => {
      const day = 86_400_000;
      const paid = (d: number) => new Date(Date.now() - d * day).toISOString();
      const o = await t.app.inject({
        method: 'POST',
        url: '/v1/orders',
        headers: t.write,
        payload: {
          orders: [
            { order_id: 'm360-o1', user_id: 'u1', paid_at: paid(3), items: [{ product_id: 'p1', name: '拿铁', category: 'coffee', quantity: 2, unit_price: 30 }], channel: 'store' },
            { order_id: 'm360-o2', user_id: 'u1', paid_at: paid(10), items: [{ product_id: 'p2', name: '乌龙', category: 'tea', quantity: 1, unit_price: 20 }], channel: 'store' },
            { order_id: 'm360-o3', user_id: 'u1', paid_at: paid(40), amount: 10, channel: 'app' },
          ],
        },
      });
      expect(o.statusCode, o.body).toBe(200);
      // Two events on one day and one on an order day: distinct days in the last 30 days = 3 (days 1, 3, 10).
      const evTs = [paid(1), new Date(Date.parse(paid(1)) - 60_000).toISOString(), paid(3), paid(45)];
      for (const [i, ts] of evTs.entries()) {
        await ctx.store.exec(
          `INSERT INTO events (workspace_id, message_id, member_id, type, name, channel, ts, received_at) VALUES ($1, $2, $3, 'track', 'View', 'app', CAST($4 AS TIMESTAMPTZ), CAST($4 AS TIMESTAMPTZ))`,
          [t.workspaceId, `m360-e${i}`, id, ts],
        );
      }
      const m = (await get(`/api/members/${id}`)).json();
      expect(m.traits).toMatchObject({ order_count: 3, total_spend: 90, days_since_last_order: 3, preferred_channel: 'store' });
      // Day boundaries in UTC: an event 1 day ago and one a minute earlier may straddle midnight.
      expect([3, 4]).toContain(m.traits.active_days_30);
      expect(Date.parse(m.traits.last_seen_at)).toBeGreaterThanOrEqual(Date.parse(evTs[0]) - 1000);
    });

    it('answers 400 for a malformed ref and 404 for an unknown one', async () => {
      const bad = await get('/api/members/nickname:bob');
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: 'member.invalid_ref', field: 'ref' });
      const missing = await get('/api/members/user_id:nobody');
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ code: 'member.not_found', field: 'ref' });
      expect((await get('/api/members/mem_01NOPE')).statusCode).toBe(404);
      expect((await get('/api/members/user_id:u1/timeline?limit=0')).statusCode).toBe(400);
    });

    it('reads refs whose value holds URL-special characters', async () => {
      const created = (await api('POST', '/api/members', { email: 'a/b+c@x.com', member_card: 'V#1?2' })).json().id;
      expect((await get(`/api/members/${encodeURIComponent('email:a/b+c@x.com')}`)).json().id).toBe(created);
      expect((await get(`/api/members/${encodeURIComponent('member_card:V#1?2')}/timeline`)).json().member_id).toBe(created);
    });

    it('keeps workspaces apart', async () => {
      const other = await createTestApp(ctx.store);
      try {
        const r = await other.app.inject({ url: `/api/members/${id}`, headers: other.admin });
        expect(r.statusCode).toBe(404);
        const s = await other.app.inject({ url: `/api/members?q=13800000000`, headers: other.admin });
        expect(s.json().data).toEqual([]);
      } finally {
        await other.app.close();
      }
    });
  });

  describe('merged members', () => {
    it('redirects a merged member id to the survivor, which lists it in merged_from and keeps its tags', async () => {
      const a = (await api('POST', '/api/members', { user_id: 'mg-a', name: 'A' })).json().id;
      const b = (await api('POST', '/api/members', { phone: '13911112222', city: '成都' })).json().id;
      expect(a).not.toBe(b);
      expect((await api('POST', `/api/members/${b}/tags`, { tags: ['mg-tag'], create_missing_tag: true })).statusCode).toBe(200);
      const m = await api('POST', '/api/members', { user_id: 'mg-a', phone: '13911112222' });
      expect(m.statusCode, m.body).toBe(200);
      expect(m.json().merges).toHaveLength(1);
      const survivor = m.json().id;
      expect([a, b]).toContain(survivor);
      const loser = survivor === a ? b : a;
      const r = await get(`/api/members/${loser}`);
      expect(r.statusCode).toBe(200);
      expect(r.json().id).toBe(survivor);
      expect(r.json().merged_from).toEqual([loser]);
      expect(r.json().attributes).toMatchObject({ name: 'A', city: '成都' });
      expect(r.json().tags.map((x: any) => x.name)).toEqual(['mg-tag']);
      // A merged member never shows up in search, its survivor does.
      const s = (await get(`/api/members?q=${loser}`)).json();
      expect(s.data.map((x: any) => x.id)).toEqual([survivor]);
    });
  });

  describe('search and list', () => {
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      const r = await api('POST', '/api/members', {
        members: [
          { user_id: 's-1', name: '陈小明', phone: '13700000001', email: 'chen@shop.cn', city: '北京' },
          { user_id: 's-2', name: '陈大明', phone: '13700000002', member_card: 'S-CARD-2' },
          { user_id: 's-3', name: 'Ming 100%', email: 'ming@shop.cn' },
          { user_id: 's-4', name: 'Zhao' },
        ],
      });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ created: 4, updated: 0 });
      r.json().members.forEach((m: any, i: number) => (ids[`s-${i + 1}`] = m.id));
    });

    const search = async (q: string) => (await get(`/api/members?q=${encodeURIComponent(q)}`)).json().data.map((m: any) => m.user_id);

    it('finds by phone, email, exact name, member id, user id, card and type:value', async () => {
      expect(await search('13700000001')).toEqual(['s-1']);
      expect(await search('+86 137 0000 0002')).toEqual(['s-2']);
      expect(await search('CHEN@shop.cn')).toEqual(['s-1']);
      // names are sealed: found exactly (case and spacing ignored) through the lookup hash, never by substring
      expect(await search('陈大明')).toEqual(['s-2']);
      expect(await search('明')).toEqual([]);
      expect(await search(' ming   100% ')).toEqual(['s-3']);
      expect(await search('0%')).toEqual([]);
      expect(await search('_')).toEqual([]);
      expect(await search(ids['s-4'])).toEqual(['s-4']);
      expect(await search('s-4')).toEqual(['s-4']);
      expect(await search('S-CARD-2')).toEqual(['s-2']);
      expect(await search('user_id:s-3')).toEqual(['s-3']);
      expect(await search('nobody-at-all')).toEqual([]);
    });

    it('returns export fields, lists members with a tag and pages without duplicates', async () => {
      const tag = await api('POST', '/api/tags/search-vip/members', { members: ['user_id:s-1', 'user_id:s-2', 'user_id:s-3'], create_missing_tag: true });
      expect(tag.json()).toMatchObject({ added: 3, not_found: [] });
      const first = (await get('/api/members?tag=search-vip&limit=2')).json();
      expect(first.data).toHaveLength(2);
      expect(first.next_cursor).toBeTruthy();
      const second = (await get(`/api/members?tag=search-vip&limit=2&cursor=${first.next_cursor}`)).json();
      expect(second.data).toHaveLength(1);
      expect(second.next_cursor).toBeNull();
      const all = [...first.data, ...second.data];
      expect(all.map((m: any) => m.user_id)).toEqual(['s-3', 's-2', 's-1']);
      const s1 = all.find((m: any) => m.user_id === 's-1');
      expect(s1).toMatchObject({ id: ids['s-1'], name: '陈小明', phone: '13700000001', email: 'chen@shop.cn', city: '北京', tags: ['search-vip'] });
      expect(Object.keys(s1).sort()).toEqual(['birthday', 'city', 'created_at', 'email', 'gender', 'id', 'name', 'phone', 'region', 'source_channel', 'tags', 'traits', 'user_id'].sort());
      expect(s1.traits).toMatchObject({ order_count: 0, active_days_30: 0 });
      expect((await get('/api/members?tag=no-such-tag')).statusCode).toBe(404);
      expect((await get('/api/members?cursor=garbage')).json().code).toBe('member.invalid_cursor');
    });

    it('pages through the whole workspace newest first', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = (await get(`/api/members?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).json();
        seen.push(...page.data.map((m: any) => m.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen]).toEqual([...seen].sort().reverse());
      const rows = await ctx.store.query('SELECT count(*) AS n FROM members WHERE workspace_id = $1 AND merged_into IS NULL', [t.workspaceId]);
      expect(seen.length).toBe(Number(rows[0].n));
    });
  });

  describe('upsert', () => {
    it('updates attributes of an existing member found by any identifier', async () => {
      const first = (await api('POST', '/api/members', { member_card: 'UP-1', name: '赵六', city: '广州' })).json();
      expect(first.created).toBe(true);
      const again = await api('POST', '/api/members', { member_card: 'UP-1', city: '深圳', birthday: '19880808', attributes: { tier: 'gold' } });
      expect(again.json()).toMatchObject({ id: first.id, created: false });
      const m = (await get('/api/members/member_card:UP-1')).json();
      expect(m.attributes).toMatchObject({ name: '赵六', city: '深圳', birthday: '1988-08-08', tier: 'gold' });
      const cleared = await api('POST', '/api/members', { member_card: 'UP-1', attributes: { tier: null } });
      expect(cleared.statusCode).toBe(200);
      expect((await get('/api/members/member_card:UP-1')).json().attributes).not.toHaveProperty('tier');
    });

    it('refuses a bad batch as a whole and names the field', async () => {
      const r = await api('POST', '/api/members', { members: [{ user_id: 'bad-1' }, { user_id: 'bad-2', email: 'not an email' }] });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ code: 'member.invalid_email', field: 'members.1.email' });
      expect((await get('/api/members/user_id:bad-1')).statusCode).toBe(404);
      const blocked = await api('POST', '/api/members', { members: [{ user_id: 'bad-3' }, { user_id: 'null' }] });
      expect(blocked.statusCode).toBe(400);
      expect(blocked.json()).toMatchObject({ code: 'member.no_identifier', field: 'members.1' });
      expect((await get('/api/members/user_id:bad-3')).statusCode).toBe(404);
      const unknownField = await api('POST', '/api/members', { user_id: 'x', nickname: 'y' });
      expect(unknownField.statusCode).toBe(400);
      const tooMany = await api('POST', '/api/members', { members: Array.from({ length: 1001 }, (_, i) => ({ user_id: `many-${i}` })) });
      expect(tooMany.statusCode).toBe(400);
    });

    it('needs an admin key', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/api/members', headers: { authorization: `Bearer ${t.writeKey}` }, payload: { user_id: 'w' } });
      expect(r.statusCode).toBe(403);
    });

    it('upserts a batch of 1000 in one call', async () => {
      const members = Array.from({ length: 1000 }, (_, i) => ({ user_id: `bulk-${i}`, phone: `1360000${String(i).padStart(4, '0')}`, city: i % 2 ? '上海' : '北京' }));
      const r = await api('POST', '/api/members', { members });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ created: 1000, updated: 0 });
      expect(new Set(r.json().members.map((m: any) => m.id)).size).toBe(1000);
      expect((await get('/api/members/phone:13600000999')).json().attributes.city).toBe('上海');
    });
  });
});
