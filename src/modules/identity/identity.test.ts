// Identity resolution on both stores: members, identities, merges with history, refs.
import { beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { IdentityService } from './service.ts';
import { WorkspaceService } from '../workspaces/service.ts';
import type { IdentityInput } from './types.ts';
import { blindIndex, isSealed, openOrNull } from '../../core/pii/index.ts';
import { openPii } from '../pii/member-fields.ts';

forEachStore('identity', (ctx) => {
  let ids: IdentityService;
  let ws: string;
  const ts = '2024-05-01T10:00:00.000Z';
  const resolve = (inputs: IdentityInput[]) => ctx.store.transaction((tx) => ids.resolve(tx, ws, inputs));

  beforeAll(async () => {
    ids = new IdentityService(ctx.store);
    ws = (await new WorkspaceService(ctx.store).create({ name: 'identity' })).id;
  });

  it('identify creates one member with identities and attributes', async () => {
    const r = await resolve([
      { userId: 'u1', anonymousId: 'anon-1', traits: { phone: '+86 13800000001', email: 'LiLei@x.com', name: '李雷', gender: '男', city: '上海', vip: 'gold' }, applyTraits: true, channel: 'miniprogram', ts },
    ]);
    expect(r.created).toHaveLength(1);
    const id = r.memberIds[0]!;
    const [m] = await ctx.store.query('SELECT name, gender, city, phone, email, attributes, source_channel, phone_hash FROM members WHERE workspace_id = $1 AND id = $2', [ws, id]);
    // personal data is sealed at rest (src/core/pii); its lookup hash sits beside it
    expect(openPii(m)).toEqual({ name: '李雷', gender: 'male', city: '上海', phone: '13800000001', email: 'lilei@x.com', attributes: { vip: 'gold' }, source_channel: 'miniprogram', phone_hash: blindIndex('phone', '13800000001') });
    for (const c of ['name', 'phone', 'email']) expect(isSealed(m[c]), c).toBe(true);
    const idents = await ctx.store.query('SELECT type, value, value_enc FROM identities WHERE workspace_id = $1 AND member_id = $2 ORDER BY type', [ws, id]);
    expect(idents.map((i) => ({ type: i.type, value: i.value, shown: openOrNull(i.value_enc) }))).toEqual([
      { type: 'anonymous_id', value: 'anon-1', shown: null },
      { type: 'email', value: blindIndex('email', 'lilei@x.com'), shown: 'lilei@x.com' },
      { type: 'phone', value: blindIndex('phone', '13800000001'), shown: '13800000001' },
      { type: 'user_id', value: 'u1', shown: null },
    ]);
    for (const ref of ['user_id:u1', 'phone:13800000001', 'email:lilei@x.com', 'anonymous_id:anon-1', id]) {
      expect(await ids.findMember(ctx.store, ws, ref), ref).toBe(id);
    }
    expect(await ids.findMember(ctx.store, ws, 'user_id:nobody')).toBeNull();
    await expect(ids.findMember(ctx.store, ws, 'shoe_size:42')).rejects.toMatchObject({ code: 'member.invalid_ref', field: 'ref' });
  });

  it('merges two members that share a strong identifier, moving events and keeping history', async () => {
    const a = (await resolve([{ userId: 'm-a', ts }])).memberIds[0]!;
    const b = (await resolve([{ traits: { phone: '13900000002' }, anonymousId: 'dev-b', ts }])).memberIds[0]!;
    expect(a).not.toBe(b);
    await ctx.store.exec(
      `INSERT INTO events (workspace_id, message_id, member_id, type, name, ts, received_at) VALUES ($1, 'm-b-1', $2, 'track', 'Viewed', CAST($3 AS TIMESTAMPTZ), CAST($3 AS TIMESTAMPTZ))`,
      [ws, b, ts],
    );
    const r = await resolve([{ userId: 'm-a', traits: { phone: '139-0000-0002', city: '杭州' }, applyTraits: true, ts }]);
    expect(r.memberIds[0]).toBe(a);
    expect(r.merges).toEqual([{ from: b, into: a, reason: 'shared_phone' }]);
    expect(await ids.findMember(ctx.store, ws, b)).toBe(a);
    expect(await ids.findMember(ctx.store, ws, 'anonymous_id:dev-b')).toBe(a);
    const [ev] = await ctx.store.query("SELECT member_id FROM events WHERE workspace_id = $1 AND message_id = 'm-b-1'", [ws]);
    expect(ev.member_id).toBe(a);
    const hist = await ids.mergeHistory(ctx.store, ws, a);
    expect(hist).toHaveLength(1);
    expect(hist[0]).toMatchObject({ from_member_id: b, into_member_id: a, reason: 'shared_phone', identity_type: 'phone', moved: { identities: 2, events: 1 } });
    const [loser] = await ctx.store.query('SELECT merged_into FROM members WHERE workspace_id = $1 AND id = $2', [ws, b]);
    expect(loser.merged_into).toBe(a);
  });

  it('alias merges an anonymous visitor into the logged-in member', async () => {
    const anon = (await resolve([{ anonymousId: 'visitor-9', ts }])).memberIds[0]!;
    const user = (await resolve([{ userId: 'u-alias', ts }])).memberIds[0]!;
    const r = await resolve([{ userId: 'u-alias', previousId: 'visitor-9', ts }]);
    expect(r.memberIds[0]).toBe(anon < user ? anon : user);
    expect(r.merges).toHaveLength(1);
    expect(await ids.findMember(ctx.store, ws, 'anonymous_id:visitor-9')).toBe(r.memberIds[0]);
  });

  it('never merges on blocked values', async () => {
    const r1 = await resolve([{ userId: 'b-1', traits: { phone: '00000000000', email: 'null' }, ts }]);
    const r2 = await resolve([{ userId: 'b-2', traits: { phone: '00000000000', email: 'null' }, anonymousId: 'anonymous', ts }]);
    expect(r1.memberIds[0]).not.toBe(r2.memberIds[0]);
    expect(r2.merges).toEqual([]);
    const blocked = await ctx.store.query("SELECT count(*) AS n FROM identities WHERE workspace_id = $1 AND value IN ('00000000000', 'null', 'anonymous')", [ws]);
    expect(blocked[0].n).toBe(0);
  });

  it('runs merge hooks of other modules inside the merge', async () => {
    const seen: string[] = [];
    ids.onMerge('probe', async (_tx, _ws, from, into) => {
      seen.push(`${from}->${into}`);
      return 7;
    });
    const x = (await resolve([{ userId: 'h-1', ts }])).memberIds[0]!;
    const y = (await resolve([{ userId: 'h-2', ts }])).memberIds[0]!;
    await resolve([{ userId: 'h-1', traits: { member_card: 'CARD-1' }, ts }]);
    await resolve([{ userId: 'h-2', traits: { member_card: 'CARD-1' }, ts }]);
    expect(seen).toEqual([`${y}->${x}`]);
    const hist = await ids.mergeHistory(ctx.store, ws, x);
    expect(hist[0].moved.probe).toBe(7);
  });

  it('resolves a large batch in one call', async () => {
    const inputs: IdentityInput[] = Array.from({ length: 3000 }, (_, i) => ({ userId: `bulk-${i % 1000}`, anonymousId: `bulk-anon-${i % 1000}`, ts }));
    const r = await resolve(inputs);
    expect(r.created).toHaveLength(1000);
    expect(new Set(r.memberIds).size).toBe(1000);
    const again = await resolve(inputs);
    expect(again.created).toHaveLength(0);
    expect(again.memberIds).toEqual(r.memberIds);
  });
});

forEachStore('identity owner cache', (ctx) => {
  it('never serves an owner that a merge or a rollback made stale', async () => {
    const ids = new IdentityService(ctx.store);
    const ws = (await new WorkspaceService(ctx.store).create({ name: 'cache' })).id;
    const ts = '2024-05-01T10:00:00.000Z';
    const resolve = (inputs: IdentityInput[]) => ctx.store.transaction((tx) => ids.resolve(tx, ws, inputs));
    const a = (await resolve([{ userId: 'c-a', ts }])).memberIds[0]!;
    const b = (await resolve([{ userId: 'c-b', traits: { phone: '13700000009' }, ts }])).memberIds[0]!;
    expect((await resolve([{ userId: 'c-b', ts }])).memberIds[0]).toBe(b); // now cached where the store allows
    await resolve([{ userId: 'c-a', traits: { phone: '13700000009' }, ts }]); // merges b into a
    expect((await resolve([{ userId: 'c-b', ts }])).memberIds[0]).toBe(a);
    // A transaction that resolves a new person and then fails leaves nothing behind, in the store or the cache.
    await expect(
      ctx.store.transaction(async (tx) => {
        await ids.resolve(tx, ws, [{ userId: 'c-ghost', ts }]);
        await ids.resolve(tx, ws, [{ userId: 'c-ghost', ts }]);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    const again = await resolve([{ userId: 'c-ghost', ts }]);
    expect(again.created).toHaveLength(1);
    const [row] = await ctx.store.query('SELECT count(*) AS n FROM members WHERE workspace_id = $1 AND id = $2', [ws, again.memberIds[0]]);
    expect(row.n).toBe(1);
  });
});
