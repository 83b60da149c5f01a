// WeCom (企业微信) customer contact: mass sends as `externalcontact/add_msg_template` tasks (one per sending
// employee and content, up to 10,000 customers or 2,000 customer groups each, confirmed by the employee in WeCom) and
// new-customer welcome messages (`externalcontact/send_welcome_msg`, with the event's welcome code, within 20 s).
import { z } from 'zod';
import { cronError } from '../../jobs/cron.ts';
import { mapLimit } from '../rate-limiter.ts';
import type { AdapterContext, ChannelTestResult, OutgoingMessage, ProviderAdapter, SendResult } from '../types.ts';
import { refused } from './generic-http.ts';
import { rawField, tokenTest, wecomToken, wxCall } from './wx-api.ts';

export const WECOM_BASE_URL = 'https://qyapi.weixin.qq.com';
/** add_msg_template: `external_userid` takes at most 10,000 customers per call. */
export const MAX_EXTERNAL_USERIDS = 10_000;
/** add_msg_template: `chat_id_list` takes at most 2,000 customer groups per call. */
export const MAX_CHAT_IDS = 2_000;
/** send_welcome_msg works for 20 seconds after the add-contact event; Siyu keeps a margin below that. */
export const WELCOME_WINDOW_MS = 20_000;

const secret = z.string().min(1).max(512);

export const WecomWelcomeConfig = z
  .object({
    enabled: z.boolean().default(true),
    /** A template (id or name) with `wecom` content, rendered for the new customer; else `text`/`attachments`. */
    template: z.string().min(1).max(200).optional(),
    /** Plain welcome text (also the fallback when the template cannot be rendered). */
    text: z.string().min(1).max(4000).optional(),
    /** Attachments as send_welcome_msg takes them (image, link, miniprogram, video), sent with `text`. */
    attachments: z.array(z.record(z.string(), z.unknown())).max(9).optional(),
    /** Time allowed for the whole welcome call (retries included), counted from receipt of the event. */
    budget_ms: z.number().int().min(1000).max(19_000).default(15_000),
  })
  .strict();

export const WecomConfig = z
  .object({
    corp_id: z.string().min(1).max(64),
    /** The 「客户联系」 secret (or a self-built app's secret that is allowed to call customer-contact APIs). */
    corp_secret: secret,
    base_url: z.string().url().default(WECOM_BASE_URL),
    /** The employee userid mass sends go out as when a message names none (`to.wecom_sender`). */
    default_sender: z.string().min(1).max(64).optional(),
    /** add_msg_template `allow_select`: the employee may change the recipients (customer groups only). */
    allow_select: z.boolean().optional(),
    /** Customers (or groups) per task, within WeCom's limits (10,000 / 2,000). */
    max_targets_per_task: z.number().int().min(1).max(MAX_EXTERNAL_USERIDS).default(MAX_EXTERNAL_USERIDS),
    /** Callback settings (WeCom admin → 客户联系 → API → 接收事件服务器): Token and EncodingAESKey. */
    callback_token: z.string().min(1).max(128).optional(),
    encoding_aes_key: z.string().regex(/^[A-Za-z0-9]{43}$/, 'EncodingAESKey is 43 letters and digits').optional(),
    welcome: WecomWelcomeConfig.optional(),
    /** Track event ingested for each new customer (properties userid, external_userid, state…). */
    contact_event: z.string().min(1).max(200).default('WeCom Contact Added'),
    /** Track event ingested when a customer and an employee stop being contacts. */
    contact_deleted_event: z.string().min(1).max(200).default('WeCom Contact Deleted'),
    /**
     * Cron (workspace time zone) of the `messaging.wecom_poll` schedule that reads mass-send results into receipts;
     * default every 15 minutes, null: no schedule (poll with the API or a job of your own).
     */
    results_poll_cron: z
      .string()
      .max(100)
      .refine((c) => cronError(c.trim()) === null, { message: 'not a valid cron pattern' })
      .nullable()
      .optional(),
  })
  .strict()
  .refine((c) => Boolean(c.callback_token) === Boolean(c.encoding_aes_key), {
    message: 'callback_token and encoding_aes_key are configured together',
    path: ['encoding_aes_key'],
  });
export type WecomConfig = z.infer<typeof WecomConfig>;

/**
 * Address keys a WeCom message reads from `to`: the customer (`wecom_external_userid`, as member identities name it,
 * or `external_userid`) or a customer group (`wecom_chat_id` / `chat_id`), the sending employee (`wecom_sender`,
 * else `wecom_staff_userid`, else the channel's default_sender), and for welcome messages `welcome_code` and
 * `welcome_deadline` (epoch ms).
 */
