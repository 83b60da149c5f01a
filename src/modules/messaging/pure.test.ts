// Pure parts of messaging: signatures, SMS segments, body mapping, the token cache, receipts, config masking.
import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from './signature.ts';
import { smsLength, withSignature } from './sms-segments.ts';
import { readPath, renderMapping } from './body-mapping.ts';
import { TokenCache } from './token-cache.ts';
import { foldReceipts, normaliseReceipt } from './receipts.ts';
import { MASK, publicChannel, resolveConfig, resolveOptions } from './channel-config.ts';
import { webhookAdapter, batchKey } from './providers/webhook.ts';
import { mapLimit } from './rate-limiter.ts';
import { backoffMs } from './http-call.ts';
import type { ChannelRow } from './channel-repo.ts';
import { ProviderRegistry } from './providers/registry.ts';

describe('signatures (t=…,v1=… over "<t>.<body>")', () => {
  const body = '{"id":"msg_1","content":{"text":"你好"}}';
  it('verifies its own header and refuses tampering, other secrets, stale timestamps and garbage', () => {
    const h = signatureHeader('whsec_secret1', body, 1_700_000_000);
    expect(h).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('whsec_secret1', h, body, { nowSec: 1_700_000_100 })).toEqual({ ok: true, timestampSec: 1_700_000_000 });
    expect(verifySignature('whsec_secret1', h, body + ' ', { nowSec: 1_700_000_100 })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature('whsec_other12', h, body, { nowSec: 1_700_000_100 })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature('whsec_secret1', h, body, { nowSec: 1_700_000_301 })).toEqual({ ok: false, reason: 'expired' });
    expect(verifySignature('whsec_secret1', undefined, body)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature('whsec_secret1', 'v1=abc', body)).toEqual({ ok: false, reason: 'malformed' });
  });
  it('accepts any matching v1 (secret rotation: old and new signatures side by side)', () => {
    const t = 1_700_000_000;
    const oldSig = signatureHeader('old_secret_1', body, t).split(',')[1];
    const newSig = signatureHeader('new_secret_1', body, t).split(',')[1];
    expect(verifySignature('new_secret_1', `t=${t},${oldSig},${newSig}`, body, { nowSec: t }).ok).toBe(true);
  });
});

