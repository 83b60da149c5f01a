// Unit tests of share-assist and bargain: help rules, completion, deterministic bounded cuts reaching the floor.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addAssistHelp, addBargainHelp, bargainCuts, bargainPrice, expireHelp, parseAssistCampaign, parseBargainCampaign, startHelp, type Helper, type HelpState } from './assist.ts';

const t0 = '2024-05-01T10:00:00.000Z';
const helper = (id: string, extra: Partial<Helper> = {}): Helper => ({ memberId: id, phones: [`p-${id}`], existingMember: false, helpedInCampaign: false, ...extra });
const initiator = { memberId: 'me', phones: ['p-me'], deviceIds: ['dev-me'] };

describe('assist', () => {
  const c = parseAssistCampaign({ helpsRequired: 2, timeLimitMinutes: 1440 });
  it('completes on the N-th help', () => {
    const s = startHelp(c, 'camp1', initiator, t0);
    const one = addAssistHelp(c, s, helper('a'), t0);
    expect(one).toMatchObject({ ok: true, completed: false });
    const two = one.ok && addAssistHelp(c, one.state, helper('b'), t0);
    expect(two).toMatchObject({ ok: true, completed: true, state: { status: 'done' } });
  });
  it('allows one help per person per campaign, none from oneself or one’s other accounts', () => {
    const s = startHelp(c, 'camp1', initiator, t0);
    const code = (h: Helper, st: HelpState = s, at = t0) => { const r = addAssistHelp(c, st, h, at); return r.ok ? 'ok' : r.code; };
    expect(code(helper('me'))).toBe('help.self');
    expect(code(helper('x', { helpedInCampaign: true }))).toBe('help.already_helped');
    expect(code(helper('x', { deviceIds: ['dev-me'] }))).toBe('help.shared_identity');
    const once = addAssistHelp(c, s, helper('a'), t0);
    expect(once.ok && code(helper('a'), once.state)).toBe('help.already_helped');
    expect(code(helper('late'), s, '2024-05-02T10:00:00.000Z')).toBe('help.expired');
    expect(expireHelp(s, '2024-05-02T10:00:00.000Z').status).toBe('expired');
    const newOnly = parseAssistCampaign({ helpsRequired: 2, timeLimitMinutes: 60, newMembersOnly: true });
    expect(addAssistHelp(newOnly, s, helper('old', { existingMember: true }), t0)).toMatchObject({ code: 'help.not_new_member' });
  });
});

describe('bargain', () => {
  const c = parseBargainCampaign({ originalPrice: 199, floorPrice: 9.9, helpsToFloor: 8, timeLimitMinutes: 1440 });
  it('plans deterministic cuts by seed that sum exactly to the gap, biggest first', () => {
    const cuts = bargainCuts(c, 'camp:me');
    expect(cuts).toEqual(bargainCuts(c, 'camp:me'));
    expect(cuts).not.toEqual(bargainCuts(c, 'camp:you'));
    expect(Math.round(cuts.reduce((a, b) => a + b, 0) * 100)).toBe(18910);
    expect([...cuts].sort((a, b) => b - a)).toEqual(cuts);
  });
  it('lowers the price with each help and reaches the floor on the last', () => {
    let s = startHelp(c, 'camp', initiator, t0);
    for (let i = 0; i < 8; i++) {
      const r = addBargainHelp(c, s, helper(`h${i}`), t0);
      if (!r.ok) throw new Error(r.code);
      expect(r.price).toBeLessThan(bargainPrice(c, s));
      s = r.state;
    }
    expect([bargainPrice(c, s), s.status]).toEqual([9.9, 'done']);
    expect(addBargainHelp(c, s, helper('extra'), t0)).toMatchObject({ ok: false, code: 'help.not_open' });
  });
  it('keeps every cut within mean × (1 ± spread) to the cent, for any campaign and seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.string(), (gap, n, spread, seed) => {
        fc.pre(gap >= n);
        const camp = parseBargainCampaign({ originalPrice: (gap + 100) / 100, floorPrice: 1, helpsToFloor: n, spread, order: 'random', timeLimitMinutes: 60 });
        const cents = bargainCuts(camp, seed).map((x) => Math.round(x * 100));
        expect(cents.reduce((a, b) => a + b, 0)).toBe(gap);
        const mean = gap / n;
        const lo = Math.max(1, Math.floor(mean * (1 - spread)) - 1);
        const hi = Math.ceil(mean * (1 + spread)) + 1;
        expect(cents.filter((x) => x < lo || x > hi)).toEqual([]); // one expect per run keeps the test fast
      }),
      { numRuns: 300 },
    );
  });
  it('refuses a floor at or above the price, or more helps than cents', () => {
    expect(() => parseBargainCampaign({ originalPrice: 10, floorPrice: 10, helpsToFloor: 3, timeLimitMinutes: 60 })).toThrow(expect.objectContaining({ code: 'bargain.invalid_config', field: 'floorPrice' }));
    expect(() => parseBargainCampaign({ originalPrice: 1.02, floorPrice: 1, helpsToFloor: 3, timeLimitMinutes: 60 })).toThrow(expect.objectContaining({ field: 'helpsToFloor' }));
  });
});
