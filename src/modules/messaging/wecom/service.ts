// WeCom and WeChat callbacks and the work they start: URL verification, signature checks and decryption; on a new
// WeCom customer, the contact event ingested (identity, segments, journeys follow) and the welcome message sent
// inline within WeCom's 20-second window; official-account template results as receipts and follows as events;
// members' texts (official-account messages, WeCom 微信客服 via kf/sync_msg) to the inbound listeners (consent);
// and the scheduled polling (one schedule per WeCom channel) that turns mass-send tasks into delivery receipts.
import { SiyuError, invalid, notFound } from '../../../core/errors.ts';
import { channelRepo, type ChannelRow } from '../channel-repo.ts';
import { WechatOaConfig, wechatOaAdapter } from '../providers/wechat-oa.ts';
import { pollGroupMessages as pollTasks, type PollOutcome } from '../providers/wecom-groupmsg.ts';
import { WecomConfig } from '../providers/wecom.ts';
import { RateLimiter } from '../rate-limiter.ts';
import type { ReceiptEvent } from '../schema.ts';
import type { AdapterContext, MessagingLog, OutgoingMessage } from '../types.ts';
import { CallbackCrypto, CallbackCryptoError, signatureMatches } from './crypto.ts';
import { contactMessages, followMessage, internalContext } from './ingest-messages.ts';
import { ADD_CHANGE_TYPES, DELETE_CHANGE_TYPES, readCallbackEvent, templateResultReceipt, type KfMessageEvent, type WecomContactEvent } from './events.ts';
import type { InboundItem } from '../inbound.ts';
import { wecomToken, wxCall } from '../providers/wx-api.ts';
import { syncKfMessages } from './kf-sync.ts';
import { wecomRepo } from './repo.ts';
import type { CallbackOutcome, CallbackQuery, ChatEventHook, KfSyncOutcome, OpenedCallback, WecomApi, WecomServiceDeps, WelcomeResolver } from './types.ts';
import { sendWelcome } from './welcome.ts';
import { parseFlatXml } from './xml.ts';

export type * from './types.ts';

/** The job kind that polls a WeCom channel's mass-send tasks: payload `{ channel: "<id or name>" }`. */
export const WECOM_POLL_JOB = 'messaging.wecom_poll';
/**
 * How often a WeCom channel's mass-send results are polled unless its config says otherwise (`results_poll_cron`,
 * null to turn it off): employees confirm their share of a task within hours, and results change until then.
 */
export const DEFAULT_POLL_CRON = '*/15 * * * *';
/** The recurring schedule (jobs module) that polls one WeCom channel's mass-send results. */
export const pollScheduleName = (channelId: string) => `messaging.wecom_poll:${channelId}`;

const SILENT: MessagingLog = { debug() {}, warn() {} };

const refuse = (why: string) => new SiyuError('unauthorized', 'messaging.callback_refused', `Callback refused: ${why}`, { field: 'signature' });

export class WecomService {
  private readonly log: MessagingLog;
  private readonly fetchFn: typeof fetch;
  private readonly welcomeResolvers: WelcomeResolver[] = [];
  private readonly chatHooks: ChatEventHook[] = [];

  constructor(private readonly deps: WecomServiceDeps) {
    this.log = deps.log ?? SILENT;
    this.fetchFn = deps.fetch ?? globalThis.fetch;
    // The official-account adapter with a hook: a send that finds a member no longer following records an unfollow.
    deps.messaging.registerProvider(wechatOaAdapter({ onNotFollowing: (ctx, m, openid, appId) => this.recordUnfollow(ctx, m, openid, appId) }));
    deps.jobs?.register(WECOM_POLL_JOB, async (job) => {
      const channel = (job.payload as { channel?: unknown } | null)?.channel;
      if (typeof channel !== 'string' || !channel) throw invalid('messaging.poll_channel_missing', 'payload.channel names the WeCom channel to poll', 'payload.channel');
      await this.pollGroupMessages(job.workspaceId, channel);
    }, { concurrency: 2, leaseMs: 120_000 });
    // Every WeCom channel gets its results polled on a schedule, kept in step with the channel's config.
    deps.messaging.onChannelChange((c, deleted) => this.keepPollSchedule(c, deleted));
  }

