// WeChat official account (服务号) template messages: `POST /cgi-bin/message/template/send` with the member's openid,
// the template id, `data: { key: { value } }`, an optional link or mini-program page, and `client_msg_id` (the send
// id) so that WeChat itself drops a repeated request. The delivery result arrives later as a TEMPLATESENDJOBFINISH
// push on the account's callback URL (see wecom/callbacks.ts).
import { z } from 'zod';
import { mapLimit } from '../rate-limiter.ts';
import type { AdapterContext, ChannelTestResult, OutgoingMessage, ProviderAdapter, SendResult } from '../types.ts';
import { refused } from './generic-http.ts';
import { openidFor, rawField, tokenTest, wechatToken, wxCall } from './wx-api.ts';

export const WECHAT_BASE_URL = 'https://api.weixin.qq.com';

/** Connection settings shared by the official-account and mini-program channels. */
export const WechatAppFields = {
  app_id: z.string().min(1).max(64),
  app_secret: z.string().min(1).max(512),
  base_url: z.string().url().default(WECHAT_BASE_URL),
  /** `stable`: POST /cgi-bin/stable_token (recommended by WeChat); `classic`: GET /cgi-bin/token. */
  token_endpoint: z.enum(['stable', 'classic']).default('stable'),
};

export const WechatOaConfig = z
  .object({
    ...WechatAppFields,
    /** Server configuration (服务器配置) Token: callback pushes are signed with it. */
    callback_token: z.string().min(1).max(128).optional(),
    /** EncodingAESKey for safe-mode (安全模式) callbacks; plain mode needs only the token. */
    encoding_aes_key: z.string().regex(/^[A-Za-z0-9]{43}$/, 'EncodingAESKey is 43 letters and digits').optional(),
    /** Link used when the rendered message has none. */
    default_url: z.string().url().optional(),
    /** Track events ingested on follow / unfollow pushes and when a send finds the member no longer following. */
    follow_event: z.string().min(1).max(200).default('WeChat OA Followed'),
    unfollow_event: z.string().min(1).max(200).default('WeChat OA Unfollowed'),
  })
  .strict();
export type WechatOaConfig = z.infer<typeof WechatOaConfig>;

/** errcode 43004: the user does not follow the account (never did, or unfollowed). */
export const OA_NOT_FOLLOWING = 43004;

/** Called when a send learns that a member no longer follows the account (errcode 43004). */
export type NotFollowingHook = (ctx: AdapterContext, m: OutgoingMessage, openid: string, appId: string) => Promise<void>;

const OA_EXPLAIN: Record<number, string> = {
  40003: 'invalid openid',
  40037: 'invalid template_id',
  43004: 'the user does not follow the official account',
  45009: 'daily template-message quota reached',
  47001: 'data format error',
};

/** The template/send body of one message, or why it cannot be sent. */
export function templateSendBody(cfg: Pick<WechatOaConfig, 'app_id' | 'default_url'>, m: OutgoingMessage): { body: Record<string, unknown>; openid: string } | { code: string; message: string } {
  const who = openidFor(m.to, cfg.app_id);
  if ('error' in who) return { code: 'recipient_missing', message: who.error };
  const c = m.content;
  if (!c.template_id) return { code: 'content_missing_template', message: 'a template message needs content.template_id' };
  const data: Record<string, { value: string }> = {};
  for (const [k, v] of Object.entries((c.data ?? {}) as Record<string, unknown>)) {
    data[k] = v && typeof v === 'object' && 'value' in v ? { value: String((v as { value: unknown }).value) } : { value: String(v) };
  }
  const url = c.url ?? cfg.default_url;
  return {
    openid: who.openid,
    body: {
      touser: who.openid,
      template_id: c.template_id,
      ...(url ? { url } : {}),
      ...(c.miniprogram ? { miniprogram: c.miniprogram } : {}),
      // 防重入 id: WeChat sends one message per (openid, client_msg_id) within 10 minutes.
      client_msg_id: m.sendId,
      data,
    },
  };
}

async function sendOne(cfg: WechatOaConfig, m: OutgoingMessage, ctx: AdapterContext, onNotFollowing?: NotFollowingHook): Promise<SendResult> {
  const req = templateSendBody(cfg, m);
  if ('code' in req) return refused(m.sendId, req.code, req.message);
  await ctx.limiter.take(1);
  const out = await wxCall(ctx, 'wechat', wechatToken(ctx, cfg), {
    base: cfg.base_url,
    path: '/cgi-bin/message/template/send',
    body: req.body,
    idempotent: true,
    explain: OA_EXPLAIN,
  });
  if (!out.ok) {
    if (out.errcode === OA_NOT_FOLLOWING && onNotFollowing) {
      await onNotFollowing(ctx, m, req.openid, cfg.app_id).catch((e) => ctx.log.warn({ err: e, member: m.memberId }, 'recording an unfollow failed'));
    }
    return { sendId: m.sendId, status: 'failed', error: out.error };
  }
  return { sendId: m.sendId, status: 'sent', providerMessageId: rawField(out.text, 'msgid', out.json) };
}

/**
 * The official-account adapter; `onNotFollowing` lets the app record that a member unfollowed (the registry's
 * default has none; the WeCom/WeChat service registers one that ingests an unfollow event).
 */
export function wechatOaAdapter(hooks: { onNotFollowing?: NotFollowingHook } = {}): ProviderAdapter<WechatOaConfig> {
  return {
    type: 'wechat_oa',
    configSchema: WechatOaConfig,
    secretFields: ['app_secret', 'callback_token', 'encoding_aes_key'],
    send: (cfg, msgs, ctx) => mapLimit(msgs, ctx.options.concurrency, (m) => sendOne(cfg, m, ctx, hooks.onNotFollowing)),
    test: (cfg, ctx): Promise<ChannelTestResult> => tokenTest(ctx, wechatToken(ctx, cfg)),
  };
}
