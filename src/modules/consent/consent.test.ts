// Consent through the API on both stores: statements and history, import (JSON and CSV), export, guard settings,
// unsubscribe links (no key), keywords, the "Consent Updated" event, member 360, merges and the template variable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

forEachStore('consent', (ctx) => {
  let t: TestApp;
  const api = (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: method as any, url, headers: { ...t.admin, ...headers }, payload: payload as any });
  const ok = async (method: string, url: string, payload?: unknown) => {
    const r = await api(method, url, payload);
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json();
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    await ok('POST', '/api/members', {
      members: [
        { user_id: 'c-1', phone: '13900000001', email: 'one@example.com' },
        { user_id: 'c-2', phone: '13900000002', wecom_external_userid: 'wmC2' },
        { user_id: 'c-3', openid: 'wxAPP:oC3' },
        { user_id: 'c-4' },
      ],
    });
  });
  afterAll(async () => t?.app.close());

  describe('statements', () => {
    it('records statements, keeps the latest, and reports what they allow', async () => {
      const empty = await ok('GET', '/api/consent/members/user_id:c-1');
      expect(empty.consents).toEqual([]);
      // Defaults: SMS marketing needs an opt-in, WeCom marketing and every service message do not.
      expect(empty.effective.marketing.sms).toEqual({ allowed: false, basis: 'default' });
      expect(empty.effective.marketing.wecom).toEqual({ allowed: true, basis: 'default' });
      expect(empty.effective.service.sms).toEqual({ allowed: true, basis: 'default' });

      const put = await ok('PUT', '/api/consent/members/user_id:c-1', { channel: 'sms', status: 'granted', source: 'operator', operator: 'alice', at: '2025-03-01T00:00:00Z' });
      expect(put.consents).toEqual([expect.objectContaining({ channel: 'sms', purpose: 'marketing', status: 'granted', source: 'operator', operator: 'alice' })]);
      expect(put.effective.marketing.sms).toEqual({ allowed: true, basis: 'granted' });

      // An older statement arriving late changes only the history; `all` revoked later wins over the sms grant.
      await ok('PUT', '/api/consent/members/user_id:c-1', { consents: [{ channel: 'sms', status: false, at: '2025-01-01T00:00:00Z' }] });
      expect((await ok('GET', '/api/consent/members/user_id:c-1')).effective.marketing.sms.allowed).toBe(true);
      await ok('PUT', '/api/consent/members/user_id:c-1', { channel: 'all', status: 'revoked', at: '2025-04-01T00:00:00Z' });
      const after = await ok('GET', '/api/consent/members/user_id:c-1');
      expect(after.effective.marketing.sms).toEqual({ allowed: false, basis: 'revoked' });
      expect(after.effective.marketing.wecom).toEqual({ allowed: false, basis: 'revoked' });
      expect(after.effective.service.sms.allowed).toBe(true);
      await ok('PUT', '/api/consent/members/user_id:c-1', { channel: 'email', status: 'granted', at: '2025-05-01T00:00:00Z' });
      expect((await ok('GET', '/api/consent/members/user_id:c-1')).effective.marketing.email).toEqual({ allowed: true, basis: 'granted' });

      const h = await ok('GET', '/api/consent/members/user_id:c-1/history');
      expect(h.data.map((r: any) => [r.channel, r.status])).toEqual([['sms', 'revoked'], ['sms', 'granted'], ['all', 'revoked'], ['email', 'granted']]);
      expect(h.data[1]).toMatchObject({ source: 'operator', operator: 'alice', id: expect.stringMatching(/^cns_/), occurred_at: '2025-03-01T00:00:00.000Z' });
      const csv = await api('GET', '/api/consent/members/user_id:c-1/history?format=csv');
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.body.split('\r\n')[0]).toBe('id,member_id,channel,purpose,status,source,source_detail,operator,ip,user_agent,occurred_at,recorded_at');
      expect(csv.body.trim().split('\r\n')).toHaveLength(5);
    });

    it('validates input and refs', async () => {
      expect((await api('PUT', '/api/consent/members/user_id:c-1', { channel: 'fax', status: 'granted' })).statusCode).toBe(400);
      expect((await api('PUT', '/api/consent/members/user_id:c-1', { channel: 'sms', status: 'maybe' })).statusCode).toBe(400);
      expect((await api('PUT', '/api/consent/members/user_id:c-1', { channel: 'sms', status: 'granted', at: 'yesterday' })).statusCode).toBe(400);
      const missing = await api('GET', '/api/consent/members/user_id:nobody');
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('member.not_found');
      expect((await t.app.inject({ method: 'GET', url: '/api/consent/members/user_id:c-1' })).statusCode).toBe(401);
    });
  });

  describe('import and export', () => {
    it('imports JSON and CSV rows, lists unknown members, and exports the history', async () => {
      const r = await ok('POST', '/api/consent/import', {
        rows: [
          { member: 'user_id:c-2', channel: 'sms', status: 'granted', at: '2025-02-01T00:00:00Z' },
          { member: 'user_id:c-2', channel: 'email', purpose: 'service', status: false },
          { member: 'user_id:ghost', channel: 'sms', status: 'granted' },
        ],
      });
      expect(r).toEqual({ received: 3, recorded: 2, not_found: [{ row: 2, member: 'user_id:ghost' }] });
      const c2 = await ok('GET', '/api/consent/members/user_id:c-2');
      expect(c2.consents.find((x: any) => x.channel === 'sms')).toMatchObject({ status: 'granted', source: 'import' });
      expect(c2.effective.service.email.allowed).toBe(false);

      const csv = 'member,channel,purpose,status,source_detail\r\nuser_id:c-3,wechat_oa,marketing,no,"paper form, store 12"\r\nuser_id:c-4,sms,,yes,\r\n';
      const rc = await t.app.inject({ method: 'POST', url: '/api/consent/import', headers: { ...t.admin, 'content-type': 'text/csv' }, payload: csv });
      expect(rc.statusCode, rc.body).toBe(200);
      expect(rc.json()).toMatchObject({ received: 2, recorded: 2 });
      expect((await ok('GET', '/api/consent/members/user_id:c-4')).effective.marketing.sms.allowed).toBe(true);

      const bad = await api('POST', '/api/consent/import', { rows: [{ member: 'user_id:c-2', channel: 'sms', status: 'granted' }, { member: 'user_id:c-2', channel: 'pager', status: 'granted' }] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: 'consent.import_row_invalid', field: 'rows[1].channel' });

      const exp = await api('GET', '/api/consent/export');
      expect(exp.statusCode).toBe(200);
      const lines = exp.body.trim().split('\r\n');
      expect(lines[0]).toMatch(/^id,member_id,channel/);
      expect(lines.some((l) => l.includes('"paper form, store 12"'))).toBe(true);
      const one = await api('GET', '/api/consent/export?member=user_id:c-4');
      expect(one.body.trim().split('\r\n')).toHaveLength(2);
      const none = await api('GET', '/api/consent/export?since=2999-01-01T00:00:00Z');
      expect(none.body.trim().split('\r\n')).toHaveLength(1);
    });
  });

  describe('guard settings', () => {
    it('reads defaults, merges changes, and validates', async () => {
      const g = await ok('GET', '/api/consent/guard');
      expect(g.caps).toContainEqual({ scope: 'wecom', period: 'day', limit: 1, purposes: ['marketing', 'service'] });
      expect(g.quiet_hours).toEqual({ start: '21:00', end: '09:00', purposes: ['marketing'] });
      const put = await ok('PUT', '/api/consent/guard', { default_policy: { marketing: { wecom: 'opt_in' } }, quiet_hours: null, keywords: { exact: ['TD', '0000'], contains: ['退订'] } });
      expect(put.default_policy.marketing).toMatchObject({ wecom: 'opt_in', sms: 'opt_in', wechat_oa: 'opt_out' });
      expect(put.quiet_hours).toBeNull();
      expect(put.caps).toEqual(g.caps);
      expect((await ok('GET', '/api/consent/guard')).keywords.exact).toEqual(['TD', '0000']);
      expect((await api('PUT', '/api/consent/guard', { caps: [{ scope: 'fax', period: 'day', limit: 1 }] })).statusCode).toBe(400);
      expect((await api('PUT', '/api/consent/guard', { quiet_hours: { start: '25:00', end: '09:00' } })).statusCode).toBe(400);
      expect((await api('PUT', '/api/consent/guard', { caps: [{ scope: 'all', period: 'day', limit: 0 }] })).statusCode).toBe(400);
      await ok('PUT', '/api/consent/guard', { default_policy: { marketing: { wecom: 'opt_out' } }, quiet_hours: { start: '21:00', end: '09:00' }, keywords: { exact: ['退订', 'TD', 'T', 'N', 'UNSUBSCRIBE', 'STOP'], contains: ['退订'] } });
    });
  });

  describe('unsubscribe', () => {
    it('a signed link shows a page, and its POST revokes without an admin key', async () => {
      await ok('PUT', '/api/consent/members/user_id:c-2', { channel: 'email', status: 'granted' });
      const link = await ok('GET', '/api/consent/unsubscribe-link?member=user_id:c-2&channel=email');
      expect(link.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?t=[\w-]+\.[\w-]+$/);
      const path = new URL(link.url).pathname + new URL(link.url).search;
      const page = await t.app.inject({ method: 'GET', url: path });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('退订邮件营销消息');
      expect(page.body).toContain('method="post"');
      expect(page.body).toContain(`action="${new URL(link.url).search}"`);
      // The page itself revokes nothing (mail scanners prefetch links).
      expect((await ok('GET', '/api/consent/members/user_id:c-2')).effective.marketing.email.allowed).toBe(true);

      const done = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'MailClient/1' }, payload: 'List-Unsubscribe=One-Click' });
      expect(done.statusCode, done.body).toBe(200);
      expect(done.body).toContain('您已成功退订');
      const after = await ok('GET', '/api/consent/members/user_id:c-2');
      expect(after.effective.marketing.email).toEqual({ allowed: false, basis: 'revoked' });
      expect(after.effective.marketing.sms.allowed).toBe(true);
      const last = (await ok('GET', '/api/consent/members/user_id:c-2/history')).data.at(-1);
      expect(last).toMatchObject({ channel: 'email', status: 'revoked', source: 'unsubscribe_link', user_agent: 'MailClient/1' });

      // Tampered and foreign tokens are refused with the invalid-link page.
      const [payload, sig] = new URL(link.url).searchParams.get('t')!.split('.');
      const forged = Buffer.from(Buffer.from(payload, 'base64url').toString().replace(/\|email\|/, '|all|')).toString('base64url');
      for (const bad of [`${forged}.${sig}`, `${payload}.${'A'.repeat(22)}`, 'not-a-token-at-all']) {
        const r = await t.app.inject({ method: 'POST', url: `/unsubscribe?t=${bad}` });
        expect(r.statusCode, bad).toBe(400);
        expect(r.body).toContain('链接无效');
      }
    });

    it('keywords in inbound messages revoke marketing on that channel', async () => {
      await ok('PUT', '/api/consent/members/user_id:c-4', { channel: 'sms', status: 'granted' });
      expect(await ok('POST', '/api/consent/inbound', { channel: 'sms', from: '13900000004', text: 'T恤还有货吗' })).toMatchObject({ matched: false });
      // c-4 has no phone: matched keyword, unknown sender.
      expect(await ok('POST', '/api/consent/inbound', { channel: 'sms', from: '13900000004', text: 'TD' })).toMatchObject({ matched: true, keyword: 'TD', member_id: null });
      await ok('PUT', '/api/consent/members/user_id:c-2', { channel: 'wecom', status: 'granted' });
      const r = await ok('POST', '/api/consent/inbound', { channel: 'wecom', from: 'wmC2', text: '请帮我退订，谢谢' });
      expect(r).toMatchObject({ matched: true, keyword: '退订', revoked: { channel: 'wecom', purpose: 'marketing' } });
      const sms = await ok('POST', '/api/consent/inbound', { channel: 'sms', from: '+86 139-0000-0002', text: ' ｔｄ。' });
      expect(sms).toMatchObject({ matched: true, member_id: r.member_id });
      const oa = await ok('POST', '/api/consent/inbound', { channel: 'wechat_oa', from: 'oC3', text: 'STOP' });
      expect(oa.member_id).toMatch(/^mem_/);
      const c2 = await ok('GET', '/api/consent/members/user_id:c-2');
      expect(c2.effective.marketing.wecom).toEqual({ allowed: false, basis: 'revoked' });
      expect(c2.effective.marketing.sms).toEqual({ allowed: false, basis: 'revoked' });
      expect(c2.consents.find((x: any) => x.channel === 'wecom')).toMatchObject({ source: 'keyword', source_detail: expect.stringContaining('退订') });
    });
  });

  describe('other modules', () => {
    it('"Consent Updated" events record statements with the event', async () => {
      const send = (body: unknown) => t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: body as any });
      expect((await send({ userId: 'c-3', event: 'Consent Updated', messageId: 'cu-1', timestamp: '2025-06-01T00:00:00Z', properties: { channel_type: 'miniprogram', status: 'granted' }, context: { ip: '10.0.0.9' } })).statusCode).toBe(200);
      expect((await send({ userId: 'c-3', event: 'Consent Updated', messageId: 'cu-2', properties: { consents: { sms_marketing: true, email_service: false, bogus_thing: true } } })).statusCode).toBe(200);
      // Replayed messageId: recorded once.
      expect((await send({ userId: 'c-3', event: 'Consent Updated', messageId: 'cu-1', timestamp: '2025-06-01T00:00:00Z', properties: { channel_type: 'miniprogram', status: 'granted' } })).statusCode).toBe(200);
      const h = (await ok('GET', '/api/consent/members/user_id:c-3/history')).data.filter((r: any) => r.source === 'ingest');
      expect(h.map((r: any) => `${r.channel}:${r.purpose}:${r.status}`).sort()).toEqual(['email:service:revoked', 'miniprogram:marketing:granted', 'sms:marketing:granted']);
      expect(h.find((r: any) => r.channel === 'miniprogram')).toMatchObject({ ip: '10.0.0.9', source_detail: 'event cu-1', occurred_at: '2025-06-01T00:00:00.000Z' });
    });

    it('member 360 shows a consents section', async () => {
      const m = await ok('GET', '/api/members/user_id:c-2');
      expect(m.consents.records.length).toBeGreaterThan(0);
      expect(m.consents.effective.marketing.wecom.allowed).toBe(false);
    });

    it('memberRecord gives everything consent holds about a member (for a data-subject export)', async () => {
      const id = (await ok('GET', '/api/members/user_id:c-2')).id;
      const r = await t.services.consent.memberRecord(t.workspaceId, id);
      expect(r.member_id).toBe(id);
      expect(r.consents.length).toBeGreaterThan(0);
      expect(r.history.length).toBeGreaterThanOrEqual(r.consents.length);
      expect(r.guard_state).toBeNull();
    });

    it('a member merge moves statements to the survivor, the latest winning', async () => {
      await ok('POST', '/api/members', { user_id: 'mg-a', phone: '13700000001' });
      await ok('POST', '/api/members', { user_id: 'mg-b', email: 'mg@example.com' });
      await ok('PUT', '/api/consent/members/user_id:mg-a', { channel: 'sms', status: 'granted', at: '2025-01-01T00:00:00Z' });
      await ok('PUT', '/api/consent/members/user_id:mg-b', { consents: [{ channel: 'sms', status: 'revoked', at: '2025-02-01T00:00:00Z' }, { channel: 'email', status: 'granted', at: '2025-02-01T00:00:00Z' }] });
      const send = await t.app.inject({ method: 'POST', url: '/v1/alias', headers: t.write, payload: { userId: 'mg-a', previousId: 'mg-b' } });
      expect(send.statusCode, send.body).toBe(200);
      const a = await ok('GET', '/api/consent/members/user_id:mg-a');
      expect(a.effective.marketing.sms).toEqual({ allowed: false, basis: 'revoked' });
      expect(a.effective.marketing.email.allowed).toBe(true);
      expect((await ok('GET', '/api/consent/members/user_id:mg-a/history')).data).toHaveLength(3);
    });

    it('templates render {{ unsubscribe_url }} and per-channel links that work', async () => {
      const id = (await ok('GET', '/api/members/user_id:c-4')).id;
      const compiled = t.services.templates.compileContent({ email: { subject: 'Hi', html: '<a href="{{ unsubscribe_url.email }}">退订</a>', text: '退订: {{ unsubscribe_url }}' } });
      const r = await t.services.templates.renderMany(t.workspaceId, compiled, [id]);
      const out = r.get(id)!;
      expect(out.text).toMatch(/^退订: http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?t=\S+$/);
      const href = /href="([^"]+)"/.exec(out.html!)![1].replace(/&amp;/g, '&');
      const claim = await t.services.consent.verifyUnsubscribeToken(new URL(href).searchParams.get('t')!);
      expect(claim).toMatchObject({ memberId: id, channel: 'email', purpose: 'marketing' });
      const all = await t.services.consent.verifyUnsubscribeToken(new URL(out.text!.slice(4)).searchParams.get('t')!);
      expect(all?.channel).toBe('all');
      expect(() => t.services.templates.compileContent({ sms: { text: '{{ unsubscribe_url.fax }}' } })).toThrow(/unsubscribe_url\.fax/);
    });
  });
});