  /** Creates, updates or removes the polling schedule of a WeCom channel (`results_poll_cron`, default every 15 min). */
  private async keepPollSchedule(c: ChannelRow, deleted: boolean): Promise<void> {
    const jobs = this.deps.jobs;
    if (!jobs) return;
    const name = pollScheduleName(c.id);
    const cron = c.type === 'wecom' && !deleted && c.enabled ? (c.config.results_poll_cron === undefined ? DEFAULT_POLL_CRON : (c.config.results_poll_cron as string | null)) : null;
    if (cron) {
      await jobs.schedule(c.workspace_id, { name, cron, kind: WECOM_POLL_JOB, payload: { channel: c.id } });
      return;
    }
    await jobs.deleteSchedule(c.workspace_id, name).catch((e) => {
      if (!(e instanceof SiyuError && e.code === 'schedule.not_found')) throw e;
    });
  }

  // ---- extension points (staff QR codes, community groups) -----------------------------------------------------

  /** Adds a resolver asked (in order) for a new customer's welcome message before the channel's `welcome` config. */
  addWelcomeResolver(fn: WelcomeResolver): void {
    this.welcomeResolvers.push(fn);
  }

  /** Adds a hook run for each customer-group event of a WeCom channel. */
  onChatEvent(fn: ChatEventHook): void {
    this.chatHooks.push(fn);
  }

  /**
   * A caller for other WeCom APIs (联系我, customer groups, …) with the credentials of the WeCom channel `channelRef`
   * (id or name) and the shared token cache.
   * @example const api = await wecom.apiFor(ws, 'wecom-main'); const r = await api.call('/cgi-bin/externalcontact/groupchat/list', { limit: 1000 }, { idempotent: true });
   */
  async apiFor(ws: string, channelRef: string): Promise<WecomApi> {
    const c = await channelRepo.find(this.deps.store, ws, channelRef);
    if (!c) throw notFound('messaging.channel_not_found', `No messaging channel ${channelRef}`, 'channel');
    if (c.type !== 'wecom') throw invalid('messaging.channel_type_invalid', `Channel ${c.name} is ${c.type}; this needs a wecom channel`, 'channel');
    const cfg = WecomConfig.parse(c.config);
    const ctx = this.context(c);
    const token = wecomToken(ctx, cfg);
    return {
      channelId: c.id,
      call: (path, body, opts = {}) => wxCall(ctx, 'wecom', token, { base: cfg.base_url, path, body, method: opts.method ?? (body === undefined ? 'GET' : 'POST'), idempotent: opts.idempotent ?? false }),
    };
  }

  // ---- callbacks ---------------------------------------------------------------------------------------------

  /** A channel that accepts callbacks (WeCom or WeChat official account, with a callback token), else 401. */
  private async target(channelId: string): Promise<ChannelRow> {
    const t = await this.deps.messaging.receiptTarget(channelId);
    const c = t?.channel;
    if (!c || (c.type !== 'wecom' && c.type !== 'wechat_oa')) throw refuse('unknown channel');
    if (typeof c.config.callback_token !== 'string' || !c.config.callback_token) throw refuse('the channel has no callback_token configured');
    return c;
  }

  private cryptoOf(c: ChannelRow): CallbackCrypto {
    const aes = c.config.encoding_aes_key;
    if (typeof aes !== 'string') throw refuse('the channel has no encoding_aes_key configured');
    const receiver = c.type === 'wecom' ? String(c.config.corp_id) : String(c.config.app_id);
    return new CallbackCrypto(String(c.config.callback_token), aes, receiver);
  }

  /**
   * URL verification (GET): WeCom sends an encrypted echostr signed with msg_signature and expects it decrypted;
   * WeChat official accounts sign [token, timestamp, nonce] and expect echostr back as is.
   */
  async verifyUrl(channelId: string, q: CallbackQuery): Promise<string> {
    const c = await this.target(channelId);
    const { timestamp = '', nonce = '', echostr } = q;
    if (!echostr) throw invalid('messaging.callback_echostr_missing', 'echostr is required', 'echostr');
    if (c.type === 'wecom') {
      try {
        return this.cryptoOf(c).verifyUrl(q.msg_signature, timestamp, nonce, echostr);
      } catch (e) {
        if (e instanceof CallbackCryptoError) throw refuse(e.message);
        throw e;
      }
    }
    if (!signatureMatches(q.signature, [String(c.config.callback_token), timestamp, nonce])) throw refuse('signature does not match');
    return echostr;
  }

