// Per-channel template content (zod, strict) and which of its strings are Liquid: the shapes follow each provider's
// documented message body (WeCom add_msg_template, WeChat template/subscribe messages), so rendering fills them in.
import { z } from 'zod';
import { invalid } from '../../core/errors.ts';

/** Messaging channel types (not *source* channels, which src/modules/channels means). */
export const MESSAGING_CHANNEL_TYPES = ['webhook', 'email', 'sms', 'wecom', 'wechat_oa', 'miniprogram', 'app_push'] as const;
export type MessagingChannelType = (typeof MESSAGING_CHANNEL_TYPES)[number];

/** Default and largest number of SMS segments one message may take (carriers bill per segment). */
export const SMS_DEFAULT_MAX_SEGMENTS = 5;
export const SMS_MAX_SEGMENTS_LIMIT = 10;

const liquid = (max: number) => z.string().max(max);
const required = (max: number) => z.string().min(1).max(max);
/** WeChat data keys: `thing1`, `time2`, `amount3`, `first`, `remark`… */
const dataKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'a WeChat data key such as thing1 or amount2');

const Webhook = z
  .object({
    /** The JSON body; every string inside it is a Liquid template (keys are not). */
    body: z.record(z.string(), z.unknown()),
  })
  .strict();

const Email = z
  .object({
    subject: required(1000),
    html: liquid(500_000).optional(),
    text: liquid(100_000).optional(),
  })
  .strict()
  .refine((e) => Boolean(e.html || e.text), { message: 'an email needs html or text', path: ['text'] });

const Sms = z
  .object({
    text: required(5000),
    /** Most segments one rendered message may take; a longer message fails for that member. */
    max_segments: z.number().int().min(1).max(SMS_MAX_SEGMENTS_LIMIT).default(SMS_DEFAULT_MAX_SEGMENTS),
  })
  .strict();

// WeCom customer-contact mass send (externalcontact/add_msg_template): text plus up to 9 attachments.
const WecomAttachment = z.discriminatedUnion('msgtype', [
  z
    .object({
      msgtype: z.literal('image'),
      image: z.object({ media_id: z.string().min(1).max(256).optional(), pic_url: liquid(2048).optional() }).strict()
        .refine((i) => Boolean(i.media_id || i.pic_url), { message: 'image needs media_id or pic_url', path: ['media_id'] }),
    })
    .strict(),
  z
    .object({
      msgtype: z.literal('link'),
      link: z.object({ title: required(512), picurl: liquid(2048).optional(), desc: liquid(2048).optional(), url: required(4096) }).strict(),
    })
    .strict(),
  z
    .object({
      msgtype: z.literal('miniprogram'),
      miniprogram: z
        .object({ title: required(256), pic_media_id: z.string().min(1).max(256), appid: z.string().min(1).max(64), page: required(1024) })
        .strict(),
    })
    .strict(),
  z.object({ msgtype: z.literal('video'), video: z.object({ media_id: z.string().min(1).max(256) }).strict() }).strict(),
  z.object({ msgtype: z.literal('file'), file: z.object({ media_id: z.string().min(1).max(256) }).strict() }).strict(),
]);

const Wecom = z
  .object({
    text: liquid(8000).optional(),
    attachments: z.array(WecomAttachment).max(9).optional(),
  })
  .strict()
  .refine((w) => Boolean(w.text) || (w.attachments?.length ?? 0) > 0, { message: 'a WeCom message needs text or an attachment', path: ['text'] });

const WechatOa = z
  .object({
    template_id: z.string().min(1).max(128),
    /** Each value is a Liquid template; sent as `{ key: { value } }`. */
    data: z.record(dataKey, liquid(2000)),
    url: liquid(2048).optional(),
    miniprogram: z.object({ appid: z.string().min(1).max(64), pagepath: liquid(1024).optional() }).strict().optional(),
  })
  .strict();

const Miniprogram = z
  .object({
    template_id: z.string().min(1).max(128),
    page: liquid(1024).optional(),
    data: z.record(dataKey, liquid(2000)),
    miniprogram_state: z.enum(['developer', 'trial', 'formal']).optional(),
    lang: z.enum(['zh_CN', 'en_US', 'zh_HK', 'zh_TW']).optional(),
  })
  .strict();

