// SMS channel over a generic HTTP provider: the brand's signature 【品牌】, segment counting (70/67 characters for
// Chinese, 160/153 for GSM-7), and a JSON body mapped from placeholders to whatever the provider expects.
import { z } from 'zod';
import { mapLimit } from '../rate-limiter.ts';
import { smsLength, withSignature } from '../sms-segments.ts';
import type { AdapterContext, ChannelTestResult, OutgoingMessage, ProviderAdapter, SendResult } from '../types.ts';
import { HttpProviderFields, postMapped, refused } from './generic-http.ts';

export const DEFAULT_SMS_BODY = { phone: '{{to}}', content: '{{text}}', out_id: '{{send_id}}' };

export const SmsConfig = z
  .object({
    ...HttpProviderFields,
    /** The brand signature shown as 【signature】 (China requires a registered one). */
    signature_name: z.string().trim().min(1).max(20),
    /** `prefix`: the text starts with 【signature】; `field`: the provider adds it (map `{{signature}}` into the body). */
    signature_placement: z.enum(['prefix', 'field']).default('prefix'),
    /** Longest message in segments; longer texts fail with `sms_too_long` before any provider call. */
    max_segments: z.number().int().min(1).max(20).default(6),
    /**
     * Request body with placeholders: {{to}} {{text}} {{signature}} {{send_id}} {{member_id}} {{segments}}
     * {{content.<key>}} (e.g. content.template_id, content.data for template SMS).
     */
    body_mapping: z.unknown().default(DEFAULT_SMS_BODY),
  })
  .strict();
export type SmsConfig = z.infer<typeof SmsConfig>;

/** The text an SMS sends (content.text, else content.body). */
const textOf = (m: OutgoingMessage) => String(m.content.text ?? m.content.body ?? '');

/** Placeholder values of one SMS, or the reason it cannot be sent. */
export function smsVars(cfg: SmsConfig, m: OutgoingMessage): { vars: Record<string, unknown> } | { error: SendResult } {
  const phone = m.to.phone;
  if (!phone) return { error: refused(m.sendId, 'recipient_missing', 'the member has no phone number') };
  const raw = textOf(m);
  if (!raw && !m.content.template_id) return { error: refused(m.sendId, 'content_empty', 'SMS content needs text (or body, or a template_id)') };
  const shown = withSignature(raw, cfg.signature_name);
  const length = smsLength(shown);
  if (length.segments > cfg.max_segments) {
    return { error: refused(m.sendId, 'sms_too_long', `the SMS takes ${length.segments} segments (${length.units} ${length.encoding} units with the signature); the channel allows ${cfg.max_segments}`) };
  }
  const text = cfg.signature_placement === 'prefix' ? shown : raw;
  return {
    vars: { to: phone, text, signature: cfg.signature_name, send_id: m.sendId, member_id: m.memberId, segments: length.segments, encoding: length.encoding, content: m.content, source_key: m.sourceKey },
  };
}

async function sendOne(cfg: SmsConfig, m: OutgoingMessage, ctx: AdapterContext): Promise<SendResult> {
  const v = smsVars(cfg, m);
  if ('error' in v) return v.error;
  return postMapped(cfg, m, v.vars, ctx);
}

export const smsAdapter: ProviderAdapter<SmsConfig> = {
  type: 'sms',
  configSchema: SmsConfig,
  secretFields: ['api_key', 'receipt_secret'],
  send: (cfg, msgs, ctx) => mapLimit(msgs, ctx.options.concurrency, (m) => sendOne(cfg, m, ctx)),
  async test(cfg, ctx, to): Promise<ChannelTestResult> {
    const started = Date.now();
    if (!to?.phone) return { ok: true, checked: 'config', latency_ms: 0, detail: 'config is valid; pass to.phone to send a test SMS' };
    const [r] = await this.send(cfg, [{ sendId: `test_${started}`, memberId: 'test', to, content: { channel: 'sms', text: 'Siyu test message / 测试短信' } }], ctx);
    const latency_ms = Date.now() - started;
    return r.status === 'sent' ? { ok: true, checked: 'message', latency_ms, detail: r.providerMessageId } : { ok: false, checked: 'message', latency_ms, error: r.error };
  },
  receiptSecret: (cfg) => cfg.receipt_secret,
};