  /** Checks and decrypts a pushed event (POST); throws 401 before anything is acted on. */
  async open(channelId: string, q: CallbackQuery, body: string): Promise<OpenedCallback> {
    const receivedAt = Date.now();
    const c = await this.target(channelId);
    const { timestamp = '', nonce = '' } = q;
    const outer = parseFlatXml(body);
    let fields: Record<string, string>;
    let xml = body;
    try {
      if (c.type === 'wecom' || q.encrypt_type === 'aes') {
        if (!outer.Encrypt) throw invalid('messaging.callback_invalid', 'the callback body has no Encrypt element', 'body');
        xml = this.cryptoOf(c).decrypt(q.msg_signature, timestamp, nonce, outer.Encrypt);
        fields = parseFlatXml(xml);
      } else {
        // Official account, plain mode: the query signature covers token, timestamp and nonce only.
        if (!signatureMatches(q.signature, [String(c.config.callback_token), timestamp, nonce])) throw refuse('signature does not match');
        fields = outer;
      }
    } catch (e) {
      if (e instanceof CallbackCryptoError) throw refuse(e.message);
      throw e;
    }
    return { channel: c, event: readCallbackEvent(fields, xml), receivedAt };
  }

  /** Acts on a verified callback: ingests events, sends the welcome message, records receipts. */
  async process(o: OpenedCallback): Promise<CallbackOutcome> {
    const e = o.event;
    const c = o.channel;
    if (e.kind === 'contact' && c.type === 'wecom') {
      const cfg = WecomConfig.parse(c.config);
      if (ADD_CHANGE_TYPES.has(e.changeType)) return this.contactAdded(o, cfg, e);
      if (DELETE_CHANGE_TYPES.has(e.changeType)) {
        const ingested = await this.ingestContact(c, cfg.contact_deleted_event, e).then(() => true, (err) => (this.log.warn({ err }, 'WeCom contact event not ingested'), false));
        return { event: e.changeType, ingested };
      }
      return { event: e.changeType };
    }
    if (e.kind === 'chat' && c.type === 'wecom') {
      const results = await Promise.all(
        this.chatHooks.map((h) => h({ workspaceId: c.workspace_id, channel: c, event: e }).catch((err) => (this.log.warn({ err, channel: c.id }, 'customer-group hook failed'), null))),
      );
      return { event: `change_external_chat:${e.changeType}${e.updateDetail ? `:${e.updateDetail}` : ''}`, ...(results.length ? { hooks: results } : {}) };
    }
    if (e.kind === 'kf_msg' && c.type === 'wecom') {
      const inbound = await this.syncKfMessages(c, e);
      return { event: 'kf_msg_or_event', inbound };
    }
    if (c.type === 'wechat_oa') {
      const cfg = WechatOaConfig.parse(c.config);
      if (e.kind === 'text') {
        // A follower's text: stored once per MsgId (the platform repeats unanswered pushes); 退订 / TD revoke consent.
        const item: InboundItem = { from: `${cfg.app_id}:${e.openid}`, text: e.content, at: new Date(e.createTime * 1000).toISOString(), ...(e.msgId ? { id: `oa:${e.msgId}` } : {}) };
        const r = await this.deps.messaging.receiveInbound(c.workspace_id, c.id, [item]);
        return { event: 'text', inbound: r };
      }
      if (e.kind === 'template_result') {
        const r = templateResultReceipt(e.status);
        const receipt: ReceiptEvent = {
          id: `oa:${e.msgId}`,
          type: r.type,
          provider_message_id: e.msgId,
          time: new Date(e.createTime * 1000).toISOString(),
          ...(r.type === 'failed' ? { error: { code: r.code, message: r.message } } : {}),
        } as ReceiptEvent;
        const res = await this.deps.messaging.recordReceipt(c.workspace_id, c.id, [receipt]);
        return { event: 'TEMPLATESENDJOBFINISH', receipts: { received: res.received, recorded: res.recorded } };
      }
      if (e.kind === 'follow' || e.kind === 'unfollow') {
        await this.ingestFollow(c.workspace_id, cfg, e.kind, e.openid, e.createTime * 1000, { ...(e.scene ? { scene: e.scene } : {}), channel_id: c.id });
        return { event: e.kind, ingested: true };
      }
    }
    return { event: e.kind === 'ignored' ? e.event : e.kind };
  }

