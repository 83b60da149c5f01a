// Channels on both stores: catalogue, brand channels, per-channel counts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

forEachStore('channels', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  it('lists the catalogue and brand channels with counts', async () => {
    const ts = '2024-06-01T08:00:00.000Z';
    await ctx.store.transaction((tx) =>
      t.services.identity.resolve(tx, t.workspaceId, [
        { userId: 'c1', channel: 'miniprogram', ts },
        { userId: 'c2', channel: 'miniprogram', ts },
        { userId: 'c3', channel: 'store_sh_01', ts },
      ]),
    );
    const put = await t.app.inject({ method: 'PUT', url: '/api/channels/store_sh_01', headers: t.admin, payload: { name: '上海南京西路店', kind: 'offline' } });
    expect(put.statusCode).toBe(204);
    const bad = await t.app.inject({ method: 'PUT', url: '/api/channels/Bad%20Id', headers: t.admin, payload: { name: 'x' } });
    expect(bad.json()).toMatchObject({ code: 'channel.invalid_id', field: 'id' });
    const res = await t.app.inject({ url: '/api/channels', headers: t.admin });
    const data = res.json().data as any[];
    expect(data.find((c) => c.id === 'miniprogram')).toMatchObject({ name: '微信小程序', builtin: true, members: 2 });
    expect(data.find((c) => c.id === 'store_sh_01')).toMatchObject({ name: '上海南京西路店', kind: 'offline', builtin: false, members: 1 });
    expect(data.find((c) => c.id === 'wecom')).toMatchObject({ members: 0, orders: 0 });
  });
});
