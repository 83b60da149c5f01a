// Provider adapters against local servers that speak each contract: webhook (signatures, retries, timeouts,
// idempotency keys, batch mode), SMS and app push (generic HTTP mappings), email over a real SMTP server.
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig, resolveOptions } from './channel-config.ts';
import { RateLimiter } from './rate-limiter.ts';
import { TokenCache } from './token-cache.ts';
import { startHttpSink, type HttpSink } from './testing/http-sink.ts';
import { startSmtpSink, type SmtpSink } from './testing/smtp-sink.ts';
import { webhookAdapter } from './providers/webhook.ts';
import { smsAdapter } from './providers/sms.ts';
import { appPushAdapter } from './providers/app-push.ts';
import { emailAdapter } from './providers/email.ts';
import type { AdapterContext, ChannelOptions, OutgoingMessage, ProviderAdapter } from './types.ts';

const SECRET = 'whsec_test_secret';
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function sink(opts: Parameters<typeof startHttpSink>[0] = {}): Promise<HttpSink> {
  const s = await startHttpSink(opts);
  closers.push(() => s.close());
  return s;
}

function ctx(options: Partial<ChannelOptions> = {}): AdapterContext {
  return {
    workspaceId: 'ws_test',
    channelId: 'mch_test',
    options: resolveOptions({ backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 2000, ...options }),
    fetch: globalThis.fetch,
    tokens: new TokenCache(),
    limiter: new RateLimiter(null),
    log: { debug() {}, warn() {} },
  };
}

const msg = (i: number, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  sendId: `msg_${String(i).padStart(4, '0')}`,
  memberId: `mem_${i}`,
  to: { phone: `1380000${String(i).padStart(4, '0')}`, email: `m${i}@example.com`, device_token: `dev_${i}` },
  content: { channel: 'webhook', text: `你好 ${i}` },
  sourceKey: 'broadcast:b1',
  ...extra,
});

const send = <C>(a: ProviderAdapter<C>, config: Record<string, unknown>, msgs: OutgoingMessage[], c = ctx()) => a.send(resolveConfig(a, config) as C, msgs, c);

