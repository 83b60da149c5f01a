// Rendering one member's message from a compiled channel (pure apart from the engines): fill the Liquid fields,
// shape the provider's body, and enforce the channel's limits (SMS segments, WeCom byte lengths, WeChat keywords).
import type { ChannelContent, ContentPath, MessagingChannelType } from './channels.ts';
import type { CompiledField } from './compile.ts';
import { engines } from './engine.ts';
import { fastRenderer } from './fast-render.ts';
import { countSms, type SmsCount } from './sms.ts';

/** One rendered message, shaped for its channel's provider; fields not used by the channel are absent. */
export interface RenderedContent {
  channel: MessagingChannelType;
  /** email */
  subject?: string;
  html?: string;
  /** email plain part, SMS text, WeCom text */
  text?: string;
  /** webhook: the JSON body as text (sign these bytes); app_push: the notification body */
  body?: string;
  /** app_push */
  title?: string;
  deep_link?: string;
  /** wechat_oa / miniprogram: template data as the WeChat APIs take it; app_push: string map */
  data?: Record<string, { value: string }> | Record<string, string>;
  template_id?: string;
  /** wechat_oa link */
  url?: string;
  miniprogram?: { appid: string; pagepath?: string };
  /** miniprogram page */
  page?: string;
  miniprogram_state?: string;
  lang?: string;
  /** wecom attachments as add_msg_template takes them */
  attachments?: unknown[];
  /** sms: encoding and segments of `text` */
  sms?: SmsCount;
  /** Adjustments made while rendering (e.g. a WeChat `thing` value cut to 20 characters). */
  warnings?: string[];
}

/** A member whose message could not be rendered: the message is not sent; the reason names the field. */
export class RenderFailure extends Error {
  constructor(readonly code: string, message: string, readonly field?: string) {
    super(message);
    this.name = 'RenderFailure';
  }
}

/** Longest output of one field (characters). */
const OUTPUT_LIMITS: Record<string, number> = { 'email.html': 500_000, 'email.text': 100_000 };
const DEFAULT_OUTPUT_LIMIT = 20_000;
const WEBHOOK_OUTPUT_LIMIT = 100_000;

/** Channel content compiled for rendering: the raw content plus its parsed Liquid fields. */
export interface RenderableChannel {
  channel: MessagingChannelType;
  content: unknown;
  fields: CompiledField[];
}

/** Renders one member's message; throws RenderFailure when a limit is hit or a field does not render. */
export function renderChannel(c: RenderableChannel, scope: Record<string, unknown>, limits?: { memoryLimit?: number }): RenderedContent {
  const e = engines();
  let content = c.content;
  for (const f of c.fields) {
    let out: string;
    try {
      const engine = f.html ? e.html : e.text;
      // Text and simple outputs skip liquidjs' interpreter (same reads, same filters); the rest renders as always.
      out = fastRenderer(f.tpl, engine)?.(scope, limits?.memoryLimit) ?? String(engine.renderSync(f.tpl, scope, limits) ?? '');
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const limit = /limit exceeded/.test(msg);
      throw new RenderFailure(limit ? 'template.render_limit' : 'template.render_failed', `${f.field}: ${msg}`, f.field);
    }
    const cap = c.channel === 'webhook' ? WEBHOOK_OUTPUT_LIMIT : (OUTPUT_LIMITS[`${c.channel}.${String(f.path[0])}`] ?? DEFAULT_OUTPUT_LIMIT);
    if (out.length > cap) throw new RenderFailure('template.output_too_large', `${f.field}: rendered ${out.length} characters, more than ${cap}`, f.field);
    content = setIn(content, f.path, f.html || c.channel === 'webhook' ? out : out.trim());
  }
  return shape(c.channel, content as never);
}

/** Copy-on-write set: copies only the containers on the path, so the compiled content stays untouched. */
function setIn(root: unknown, path: ContentPath, value: unknown): unknown {
  if (path.length === 0) return value;
  const [k, ...rest] = path;
  const copy: any = Array.isArray(root) ? [...root] : { ...(root as object) };
  copy[k] = setIn(copy[k], rest, value);
  return copy;
}

