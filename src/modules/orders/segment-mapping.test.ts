// Unit tests of the Segment e-commerce v2 mapping, checked through the same validation the API uses.
import { describe, expect, it } from 'vitest';
import { orderFromTrack, refundFromTrack, type TrackMessage } from './segment-mapping.ts';
import { parseOrder, parseRefund } from './schema.ts';

const msg = (properties: Record<string, unknown>, over: Partial<TrackMessage> = {}): TrackMessage => ({
  messageId: 'm1', userId: 'u1', anonymousId: null, name: 'Order Completed', channel: 'mini_program',
  timestamp: '2024-05-20T08:00:00.000Z', properties, ...over,
});

describe('orderFromTrack', () => {
  it('maps the spec example (Order Completed, v2)', () => {
    const o = parseOrder(orderFromTrack(msg({
      checkout_id: 'fksdjfsdjfisjf9sdfjsd9f', order_id: '50314b8e9bcf000000000000', affiliation: 'Google Store',
      total: 27.5, subtotal: 22.5, revenue: 25.0, shipping: 3, tax: 2, discount: 2.5, coupon: 'hasbros', currency: 'USD',
      products: [
        { product_id: '507f1f77bcf86cd799439011', sku: '45790-32', name: 'Monopoly: 3rd Edition', price: 19, quantity: 1, category: 'Games' },
        { product_id: '505bd76785ebb509fc183733', sku: '46493-32', name: 'Uno Card Game', price: 3, quantity: 2, category: 'Games' },
      ],
    })));
    expect(o).toMatchObject({
      order_id: '50314b8e9bcf000000000000', amount: 27.5, discount: 2.5, coupon_code: 'hasbros', currency: 'USD',
      channel: 'mini_program', paid_at: '2024-05-20T08:00:00.000Z', member: { user_id: 'u1' },
    });
    expect(o.items.map((i) => [i.product_id, i.quantity, i.unit_price, i.amount, i.category])).toEqual([
      ['507f1f77bcf86cd799439011', 1, 19, 19, 'Games'],
      ['505bd76785ebb509fc183733', 2, 3, 6, 'Games'],
    ]);
    expect(o.properties).toEqual({
      checkout_id: 'fksdjfsdjfisjf9sdfjsd9f', affiliation: 'Google Store', subtotal: 22.5, shipping: 3, tax: 2, message_id: 'm1',
    });
  });

  it('falls back to revenue, then to items minus discount; accepts numeric strings and numeric ids', () => {
    expect(parseOrder(orderFromTrack(msg({ order_id: 7, revenue: '12.5' }))).amount).toBe(12.5);
    const o = parseOrder(orderFromTrack(msg({ order_id: 'x', discount: -1, products: [{ sku: 9, price: '4', quantity: '2' }] })));
    expect(o).toMatchObject({ order_id: 'x', amount: 7, discount: 1 });
    expect(o.items[0]).toMatchObject({ product_id: '9', quantity: 2, unit_price: 4 });
  });

  it('drops lines without a positive quantity and leaves an order_id-less event invalid', () => {
    const o = parseOrder(orderFromTrack(msg({ order_id: 'x', total: 3, products: [{ sku: 'a', price: 3, quantity: 0 }, { sku: 'b', price: 3 }] })));
    expect(o.items.map((i) => i.product_id)).toEqual(['b']);
    expect(() => parseOrder(orderFromTrack(msg({ total: 3 })))).toThrow(expect.objectContaining({ code: 'order.missing_field', field: 'order_id' }));
  });

  it('uses the anonymous id when there is no user id', () => {
    expect(parseOrder(orderFromTrack(msg({ order_id: 'x', total: 1 }, { userId: null, anonymousId: 'anon-1' }))).member).toEqual({ anonymous_id: 'anon-1' });
  });
});

describe('refundFromTrack', () => {
  it('is a full refund without total or products', () => {
    const r = parseRefund(refundFromTrack(msg({ order_id: '50314b8e9bcf000000000000' }, { name: 'Order Refunded' })));
    expect(r).toMatchObject({ order_id: '50314b8e9bcf000000000000', amount: null, refunded_at: '2024-05-20T08:00:00.000Z', member: {} });
  });

  it('is a partial refund of a total or of the products listed', () => {
    expect(parseRefund(refundFromTrack(msg({ order_id: 'o', total: '30' }))).amount).toBe(30);
    const r = parseRefund(refundFromTrack(msg({ order_id: 'o', products: [{ sku: 'a', price: 2.5, quantity: 2 }], reason: 'damaged' })));
    expect(r).toMatchObject({ amount: 5, reason: 'damaged' });
  });

  it('is an unlinked return of the message\'s user without an order_id', () => {
    expect(parseRefund(refundFromTrack(msg({ total: 8 })))).toMatchObject({ order_id: null, amount: 8, member: { user_id: 'u1' } });
  });
});