describe('webhook adapter', () => {
  it('POSTs a signed envelope with Idempotency-Key = send id', async () => {
    const s = await sink({ secret: SECRET, reply: () => ({ body: { id: 'prov_1' } }) });
    const [r] = await send(webhookAdapter, { url: s.url + '/hook', secret: SECRET }, [msg(1)]);
    expect(r).toEqual({ sendId: 'msg_0001', status: 'sent', providerMessageId: 'prov_1' });
    const req = s.requests[0];
    expect(req.signatureOk).toBe(true);
    expect(req.headers['idempotency-key']).toBe('msg_0001');
    expect(req.headers['x-siyu-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(req.json).toEqual({ id: 'msg_0001', type: 'message', channel_id: 'mch_test', source_key: 'broadcast:b1', member_id: 'mem_1', to: msg(1).to, content: msg(1).content });
  });

  it('retries a 503 with backoff and the same Idempotency-Key, then succeeds', async () => {
    const s = await sink({ secret: SECRET, reply: (r) => (r.n <= 2 ? { status: 503 } : {}) });
    const [r] = await send(webhookAdapter, { url: s.url, secret: SECRET }, [msg(2)]);
    expect(r.status).toBe('sent');
    expect(s.requests.map((q) => q.headers['idempotency-key'])).toEqual(['msg_0002', 'msg_0002', 'msg_0002']);
    expect(s.requests.map((q) => q.headers['x-siyu-attempt'])).toEqual(['1', '2', '3']);
    expect(s.requests.every((q) => q.signatureOk)).toBe(true);
    expect(s.requests.every((q) => q.body === s.requests[0].body)).toBe(true);
    expect(s.delivered.size).toBe(1);
  });

  it('does not retry a 400 and records it as not retryable', async () => {
    const s = await sink({ reply: () => ({ status: 400, body: { error: 'bad member' } }) });
    const [r] = await send(webhookAdapter, { url: s.url }, [msg(3)]);
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'http_400', retryable: false });
    expect(r.error!.message).toContain('bad member');
    expect(s.requests).toHaveLength(1);
  });

  it('gives up after the retries on persistent 5xx, retryable', async () => {
    const s = await sink({ reply: () => ({ status: 502 }) });
    const [r] = await send(webhookAdapter, { url: s.url }, [msg(4)], ctx({ retries: 2 }));
    expect(r.error).toMatchObject({ code: 'http_502', retryable: true });
    expect(s.requests).toHaveLength(3);
  });

  it('classifies a timeout as retryable and retries it', async () => {
    const s = await sink({ reply: (r) => (r.n === 1 ? { hang: true } : {}) });
    const [r] = await send(webhookAdapter, { url: s.url }, [msg(5)], ctx({ timeout_ms: 100, retries: 1 }));
    expect(r.status).toBe('sent');
    expect(s.requests).toHaveLength(2);
    const t = await sink({ reply: () => ({ hang: true }) });
    const [r2] = await send(webhookAdapter, { url: t.url }, [msg(6)], ctx({ timeout_ms: 50, retries: 0 }));
    expect(r2.error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('classifies a refused connection as a retryable network error', async () => {
    const s = await sink();
    const url = s.url;
    await s.close();
    closers.pop();
    const [r] = await send(webhookAdapter, { url }, [msg(7)], ctx({ retries: 0 }));
    expect(r.error).toMatchObject({ code: 'network', retryable: true });
  });

  it('batch mode: one POST per batch_size messages, a stable batch key, per-message failures from the answer', async () => {
    const s = await sink({
      secret: SECRET,
      reply: (r) => (r.n === 1 ? { status: 503 } : { body: { results: r.json.messages.some((m: any) => m.id === 'msg_0003') ? [{ id: 'msg_0003', status: 'failed', error: { code: 'blocked', message: 'member blocked us' } }] : [] } }),
    });
    const msgs = [1, 2, 3, 4, 5].map((i) => msg(i));
    const results = await send(webhookAdapter, { url: s.url, secret: SECRET, mode: 'batch' }, msgs, ctx({ batch_size: 3, concurrency: 1 }));
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent', 'failed', 'sent', 'sent']);
    expect(results[2].error).toEqual({ code: 'blocked', message: 'member blocked us', retryable: false });
    // First batch: 503 then retried under the same key; second batch its own key.
    expect(s.requests).toHaveLength(3);
    expect(s.requests[0].headers['idempotency-key']).toBe(s.requests[1].headers['idempotency-key']);
    expect(s.requests[2].headers['idempotency-key']).not.toBe(s.requests[0].headers['idempotency-key']);
    expect(s.requests[1].json.messages).toHaveLength(3);
    expect(s.requests.every((q) => q.signatureOk)).toBe(true);
    expect([...s.delivered.keys()].sort()).toEqual(msgs.map((m) => m.sendId));
  });

  it('raw format posts the rendered body verbatim with the send id in headers', async () => {
    const s = await sink({ secret: SECRET });
    const m = msg(8, { content: { channel: 'webhook', body: '{"event":"coupon","code":"A1"}' } });
    await send(webhookAdapter, { url: s.url, secret: SECRET, format: 'raw' }, [m]);
    expect(s.requests[0].body).toBe('{"event":"coupon","code":"A1"}');
    expect(s.requests[0].headers['x-siyu-send-id']).toBe('msg_0008');
    expect(s.requests[0].signatureOk).toBe(true);
  });

  it('test() sends a signed ping', async () => {
    const s = await sink({ secret: SECRET });
    const r = await webhookAdapter.test!(resolveConfig(webhookAdapter, { url: s.url, secret: SECRET }) as any, ctx());
    expect(r).toMatchObject({ ok: true, checked: 'ping' });
    expect(s.requests[0].json.type).toBe('ping');
    expect(s.requests[0].signatureOk).toBe(true);
  });
});

describe('sms adapter (generic HTTP)', () => {
  const base = (url: string) => ({
    url,
    api_key: 'sk_sms_key',
    signature_name: '思域茶饮',
    body_mapping: { mobile: '{{to}}', content: '{{text}}', sign: '{{signature}}', parts: '{{segments}}', outId: '{{send_id}}', tpl: '{{content.template_id}}' },
    response: { success_path: 'code', success_values: ['OK'], message_id_path: 'data.bizId', error_code_path: 'code', error_message_path: 'message', retryable_codes: ['THROTTLED'] },
  });

  it('maps the body, prefixes the signature, counts segments and reads the message id', async () => {
    const s = await sink({ reply: () => ({ body: { code: 'OK', data: { bizId: 'biz_77' } } }) });
    const long = '尊敬的会员，'.repeat(12); // 72 characters + signature → 2 segments
    const results = await send(smsAdapter, base(s.url), [msg(1, { content: { channel: 'sms', text: '会员日快乐' } }), msg(2, { content: { channel: 'sms', text: long } })]);
    expect(results.map((r) => r.providerMessageId)).toEqual(['biz_77', 'biz_77']);
    const bodies = s.requests.map((r) => r.json).sort((a, b) => a.outId.localeCompare(b.outId));
    expect(bodies[0]).toEqual({ mobile: '13800000001', content: '【思域茶饮】会员日快乐', sign: '思域茶饮', parts: 1, outId: 'msg_0001' });
    expect(bodies[1].parts).toBe(2);
    expect(s.requests[0].headers.authorization).toBe('Bearer sk_sms_key');
    expect(s.requests[0].headers['idempotency-key']).toMatch(/^msg_000[12]$/);
  });

  it('fails too-long texts and members without a phone before calling the provider', async () => {
    const s = await sink();
    const results = await send(smsAdapter, { ...base(s.url), max_segments: 2 }, [
      msg(1, { content: { channel: 'sms', text: '好'.repeat(200) } }),
      msg(2, { to: {}, content: { channel: 'sms', text: 'hi' } }),
    ]);
    expect(results.map((r) => r.error?.code)).toEqual(['sms_too_long', 'recipient_missing']);
    expect(results.every((r) => r.error?.retryable === false)).toBe(true);
    expect(s.requests).toHaveLength(0);
  });

  it('classifies provider error codes: retryable ones are retried, others are final', async () => {
    const s = await sink({ reply: (r) => (r.json.mobile.endsWith('1') ? { body: { code: 'INVALID_MOBILE', message: '号码无效' } } : r.n <= 2 ? { body: { code: 'THROTTLED', message: 'slow down' } } : { body: { code: 'OK', data: { bizId: 'b' } } }) });
    const [bad, ok] = await send(smsAdapter, base(s.url), [msg(1, { content: { channel: 'sms', text: 'a' } }), msg(2, { content: { channel: 'sms', text: 'b' } })], ctx({ concurrency: 1 }));
    expect(bad.error).toEqual({ code: 'INVALID_MOBILE', message: '号码无效', retryable: false });
    expect(ok.status).toBe('sent');
    expect(s.requests.filter((r) => r.json.mobile.endsWith('2'))).toHaveLength(2);
  });

  it('leaves the signature to the provider with placement "field" (still counted)', async () => {
    const s = await sink();
    await send(smsAdapter, { ...base(s.url), signature_placement: 'field', response: {} }, [msg(1, { content: { channel: 'sms', text: '好'.repeat(65) } })]);
    expect(s.requests[0].json.content).toBe('好'.repeat(65));
    expect(s.requests[0].json.parts).toBe(2);
  });
});

describe('app push adapter (generic HTTP)', () => {
  it('sends title, body, deep link and data to the device token', async () => {
    const s = await sink({ reply: () => ({ body: { message_id: 'push_1' } }) });
    const [r] = await send(appPushAdapter, { url: s.url, api_key: 'k', auth_header: 'x-api-key', auth_scheme: '', response: { message_id_path: 'message_id' } }, [
      msg(1, { content: { channel: 'app_push', title: '会员日', body: '今天双倍积分', deep_link: 'siyu://member-day', data: { campaign: 'md' } } }),
    ]);
    expect(r).toEqual({ sendId: 'msg_0001', status: 'sent', providerMessageId: 'push_1' });
    expect(s.requests[0].headers['x-api-key']).toBe('k');
    expect(s.requests[0].json).toEqual({
      token: 'dev_1',
      notification: { title: '会员日', body: '今天双倍积分' },
      data: { deep_link: 'siyu://member-day', send_id: 'msg_0001', extra: { campaign: 'md' } },
    });
  });
  it('fails members without a token', async () => {
    const s = await sink();
    const [r] = await send(appPushAdapter, { url: s.url }, [msg(1, { to: {}, content: { channel: 'app_push', title: 't' } })]);
    expect(r.error).toMatchObject({ code: 'recipient_missing', retryable: false });
  });
});

describe('email adapter over a real SMTP server', () => {
  async function smtp(opts: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
    const s = await startSmtpSink(opts);
    closers.push(() => s.close());
    return s;
  }

  it('delivers text + html with a Message-ID derived from the send id', async () => {
    const s = await smtp({ auth: { user: 'mailer', pass: 'pw' } });
    const adapter = emailAdapter();
    closers.push(() => adapter.close!());
    const cfg = { host: s.host, port: s.port, secure: false, username: 'mailer', password: 'pw', from: 'news@siyu.example', from_name: '思域茶饮' };
    const [r] = await send(adapter, cfg, [msg(1, { content: { channel: 'email', subject: '会员日快乐', text: '今天双倍积分', html: '<p>今天<b>双倍</b>积分</p>' } })]);
    expect(r).toEqual({ sendId: 'msg_0001', status: 'sent', providerMessageId: '<msg_0001@siyu.example>' });
    expect(s.mails).toHaveLength(1);
    const mail = s.mails[0];
    expect(mail.to).toEqual(['m1@example.com']);
    expect(mail.from).toBe('news@siyu.example');
    expect(mail.headers['message-id']).toBe('<msg_0001@siyu.example>');
    expect(mail.headers['x-siyu-send-id']).toBe('msg_0001');
    expect(mail.headers['content-type']).toMatch(/^multipart\/alternative/);
    expect(mail.headers.subject).toMatch(/=\?UTF-8\?/i); // encoded Chinese subject
    expect(mail.raw).toContain('text/plain');
    expect(mail.raw).toContain('text/html');
  });

  it('retries a 451 (temporary) with the same Message-ID, and does not retry a 550', async () => {
    const s = await smtp({ reject: (n) => (n === 1 ? { code: 451, message: 'try again later' } : n === 3 ? { code: 550, message: 'mailbox unavailable' } : undefined) });
    const adapter = emailAdapter();
    closers.push(() => adapter.close!());
    const cfg = { host: s.host, port: s.port, from: 'news@siyu.example', message_id_domain: 'mail.siyu.example' };
    const [r1] = await send(adapter, cfg, [msg(1, { content: { channel: 'email', subject: 's', text: 't' } })]);
    expect(r1.status).toBe('sent');
    expect(s.attempts).toBe(2);
    expect(s.mails[0].headers['message-id']).toBe('<msg_0001@mail.siyu.example>');
    const [r2] = await send(adapter, cfg, [msg(2, { content: { channel: 'email', subject: 's', text: 't' } })]);
    expect(r2.error).toMatchObject({ code: 'smtp_550', retryable: false });
    expect(s.attempts).toBe(3);
  });

  it('fails without an address or subject, and reports a wrong password as auth_failed', async () => {
    const s = await smtp({ auth: { user: 'mailer', pass: 'pw' } });
    const adapter = emailAdapter();
    closers.push(() => adapter.close!());
    const cfg = { host: s.host, port: s.port, from: 'news@siyu.example', username: 'mailer', password: 'wrong' };
    const results = await send(adapter, cfg, [
      msg(1, { to: {}, content: { channel: 'email', subject: 's', text: 't' } }),
      msg(2, { content: { channel: 'email', text: 't' } }),
      msg(3, { content: { channel: 'email', subject: 's', text: 't' } }),
    ]);
    expect(results.map((r) => r.error?.code)).toEqual(['recipient_missing', 'content_missing_subject', 'auth_failed']);
    const t = await adapter.test!(resolveConfig(adapter, cfg) as any, ctx());
    expect(t).toMatchObject({ ok: false, checked: 'smtp', error: { code: 'auth_failed' } });
  });
});
