// Coupon templates, code batches and issuing on both stores: validation errors with fields, generation format and
// uniqueness, uploads refused with line numbers, issue to a member/list/segment within limits, concurrent claims.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../core/config.ts';

const fixed = (over: Record<string, unknown> = {}) => ({
  benefit: { type: 'fixed', amount: 10 },
  minSpend: 50,
  validity: { type: 'after_claim', days: 7 },
  ...over,
});

forEachStore('coupons', (ctx) => {
  let t: TestApp;
  const api = (method: string, url: string, payload?: unknown) => t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
  const template = async (name: string, body: Record<string, unknown> = {}) => {
    const r = await api('POST', '/api/coupons/templates', { name, config: fixed(), ...body });
    expect(r.statusCode, r.body).toBe(201);
    return r.json();
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    const r = await api('POST', '/api/members', { members: Array.from({ length: 40 }, (_, i) => ({ user_id: `c-${i}` })) });
    expect(r.statusCode, r.body).toBe(200);
  });
  afterAll(async () => t?.app.close());

  describe('templates', () => {
    it('creates, reads, pauses and refuses config changes once issued', async () => {
      const tpl = await template('满100减20', { config: fixed({ benefit: { type: 'threshold', spend: 100, save: 20 } }), total_limit: 100, per_member_limit: 2 });
      expect(tpl).toMatchObject({ id: expect.stringMatching(/^cpt_/), status: 'active', issued_count: 0, remaining: 100, config: { benefit: { type: 'threshold', repeat: false }, stacking: { mode: 'exclusive' } } });
      expect((await api('GET', `/api/coupons/templates/${encodeURIComponent('满100减20')}`)).json().id).toBe(tpl.id);
      const dup = await api('POST', '/api/coupons/templates', { name: '满100减20', config: fixed() });
      expect(dup.statusCode).toBe(422);
      expect(dup.json()).toMatchObject({ code: 'coupon_template.duplicate', field: 'name' });

      expect((await api('PATCH', `/api/coupons/templates/${tpl.id}`, { config: fixed({ minSpend: 10 }) })).json().config.minSpend).toBe(10);
      await api('POST', '/api/coupons/issue', { template: tpl.id, member: 'user_id:c-0' });
      const locked = await api('PATCH', `/api/coupons/templates/${tpl.id}`, { config: fixed() });
      expect(locked.statusCode).toBe(409);
      expect(locked.json().code).toBe('coupon_template.in_use');
      expect((await api('PATCH', `/api/coupons/templates/${tpl.id}`, { total_limit: 0 })).json().code).toBe('coupon_template.limit_below_issued');
      expect((await api('PATCH', `/api/coupons/templates/${tpl.id}`, { status: 'paused' })).json().status).toBe('paused');
      const paused = await api('POST', '/api/coupons/issue', { template: tpl.id, member: 'user_id:c-1' });
      expect(paused.statusCode).toBe(409);
      expect(paused.json().code).toBe('coupon_template.not_active');
      expect((await api('DELETE', `/api/coupons/templates/${tpl.id}`)).json().code).toBe('coupon_template.in_use');
      const spare = await template('spare');
      expect((await api('DELETE', `/api/coupons/templates/${spare.id}`)).statusCode).toBe(204);
      expect((await api('GET', '/api/coupons/templates?status=paused')).json().data.map((x: any) => x.id)).toEqual([tpl.id]);
    });

    it('answers 400 naming the field for bad configs', async () => {
      const cases: [Record<string, unknown>, string, string][] = [
        [{ config: fixed({ benefit: { type: 'fixed', amount: 0 } }) }, 'config.benefit.amount', 'coupon.invalid_config'],
        [{ config: fixed({ benefit: { type: 'threshold', spend: 50, save: 80 } }) }, 'config.benefit.save', 'coupon.invalid_config'],
        [{ config: fixed({ benefit: { type: 'percent', percentOff: 120 } }) }, 'config.benefit.percentOff', 'coupon.invalid_config'],
        [{ config: fixed({ validity: { type: 'window', startsAt: '2026-02-01T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' } }) }, 'config.validity.endsAt', 'coupon.invalid_config'],
        [{ config: fixed({ colour: 'red' }) }, 'config.colour', 'coupon.unknown_field'],
        [{ config: undefined }, 'body.config', 'request.invalid'],
        [{ code_format: { length: 4 } }, 'code_format.length', 'coupon_code.too_short'],
        [{ code_format: { alphabet: 'abc123' } }, 'code_format.alphabet', 'coupon_code.invalid_config'],
        [{ total_limit: -1 }, 'body.total_limit', 'request.invalid'],
      ];
      for (const [body, field, code] of cases) {
        const r = await api('POST', '/api/coupons/templates', { name: 'bad', config: fixed(), ...body });
        expect(r.statusCode, JSON.stringify(body)).toBe(400);
        expect(r.json(), JSON.stringify(body)).toMatchObject({ code, field });
      }
    });
  });

  describe('codes', () => {
    it('generates unique codes of the asked format and pages through them', async () => {
      const tpl = await template('gen');
      const r = await api('POST', `/api/coupons/templates/${tpl.id}/batches`, { count: 2500, format: { length: 10, prefix: 'VIP' } });
      expect(r.statusCode, r.body).toBe(201);
      const batch = r.json();
      expect(batch).toMatchObject({ id: expect.stringMatching(/^cpb_/), kind: 'generated', code_count: 2500, format: { length: 10, prefix: 'VIP' } });
      const codes: string[] = [];
      for (let cursor: string | null = null; ; ) {
        const page: any = (await api('GET', `/api/coupons/batches/${batch.id}/codes?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).json();
        codes.push(...page.data.map((c: any) => c.code));
        cursor = page.next_cursor;
        if (!cursor) break;
      }
      expect(codes).toHaveLength(2500);
      expect(new Set(codes).size).toBe(2500);
      for (const c of codes) expect(c).toMatch(/^VIP[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}$/);
      expect((await api('GET', `/api/coupons/codes/${codes[0].toLowerCase()}`)).json()).toMatchObject({ code: codes[0], kind: 'batch', status: 'available', template_id: tpl.id });

      const short = await api('POST', `/api/coupons/templates/${tpl.id}/batches`, { count: 1000, format: { length: 5 } });
      expect(short.statusCode).toBe(400);
      expect(short.json()).toMatchObject({ code: 'coupon_code.too_short', field: 'format.length' });
      expect(short.json().message).toMatch(/use at least \d+/);
      expect((await api('GET', `/api/coupons/templates/${tpl.id}/batches`)).json().data[0]).toMatchObject({ id: batch.id, claimed: 0 });
    });

    it('uploads TXT and CSV, refusing malformed, repeated and existing codes with line numbers', async () => {
      const tpl = await template('upload');
      const ok = await api('POST', `/api/coupons/templates/${tpl.id}/batches/upload`, { text: 'code,note\nSHOP-0001,a\nshop-0002,b\n', format: 'csv' });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json()).toMatchObject({ kind: 'uploaded', code_count: 2 });
      expect((await api('GET', '/api/coupons/codes/SHOP-0002')).json().status).toBe('available');

      const dup = await api('POST', `/api/coupons/templates/${tpl.id}/batches/upload`, { text: 'AAAA-1\n\nBBBB-2\naaaa-1\nCCCC-3\nBBBB-2\n' });
      expect(dup.statusCode).toBe(400);
      expect(dup.json()).toMatchObject({ code: 'coupon_code.duplicate', field: 'text', details: { lines: [4, 6], count: 2 } });
      expect(dup.json().message).toContain('line 4 repeats line 1');

      const bad = await api('POST', `/api/coupons/templates/${tpl.id}/batches/upload`, { codes: ['GOOD-1', 'no', 'A,B,C,D'] });
      expect(bad.json()).toMatchObject({ code: 'coupon_code.invalid', details: { lines: [2, 3] } });

      const clash = await api('POST', `/api/coupons/templates/${tpl.id}/batches/upload`, { text: 'NEW-0001\nSHOP-0001\nNEW-0002\n' });
      expect(clash.statusCode).toBe(422);
      expect(clash.json()).toMatchObject({ code: 'coupon_code.exists', details: { lines: [2], codes: ['SHOP-0001'] } });
      // All or nothing: the clean lines of the refused upload were not stored.
      expect((await api('GET', '/api/coupons/codes/NEW-0001')).statusCode).toBe(404);
      expect((await api('POST', `/api/coupons/templates/${tpl.id}/batches/upload`, { text: 'x,y\n1,2\n', format: 'csv' })).json().code).toBe('coupon_code.no_code_column');
    });
  });

  describe('issue and claim', () => {
    it('issues to a member within the per-member limit, idempotently by key', async () => {
      const tpl = await template('per-member', { per_member_limit: 2 });
      const first = await api('POST', '/api/coupons/issue', { template: tpl.id, member: 'user_id:c-2', idempotency_key: 'k-1', source: 'journey' });
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toMatchObject({ issued: true, coupon: { status: 'claimed', source: 'journey', template: { id: tpl.id, name: 'per-member' } } });
      const c = first.json().coupon;
      expect(Date.parse(c.valid_to) - Date.parse(c.valid_from)).toBe(7 * 86_400_000);
      const again = await api('POST', '/api/coupons/issue', { template: tpl.id, member: 'user_id:c-2', idempotency_key: 'k-1' });
      expect(again.json()).toMatchObject({ issued: false, coupon: { id: c.id } });
      await t.services.coupons.issueToMember(t.workspaceId, tpl.id, 'user_id:c-2', { idempotencyKey: 'birthday:2026:c-2', source: 'birthday' });
      const third = await api('POST', '/api/coupons/issue', { template: tpl.id, member: 'user_id:c-2' });
      expect(third.statusCode).toBe(409);
      expect(third.json()).toMatchObject({ code: 'coupon.member_limit_reached', field: 'member' });
      expect((await api('POST', '/api/coupons/issue', { template: 'per-member', member: 'user_id:nobody' })).json().code).toBe('member.not_found');
      const other = await template('other-template');
      expect((await api('POST', '/api/coupons/issue', { template: other.id, member: 'user_id:c-2', idempotency_key: 'k-1' })).json().code).toBe('coupon_issue.key_reused');
      const mine = (await api('GET', '/api/members/user_id:c-2/coupons?status=unused')).json();
      expect(mine.data.filter((x: any) => x.template.id === tpl.id)).toHaveLength(2);
    });

    it('issues to a list and to a segment, skipping members at a limit and past the total', async () => {
      const tpl = await template('bulk', { per_member_limit: 1, total_limit: 30 });
      const list = await api('POST', '/api/coupons/issue', { template: tpl.id, members: ['user_id:c-0', 'user_id:c-1', 'user_id:c-1', 'user_id:ghost', 'bad ref'] });
      expect(list.json()).toMatchObject({ target: 'members', requested: 5, matched: 2, issued: 2, skipped: { member_limit: 0, total_limit: 0 }, not_found_count: 2 });
      const seg = await api('POST', '/api/segments', { name: 'coupon-seg', kind: 'static', members: Array.from({ length: 40 }, (_, i) => `user_id:c-${i}`) });
      expect(seg.statusCode, seg.body).toBe(201);
      const r = await api('POST', '/api/coupons/issue', { template: tpl.id, segment: 'coupon-seg', idempotency_key: 'seg-1' });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json()).toMatchObject({ target: 'segment', requested: 40, issued: 28, skipped: { member_limit: 2, total_limit: 10 } });
      expect((await api('POST', '/api/coupons/issue', { template: tpl.id, segment: 'coupon-seg', idempotency_key: 'seg-1' })).json()).toMatchObject({ issued: 28, replayed: true });
      expect((await api('GET', `/api/coupons/templates/${tpl.id}`)).json()).toMatchObject({ issued_count: 30, remaining: 0 });
      expect((await api('POST', '/api/coupons/issue', { template: tpl.id, segment: 'no-such-segment' })).json().code).toBe('segment.not_found');
      expect((await api('POST', '/api/coupons/issue', { template: tpl.id })).statusCode).toBe(400);
    });

    it('lets members claim issued coupons, one-claim codes and shared codes', async () => {
      await api('POST', '/api/members', { members: [5, 6, 7, 8].map((i) => ({ user_id: `cl-${i}` })) });
      const tpl = await template('claims', { per_member_limit: 3 });
      const pending = (await api('POST', '/api/coupons/issue', { template: tpl.id, member: 'user_id:cl-5', claimed: false })).json().coupon;
      expect(pending).toMatchObject({ status: 'issued', valid_from: null, valid_to: null });
      expect((await api('POST', '/api/coupons/claim', { code: pending.code, member: 'user_id:cl-6' })).json().code).toBe('coupon.not_owner');
      const claimed = (await api('POST', '/api/coupons/claim', { code: pending.code, member: 'user_id:cl-5' })).json();
      expect(claimed).toMatchObject({ claimed: true, coupon: { id: pending.id, status: 'claimed', valid_to: expect.any(String) } });
      expect((await api('POST', '/api/coupons/claim', { code: pending.code, member: 'user_id:cl-5' })).json().claimed).toBe(false);

      const batch = (await api('POST', `/api/coupons/templates/${tpl.id}/batches/upload`, { codes: ['CARD-0001', 'CARD-0002'] })).json();
      const got = (await api('POST', '/api/coupons/claim', { code: 'card-0001', member: 'user_id:cl-5' })).json();
      expect(got).toMatchObject({ claimed: true, coupon: { code: 'CARD-0001', status: 'claimed', member_id: expect.stringMatching(/^mem_/) } });
      const taken = await api('POST', '/api/coupons/claim', { code: 'CARD-0001', member: 'user_id:cl-6' });
      expect(taken.json().code).toBe('coupon.not_owner');
      expect((await api('GET', `/api/coupons/batches/${batch.id}/codes?status=claimed`)).json().data.map((c: any) => c.code)).toEqual(['CARD-0001']);

      const shared = (await api('POST', `/api/coupons/templates/${tpl.id}/batches/upload`, { codes: ['SPRING2026'], shared: true })).json();
      expect(shared.shared).toBe(true);
      const a = (await api('POST', '/api/coupons/claim', { code: 'spring2026', member: 'user_id:cl-7' })).json();
      const b = (await api('POST', '/api/coupons/claim', { code: 'SPRING2026', member: 'user_id:cl-8' })).json();
      expect(a.coupon.code).not.toBe(b.coupon.code);
      expect(a.coupon.claim_code).toBe('SPRING2026');
      expect((await api('POST', '/api/coupons/claim', { code: 'SPRING2026', member: 'user_id:cl-7' })).json()).toMatchObject({ claimed: false, coupon: { id: a.coupon.id } });
      expect((await api('POST', '/api/coupons/claim', { code: 'NOPE-1234', member: 'user_id:cl-7' })).statusCode).toBe(404);

      const funnel = (await api('GET', `/api/coupons/templates/${tpl.id}/funnel`)).json();
      expect(funnel).toMatchObject({ issued: 4, claimed: 4, used: 0, unused: 4, codes: { total: 3, claimed: 1 }, claim_rate: 1, use_rate: 0 });
      const profile = (await api('GET', '/api/members/user_id:cl-5')).json();
      expect(profile.coupons).toMatchObject({ unused_count: 2 });
      expect(profile.coupons.unused.map((c: any) => c.code).sort()).toEqual(['CARD-0001', pending.code].sort());
    });

    it('gives birthday coupons through the loyalty job, once a year (issueToMember with its idempotency key)', async () => {
      const tpl = await template('生日券');
      expect((await api('POST', '/api/members', { user_id: 'bday-1', birthday: '1990-06-15' })).statusCode).toBe(200);
      const cfg = await api('PUT', '/api/loyalty/birthday', { daysBefore: 0, daysAfter: 0, gift: { couponTemplateId: tpl.id }, enabled: true });
      expect(cfg.statusCode, cfg.body).toBe(200);
      const at = '2026-06-15T04:00:00Z';
      expect((await api('POST', '/api/loyalty/birthday/run', { at })).json()).toMatchObject({ coupons_given: 1, failed: 0 });
      expect((await api('POST', '/api/loyalty/birthday/run', { at })).json()).toMatchObject({ coupons_given: 0, already: 1 });
      const held = (await api('GET', `/api/members/user_id:bday-1/coupons?template=${tpl.id}`)).json().data;
      expect(held).toMatchObject([{ source: 'birthday', status: 'claimed' }]);
    });

    it('never issues past the total limit under concurrent claims (two services on one store)', async () => {
      const tpl = await template('flash', { total_limit: 5, per_member_limit: 1 });
      await api('POST', `/api/coupons/templates/${tpl.id}/batches/upload`, { codes: ['FLASH-SALE'], shared: true });
      const second = await buildApp({ store: ctx.store, config: loadConfig({ logLevel: 'silent' }, {}) });
      await second.app.ready();
      try {
        const apps = [t.app, second.app];
        const calls = Array.from({ length: 16 }, (_, i) =>
          apps[i % 2].inject({ method: 'POST', url: '/api/coupons/claim', headers: t.admin, payload: { code: 'FLASH-SALE', member: `user_id:c-${20 + i}` } }),
        );
        const results = await Promise.all(calls);
        const ok = results.filter((r) => r.statusCode === 200);
        expect(ok).toHaveLength(5);
        for (const r of results.filter((x) => x.statusCode !== 200)) expect(r.json().code).toBe('coupon.total_limit_reached');
        // One member racing with itself gets one coupon.
        const race = await template('race', { per_member_limit: 1 });
        const same = await Promise.all(apps.map((a) => a.inject({ method: 'POST', url: '/api/coupons/issue', headers: t.admin, payload: { template: race.id, member: 'user_id:c-39' } })));
        expect(same.map((r) => r.statusCode).sort()).toEqual([201, 409]);
      } finally {
        await second.app.close();
      }
      expect((await api('GET', `/api/coupons/templates/${tpl.id}/funnel`)).json()).toMatchObject({ issued: 5 });
    });
  });
});
