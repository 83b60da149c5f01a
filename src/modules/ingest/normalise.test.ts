// Unit tests of message normalisation: clock skew, ids, channel, context merge, limits, field names.
import '../../../test/support/pii.ts'; // identify traits are sealed with the test key
import { describe, expect, it } from 'vitest';
import { isMessageType, normaliseMessage, type RequestContext } from './normalise.ts';
import { identityInputs } from './service.ts';
import { MESSAGE_TYPES } from './schema.ts';

const R = Date.parse('2024-06-01T12:00:00.000Z');
const rc = (over: Partial<RequestContext> = {}): RequestContext => ({ receivedAt: R, receivedAtIso: new Date(R).toISOString(), keyChannel: null, checkSize: true, ...over });
const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return { code: (e as any).code, field: (e as any).field };
  }
  throw new Error('did not throw');
};

describe('normaliseMessage', () => {
  it('corrects clock skew like Segment: receivedAt − (sentAt − timestamp)', () => {
    // The client clock is 10 minutes fast; the event happened 30 s before sending.
    const m = normaliseMessage('track', { userId: 'u', event: 'E', timestamp: '2024-06-01T12:09:30.000Z', sentAt: '2024-06-01T12:10:00.000Z' }, '', rc());
    expect(m.timestamp).toBe('2024-06-01T11:59:30.000Z');
    const viaBatch = normaliseMessage('track', { userId: 'u', event: 'E', originalTimestamp: '2024-06-01T12:09:30.000Z', timestamp: '2000-01-01T00:00:00Z' }, '', rc({ batchSentAt: '2024-06-01T12:10:00.000Z' }));
    expect(viaBatch.timestamp).toBe('2024-06-01T11:59:30.000Z');
    expect(normaliseMessage('track', { userId: 'u', event: 'E', timestamp: '2023-01-01T00:00:00+08:00' }, '', rc()).timestamp).toBe('2022-12-31T16:00:00.000Z');
    expect(normaliseMessage('track', { userId: 'u', event: 'E' }, '', rc()).timestamp).toBe('2024-06-01T12:00:00.000Z');
    expect(normaliseMessage('track', { userId: 'u', event: 'E', sentAt: '2030-01-01T00:00:00Z' }, '', rc()).timestamp).toBe('2024-06-01T12:00:00.000Z');
    expect(fieldOf(() => normaliseMessage('track', { userId: 'u', event: 'E', timestamp: '1700000000' }, 'batch[2]', rc()))).toEqual({ code: 'ingest.invalid_timestamp', field: 'batch[2].timestamp' });
  });

  it('turns numeric ids into text, treats blank ids as absent and generates missing messageIds', () => {
    const m = normaliseMessage('track', { userId: 42, anonymousId: '  ', event: 'E', messageId: 7 }, '', rc());
    expect(m).toMatchObject({ userId: '42', anonymousId: null, messageId: '7' });
    expect(normaliseMessage('track', { userId: 'u', event: 'E' }, '', rc()).messageId).toMatch(/^api-[0-9a-f-]{36}$/);
    expect(fieldOf(() => normaliseMessage('track', { userId: '', anonymousId: null, event: 'E' }, 'batch[0]', rc()))).toEqual({ code: 'ingest.missing_identity', field: 'batch[0].userId' });
    expect(fieldOf(() => normaliseMessage('track', { userId: 'a\u0000b', event: 'E' }, '', rc()))).toEqual({ code: 'ingest.invalid_field', field: 'userId' });
  });

  it('derives the channel: properties.channel, then context.channel, then the key channel', () => {
    const keyed = rc({ keyChannel: 'store' });
    expect(normaliseMessage('track', { userId: 'u', event: 'E', properties: { channel: 'wecom' }, context: { channel: 'app' } }, '', keyed).channel).toBe('wecom');
    expect(normaliseMessage('track', { userId: 'u', event: 'E', context: { channel: 'app' } }, '', keyed).channel).toBe('app');
    expect(normaliseMessage('track', { userId: 'u', event: 'E', channel: 'server' }, '', keyed)).toMatchObject({ channel: 'store', context: { segmentChannel: 'server' } });
    expect(normaliseMessage('identify', { userId: 'u', traits: { channel: 'pos' } }, '', rc()).channel).toBe('pos');
    expect(normaliseMessage('track', { userId: 'u', event: 'E' }, '', rc()).channel).toBeNull();
  });

  it('merges batch context and integrations shallowly, the message winning', () => {
    const m = normaliseMessage('page', { anonymousId: 'a', name: 'Home', category: 'Shop', context: { locale: 'en', page: { path: '/' } }, integrations: { Mixpanel: false } }, '', rc({ batchContext: { locale: 'zh-CN', ip: '1.1.1.1' }, batchIntegrations: { All: true } }));
    expect(m.context).toEqual({ locale: 'en', ip: '1.1.1.1', page: { path: '/' }, integrations: { All: true, Mixpanel: false } });
    expect(m.properties).toEqual({ category: 'Shop' });
    expect(m.name).toBe('Home');
    const kept = normaliseMessage('page', { anonymousId: 'a', category: 'Shop', properties: { category: 'Own' } }, '', rc());
    expect(kept.properties).toEqual({ category: 'Own' });
  });

  it('shapes each call type', () => {
    expect(normaliseMessage('group', { userId: 'u', groupId: 9, traits: { size: 3 } }, '', rc())).toMatchObject({ name: '9', groupId: '9', traits: { size: 3 }, properties: { size: 3 } });
    expect(normaliseMessage('alias', { userId: 'u', previousId: 'anon' }, '', rc())).toMatchObject({ previousId: 'anon', properties: { previousId: 'anon' }, name: null });
    expect(normaliseMessage('identify', { anonymousId: 'a', traits: { email: 'x@y.cn' } }, '', rc())).toMatchObject({ traits: { email: 'x@y.cn' }, name: null });
  });

  it('measures messages in UTF-8 bytes against the 32 KB limit', () => {
    expect(() => normaliseMessage('track', { userId: 'u', event: 'E', properties: { s: '茶'.repeat(10_000) } }, '', rc())).not.toThrow();
    expect(fieldOf(() => normaliseMessage('track', { userId: 'u', event: 'E', properties: { s: '茶'.repeat(11_000) } }, 'batch[4]', rc()))).toEqual({ code: 'ingest.message_too_large', field: 'batch[4]' });
    expect(() => normaliseMessage('track', { userId: 'u', event: 'E', properties: { s: '茶'.repeat(11_000) } }, '', rc({ checkSize: false }))).not.toThrow();
  });

  it('knows the call types and nothing inherited', () => {
    expect(MESSAGE_TYPES.every(isMessageType)).toBe(true);
    expect(['toString', 'constructor', 'purchase', 5, null].some(isMessageType)).toBe(false);
  });
});