export const WECOM_ADDRESS_KEYS = ['wecom_external_userid', 'external_userid', 'wecom_chat_id', 'chat_id', 'wecom_sender', 'wecom_staff_userid', 'welcome_code', 'welcome_deadline'] as const;

export interface WecomTarget {
  chatType: 'single' | 'group';
  /** external_userid or chat_id. */
  target: string;
  sender: string | null;
}

/** Who a message goes to and from, or why it cannot be sent. */
export function wecomTarget(cfg: Pick<WecomConfig, 'default_sender'>, to: Record<string, string>): WecomTarget | { code: string; message: string } {
  const sender = to.wecom_sender || to.wecom_staff_userid || cfg.default_sender || null;
  const chat = to.wecom_chat_id || to.chat_id;
  if (chat) {
    // WeCom: "sender … 当类型为发送给客户群时必填".
    if (!sender) return { code: 'sender_missing', message: 'a customer-group message needs the group owner as sender (to.wecom_sender or the channel default_sender)' };
    return { chatType: 'group', target: chat, sender };
  }
  const ext = to.wecom_external_userid || to.external_userid;
  if (!ext) return { code: 'recipient_missing', message: 'the member has no WeCom external_userid' };
  return { chatType: 'single', target: ext, sender };
}

/** `text` and `attachments` of a rendered message as the WeCom APIs take them. */
export function wecomBody(content: OutgoingMessage['content']): { text?: { content: string }; attachments?: unknown[] } | null {
  const text = typeof content.text === 'string' && content.text ? content.text : typeof content.body === 'string' && content.body ? content.body : undefined;
  const attachments = Array.isArray(content.attachments) && content.attachments.length > 0 ? content.attachments.slice(0, 9) : undefined;
  if (!text && !attachments) return null;
  return { ...(text ? { text: { content: text } } : {}), ...(attachments ? { attachments } : {}) };
}

/** One add_msg_template call: one sender, one content, up to the per-task limit of targets. */
export interface MassTask {
  chatType: 'single' | 'group';
  sender: string | null;
  body: { text?: { content: string }; attachments?: unknown[] };
  items: { msg: OutgoingMessage; target: string }[];
}

/**
 * Groups messages into tasks: each task belongs to one employee (WeCom asks that employee to confirm it) and carries
 * one content, so members with the same sender and the same rendered content share a task; large groups are cut
 * at the per-task limit. Messages that cannot be sent come back in `refused`.
 */
export function planMassSend(cfg: Pick<WecomConfig, 'default_sender' | 'max_targets_per_task'>, msgs: OutgoingMessage[]): { tasks: MassTask[]; refused: SendResult[] } {
  const groups = new Map<string, MassTask>();
  const refusedResults: SendResult[] = [];
  for (const m of msgs) {
    const t = wecomTarget(cfg, m.to);
    if ('code' in t) {
      refusedResults.push(refused(m.sendId, t.code, t.message));
      continue;
    }
    const body = wecomBody(m.content);
    if (!body) {
      refusedResults.push(refused(m.sendId, 'content_empty', 'a WeCom message needs text or an attachment'));
      continue;
    }
    const key = JSON.stringify([t.chatType, t.sender ?? '', body]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { chatType: t.chatType, sender: t.sender, body, items: [] }));
    g.items.push({ msg: m, target: t.target });
  }
  const tasks: MassTask[] = [];
  for (const g of groups.values()) {
    const limit = Math.min(cfg.max_targets_per_task, g.chatType === 'group' ? MAX_CHAT_IDS : MAX_EXTERNAL_USERIDS);
    // Count distinct targets per task: two members sharing one external_userid take one slot.
    let current: MassTask | null = null;
    let seen = new Set<string>();
    for (const item of g.items) {
      if (!current || (!seen.has(item.target) && seen.size >= limit)) {
        current = { ...g, items: [] };
        seen = new Set();
        tasks.push(current);
      }
      seen.add(item.target);
      current.items.push(item);
    }
  }
  return { tasks, refused: refusedResults };
}

/** The add_msg_template request body of a task. */
export function massTaskRequest(cfg: Pick<WecomConfig, 'allow_select'>, task: MassTask): Record<string, unknown> {
  const targets = [...new Set(task.items.map((i) => i.target))];
  return {
    chat_type: task.chatType,
    ...(task.chatType === 'single' ? { external_userid: targets } : { chat_id_list: targets }),
    ...(task.sender ? { sender: task.sender } : {}),
    ...(task.chatType === 'group' && cfg.allow_select !== undefined ? { allow_select: cfg.allow_select } : {}),
    ...task.body,
  };
}

