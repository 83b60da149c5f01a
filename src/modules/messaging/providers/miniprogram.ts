// Mini-program subscribe messages (订阅消息): `POST /cgi-bin/message/subscribe/send` with the member's openid, the
// template id, the page to open, `data: { key: { value } }` and miniprogram_state. Each send uses up one of the
// member's subscriptions; without one WeChat answers 43101 (refused / no quota), which no retry can change.
import { z } from 'zod';
import { mapLimit } from '../rate-limiter.ts';
import type { AdapterContext, ChannelTestResult, OutgoingMessage, ProviderAdapter, SendResult } from '../types.ts';
import { refused } from './generic-http.ts';
import { WechatAppFields } from './wechat-oa.ts';
import { openidFor, rawField, tokenTest, wechatToken, wxCall } from './wx-api.ts';

export const MiniprogramConfig = z
  .object({
    ...WechatAppFields,
    /** Which version of the mini program the message opens, unless the content names one. */
    miniprogram_state: z.enum(['developer', 'trial', 'formal']).default('formal'),
    lang: z.enum(['zh_CN', 'en_US', 'zh_HK', 'zh_TW']).default('zh_CN'),
  })
  .strict();
export type MiniprogramConfig = z.infer<typeof MiniprogramConfig>;

/** errcode 43101: the user refused, or has no subscription left for this template. */
export const SUBSCRIPTION_MISSING = 43101;

const MP_EXPLAIN: Record<number, string> = {
  40003: 'invalid openid',
  40037: 'invalid template_id',
  41030: 'invalid page',
  43101: 'the user refused this template or has no subscription left for it',
  47003: 'template data does not match the template',
};

/** The subscribe/send body of one message, or why it cannot be sent. */
export function subscribeSendBody(cfg: Pick<MiniprogramConfig, 'app_id' | 'miniprogram_state' | 'lang'>, m: OutgoingMessage): { body: Record<string, unknown> } | { code: string; message: string } {
  const who = openidFor(m.to, cfg.app_id);
  if ('error' in who) return { code: 'recipient_missing', message: who.error };
  const c = m.content;
  if (!c.template_id) return { code: 'content_missing_template', message: 'a subscribe message needs content.template_id' };
  const data: Record<string, { value: string }> = {};
  for (const [k, v] of Object.entries((c.data ?? {}) as Record<string, unknown>)) {
    data[k] = v && typeof v === 'object' && 'value' in v ? { value: String((v as { value: unknown }).value) } : { value: String(v) };
  }
  return {
    body: {
      touser: who.openid,
      template_id: c.template_id,
      ...(c.page ? { page: c.page } : {}),
      data,
      miniprogram_state: c.miniprogram_state ?? cfg.miniprogram_state,
      lang: c.lang ?? cfg.lang,
    },
  };
}

async function sendOne(cfg: MiniprogramConfig, m: OutgoingMessage, ctx: AdapterContext): Promise<SendResult> {
  const req = subscribeSendBody(cfg, m);
  if ('code' in req) return refused(m.sendId, req.code, req.message);
  await ctx.limiter.take(1);
  // No dedupe id in this API: a timed-out send is not repeated (it may have used up the subscription already).
  const out = await wxCall(ctx, 'wechat', wechatToken(ctx, cfg), { base: cfg.base_url, path: '/cgi-bin/message/subscribe/send', body: req.body, idempotent: false, explain: MP_EXPLAIN });
  if (!out.ok) return { sendId: m.sendId, status: 'failed', error: out.error };
  return { sendId: m.sendId, status: 'sent', providerMessageId: rawField(out.text, 'msgid', out.json) };
}

export const miniprogramAdapter: ProviderAdapter<MiniprogramConfig> = {
  type: 'miniprogram',
  configSchema: MiniprogramConfig,
  secretFields: ['app_secret'],
  send: (cfg, msgs, ctx) => mapLimit(msgs, ctx.options.concurrency, (m) => sendOne(cfg, m, ctx)),
  test: (cfg, ctx): Promise<ChannelTestResult> => tokenTest(ctx, wechatToken(ctx, cfg)),
};
