// Pure parts of consent and guard rails: time zones and periods, quiet hours, keywords, signed tokens, the consent
// decision, config merging, the "Consent Updated" mapping, CSV, and the guard's decision rules — with a property test
// of the rules against the reference model over thousands of random interleavings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyCsvLines, parseImportCsv } from './csv.ts';
import { emptyState, evalRequest, evaluateMember, releaseEntry, ruleKey, ZoneClock, type MemberFacts, type MemberState } from './guard-rules.ts';
import { statementsOf } from './ingest-hook.ts';
import { matchKeyword } from './keywords.ts';
import { decideConsent } from './policy.ts';
import { DEFAULT_GUARD_CONFIG, mergeGuardPatch, resolveGuardConfig } from './schema.ts';
import { GuardModel, MODEL_MEMBERS, MODEL_WS_TZ, atOf, scenarioArb, sourceKeyOf } from './testing/guard-model.ts';
import { readToken, signToken, verifyToken } from './unsubscribe-token.ts';
import { localTime, periodKey, quietUntil, zonedToUtc } from './zones.ts';

const ms = (iso: string) => Date.parse(iso);

describe('zones', () => {
  it('gives local dates, times, weeks and months', () => {
    expect(localTime(ms('2025-06-18T14:30:00Z'), 'Asia/Shanghai')).toEqual({ date: '2025-06-18', minutes: 22 * 60 + 30, weekday: 3 });
    expect(localTime(ms('2025-06-18T16:30:00Z'), 'Asia/Shanghai')).toEqual({ date: '2025-06-19', minutes: 30, weekday: 4 });
    const l = localTime(ms('2025-06-22T15:00:00Z'), 'Asia/Shanghai'); // Sunday 23:00
    expect(periodKey(l, 'day')).toBe('2025-06-22');
    expect(periodKey(l, 'week')).toBe('2025-06-16');
    expect(periodKey(l, 'month')).toBe('2025-06');
    expect(periodKey(localTime(ms('2025-06-22T16:00:00Z'), 'Asia/Shanghai'), 'week')).toBe('2025-06-23');
  });

  it('converts local times to UTC, across daylight saving changes', () => {
    expect(new Date(zonedToUtc('2025-06-19', 9 * 60, 'Asia/Shanghai')).toISOString()).toBe('2025-06-19T01:00:00.000Z');
    expect(new Date(zonedToUtc('2025-03-08', 9 * 60, 'America/New_York')).toISOString()).toBe('2025-03-08T14:00:00.000Z');
    expect(new Date(zonedToUtc('2025-03-09', 9 * 60, 'America/New_York')).toISOString()).toBe('2025-03-09T13:00:00.000Z');
    // 02:30 does not exist on 2025-03-09 in New York: the later valid instant.
    expect(new Date(zonedToUtc('2025-03-09', 150, 'America/New_York')).toISOString()).toBe('2025-03-09T07:30:00.000Z');
  });

  it('finds the end of quiet hours in the member zone', () => {
    const [s, e] = [21 * 60, 9 * 60];
    const at = (iso: string, tz = 'Asia/Shanghai') => quietUntil(localTime(ms(iso), tz), s, e, tz);
    expect(at('2025-06-18T14:00:00Z')).toBe(ms('2025-06-19T01:00:00Z')); // 22:00 → 09:00 next day
    expect(at('2025-06-18T18:00:00Z')).toBe(ms('2025-06-19T01:00:00Z')); // 02:00 → 09:00 same day
    expect(at('2025-06-18T04:00:00Z')).toBeNull(); // noon
    expect(at('2025-06-18T01:00:00Z')).toBeNull(); // 09:00 exactly: over
    expect(at('2025-06-18T04:00:00Z', 'America/New_York')).toBe(ms('2025-06-18T13:00:00Z')); // 00:00 EDT → 09:00 EDT
    expect(quietUntil(localTime(ms('2025-06-18T05:00:00Z'), 'Asia/Shanghai'), 12 * 60, 14 * 60, 'Asia/Shanghai')).toBe(ms('2025-06-18T06:00:00Z'));
  });
});

