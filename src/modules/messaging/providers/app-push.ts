// App push channel over a generic HTTP push gateway: title, body, deep link and data to one device token per
// message, in a configurable JSON body.
import { z } from 'zod';
import { mapLimit } from '../rate-limiter.ts';
import type { AdapterContext, ChannelTestResult, OutgoingMessage, ProviderAdapter, SendResult } from '../types.ts';
import { HttpProviderFields, postMapped, refused } from './generic-http.ts';

export const DEFAULT_PUSH_BODY = {
  token: '{{to}}',
  notification: { title: '{{title}}', body: '{{body}}' },
  data: { deep_link: '{{deep_link}}', send_id: '{{send_id}}', extra: '{{data}}' },
};

export const AppPushConfig = z
  .object({
    ...HttpProviderFields,
    /** The `to` key holding the device token (member identities or the send's own addresses). */
    token_field: z.string().min(1).max(64).default('device_token'),
    /** Request body with placeholders: {{to}} {{title}} {{body}} {{deep_link}} {{data}} {{send_id}} {{member_id}} {{content.<key>}}. */
    body_mapping: z.unknown().default(DEFAULT_PUSH_BODY),
  })
  .strict();
export type AppPushConfig = z.infer<typeof AppPushConfig>;

/** Placeholder values of one push, or why it cannot be sent. */
export function pushVars(cfg: AppPushConfig, m: OutgoingMessage): { vars: Record<string, unknown> } | { error: SendResult } {
  const token = m.to[cfg.token_field];
  if (!token) return { error: refused(m.sendId, 'recipient_missing', `the member has no ${cfg.token_field}`) };
  const c = m.content;
  const title = c.title ?? c.subject;
  const body = c.body ?? c.text;
  if (!title && !body) return { error: refused(m.sendId, 'content_empty', 'a push needs a title or a body') };
  return {
    vars: { to: token, title, body, deep_link: c.deep_link ?? c.url, data: c.data, send_id: m.sendId, member_id: m.memberId, content: c, source_key: m.sourceKey },
  };
}

async function sendOne(cfg: AppPushConfig, m: OutgoingMessage, ctx: AdapterContext): Promise<SendResult> {
  const v = pushVars(cfg, m);
  if ('error' in v) return v.error;
  return postMapped(cfg, m, v.vars, ctx);
}

export const appPushAdapter: ProviderAdapter<AppPushConfig> = {
  type: 'app_push',
  configSchema: AppPushConfig,
  secretFields: ['api_key', 'receipt_secret'],
  send: (cfg, msgs, ctx) => mapLimit(msgs, ctx.options.concurrency, (m) => sendOne(cfg, m, ctx)),
  async test(cfg, ctx, to): Promise<ChannelTestResult> {
    const started = Date.now();
    if (!to?.[cfg.token_field]) return { ok: true, checked: 'config', latency_ms: 0, detail: `config is valid; pass to.${cfg.token_field} to send a test push` };
    const [r] = await this.send(cfg, [{ sendId: `test_${started}`, memberId: 'test', to, content: { channel: 'app_push', title: 'Siyu', body: 'Test push / 测试推送' } }], ctx);
    const latency_ms = Date.now() - started;
    return r.status === 'sent' ? { ok: true, checked: 'message', latency_ms, detail: r.providerMessageId } : { ok: false, checked: 'message', latency_ms, error: r.error };
  },
  receiptSecret: (cfg) => cfg.receipt_secret,
};