describe('identityInputs', () => {
  it('resolves each distinct plain identity once and keeps identify/alias inputs in order', () => {
    const msgs = [
      normaliseMessage('track', { userId: 'u1', event: 'A' }, '', rc()),
      normaliseMessage('track', { userId: 'u1', event: 'B' }, '', rc()),
      normaliseMessage('identify', { userId: 'u1', traits: { city: 'x' } }, '', rc()),
      normaliseMessage('page', { userId: 'u1' }, '', rc()),
      normaliseMessage('track', { userId: 'u1', event: 'C', context: { traits: { phone: '13800000000' } } }, '', rc()),
      normaliseMessage('alias', { userId: 'u1', previousId: 'a1' }, '', rc()),
      normaliseMessage('track', { anonymousId: 'a1', event: 'D' }, '', rc()),
    ];
    const { inputs, slot } = identityInputs(msgs);
    expect([...slot]).toEqual([0, 0, 1, 0, 2, 3, 4]);
    expect(inputs.map((i) => [i.userId ?? null, i.anonymousId ?? null, i.previousId ?? null, i.applyTraits ?? false])).toEqual([
      ['u1', null, null, false],
      ['u1', null, null, true],
      ['u1', null, null, false],
      ['u1', null, 'a1', false],
      [null, 'a1', null, false],
    ]);
    expect(inputs[2].traits).toEqual({ phone: '13800000000' });
  });
});