describe('keywords', () => {
  const kw = DEFAULT_GUARD_CONFIG.keywords;
  it.each([
    ['TD', 'TD'], [' td。', 'TD'], ['ＴＤ', 'TD'], ['t', 'T'], ['Stop!', 'STOP'], ['退订', '退订'], ['我要退订，谢谢', '退订'], ['unsubscribe', 'UNSUBSCRIBE'],
  ])('%s matches %s', (text, k) => expect(matchKeyword(text, kw)).toBe(k));
  it.each(['T恤有货吗', 'stop by tomorrow?', 'TDD', '', '   ', 'hello'])('%s does not match', (text) => expect(matchKeyword(text, kw)).toBeNull());
});

describe('unsubscribe tokens', () => {
  const claim = { workspaceId: 'ws_1', memberId: 'mem_01ABC', channel: 'email' as const, purpose: 'marketing' as const, issuedAt: 1_750_000_000 };
  it('round-trips and verifies only with the secret', () => {
    const t = signToken('s3cret', claim);
    expect(t).toMatch(/^[\w-]+\.[\w-]{22}$/);
    expect(readToken(t)).toEqual(claim);
    expect(verifyToken('s3cret', t)).toBe(true);
    expect(verifyToken('other', t)).toBe(false);
    const [p, sig] = t.split('.');
    const other = Buffer.from(Buffer.from(p, 'base64url').toString().replace('mem_01ABC', 'mem_01XYZ')).toString('base64url');
    expect(verifyToken('s3cret', `${other}.${sig}`)).toBe(false);
    expect(readToken('garbage')).toBeNull();
    expect(readToken(`${Buffer.from('ws|x|email|marketing|1').toString('base64url')}.x`)).toBeNull();
  });
});

describe('consent decision', () => {
  it('takes the latest of the channel and all statements, a revocation on a tie', () => {
    const g = (at: number) => ({ status: 'granted' as const, at });
    const r = (at: number) => ({ status: 'revoked' as const, at });
    expect(decideConsent(null, null, 'opt_in')).toEqual({ allowed: false, basis: 'default', reason: 'no_consent' });
    expect(decideConsent(null, null, 'opt_out')).toEqual({ allowed: true, basis: 'default' });
    expect(decideConsent(g(1), null, 'opt_in')).toEqual({ allowed: true, basis: 'granted' });
    expect(decideConsent(g(1), r(2), 'opt_out')).toMatchObject({ allowed: false, reason: 'unsubscribed' });
    expect(decideConsent(g(3), r(2), 'opt_out').allowed).toBe(true);
    expect(decideConsent(g(2), r(2), 'opt_out').allowed).toBe(false);
  });

  it('merges config patches over the defaults', () => {
    const p = mergeGuardPatch({ default_policy: { marketing: { sms: 'opt_out' } }, caps: [] }, { default_policy: { marketing: { email: 'opt_out' } }, quiet_hours: null });
    const c = resolveGuardConfig(p);
    expect(c.default_policy.marketing).toMatchObject({ sms: 'opt_out', email: 'opt_out', app_push: 'opt_in' });
    expect(c.caps).toEqual([]);
    expect(c.quiet_hours).toBeNull();
    expect(c.dedupe_window_hours).toBe(24);
    expect(resolveGuardConfig(null)).toEqual(DEFAULT_GUARD_CONFIG);
  });
});

describe('"Consent Updated" events', () => {
  const msg = (properties: Record<string, unknown>) => ({
    type: 'track' as const, messageId: 'm1', userId: 'u1', anonymousId: null, name: 'Consent Updated', properties, traits: null, previousId: null, groupId: null,
    context: { ip: '1.2.3.4' }, channel: null, timestamp: '2025-06-01T00:00:00.000Z', receivedAt: '2025-06-01T00:00:01.000Z',
  });
  it('maps one statement or a consents map, and skips invalid ones', () => {
    expect(statementsOf('mem_1', msg({ channel_type: 'sms', status: 'granted' }))).toEqual([
      expect.objectContaining({ memberId: 'mem_1', channel: 'sms', purpose: 'marketing', status: 'granted', source: 'ingest', ip: '1.2.3.4', at: '2025-06-01T00:00:00.000Z', sourceDetail: 'event m1' }),
    ]);
    expect(statementsOf('mem_1', msg({ channel: 'all', purpose: 'service', granted: false }))[0]).toMatchObject({ channel: 'all', purpose: 'service', status: 'revoked' });
    const many = statementsOf('mem_1', msg({ consents: { wechat_oa_marketing: true, sms_service: false, fax_marketing: true, sms_x: true, email: true } }));
    expect(many.map((c) => `${c.channel}/${c.purpose}/${c.status}`)).toEqual(['wechat_oa/marketing/granted', 'sms/service/revoked']);
    expect(statementsOf('mem_1', msg({ channel_type: 'sms', status: 'maybe' }))).toEqual([]);
    expect(statementsOf('mem_1', msg({}))).toEqual([]);
  });
});

