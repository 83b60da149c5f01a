// Console users as alert recipients on both stores: a user recipient is notified at their email through a webhook
// sink; disabled, deleted and email-less users get a `skipped` notification row saying why; unknown users and users
// of another workspace are refused at create and patch with alert.recipient_unknown.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { forEachStore } from '../../../test/support/stores.ts';
import { adminRequests, asRole, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';
import { insertTrackEvents } from './testing.ts';

const D = '2024-06-03';
const RULE = { type: 'static', op: 'above', thresholds: { warning: 10 } };

forEachStore('alerts: console users as recipients', (ctx) => {
  let t: TestApp;
  let sink: HttpSink;
  const { api, ok } = adminRequests(() => t);
  // Usernames are unique across workspaces: a suffix keeps the engines' and files' users apart.
  const tag = randomBytes(3).toString('hex');
  const name = (n: string) => `${n}-${tag}`;
  const user = (ws: string, n: string, extra: { email?: string; display_name?: string } = {}) =>
    t.services.access.createUser(ws, { username: name(n), password: 'alert recipient pw', role: 'operator', ...extra });

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    sink = await startHttpSink();
    const ts = `${D}T04:00:00.000Z`;
    await insertTrackEvents(ctx.store, t.workspaceId, 'outage', Array.from({ length: 20 }, (_, i) => ({ id: `o-${i}`, ts })));
    await ok('POST', '/api/messaging/channels', { name: 'ops-hook', type: 'webhook', config: { url: sink.url + '/alerts' }, options: { retries: 0, timeout_ms: 3000 } }, 201);
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
  });

  it('notifies a user at their email; disabled, deleted and email-less users are recorded as skipped', async () => {
    const ws = t.workspaceId;
    const alice = await user(ws, 'alice', { email: 'alice@example.com', display_name: '值班 Alice' });
    const bob = await user(ws, 'bob', { email: 'bob@example.com' });
    const carol = await user(ws, 'carol');
    const dave = await user(ws, 'dave', { email: 'dave@example.com' });
    const m = await ok('POST', '/api/alerts/monitors', {
      name: '故障', metric: 'event_count', params: { event: 'outage' }, rule: RULE, schedule: null, channels: ['ops-hook'],
      recipients: [{ user: alice.username }, { user: bob.id, name: '二线' }, { user: carol.username }, { user: dave.username }],
    }, 201);
    expect(m.recipients).toEqual([{ user: alice.username }, { user: bob.id, name: '二线' }, { user: carol.username }, { user: dave.username }]);
    await t.services.access.setDisabled(ws, bob.id, true);
    await t.services.access.deleteUser(ws, dave.id);
    // Other fields of a monitor still change when a user recipient has gone since (only given recipients are checked).
    expect(await ok('PATCH', `/api/alerts/monitors/${m.id}`, { description: '线上故障' })).toMatchObject({ description: '线上故障' });

    const r = await ok('POST', `/api/alerts/monitors/${m.id}/evaluate`, { as_of: D });
    expect(r).toMatchObject({ action: 'opened', evaluation: { status: 'breach', value: 20 } });
    expect(sink.requests.map((q) => q.json.to)).toEqual([{ email: 'alice@example.com' }]);
    const detail = await ok('GET', `/api/alerts/${r.alert.id}`);
    const rows = detail.notifications.map((n: any) => [n.recipient, n.recipient_key, n.status, n.error]);
    expect(rows).toEqual(expect.arrayContaining([
      ['值班 Alice', `user:${alice.id}`, 'sent', null],
      ['二线', `user:${bob.id}`, 'skipped', `console user ${bob.username} is disabled`],
      [carol.username, `user:${carol.id}`, 'skipped', `console user ${carol.username} has no email`],
      [dave.username, `user:${dave.username}`, 'skipped', `console user ${dave.username} does not exist (deleted?)`],
    ]));
    expect(rows).toHaveLength(4);
    expect(detail.notifications.every((n: any) => n.channel_type === 'webhook' && n.channel_id.startsWith('mch_'))).toBe(true);
    expect(detail.events.find((e: any) => e.type === 'notified').note).toBe('opened: 1 of 4 sent');
  });

  it('refuses unknown users and users of another workspace at create and patch', async () => {
    const base = { name: 'u-bad', metric: 'event_count', params: { event: 'outage' }, rule: RULE, schedule: null };
    const other = await t.services.workspaces.create({ name: 'other ' + tag });
    const stranger = await user(other.id, 'stranger', { email: 'stranger@example.com' });
    const eve = await user(t.workspaceId, 'eve', { email: 'eve@example.com' });
    const cases: Array<[unknown, string, string]> = [
      [[{ user: 'nobody-' + tag }], 'alert.recipient_unknown', 'recipients.0.user'],
      [[{ user: eve.username }, { user: stranger.username }], 'alert.recipient_unknown', 'recipients.1.user'],
      [[{ user: stranger.id }], 'alert.recipient_unknown', 'recipients.0.user'],
      [[{ user: '' }], 'request.invalid', 'body.recipients.0.user'],
      [[{ user: 'x'.repeat(101) }], 'request.invalid', 'body.recipients.0.user'],
      [[{ user: eve.username, staff: 'zhangsan' }], 'request.invalid', 'body.recipients.0'],
    ];
    for (const [recipients, code, field] of cases) {
      const r = await api('POST', '/api/alerts/monitors', { ...base, recipients });
      expect([r.statusCode, r.json().code, r.json().field], JSON.stringify(recipients)).toEqual([400, code, field]);
    }
    const unknown = await api('POST', '/api/alerts/monitors', { ...base, recipients: [{ user: 'nobody-' + tag }] });
    expect(unknown.json().message).toContain('nobody-' + tag);
    expect((await api('POST', '/api/alerts/monitors', { ...base, recipients: [{ name: 'x' }] })).json().message).toContain('{user}');

    const m = await ok('POST', '/api/alerts/monitors', { ...base, recipients: [{ user: eve.username.toUpperCase() }] }, 201);
    const patch = await api('PATCH', `/api/alerts/monitors/${m.id}`, { recipients: [{ user: eve.id }, { user: stranger.username }] });
    expect([patch.statusCode, patch.json().code, patch.json().field]).toEqual([400, 'alert.recipient_unknown', 'recipients.1.user']);
    expect(await ok('PATCH', `/api/alerts/monitors/${m.id}`, { recipients: [{ user: eve.id }] })).toMatchObject({ recipients: [{ user: eve.id }] });
  });

  it('lists users to choose from for whoever may read monitors, without their addresses', async () => {
    const ws = t.workspaceId;
    await user(ws, 'erin', { email: 'erin@example.com', display_name: '值班 Erin' });
    await user(ws, 'frank');
    const r = await t.app.inject({ url: '/api/alerts/recipients/users', headers: await asRole(t, 'operator') });
    expect(r.statusCode, r.body).toBe(200);
    const byName = new Map((r.json().data as Array<Record<string, unknown>>).map((u) => [u.username, u]));
    expect(byName.get(name('erin'))).toMatchObject({ display_name: '值班 Erin', role: 'operator', disabled: false, has_email: true });
    expect(byName.get(name('frank'))).toMatchObject({ has_email: false });
    expect(r.body).not.toContain('erin@example.com');
    // the full user list stays with admins
    expect((await t.app.inject({ url: '/api/users', headers: await asRole(t, 'operator') })).statusCode).toBe(403);
  });
});
