// Which keys and values erase strips from event properties and order attributes (pure).
import { describe, expect, it } from 'vitest';
import { isPersonalKey, stripPersonal } from './personal.ts';
import { maskRef } from './service.ts';

describe('personal data in JSON', () => {
  it('knows personal keys and leaves analytics keys alone', () => {
    for (const k of ['phone', 'receiver_phone', 'Email', 'name', 'full_name', 'shipping_address', 'remark', 'openid', 'user_id', 'ip', 'userAgent', 'birthday', 'id_card', 'latitude'])
      expect(isPersonalKey(k), k).toBe(true);
    for (const k of ['sku', 'product_name', 'category_name', 'price', 'revenue', 'campaign', 'template', 'platform', 'hotel', 'order_id'])
      expect(isPersonalKey(k), k).toBe(false);
  });

  it('strips personal keys and phone/email-looking values at any depth, counting what went', () => {
    const r = stripPersonal({ revenue: 99, address: '上海…', items: [{ sku: 'A', note: 'x' }], ref: 'call 13800000000', code: '138000000001234', contact: { a: 1 } });
    expect(r).toEqual({ value: { revenue: 99, items: [{ sku: 'A' }], code: '138000000001234' }, removed: 4 });
    expect(stripPersonal(null)).toEqual({ value: null, removed: 0 });
    expect(stripPersonal({ mail_to: 'a@b.cn' }).value).toEqual({});
  });

  it('records refs by their type only', () => {
    expect(maskRef('phone:13800000000')).toBe('phone:***');
    expect(maskRef('mem_01ABC')).toBe('mem_01ABC');
  });
});