describe('SMS segments', () => {
  it('counts Chinese as UCS-2: 70 in one segment, 67 per segment beyond', () => {
    expect(smsLength('好'.repeat(70))).toMatchObject({ encoding: 'ucs2', units: 70, segments: 1 });
    expect(smsLength('好'.repeat(71))).toMatchObject({ encoding: 'ucs2', segments: 2, perSegment: 67 });
    expect(smsLength('好'.repeat(134)).segments).toBe(2);
    expect(smsLength('好'.repeat(135)).segments).toBe(3);
  });
  it('counts GSM-7 as 160/153 septets, extension characters as two, and one non-GSM character switches to UCS-2', () => {
    expect(smsLength('a'.repeat(160))).toMatchObject({ encoding: 'gsm7', segments: 1 });
    expect(smsLength('a'.repeat(161))).toMatchObject({ encoding: 'gsm7', segments: 2 });
    expect(smsLength('a'.repeat(306)).segments).toBe(2);
    expect(smsLength('a'.repeat(307)).segments).toBe(3);
    expect(smsLength('€'.repeat(80))).toMatchObject({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(smsLength('a'.repeat(100) + '好')).toMatchObject({ encoding: 'ucs2', units: 101, segments: 2 });
    expect(smsLength('😀').units).toBe(2);
    expect(smsLength('').segments).toBe(0);
  });
  it('prefixes the 【signature】 once', () => {
    expect(withSignature('会员日快乐', '思域茶饮')).toBe('【思域茶饮】会员日快乐');
    expect(withSignature('【思域茶饮】会员日快乐', '思域茶饮')).toBe('【思域茶饮】会员日快乐');
    // 64 characters of text + a 6-character signature = 70: still one segment; one more character makes two.
    expect(smsLength(withSignature('好'.repeat(64), '思域茶饮')).segments).toBe(1);
    expect(smsLength(withSignature('好'.repeat(65), '思域茶饮')).segments).toBe(2);
  });
});

describe('body mapping', () => {
  it('keeps whole-placeholder values typed, interpolates inside text, drops undefined keys, reads paths', () => {
    const vars = { to: '13800000000', text: '【思域】hi', segments: 2, content: { template_id: 'SMS_1', data: { code: '1234' } } };
    expect(
      renderMapping({ PhoneNumbers: '{{to}}', Msg: 'x {{text}} y', N: '{{segments}}', Tpl: '{{content.template_id}}', P: '{{content.data}}', Missing: '{{nope}}', list: ['{{to}}'] }, vars),
    ).toEqual({ PhoneNumbers: '13800000000', Msg: 'x 【思域】hi y', N: 2, Tpl: 'SMS_1', P: { code: '1234' }, list: ['13800000000'] });
    expect(readPath({ data: { ids: ['a', 'b'] } }, 'data.ids.1')).toBe('b');
    expect(readPath({ data: null }, 'data.id')).toBeUndefined();
  });
});

describe('TokenCache', () => {
  it('fetches once for concurrent callers, serves from cache until the margin, then refreshes', async () => {
    let now = 1_000_000;
    let fetches = 0;
    const cache = new TokenCache({ marginMs: 300_000, now: () => now });
    const fetcher = async () => {
      fetches++;
      await new Promise((r) => setTimeout(r, 5));
      return { token: `t${fetches}`, expiresInSec: 7200 };
    };
    const got = await Promise.all(Array.from({ length: 10 }, () => cache.get('wecom:corp', fetcher)));
    expect(new Set(got)).toEqual(new Set(['t1']));
    expect(fetches).toBe(1);
    now += 7200_000 - 300_001; // just before the margin
    expect(await cache.get('wecom:corp', fetcher)).toBe('t1');
    now += 2; // inside the margin: refresh
    expect(await cache.get('wecom:corp', fetcher)).toBe('t2');
    expect(fetches).toBe(2);
  });
  it('invalidates only the token it was told about, and does not cache failures', async () => {
    const cache = new TokenCache();
    let n = 0;
    const fetcher = async () => ({ token: `t${++n}`, expiresInSec: 7200 });
    expect(await cache.get('k', fetcher)).toBe('t1');
    await cache.invalidate('k', 'stale-token');
    expect(await cache.get('k', fetcher)).toBe('t1');
    await cache.invalidate('k', 't1');
    expect(await cache.get('k', fetcher)).toBe('t2');
    await expect(cache.get('bad', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('bad', fetcher)).toBe('t3');
  });
  it('uses half the lifetime of a short-lived token', async () => {
    let now = 0;
    let n = 0;
    const cache = new TokenCache({ marginMs: 300_000, now: () => now });
    const fetcher = async () => ({ token: `t${++n}`, expiresInSec: 60 });
    await cache.get('k', fetcher);
    now = 29_000;
    expect(await cache.get('k', fetcher)).toBe('t1');
    now = 31_000;
    expect(await cache.get('k', fetcher)).toBe('t2');
  });
});

describe('receipts', () => {
  const at = '2024-05-01T00:00:00.000Z';
  it('gives a re-posted receipt the same id, a provider event id its own namespace', () => {
    const a = normaliseReceipt('mch_1', { type: 'delivered', send_id: 'msg_1' }, at);
    const b = normaliseReceipt('mch_1', { type: 'delivered', send_id: 'msg_1' }, '2024-05-01T00:00:09.000Z');
    expect(a.id).toBe(b.id);
    expect(normaliseReceipt('mch_1', { type: 'opened', send_id: 'msg_1' }, at).id).not.toBe(a.id);
    expect(normaliseReceipt('mch_1', { id: 'evt-9', type: 'delivered', send_id: 'msg_1' }, at).id).toBe('ext:mch_1:evt-9');
  });
  it('folds to the furthest progress and the first time of each, and an open outweighs a failure report', () => {
    const r = (type: any, time: string, extra = {}) => ({ sendId: 'msg_1', r: normaliseReceipt('c', { type, send_id: 'msg_1', time, ...extra }, at) });
    const [p] = foldReceipts([r('opened', '2024-05-01T10:00:00Z'), r('delivered', '2024-05-01T09:00:00Z'), r('delivered', '2024-05-01T08:00:00Z')]);
    expect(p).toMatchObject({ progress: 'opened', delivered_at: '2024-05-01T08:00:00.000Z', opened_at: '2024-05-01T10:00:00.000Z', fail: false });
    const [f] = foldReceipts([r('bounced', '2024-05-01T09:00:00Z', { error: { code: '550', message: 'mailbox unavailable' } })]);
    expect(f).toMatchObject({ fail: true, error_code: '550', error_message: 'mailbox unavailable' });
    const [g] = foldReceipts([r('failed', '2024-05-01T09:00:00Z'), r('clicked', '2024-05-01T10:00:00Z')]);
    expect(g).toMatchObject({ fail: false, progress: 'clicked' });
  });
});

describe('channel configs', () => {
  it('validates through the adapter with defaults, keeps masked secrets, and masks them on the way out', () => {
    const cfg = resolveConfig(webhookAdapter, { url: 'http://127.0.0.1:9/hook', secret: 'whsec_12345678' });
    expect(cfg).toMatchObject({ url: 'http://127.0.0.1:9/hook', mode: 'single', format: 'envelope', secret: 'whsec_12345678' });
    expect(resolveConfig(webhookAdapter, { url: 'http://127.0.0.1:9/other', secret: MASK }, cfg).secret).toBe('whsec_12345678');
    expect(resolveConfig(webhookAdapter, { url: 'http://127.0.0.1:9/other' }, cfg).secret).toBe('whsec_12345678');
    expect(() => resolveConfig(webhookAdapter, { url: 'not a url' })).toThrow(expect.objectContaining({ code: 'messaging.config_invalid', field: 'config.url' }));
    expect(() => resolveConfig(webhookAdapter, { url: 'http://x.test', mode: 'batch', format: 'raw' })).toThrow(expect.objectContaining({ field: 'config.format' }));
    const row = { id: 'mch_1', name: 'hook', type: 'webhook', config: cfg, options: resolveOptions({}), enabled: true } as ChannelRow;
    const pub = publicChannel(row, webhookAdapter.secretFields);
    expect(pub.config.secret).toBe('***');
    expect(pub.has_secret).toBe(true);
    expect(JSON.stringify(pub)).not.toContain('whsec_12345678');
  });
  it('refuses a channel type no adapter is registered for', () => {
    expect(() => new ProviderRegistry().get('wecom')).toThrow(expect.objectContaining({ code: 'messaging.provider_unavailable', field: 'type' }));
  });
  it('fills option defaults and refuses bad ones with the field named', () => {
    expect(resolveOptions({ retries: 0 })).toMatchObject({ timeout_ms: 10_000, retries: 0, backoff_ms: 500, rate_limit_per_second: null });
    expect(() => resolveOptions({ timeout_ms: -1 })).toThrow(expect.objectContaining({ field: 'options.timeout_ms' }));
  });
});

describe('helpers', () => {
  it('mapLimit keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1));
      running--;
      return x * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBeLessThanOrEqual(3);
  });
  it('backoff doubles and is capped; batch keys ignore order', () => {
    const o = { backoff_ms: 100, max_backoff_ms: 1000 };
    expect(backoffMs(1, o)).toBeGreaterThanOrEqual(75);
    expect(backoffMs(1, o)).toBeLessThanOrEqual(125);
    expect(backoffMs(3, o)).toBeGreaterThanOrEqual(300);
    expect(backoffMs(10, o)).toBeLessThanOrEqual(1250);
    expect(batchKey(['msg_b', 'msg_a'])).toBe(batchKey(['msg_a', 'msg_b']));
  });
});