const AppPush = z
  .object({
    title: required(500),
    body: required(4000),
    deep_link: liquid(2048).optional(),
    /** Extra key/values for the app (each a Liquid template). */
    data: z.record(z.string().min(1).max(64), liquid(2000)).optional(),
  })
  .strict();

/** Content of a template: one entry per channel it can be sent on. */
export const TemplateContent = z
  .object({
    webhook: Webhook.optional(),
    email: Email.optional(),
    sms: Sms.optional(),
    wecom: Wecom.optional(),
    wechat_oa: WechatOa.optional(),
    miniprogram: Miniprogram.optional(),
    app_push: AppPush.optional(),
  })
  .strict()
  .refine((c) => MESSAGING_CHANNEL_TYPES.some((k) => c[k] !== undefined), { message: 'content needs at least one channel', path: [] });
export type TemplateContent = z.infer<typeof TemplateContent>;
export type ChannelContent<C extends MessagingChannelType> = NonNullable<TemplateContent[C]>;

/** A path inside a channel's content: object keys and array indexes. */
export type ContentPath = (string | number)[];

/**
 * Whether the string at `path` (inside one channel's content) is Liquid. Template ids, media ids, app ids and
 * enum-like fields are literal: a variable there would be a mistake the provider rejects.
 */
export function isLiquidField(channel: MessagingChannelType, path: ContentPath): boolean {
  const [a, b, c, d] = path;
  switch (channel) {
    case 'webhook':
      return a === 'body';
    case 'email':
      return path.length === 1 && (a === 'subject' || a === 'html' || a === 'text');
    case 'sms':
      return path.length === 1 && a === 'text';
    case 'wecom':
      if (path.length === 1) return a === 'text';
      if (a !== 'attachments' || typeof b !== 'number') return false;
      if (c === 'link') return d === 'title' || d === 'desc' || d === 'url' || d === 'picurl';
      if (c === 'miniprogram') return d === 'title' || d === 'page';
      return c === 'image' && d === 'pic_url';
    case 'wechat_oa':
      return (a === 'data' && path.length === 2) || (a === 'url' && path.length === 1) || (a === 'miniprogram' && b === 'pagepath');
    case 'miniprogram':
      return (a === 'data' && path.length === 2) || (a === 'page' && path.length === 1);
    case 'app_push':
      return path.length === 1 ? a === 'title' || a === 'body' || a === 'deep_link' : a === 'data' && path.length === 2;
  }
}

/** Deepest nesting and most Liquid strings one channel's content may have (webhook bodies are free JSON). */
export const MAX_DEPTH = 32;
export const MAX_FIELDS = 1_000;

/** Every Liquid string of one channel's content with its path, in document order. */
export function liquidFields(channel: MessagingChannelType, content: unknown): { path: ContentPath; source: string }[] {
  const out: { path: ContentPath; source: string }[] = [];
  const walk = (v: unknown, path: ContentPath) => {
    if (path.length > MAX_DEPTH) throw invalid('template.content_invalid', `${fieldName(channel, path.slice(0, MAX_DEPTH))}: nested deeper than ${MAX_DEPTH} levels`, fieldName(channel, path.slice(0, MAX_DEPTH)));
    if (out.length > MAX_FIELDS) throw invalid('template.content_invalid', `content.${channel}: more than ${MAX_FIELDS} text fields`, `content.${channel}`);
    if (typeof v === 'string') {
      if (isLiquidField(channel, path)) out.push({ path, source: v });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(content, []);
  return out;
}

/** `content.email.subject`, `content.wecom.attachments.0.link.title`: the field errors name. */
export const fieldName = (channel: MessagingChannelType, path: ContentPath) => ['content', channel, ...path].join('.');

/** The channels a content object has, in the canonical order. */
export const channelsOf = (content: TemplateContent): MessagingChannelType[] => MESSAGING_CHANNEL_TYPES.filter((c) => content[c] !== undefined);
