// Unit tests of identifier normalisation, blocked values and trait mapping.
import { describe, expect, it } from 'vitest';
import { extractKeys, isBlockedValue, normaliseValue, parseRef } from './identity-keys.ts';
import { parseBirthday, traitsToPatch } from './traits.ts';

describe('identifier rules', () => {
  it('blocks placeholder values', () => {
    for (const v of ['', ' ', '0', 'null', 'NULL', 'undefined', 'anonymous', '00000000-0000-0000-0000-000000000000', '000', 'None']) {
      expect(isBlockedValue(v), v).toBe(true);
    }
    for (const v of ['u1', '17850', '0a', 'abc-000']) expect(isBlockedValue(v), v).toBe(false);
  });

  it('normalises phones, emails and openids', () => {
    expect(normaliseValue('phone', '+86 138-0000-0001')).toBe('13800000001');
    expect(normaliseValue('phone', '8613800000001')).toBe('13800000001');
    expect(normaliseValue('phone', 'call me')).toBeNull();
    expect(normaliseValue('email', ' Li.Lei@Example.COM ')).toBe('li.lei@example.com');
    expect(normaliseValue('email', 'not-an-email')).toBeNull();
    expect(normaliseValue('openid', 'oX1', 'wxapp1')).toBe('wxapp1:oX1');
    expect(normaliseValue('user_id', 17850)).toBe('17850');
  });

  it('extracts identifiers from ids and traits, dropping blocked ones', () => {
    const keys = extractKeys({
      userId: 'u1',
      anonymousId: '0',
      traits: { mobile: '13800000001', email: 'A@B.CO', unionid: 'un1', openid: 'op1', appid: 'wxa', external_userid: 'wm1', card_no: 'C9', name: 'x' },
      ts: '2024-01-01T00:00:00Z',
    });
    expect(keys.map((k) => `${k.type}:${k.value}`).sort()).toEqual(
      ['email:a@b.co', 'member_card:C9', 'openid:wxa:op1', 'phone:13800000001', 'unionid:un1', 'user_id:u1', 'wecom_external_userid:wm1'].sort(),
    );
  });

  it('parses refs', () => {
    expect(parseRef('user_id:u1')).toEqual({ type: 'user_id', value: 'u1' });
    expect(parseRef('phone:+8613800000001')).toEqual({ type: 'phone', value: '13800000001' });
    expect(parseRef('openid:wxa:op1')).toEqual({ type: 'openid', value: 'wxa:op1' });
    expect(parseRef('nonsense:1')).toBeNull();
    expect(parseRef('user_id:null')).toBeNull();
  });
});

describe('traits', () => {
  it('maps natural attributes and keeps the rest', () => {
    const p = traitsToPatch({ name: '李雷', gender: '男', birthday: '19900501', address: { city: '上海', state: '上海市' }, vip: true, phone: '13800000001' });
    expect(p).toMatchObject({ name: '李雷', gender: 'male', birthday: '1990-05-01', city: '上海', region: '上海市', phone: '13800000001', extra: { vip: true } });
    expect(p.extra).not.toHaveProperty('phone');
  });
  it('rejects impossible birthdays', () => {
    expect(parseBirthday('1990-02-30')).toBeNull();
    expect(parseBirthday('1990/2/3')).toBe('1990-02-03');
  });
});