describe('csv', () => {
  it('reads spreadsheet-style import files and quotes the export', () => {
    const rows = parseImportCsv('\uFEFFMember, Channel ,status,at\nuser_id:a,sms,是,2025-01-01T00:00:00Z\nuser_id:b,email,0,\n');
    expect(rows).toEqual([{ member: 'user_id:a', channel: 'sms', status: 'granted', at: '2025-01-01T00:00:00Z' }, { member: 'user_id:b', channel: 'email', status: 'revoked' }]);
    expect(() => parseImportCsv('a,b\n1,2,3\n')).toThrow(/CSV/);
    const line = historyCsvLines([{ id: 'cns_1', member_id: 'mem_1', channel: 'sms', purpose: 'marketing', status: 'revoked', source: 'keyword', source_detail: 'said "TD", then left', operator: null, ip: null, user_agent: null, occurred_at: 'x', recorded_at: 'y' }]);
    expect(line).toBe('cns_1,mem_1,sms,marketing,revoked,keyword,"said ""TD"", then left",,,,x,y\r\n');
  });
});

describe('guard rules', () => {
  const cfg = resolveGuardConfig({ caps: [{ scope: 'all', period: 'day', limit: 2, purposes: ['marketing'] }, { scope: 'wecom', period: 'day', limit: 1, purposes: ['marketing', 'service'] }], dedupe_window_hours: 24 });
  const facts = (state: MemberState | null, over: Partial<MemberFacts> = {}): MemberFacts => ({ memberId: 'mem_1', found: true, consent: { allowed: true, basis: 'granted' }, hasAddress: true, tz: 'Asia/Shanghai', state, ...over });
  const req = (source: string, at: string, channelType = 'sms', dedupeKey: string | null = null) => evalRequest(cfg, { sourceKey: source, channelType, channelId: 'mch_1', purpose: 'marketing', dedupeKey, at: ms(at) });
  const run = (state: MemberState | null, source: string, at: string, channelType?: string, dedupeKey?: string | null) => {
    const r = req(source, at, channelType, dedupeKey ?? null);
    return evaluateMember(facts(state), r, new ZoneClock(r));
  };

  it('reserves per cap, replays a held source, and frees slots on release', () => {
    const a = run(null, 'b:1', '2025-06-18T04:00:00Z');
    expect(a.admission).toMatchObject({ ok: true, reservation: { source_key: 'b:1', counters: { 'm|all|D': '2025-06-18' }, replayed: false } });
    const b = run(a.next, 'b:2', '2025-06-18T05:00:00Z');
    expect(b.admission.ok).toBe(true);
    expect(run(b.next, 'b:3', '2025-06-18T06:00:00Z').admission).toEqual({ ok: false, reason: 'capped' });
    const replay = run(b.next, 'b:1', '2025-06-18T07:00:00Z');
    expect(replay).toMatchObject({ admission: { ok: true, reservation: { replayed: true } }, next: null });
    expect(run(b.next, 'b:3', '2025-06-19T02:00:00Z').admission.ok).toBe(true); // next local day
    const freed = releaseEntry(b.next!, 'b:1')!;
    expect(freed.s['b:1']).toBeUndefined();
    expect(run(freed, 'b:3', '2025-06-18T06:00:00Z').admission.ok).toBe(true);
    expect(releaseEntry(freed, 'b:1')).toBeNull();
  });

  it('refuses by consent, address, quiet hours, dedupe and per-channel caps', () => {
    const r = req('b:1', '2025-06-18T04:00:00Z');
    const clock = new ZoneClock(r);
    expect(evaluateMember(facts(null, { consent: { allowed: false, basis: 'revoked', reason: 'unsubscribed' } }), r, clock).admission).toEqual({ ok: false, reason: 'unsubscribed' });
    expect(evaluateMember(facts(null, { hasAddress: false }), r, clock).admission).toEqual({ ok: false, reason: 'no_address' });
    expect(evaluateMember(facts(null, { found: false }), r, clock).admission).toEqual({ ok: false, reason: 'no_address' });
    expect(run(null, 'b:1', '2025-06-18T14:00:00Z').admission).toEqual({ ok: false, reason: 'quiet_hours', retryAt: '2025-06-19T01:00:00.000Z' });
    const night = req('b:1', '2025-06-18T14:00:00Z');
    expect(evaluateMember(facts(null, { tz: 'America/New_York' }), night, new ZoneClock(night)).admission.ok).toBe(true); // 10:00 in New York
    const w = run(null, 'w:1', '2025-06-18T04:00:00Z', 'wecom');
    expect(run(w.next, 'w:2', '2025-06-18T05:00:00Z', 'wecom').admission).toEqual({ ok: false, reason: 'capped' });
    expect(run(w.next, 's:2', '2025-06-18T05:00:00Z', 'sms').admission.ok).toBe(true);
    const d = run(null, 'b:1', '2025-06-18T04:00:00Z', 'sms', 'promo');
    expect(run(d.next, 'b:2', '2025-06-18T05:00:00Z', 'sms', 'promo').admission).toEqual({ ok: false, reason: 'duplicate' });
    expect(run(d.next, 'b:2', '2025-06-17T05:00:00Z', 'sms', 'promo').admission).toEqual({ ok: false, reason: 'duplicate' }); // earlier, within the window
    expect(run(d.next, 'b:2', '2025-06-19T05:00:00Z', 'sms', 'promo').admission.ok).toBe(true);
    // A revoked member's held reservation is given back.
    const revoked = evaluateMember(facts(d.next, { consent: { allowed: false, basis: 'revoked', reason: 'unsubscribed' } }), r, clock);
    expect(revoked.next?.s['b:1']).toBeUndefined();
    expect(revoked.next?.d.promo).toBeUndefined();
  });

  it('keys counters by purposes, scope and period', () => {
    expect(ruleKey({ scope: 'wecom', period: 'day', limit: 1, purposes: ['service', 'marketing'] })).toBe('ms|wecom|D');
    expect(ruleKey({ scope: 'mch_1', period: 'month', limit: 9, purposes: ['marketing'] })).toBe('m|mch_1|M');
  });

  it('never over-admits a period whose count was pruned', () => {
    let s: MemberState | null = emptyState();
    for (const [i, day] of ['2025-06-18', '2025-06-19', '2025-06-20'].entries()) s = run(s, `b:${i}`, `${day}T04:00:00Z`).next ?? s;
    expect(Object.keys(s!.c['m|all|D']).sort()).toEqual(['2025-06-19', '2025-06-20']);
    expect(run(s, 'b:10', '2025-06-18T06:00:00Z').admission).toEqual({ ok: false, reason: 'capped' });
  });

  it('property: random interleavings never admit a member without consent or over a cap (reference model)', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const model = new GuardModel(sc);
        const states = new Map<number, MemberState | null>();
        const id = (m: number) => `mem_${m}`;
        for (const step of sc.steps) {
          if (step.t === 'consent') model.consent(step);
          else if (step.t === 'release') {
            let n = 0;
            for (const m of step.members) {
              const next = states.get(m) ? releaseEntry(states.get(m)!, sourceKeyOf(step.source)) : null;
              if (next) {
                states.set(m, next);
                n++;
              }
            }
            expect(n).toBe(model.released(step));
          } else {
            const src = sc.sources[step.source];
            const r = evalRequest(model.config, { sourceKey: sourceKeyOf(step.source), channelType: src.channelType, channelId: null, purpose: src.purpose, dedupeKey: src.dedupeKey, at: atOf(step.at) });
            const clock = new ZoneClock(r);
            const answers = new Map();
            for (const m of step.members) {
              const ok = model.allows(m, src.channelType, src.purpose);
              const e = evaluateMember({
                memberId: id(m), found: true, hasAddress: model.reachable(m, src.channelType), tz: MODEL_MEMBERS[m].tz ?? MODEL_WS_TZ, state: states.get(m) ?? null,
                consent: ok ? { allowed: true, basis: 'granted' } : { allowed: false, basis: 'revoked', reason: 'unsubscribed' },
              }, r, clock);
              if (e.next) states.set(m, JSON.parse(JSON.stringify(e.next)));
              answers.set(id(m), e.admission);
            }
            model.admitted(step, answers, id);
          }
        }
      }),
      { numRuns: Number(process.env.GUARD_RUNS ?? 1500) },
    );
  });
});
