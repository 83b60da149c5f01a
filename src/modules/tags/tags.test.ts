// Tags and tag groups on both stores: CRUD, bulk add/remove with not_found, exclusive groups, merges move tags.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

forEachStore('tags', (ctx) => {
  let t: TestApp;
  const api = (method: string, url: string, payload?: unknown) => t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
  const tagsOf = async (ref: string) => ((await api('GET', `/api/members/${encodeURIComponent(ref)}`)).json().tags as { name: string }[]).map((x) => x.name).sort();
  const member = async (body: Record<string, unknown>) => (await api('POST', '/api/members', body)).json().id as string;

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    const r = await api('POST', '/api/members', { members: Array.from({ length: 30 }, (_, i) => ({ user_id: `t-${i}`, phone: `1580000${String(i).padStart(4, '0')}` })) });
    expect(r.statusCode, r.body).toBe(200);
  });
  afterAll(async () => t?.app.close());

  describe('groups and tags CRUD', () => {
    it('creates, reads, renames and deletes groups and tags', async () => {
      const g = await api('POST', '/api/tag-groups', { name: '消费偏好', description: 'price attitude', exclusive: true });
      expect(g.statusCode).toBe(201);
      expect(g.json()).toMatchObject({ name: '消费偏好', exclusive: true, id: expect.stringMatching(/^tgrp_/) });
      expect((await api('POST', '/api/tag-groups', { name: '消费偏好' })).json().code).toBe('tag_group.duplicate');
      const tag = await api('POST', '/api/tags', { name: '价格敏感型', group: '消费偏好' });
      expect(tag.statusCode).toBe(201);
      expect(tag.json()).toMatchObject({ name: '价格敏感型', kind: 'manual', group: { id: g.json().id, name: '消费偏好', exclusive: true }, member_count: 0 });
      const dup = await api('POST', '/api/tags', { name: '价格敏感型' });
      expect(dup.statusCode).toBe(422);
      expect(dup.json()).toMatchObject({ code: 'tag.duplicate', field: 'name' });
      expect((await api('POST', '/api/tags', { name: 'x', group: 'no-such-group' })).json().code).toBe('tag_group.not_found');
      expect((await api('GET', `/api/tags/${encodeURIComponent('价格敏感型')}`)).json().id).toBe(tag.json().id);
      expect((await api('GET', `/api/tags/${tag.json().id}`)).json().name).toBe('价格敏感型');

      const renamed = await api('PATCH', `/api/tags/${tag.json().id}`, { name: '价格敏感', description: 'waits for coupons' });
      expect(renamed.json()).toMatchObject({ name: '价格敏感', description: 'waits for coupons', group: { name: '消费偏好' } });
      const list = (await api('GET', '/api/tags?group=' + encodeURIComponent('消费偏好'))).json().data;
      expect(list.map((x: any) => x.name)).toEqual(['价格敏感']);
      const groups = (await api('GET', '/api/tag-groups')).json().data;
      expect(groups.find((x: any) => x.name === '消费偏好')).toMatchObject({ tag_count: 1, exclusive: true });

      const g2 = (await api('PATCH', `/api/tag-groups/${g.json().id}`, { name: '消费态度' })).json();
      expect(g2.name).toBe('消费态度');
      expect((await api('DELETE', `/api/tag-groups/${g.json().id}`)).statusCode).toBe(204);
      expect((await api('GET', `/api/tags/${tag.json().id}`)).json().group).toBeNull();
      expect((await api('DELETE', `/api/tags/${tag.json().id}`)).statusCode).toBe(204);
      expect((await api('GET', `/api/tags/${tag.json().id}`)).statusCode).toBe(404);
    });

    it('validates input strictly', async () => {
      expect((await api('POST', '/api/tags', { name: '' })).statusCode).toBe(400);
      expect((await api('POST', '/api/tags', { name: 'ok', colour: 'red' })).statusCode).toBe(400);
      expect((await api('POST', '/api/tags', { name: 'ok', kind: 'rule' })).statusCode).toBe(400);
      expect((await api('POST', '/api/tags/anything/members', { members: [] })).statusCode).toBe(400);
      expect((await api('POST', '/api/tags/anything/members', { members: Array.from({ length: 1001 }, (_, i) => `user_id:t-${i}`) })).statusCode).toBe(400);
    });
  });

  describe('bulk membership', () => {
    it('adds in bulk, reports unknown and malformed refs, and is idempotent', async () => {
      await api('POST', '/api/tags', { name: '高价值' });
      const refs = [...Array.from({ length: 20 }, (_, i) => `user_id:t-${i}`), 'phone:15800000020', 'user_id:ghost', 'phone:19999999999', 'not a ref', 'user_id:t-0'];
      const r = await api('POST', `/api/tags/${encodeURIComponent('高价值')}/members`, { members: refs, source: 'import' });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ requested: 25, matched: 21, added: 21, already_tagged: 0, not_found: ['user_id:ghost', 'phone:19999999999', 'not a ref'] });
      expect(r.json().tag).toMatchObject({ name: '高价值', member_count: 21 });
      const again = (await api('POST', `/api/tags/${encodeURIComponent('高价值')}/members`, { members: ['user_id:t-0', 'user_id:t-21'] })).json();
      expect(again).toMatchObject({ added: 1, already_tagged: 1, not_found: [] });
      const rows = await ctx.store.query(
        `SELECT mt.source, count(*) AS n FROM member_tags mt JOIN tags tg ON tg.workspace_id = mt.workspace_id AND tg.id = mt.tag_id
         WHERE mt.workspace_id = $1 AND tg.name = $2 GROUP BY mt.source ORDER BY mt.source`,
        [t.workspaceId, '高价值'],
      );
      expect(rows.map((x) => [x.source, Number(x.n)])).toEqual([['import', 21], ['manual', 1]]);
    });

    it('removes in bulk with the same body, reporting not_found and not_tagged', async () => {
      const r = await api('DELETE', `/api/tags/${encodeURIComponent('高价值')}/members`, { members: ['user_id:t-1', 'phone:15800000002', 'user_id:t-29', 'user_id:ghost'] });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ removed: 2, not_tagged: 1, not_found: ['user_id:ghost'] });
      expect(r.json().tag.member_count).toBe(20);
      expect(await tagsOf('user_id:t-1')).toEqual([]);
      expect(await tagsOf('user_id:t-3')).toEqual(['高价值']);
    });

    it('answers 404 for an unknown tag unless create_missing_tag is set', async () => {
      const missing = await api('POST', '/api/tags/brand-new/members', { members: ['user_id:t-5'] });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ code: 'tag.not_found', field: 'tag' });
      const created = (await api('POST', '/api/tags/brand-new/members', { members: ['user_id:t-5'], create_missing_tag: true })).json();
      expect(created).toMatchObject({ created_tag: true, added: 1, tag: { name: 'brand-new', kind: 'manual', member_count: 1 } });
      expect((await api('DELETE', '/api/tags/never-was/members', { members: ['user_id:t-5'] })).statusCode).toBe(404);
    });

    it('adds and removes tags of one member', async () => {
      await api('POST', '/api/tags', { name: '夜猫子' });
      const add = await api('POST', '/api/members/user_id:t-7/tags', { tags: ['夜猫子', '新客'], create_missing_tag: true });
      expect(add.statusCode, add.body).toBe(200);
      expect(add.json().tags.map((x: any) => x.name).sort()).toEqual(['夜猫子', '新客', '高价值'].sort());
      expect((await api('POST', '/api/members/user_id:t-7/tags', { tags: ['不存在'] })).json().code).toBe('tag.not_found');
      const del = await api('DELETE', '/api/members/user_id:t-7/tags', { tags: ['新客'] });
      expect(del.json().tags.map((x: any) => x.name).sort()).toEqual(['夜猫子', '高价值'].sort());
      expect((await api('POST', '/api/members/user_id:ghost/tags', { tags: ['夜猫子'] })).statusCode).toBe(404);
    });
  });

  describe('exclusive groups', () => {
    beforeAll(async () => {
      expect((await api('POST', '/api/tag-groups', { name: '价格态度', exclusive: true })).statusCode).toBe(201);
      for (const name of ['价格敏感型', '品质追求型', '新品尝试型']) expect((await api('POST', '/api/tags', { name, group: '价格态度' })).statusCode).toBe(201);
    });

    it('moves members between tags of an exclusive group', async () => {
      const refs = ['user_id:t-10', 'user_id:t-11', 'user_id:t-12'];
      expect((await api('POST', `/api/tags/${encodeURIComponent('价格敏感型')}/members`, { members: refs })).json()).toMatchObject({ added: 3, removed_from_group: 0 });
      const moved = (await api('POST', `/api/tags/${encodeURIComponent('品质追求型')}/members`, { members: refs.slice(0, 2) })).json();
      expect(moved).toMatchObject({ added: 2, removed_from_group: 2 });
      expect(await tagsOf('user_id:t-10')).toEqual(['品质追求型', '高价值'].sort());
      expect(await tagsOf('user_id:t-12')).toEqual(['价格敏感型', '高价值'].sort());
      const one = await api('POST', '/api/members/user_id:t-12/tags', { tags: ['新品尝试型'] });
      expect(one.json().tags.map((x: any) => x.name).sort()).toEqual(['新品尝试型', '高价值'].sort());
      const both = await api('POST', '/api/members/user_id:t-12/tags', { tags: ['价格敏感型', '品质追求型'] });
      expect(both.statusCode).toBe(400);
      expect(both.json().code).toBe('tag.exclusive_conflict');
    });

    it('refuses to make a group exclusive while members hold two of its tags', async () => {
      await api('POST', '/api/tag-groups', { name: '渠道', exclusive: false });
      await api('POST', '/api/tags', { name: '门店客', group: '渠道' });
      await api('POST', '/api/tags', { name: '小程序客', group: '渠道' });
      await api('POST', '/api/members/user_id:t-20/tags', { tags: ['门店客', '小程序客'] });
      const r = await api('PATCH', `/api/tag-groups/${encodeURIComponent('渠道')}`, { exclusive: true });
      expect(r.statusCode).toBe(409);
      expect(r.json()).toMatchObject({ code: 'tag_group.exclusive_violation', details: { members: 1 } });
      const into = await api('PATCH', `/api/tags/${encodeURIComponent('小程序客')}`, { group: '价格态度' });
      expect(into.statusCode).toBe(200); // t-20 holds no tag of 价格态度
      await api('POST', '/api/members/user_id:t-20/tags', { tags: ['新品尝试型'] });
      expect(await tagsOf('user_id:t-20')).toEqual(['新品尝试型', '门店客', '高价值'].sort()); // 小程序客 gave way
      await api('POST', '/api/members/user_id:t-20/tags', { tags: ['小程序客'] });
      const conflict = await api('PATCH', `/api/tags/${encodeURIComponent('门店客')}`, { group: '价格态度' });
      expect(conflict.statusCode).toBe(409);
      expect(conflict.json().code).toBe('tag.exclusive_violation');
    });
  });

  describe('merges', () => {
    it('moves tags to the survivor without duplicates; the survivor keeps its own tag of an exclusive group', async () => {
      const a = await member({ user_id: 'mt-a' });
      const b = await member({ email: 'mt-b@example.com' });
      await api('POST', '/api/tags', { name: '共同标签' });
      await api('POST', '/api/tags', { name: 'B独有' });
      await api('POST', `/api/members/${a}/tags`, { tags: ['共同标签', '品质追求型'] });
      await api('POST', `/api/members/${b}/tags`, { tags: ['共同标签', 'B独有', '价格敏感型'] });
      const m = (await api('POST', '/api/members', { user_id: 'mt-a', email: 'mt-b@example.com' })).json();
      expect(m.merges).toHaveLength(1);
      const { from, into } = m.merges[0];
      const survivorTags = await tagsOf(into);
      const expected = into === a ? ['共同标签', 'B独有', '品质追求型'] : ['共同标签', 'B独有', '价格敏感型'];
      expect(survivorTags).toEqual(expected.sort());
      const left = await ctx.store.query('SELECT count(*) AS n FROM member_tags WHERE workspace_id = $1 AND member_id = $2', [t.workspaceId, from]);
      expect(Number(left[0].n)).toBe(0);
      const history = await ctx.store.query('SELECT moved FROM member_merges WHERE workspace_id = $1 AND from_member_id = $2', [t.workspaceId, from]);
      const moved = typeof history[0].moved === 'string' ? JSON.parse(history[0].moved) : history[0].moved;
      expect(moved.tags).toBe(1); // B独有 only: 共同标签 was already there, the exclusive tag gave way
    });
  });
});