/** The provider message id of one member's share of a task: `<msgid>:<external_userid or chat_id>`. */
export const taskMessageId = (msgid: string, target: string) => `${msgid}:${target}`;

const WECOM_EXPLAIN: Record<number, string> = {
  41051: 'the welcome code was used already or the customer has started chatting',
  40096: 'invalid external_userid',
  41048: 'no external contact in the request can receive this message',
  45009: 'call frequency or quota exceeded',
};

async function sendTask(cfg: WecomConfig, task: MassTask, ctx: AdapterContext): Promise<SendResult[]> {
  await ctx.limiter.take(task.items.length);
  // Not idempotent: a timed-out add_msg_template may have created the task, and repeating it would create another.
  const out = await wxCall(ctx, 'wecom', wecomToken(ctx, cfg), {
    base: cfg.base_url,
    path: '/cgi-bin/externalcontact/add_msg_template',
    body: massTaskRequest(cfg, task),
    idempotent: false,
    explain: WECOM_EXPLAIN,
  });
  if (!out.ok) return task.items.map(({ msg }) => ({ sendId: msg.sendId, status: 'failed', error: out.error }));
  const msgid = rawField(out.text, 'msgid', out.json);
  if (!msgid) return task.items.map(({ msg }) => ({ sendId: msg.sendId, status: 'failed', error: { code: 'wecom.bad_answer', message: 'add_msg_template returned no msgid', retryable: false } }));
  const failed = new Set<string>(Array.isArray(out.json.fail_list) ? out.json.fail_list.map(String) : []);
  return task.items.map(({ msg, target }) =>
    failed.has(target)
      ? {
          sendId: msg.sendId,
          status: 'failed' as const,
          error: { code: 'wecom.fail_list', message: `WeCom left ${target} out of task ${msgid} (not a contact of the sender, or no longer reachable)`, retryable: false },
        }
      : { sendId: msg.sendId, status: 'sent' as const, providerMessageId: taskMessageId(msgid, target) },
  );
}

/** The welcome message of a new customer: send_welcome_msg with the event's welcome code, before its deadline. */
async function sendWelcome(cfg: WecomConfig, m: OutgoingMessage, ctx: AdapterContext): Promise<SendResult> {
  const body = wecomBody(m.content);
  if (!body) return refused(m.sendId, 'content_empty', 'a welcome message needs text or an attachment');
  const deadline = Number(m.to.welcome_deadline) || Date.now() + WELCOME_WINDOW_MS - 2_000;
  if (deadline <= Date.now()) return refused(m.sendId, 'welcome_expired', 'the welcome code expired before the message could be sent');
  const out = await wxCall(ctx, 'wecom', wecomToken(ctx, cfg), {
    base: cfg.base_url,
    path: '/cgi-bin/externalcontact/send_welcome_msg',
    body: { welcome_code: m.to.welcome_code, ...body },
    // The code is single-use: a repeat after an unknown outcome fails with 41051 and cannot send twice.
    idempotent: true,
    deadline,
    explain: WECOM_EXPLAIN,
  });
  if (!out.ok) return { sendId: m.sendId, status: 'failed', error: out.error };
  const ext = m.to.wecom_external_userid || m.to.external_userid;
  return { sendId: m.sendId, status: 'sent', providerMessageId: `welcome:${ext ?? m.to.welcome_code}` };
}

async function send(cfg: WecomConfig, msgs: OutgoingMessage[], ctx: AdapterContext): Promise<SendResult[]> {
  const welcome = msgs.filter((m) => m.to.welcome_code);
  const mass = msgs.filter((m) => !m.to.welcome_code);
  const { tasks, refused: refusedResults } = planMassSend(cfg, mass);
  const [welcomed, sent] = await Promise.all([
    mapLimit(welcome, ctx.options.concurrency, (m) => sendWelcome(cfg, m, ctx)),
    mapLimit(tasks, ctx.options.concurrency, (t) => sendTask(cfg, t, ctx)),
  ]);
  return [...welcomed, ...sent.flat(), ...refusedResults];
}

export const wecomAdapter: ProviderAdapter<WecomConfig> = {
  type: 'wecom',
  configSchema: WecomConfig,
  secretFields: ['corp_secret', 'callback_token', 'encoding_aes_key'],
  send,
  test: (cfg, ctx): Promise<ChannelTestResult> => tokenTest(ctx, wecomToken(ctx, cfg)),
};
