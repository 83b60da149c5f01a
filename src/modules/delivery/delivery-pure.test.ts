// Address building per channel type (pure): profile columns first, identities fill gaps, openids keyed by app.
import { describe, expect, it } from 'vitest';
import { ADDRESS_PLANS, buildAddresses } from './addresses.ts';

describe('buildAddresses', () => {
  it('keeps profile phone/email, adds identities, keys openids by app', () => {
    const to = buildAddresses(
      [{ id: 'm1', merged_into: null, phone: '138', email: null }, { id: 'm2', merged_into: null, phone: null, email: 'a@x.cn', device_token: 'tok' }],
      [
        // phone and email identities are keyed by a lookup hash; the (opened) sealed value is the address
        { member_id: 'm1', type: 'phone', value: 'h1:p', value_enc: '139' },
        { member_id: 'm1', type: 'email', value: 'h1:e', value_enc: 'b@x.cn' },
        { member_id: 'm2', type: 'phone', value: 'h1:q' }, // no display value: not an address
        { member_id: 'm1', type: 'openid', value: 'wxA:o1' },
        { member_id: 'm1', type: 'openid', value: 'wxB:o2' },
        { member_id: 'm3', type: 'phone', value: 'ghost' },
      ],
    );
    expect(to.get('m1')).toEqual({ phone: '138', email: 'b@x.cn', openid: 'wxA:o1', 'openid:wxA': 'wxA:o1', 'openid:wxB': 'wxB:o2' });
    expect(to.get('m2')).toEqual({ email: 'a@x.cn', device_token: 'tok' });
    expect(to.has('m3')).toBe(false);
  });

  it('names the key each channel type cannot do without', () => {
    expect(Object.fromEntries(Object.entries(ADDRESS_PLANS).map(([k, p]) => [k, p.required]))).toEqual({
      webhook: null, email: 'email', sms: 'phone', wecom: 'wecom_external_userid', wechat_oa: 'openid', miniprogram: 'openid', app_push: 'device_token',
    });
  });
});
