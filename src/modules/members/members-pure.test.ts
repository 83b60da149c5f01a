// Unit tests of the pure parts of members: ref parsing, cursors, computed attributes and upsert mapping.
import { describe, expect, it } from 'vitest';
import { parseMemberRef } from './member-refs.ts';
import { decodeIdCursor, decodeTimelineCursor, encodeIdCursor, encodeTimelineCursor } from './cursor.ts';
import { ageOn, daysSince, shapeAttributes, shapeTraits } from './profile.ts';
import { toIdentityInputs, upsertList } from './upsert.ts';
import { escapeLike } from './repo.ts';
import { parseSourceKey, stepTemplate } from './timeline-sources.ts';
import { parseRefText } from '../../cli/commands/ref-file.ts';

describe('parseMemberRef', () => {
  it('reads member ids and every identifier type, normalising values', () => {
    expect(parseMemberRef('mem_01J9ABC')).toEqual({ kind: 'member', id: 'mem_01J9ABC' });
    expect(parseMemberRef('user_id:u1')).toEqual({ kind: 'identity', type: 'user_id', value: 'u1' });
    expect(parseMemberRef('phone:+86 138-0000-0000')).toEqual({ kind: 'identity', type: 'phone', value: '13800000000' });
    expect(parseMemberRef('email:Ann@Example.COM')).toEqual({ kind: 'identity', type: 'email', value: 'ann@example.com' });
    expect(parseMemberRef('openid:wxapp1:o_abc')).toEqual({ kind: 'identity', type: 'openid', value: 'wxapp1:o_abc' });
    for (const t of ['unionid', 'wecom_external_userid', 'member_card', 'anonymous_id', 'device_id']) {
      expect(parseMemberRef(`${t}:x1`)).toEqual({ kind: 'identity', type: t, value: 'x1' });
    }
  });

  it('rejects malformed refs and placeholder values', () => {
    for (const bad of ['', 'u1', 'mem_', 'nickname:bob', 'user_id:', 'user_id:null', 'phone:abc', 'email:nope', 'user_id:0']) {
      expect(parseMemberRef(bad), bad).toBeNull();
    }
  });
});

describe('cursors', () => {
  it('round-trips a timeline key with microseconds', () => {
    const k = { ts: '2024-03-01 10:00:00.123456+00', kind: 'order', id: 'o:1/é' };
    expect(decodeTimelineCursor(encodeTimelineCursor(k))).toEqual(k);
  });

  it('rejects forged or foreign cursors with a stable code', () => {
    const forged = Buffer.from(JSON.stringify(["1'; DROP TABLE events; --", 'event', 'x'])).toString('base64url');
    for (const c of ['!!', forged, encodeIdCursor('mem_1'), Buffer.from('[1,2,3]').toString('base64url')]) {
      expect(() => decodeTimelineCursor(c)).toThrowError(expect.objectContaining({ code: 'timeline.invalid_cursor', field: 'cursor' }));
    }
    expect(decodeIdCursor(encodeIdCursor('mem_9'))).toBe('mem_9');
    expect(() => decodeIdCursor('nope')).toThrowError(expect.objectContaining({ code: 'member.invalid_cursor' }));
  });
});

describe('computed attributes and traits', () => {
  it('computes age in completed years and days since', () => {
    const now = new Date('2024-06-14T12:00:00Z');
    expect(ageOn('1990-06-15', now)).toBe(33);
    expect(ageOn('1990-06-14', now)).toBe(34);
    expect(ageOn('2000-02-29', new Date('2024-02-28T00:00:00Z'))).toBe(23);
    expect(ageOn(null, now)).toBeNull();
    expect(daysSince('2024-06-10T13:00:00Z', now)).toBe(3);
    expect(daysSince(null, now)).toBeNull();
  });

  it('keeps natural attributes over free ones of the same name', () => {
    const a = shapeAttributes(
      { id: 'mem_1', created_at: '', source_channel: null, name: '张三', gender: 'male', birthday: '1990-01-01', city: '上海', region: null, phone: '138', email: null, attributes: { name: 'x', vip: true } },
      new Date('2024-01-02T00:00:00Z'),
    );
    expect(a).toMatchObject({ name: '张三', vip: true, age: 34, city: '上海', region: null });
  });

  it('fills trait defaults for a member without orders and takes the later last_seen_at', () => {
    const t = shapeTraits(undefined, { activeDays30: 2, seen: [null, '2024-01-01T00:00:00.000Z', '2023-12-31T23:00:00.000Z'] }, new Date());
    expect(t).toMatchObject({ order_count: 0, total_spend: 0, avg_spend: null, active_days_30: 2, days_since_last_order: null, last_seen_at: '2024-01-01T00:00:00.000Z' });
    const withOrders = shapeTraits(
      { first_order_at: null, last_order_at: '2024-02-01T00:00:00.000Z', order_count: 2, total_spend: 10, avg_spend: 5, refund_total: 0, favourite_category: null, favourite_product: null, preferred_channel: null, last_seen_at: null },
      { activeDays30: 0, seen: ['2024-01-01T00:00:00.000Z'] },
      new Date('2024-02-11T00:00:00Z'),
    );
    expect(withOrders).toMatchObject({ last_seen_at: '2024-02-01T00:00:00.000Z', days_since_last_order: 10, avg_spend: 5 });
  });

  it('escapes LIKE wildcards', () => {
    expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\');
  });
});