function shape(channel: MessagingChannelType, content: any): RenderedContent {
  switch (channel) {
    case 'webhook':
      return { channel, body: JSON.stringify((content as ChannelContent<'webhook'>).body) };
    case 'email': {
      const c = content as ChannelContent<'email'>;
      return { channel, subject: c.subject, ...(c.html !== undefined ? { html: c.html } : {}), ...(c.text !== undefined ? { text: c.text } : {}) };
    }
    case 'sms':
      return sms(content as ChannelContent<'sms'>);
    case 'wecom':
      return wecom(content as ChannelContent<'wecom'>);
    case 'wechat_oa': {
      const c = content as ChannelContent<'wechat_oa'>;
      const warnings: string[] = [];
      const data = wechatData(c.data, 'wechat_oa', warnings);
      return { channel, template_id: c.template_id, data, ...(c.url ? { url: c.url } : {}), ...(c.miniprogram ? { miniprogram: c.miniprogram } : {}), ...(warnings.length ? { warnings } : {}) };
    }
    case 'miniprogram': {
      const c = content as ChannelContent<'miniprogram'>;
      const warnings: string[] = [];
      const data = wechatData(c.data, 'miniprogram', warnings);
      return {
        channel, template_id: c.template_id, data,
        ...(c.page ? { page: c.page } : {}), ...(c.miniprogram_state ? { miniprogram_state: c.miniprogram_state } : {}), ...(c.lang ? { lang: c.lang } : {}),
        ...(warnings.length ? { warnings } : {}),
      };
    }
    case 'app_push': {
      const c = content as ChannelContent<'app_push'>;
      if (c.title === '' || c.body === '') throw new RenderFailure('template.empty', `content.app_push.${c.title === '' ? 'title' : 'body'} rendered empty`, `content.app_push.${c.title === '' ? 'title' : 'body'}`);
      return { channel, title: c.title, body: c.body, ...(c.deep_link ? { deep_link: c.deep_link } : {}), ...(c.data ? { data: c.data } : {}) };
    }
  }
}

function sms(c: ChannelContent<'sms'>): RenderedContent {
  if (c.text === '') throw new RenderFailure('template.empty', 'content.sms.text rendered empty', 'content.sms.text');
  const count = countSms(c.text);
  const max = c.max_segments ?? 5;
  if (count.segments > max) {
    throw new RenderFailure('template.sms_too_long', `content.sms.text: ${count.characters} characters take ${count.segments} segments (${count.encoding}, ${count.per_segment} per segment), more than max_segments ${max} / 短信超长`, 'content.sms.text');
  }
  return { channel: 'sms', text: c.text, sms: count };
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** WeCom add_msg_template limits, in UTF-8 bytes as its documentation counts them. */
const WECOM_BYTES: [string[], number][] = [
  [['link', 'title'], 128],
  [['link', 'desc'], 512],
  [['link', 'url'], 2048],
  [['miniprogram', 'title'], 64],
];

function wecom(c: ChannelContent<'wecom'>): RenderedContent {
  if (c.text !== undefined && utf8(c.text) > 4000) throw new RenderFailure('template.field_too_long', `content.wecom.text: ${utf8(c.text)} bytes, WeCom takes at most 4000`, 'content.wecom.text');
  const attachments = c.attachments ?? [];
  attachments.forEach((a: any, i) => {
    for (const [[kind, key], max] of WECOM_BYTES) {
      const value = a[kind]?.[key];
      if (typeof value === 'string' && utf8(value) > max) {
        const field = `content.wecom.attachments.${i}.${kind}.${key}`;
        throw new RenderFailure('template.field_too_long', `${field}: ${utf8(value)} bytes, WeCom takes at most ${max}`, field);
      }
    }
  });
  if (!c.text && attachments.length === 0) throw new RenderFailure('template.empty', 'content.wecom.text rendered empty', 'content.wecom.text');
  return { channel: 'wecom', ...(c.text ? { text: c.text } : {}), ...(attachments.length ? { attachments } : {}) };
}

/**
 * WeChat template / subscribe data: each key's prefix is its keyword type (thing1, amount2, phrase3…), with the
 * documented length limits. A `thing` (free text) longer than 20 characters is cut with an ellipsis (a product name
 * must not block the message); other types over their limit fail, as WeChat would refuse them.
 */
const KEYWORD_LIMITS: Record<string, number> = {
  thing: 20, number: 32, letter: 32, symbol: 5, character_string: 32, phone_number: 17, car_number: 8, phrase: 5,
};

function wechatData(data: Record<string, string>, channel: string, warnings: string[]): Record<string, { value: string }> {
  const out: Record<string, { value: string }> = {};
  for (const [key, raw] of Object.entries(data)) {
    let value = raw;
    const type = /^([a-z_]+?)\d*$/.exec(key)?.[1];
    const chars = [...value];
    const limit = type === 'name' ? (/[\u3400-\u9fff]/.test(value) ? 10 : 20) : type ? KEYWORD_LIMITS[type] : undefined;
    if (limit !== undefined && chars.length > limit) {
      if (type === 'thing') {
        value = chars.slice(0, limit - 1).join('') + '…';
        warnings.push(`content.${channel}.data.${key}: cut to ${limit} characters`);
      } else {
        const field = `content.${channel}.data.${key}`;
        throw new RenderFailure('template.field_too_long', `${field}: ${chars.length} characters, a ${type} keyword takes at most ${limit}`, field);
      }
    }
    out[key] = { value };
  }
  return out;
}
