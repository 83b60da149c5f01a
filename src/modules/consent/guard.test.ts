// GuardService on both stores: reasons, replays and releases through the real tables; the property test of random
// interleavings of consent, unsubscribes, admits and releases against the reference model; and concurrent admits from
// several store connections (separate services, as separate worker processes would be) never exceeding a cap.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { openStore } from '../../store/open-store.ts';
import type { Store } from '../../store/port.ts';
import { guardOf } from '../delivery/guard.ts';
import { GuardService } from './guard.ts';
import { ConsentSettings } from './settings.ts';
import { GuardModel, MODEL_MEMBERS, atOf, scenarioArb, sourceKeyOf } from './testing/guard-model.ts';

const NOON = '2025-06-18T04:00:00Z'; // 12:00 in Shanghai

forEachStore('guard rails', (ctx) => {
  let t: TestApp;
  const newWorkspace = async () => (await t.services.workspaces.create({ name: 'guard ' + Math.random().toString(36).slice(2, 8) })).id;
  const upsert = async (ws: string, members: Record<string, unknown>[]) => ((await t.services.members.upsert(ws, { members } as any)) as { members: { id: string }[] }).members.map((r) => r.id);

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  describe('admit and release', () => {
    it('answers each reason, replays a held source, and frees slots on release', async () => {
      const ws = await newWorkspace();
      const [a, b, c, d] = await upsert(ws, [
        { user_id: 'a', phone: '13800000001' },
        { user_id: 'b', phone: '13800000002', attributes: { timezone: 'America/Los_Angeles' } },
        { user_id: 'c', wecom_external_userid: 'wmC' },
        { user_id: 'd', phone: '13800000004' },
      ]);
      const consent = t.services.consent;
      await consent.updateGuardConfig(ws, { caps: [{ scope: 'all', period: 'day', limit: 1, purposes: ['marketing'] }] });
      await consent.record(ws, [a, b, c].map((memberId) => ({ memberId, channel: 'sms' as const, purpose: 'marketing' as const, status: 'granted' as const, source: 'api' as const })));
      await consent.record(ws, [{ memberId: d, channel: 'all', purpose: 'marketing', status: 'revoked', source: 'unsubscribe_link' }]);
      const guard = consent.guard;
      const req = { channelType: 'sms', channelId: 'mch_test', purpose: 'marketing' as const, at: NOON };

      const r1 = await guard.admit(ws, { ...req, sourceKey: 'broadcast:1', memberIds: [a, b, c, d, 'mem_unknown'] });
      expect(r1.get(a)).toMatchObject({ ok: true, reservation: { member_id: a, source_key: 'broadcast:1', counters: { 'm|all|D': '2025-06-18' }, replayed: false } });
      // 12:00 in Shanghai is 21:00 the evening before in Los Angeles: quiet until 09:00 there.
      expect(r1.get(b)).toEqual({ ok: false, reason: 'quiet_hours', retryAt: '2025-06-18T16:00:00.000Z' });
      expect(r1.get(c)).toEqual({ ok: false, reason: 'no_address' });
      expect(r1.get(d)).toEqual({ ok: false, reason: 'unsubscribed' });
      expect(r1.get('mem_unknown')).toEqual({ ok: false, reason: 'no_address' });
      expect(r1.admitted).toEqual([a]);
      expect(r1.deferred.get(b)).toEqual({ retryAt: '2025-06-18T16:00:00.000Z', reason: 'quiet_hours' });
      expect(r1.skipped.get(d)).toBe('unsubscribed');

      const replay = await guard.admit(ws, { ...req, sourceKey: 'broadcast:1', memberIds: [a] });
      expect(replay.get(a)).toMatchObject({ ok: true, reservation: { replayed: true } });
      expect((await guard.admit(ws, { ...req, sourceKey: 'broadcast:2', memberIds: [a] })).get(a)).toEqual({ ok: false, reason: 'capped' });
      // Service messages are outside the marketing cap.
      expect((await guard.admit(ws, { ...req, purpose: 'service', sourceKey: 'order:1', memberIds: [a] })).get(a)?.ok).toBe(true);
      expect(await guard.release(ws, 'broadcast:1', [a, b, 'mem_unknown'])).toBe(1);
      expect(await guard.release(ws, 'broadcast:1', [a])).toBe(0);
      expect((await guard.admit(ws, { ...req, sourceKey: 'broadcast:2', memberIds: [a] })).get(a)?.ok).toBe(true);
      // A dry run decides without reserving.
      const dry = await consent.check(ws, { ...req, sourceKey: 'broadcast:3', members: ['user_id:a', 'user_id:zzz'] });
      expect(dry).toEqual([{ member: 'user_id:a', member_id: a, ok: false, reason: 'capped' }, { member: 'user_id:zzz', member_id: null, ok: false, reason: 'member_not_found' }]);

      // The delivery pipeline finds this guard (admit and release) on the services.
      const viaDelivery = guardOf(t.services)!;
      expect(typeof viaDelivery.release).toBe('function');
      const decision = await viaDelivery.admit(ws, { sourceKey: 'broadcast:2', channelId: 'mch_test', channelType: 'sms', purpose: 'marketing', memberIds: [a, d], now: new Date(NOON) });
      expect(decision.admitted).toEqual([a]);
      expect(decision.skipped.get(d)).toBe('unsubscribed');
    });

    it('dedupes across sources, caps per channel, and validates requests', async () => {
      const ws = await newWorkspace();
      const [a] = await upsert(ws, [{ user_id: 'a', phone: '13800000001', wecom_external_userid: 'wmA' }]);
      const g = t.services.consent.guard;
      const base = { channelType: 'wecom', purpose: 'marketing' as const, memberIds: [a], at: NOON };
      expect((await g.admit(ws, { ...base, sourceKey: 'b:1', dedupeKey: '618' })).get(a)?.ok).toBe(true);
      expect((await g.admit(ws, { ...base, channelType: 'sms', sourceKey: 'b:2', dedupeKey: '618' })).get(a)).toEqual({ ok: false, reason: 'no_consent' });
      await t.services.consent.record(ws, [{ memberId: a, channel: 'sms', purpose: 'marketing', status: 'granted', source: 'api' }]);
      expect((await g.admit(ws, { ...base, channelType: 'sms', sourceKey: 'b:2', dedupeKey: '618' })).get(a)).toEqual({ ok: false, reason: 'duplicate' });
      // WeCom: one mass message per customer per day by default, whatever the purpose.
      expect((await g.admit(ws, { ...base, purpose: 'service', sourceKey: 'b:3' })).get(a)).toEqual({ ok: false, reason: 'capped' });
      expect((await g.admit(ws, { ...base, channelType: 'sms', sourceKey: 'b:4' })).get(a)?.ok).toBe(true);
      await expect(g.admit(ws, { ...base, channelType: 'fax', sourceKey: 'x' })).rejects.toMatchObject({ code: 'guard.channel_type_invalid' });
      await expect(g.admit(ws, { ...base, sourceKey: '' })).rejects.toMatchObject({ code: 'guard.source_key_invalid' });
      await expect(g.admit(ws, { ...base, sourceKey: 'x', at: 'soon' })).rejects.toMatchObject({ code: 'guard.at_invalid' });
    });

    it('the check route answers per ref without reserving', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/api/consent/guard/check', headers: t.admin, payload: { channel_type: 'sms', members: ['user_id:none'], at: NOON } });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().data).toEqual([{ member: 'user_id:none', member_id: null, ok: false, reason: 'member_not_found' }]);
    });
  });

  describe('property', () => {
    it('random interleavings of consent, unsubscribes, admits and releases never admit an opted-out or capped member', async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (sc) => {
          const ws = await newWorkspace();
          const ids = await upsert(ws, MODEL_MEMBERS.map((m, i) => ({
            user_id: `p${i}`, ...(m.phone ? { phone: `1380000${String(i).padStart(4, '0')}` } : {}), ...(m.wecom ? { wecom_external_userid: `wm${i}` } : {}), ...(m.tz ? { attributes: { timezone: m.tz } } : {}),
          })));
          const consent = t.services.consent;
          await consent.updateGuardConfig(ws, sc.config);
          const model = new GuardModel(sc);
          for (const step of sc.steps) {
            if (step.t === 'consent') {
              model.consent(step);
              // Revocations arrive the ways members make them: links, keywords, the API.
              const source = step.status === 'revoked' ? (['unsubscribe_link', 'keyword', 'api'] as const)[step.at % 3] : 'api';
              await consent.record(ws, [{ memberId: ids[step.member], channel: step.channel, purpose: step.purpose, status: step.status, source, at: new Date(atOf(step.at)).toISOString() }]);
            } else if (step.t === 'release') {
              expect(await consent.guard.release(ws, sourceKeyOf(step.source), step.members.map((m) => ids[m]))).toBe(model.released(step));
            } else {
              const src = sc.sources[step.source];
              const r = await consent.guard.admit(ws, { channelType: src.channelType, channelId: 'mch_p', purpose: src.purpose, sourceKey: sourceKeyOf(step.source), dedupeKey: src.dedupeKey, memberIds: step.members.map((m) => ids[m]), at: new Date(atOf(step.at)) });
              model.admitted(step, r, (m) => ids[m]);
            }
          }
        }),
        { numRuns: ctx.engine === 'duckdb' ? 25 : 15 },
      );
    });
  });

  describe('concurrency', () => {
    it('concurrent admits from several store connections never exceed a cap', async () => {
      const ws = await newWorkspace();
      const ids = await upsert(ws, Array.from({ length: 40 }, (_, i) => ({ user_id: `k${i}`, wecom_external_userid: `wmk${i}` })));
      await t.services.consent.updateGuardConfig(ws, { caps: [{ scope: 'all', period: 'day', limit: 2, purposes: ['marketing'] }], quiet_hours: null });
      // Separate stores and services: the in-process queue does not serialise them, the database must.
      const workers = ctx.engine === 'postgres' ? 4 : 2;
      const stores: Store[] = ctx.engine === 'postgres' ? await Promise.all(Array.from({ length: workers }, () => openStore({ ...ctx.db.options, migrate: false }))) : [ctx.store, ctx.store];
      try {
        const guards = stores.map((store) => new GuardService({ store, settings: new ConsentSettings(store), timezoneOf: async () => 'Asia/Shanghai' }));
        const sources = ctx.engine === 'postgres' ? 8 : 4;
        const results = await Promise.all(
          Array.from({ length: sources }, (_, s) => guards[s % workers].admit(ws, { channelType: 'wecom', channelId: 'mch_c', purpose: 'marketing', sourceKey: `c:${s}`, memberIds: s % 2 ? [...ids].reverse() : ids, at: NOON })),
        );
        const per = new Map<string, number>();
        for (const r of results) for (const id of r.admitted) per.set(id, (per.get(id) ?? 0) + 1);
        // WeCom's default cap (1 a day) is replaced by the configured one: exactly two admissions per member.
        for (const id of ids) expect(per.get(id), id).toBe(2);
        const rows = await ctx.store.query<{ state: string }>('SELECT state FROM guard_state WHERE workspace_id = $1', [ws]);
        expect(rows).toHaveLength(ids.length);
        for (const r of rows) expect(JSON.parse(r.state).c['m|all|D']['2025-06-18']).toBe(2);
      } finally {
        if (ctx.engine === 'postgres') await Promise.all(stores.map((s) => s.close()));
      }
    });
  });
});