  /**
   * A new customer: the contact event is ingested first (it creates or finds the member and gives it the
   * external_userid identity), then the welcome message goes out within the budget (see welcome.ts).
   */
  private async contactAdded(o: OpenedCallback, cfg: WecomConfig, e: WecomContactEvent): Promise<CallbackOutcome> {
    const c = o.channel;
    const ws = c.workspace_id;
    let ingested = true;
    await this.ingestContact(c, cfg.contact_event, e).catch((err) => {
      ingested = false;
      this.log.warn({ err, channel: c.id }, 'WeCom contact event not ingested');
    });
    const memberId = await this.deps.identity.findMember(this.deps.store, ws, `wecom_external_userid:${e.externalUserId}`).catch(() => null);
    const deps = { messaging: this.deps.messaging, templates: this.deps.templates, resolvers: this.welcomeResolvers, log: this.log, context: this.context(c) };
    const welcome = await sendWelcome(deps, o, cfg, e, memberId);
    return { event: e.changeType, member_id: memberId, ingested, ...(welcome ? { welcome } : {}) };
  }
  /** The contact change as an identify and a track event (see ingest-messages.ts). */
  private async ingestContact(c: ChannelRow, eventName: string, e: WecomContactEvent): Promise<void> {
    await this.deps.ingest.ingest(c.workspace_id, contactMessages(c.id, eventName, e, internalContext()));
  }

  private async ingestFollow(ws: string, cfg: WechatOaConfig, kind: 'follow' | 'unfollow', openid: string, at: number, properties: Record<string, unknown>, messageId?: string): Promise<void> {
    const eventName = kind === 'follow' ? cfg.follow_event : cfg.unfollow_event;
    await this.deps.ingest.ingest(ws, [followMessage({ appId: cfg.app_id, eventName, kind, openid, at, properties, messageId }, internalContext())]);
  }

  /** 43004 on a template send: the member no longer follows; record it as an unfollow event (reason `send_43004`). */
  private async recordUnfollow(ctx: AdapterContext, m: OutgoingMessage, openid: string, appId: string): Promise<void> {
    const c = await channelRepo.byId(this.deps.store, ctx.channelId);
    if (!c || c.type !== 'wechat_oa') return;
    const cfg = WechatOaConfig.parse(c.config);
    if (cfg.app_id !== appId) return;
    // One event per send: a retried send of the same message does not add another.
    await this.ingestFollow(ctx.workspaceId, cfg, 'unfollow', openid, Date.now(), { reason: 'send_43004', send_id: m.sendId, channel_id: c.id }, `wechat:${cfg.app_id}:unfollow:${openid}:send:${m.sendId}`);
  }

  /** Reads what customers wrote to a 微信客服 account after a notice (see kf-sync.ts). */
  async syncKfMessages(c: ChannelRow, e: Pick<KfMessageEvent, 'token' | 'openKfId'>): Promise<KfSyncOutcome> {
    return syncKfMessages(this.deps, this.context(c), c, e);
  }

  // ---- mass-send receipts ------------------------------------------------------------------------------------

  private context(c: ChannelRow): AdapterContext {
    return { workspaceId: c.workspace_id, channelId: c.id, options: c.options, fetch: this.fetchFn, tokens: this.deps.messaging.tokens, limiter: new RateLimiter(null), log: this.log };
  }

  /**
   * Polls the mass-send tasks of a WeCom channel whose sends are still `sent` (not yet delivered or failed) and
   * records what WeCom reports as receipts. Called by the `messaging.wecom_poll` job on a schedule, or by the API.
   */
  async pollGroupMessages(ws: string, channelRef: string, opts: { maxAgeHours?: number; maxTasks?: number } = {}) {
    const c = await channelRepo.find(this.deps.store, ws, channelRef);
    if (!c) throw notFound('messaging.channel_not_found', `No messaging channel ${channelRef}`, 'channel');
    if (c.type !== 'wecom') throw invalid('messaging.channel_type_invalid', `Channel ${c.name} is ${c.type}; mass-send polling needs a wecom channel`, 'channel');
    const since = new Date(Date.now() - (opts.maxAgeHours ?? 72) * 3_600_000).toISOString();
    const msgids = await wecomRepo.pendingTaskIds(this.deps.store, ws, c.id, since, opts.maxTasks ?? 500);
    const cfg = WecomConfig.parse(c.config);
    const outcomes: PollOutcome[] = msgids.length ? await pollTasks(cfg, this.context(c), msgids) : [];
    const receipts = outcomes.flatMap((o) => o.receipts);
    let recorded = 0;
    for (let i = 0; i < receipts.length; i += 10_000) recorded += (await this.deps.messaging.recordReceipt(ws, c.id, receipts.slice(i, i + 10_000))).recorded;
    return {
      channel_id: c.id,
      tasks: outcomes.length,
      receipts: receipts.length,
      recorded,
      senders_pending: outcomes.reduce((n, o) => n + o.senders_pending.length, 0),
      errors: outcomes.flatMap((o) => (o.error ? [{ msgid: o.msgid, ...o.error }] : [])),
    };
  }
}