describe('member upsert mapping', () => {
  it('maps identifiers and attributes onto one identity input with traits applied', () => {
    const { members, batch } = upsertList({ user_id: 'u1', phone: '13800000000', openid: 'o1', appid: 'wx1', name: '李四', attributes: { level: 3 }, channel: 'store' });
    expect(batch).toBe(false);
    const [input] = toIdentityInputs(members, batch, 'app', '2024-01-01T00:00:00.000Z');
    expect(input).toMatchObject({ userId: 'u1', channel: 'store', applyTraits: true, traits: { phone: '13800000000', openid: 'o1', appid: 'wx1', name: '李四', level: 3 } });
  });

  it('names the field of a bad member in a batch', () => {
    const { members, batch } = upsertList({ members: [{ user_id: 'a' }, { user_id: 'b', phone: 'not-a-phone' }] });
    expect(() => toIdentityInputs(members, batch, null, '2024-01-01T00:00:00Z')).toThrowError(
      expect.objectContaining({ code: 'member.invalid_phone', field: 'members.1.phone' }),
    );
    expect(() => toIdentityInputs([{ name: 'x' }], true, null, '')).toThrowError(expect.objectContaining({ code: 'member.no_identifier', field: 'members.0' }));
    expect(() => toIdentityInputs([{ user_id: 'x', birthday: '1990-02-30' }], false, null, '')).toThrowError(expect.objectContaining({ code: 'member.invalid_birthday' }));
    expect(() => upsertList({ user_id: 'x', members: [{ user_id: 'y' }] })).toThrowError(expect.objectContaining({ code: 'member.mixed_body' }));
  });
});

describe('ref files', () => {
  it('reads one ref per line with file line numbers, skipping blanks and comments', () => {
    expect(parseRefText('# vip list\nuser_id:u1\n\nphone:13800000000\r\n13900000000\n', 'phone')).toEqual([
      { line: 2, ref: 'user_id:u1' },
      { line: 4, ref: 'phone:13800000000' },
      { line: 5, ref: 'phone:13900000000' },
    ]);
  });

  it('reads a CSV by its ref, user_id or phone column', () => {
    expect(parseRefText('\uFEFFname,user_id\nA,u1\n"B, jr",u2\nC,\n')).toEqual([
      { line: 2, ref: 'user_id:u1' },
      { line: 3, ref: 'user_id:u2' },
      { line: 4, ref: '' },
    ]);
    expect(parseRefText('Phone,city\n13800000000,上海\n')).toEqual([{ line: 2, ref: 'phone:13800000000' }]);
    expect(parseRefText('ref\nmem_1\nemail:a@b.co\n')).toEqual([
      { line: 2, ref: 'mem_1' },
      { line: 3, ref: 'email:a@b.co' },
    ]);
  });
});

describe('timeline message sources', () => {
  it('reads broadcast, journey step, one-off and other source keys', () => {
    expect(parseSourceKey('broadcast:brd_1')).toEqual({ source: 'broadcast', source_id: 'brd_1', step_id: null });
    expect(parseSourceKey('journey:jny_1:step:remind')).toEqual({ source: 'journey', source_id: 'jny_1', step_id: 'remind' });
    expect(parseSourceKey('journey:jny_1:step:remind:k:c2:e2:v3')).toEqual({ source: 'journey', source_id: 'jny_1', step_id: 'remind' });
    expect(parseSourceKey('oneoff:one_1')).toEqual({ source: 'oneoff', source_id: null, step_id: null });
    expect(parseSourceKey('plain')).toEqual({ source: 'other', source_id: null, step_id: null });
  });

  it("finds a send step's template in a stored definition", () => {
    const d = { steps: { s: { type: 'send', template: '欢迎' }, w: { type: 'wait' } } };
    expect(stepTemplate(d, 's')).toBe('欢迎');
    expect(stepTemplate(JSON.stringify(d), 's')).toBe('欢迎');
    expect(stepTemplate(d, 'w')).toBeNull();
    expect(stepTemplate('not json', 's')).toBeNull();
    expect(stepTemplate(null, 's')).toBeNull();
  });
});
