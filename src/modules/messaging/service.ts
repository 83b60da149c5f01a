// Messaging: channel configs per workspace (secrets never returned), at-most-once sends through provider adapters,
// delivery receipts, and the send ledger's views (by source, member, state; the member 360 `messages` section).
import type { Registry } from 'prom-client';
import { SiyuError, invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Store } from '../../store/port.ts';
import { publicChannel, resolveConfig, resolveOptions, type PublicChannel } from './channel-config.ts';
import { channelRepo, type ChannelRow } from './channel-repo.ts';
import { eventRepo } from './event-repo.ts';
import { createMessagingMetrics, type MessagingMetrics } from './metrics.ts';
import { defaultProviders, type ProviderRegistry } from './providers/registry.ts';
import { RateLimiter } from './rate-limiter.ts';
import { foldReceipts, normaliseReceipt } from './receipts.ts';
import { inboundId, inboundRepo, type InboundItem, type InboundListener } from './inbound.ts';
import type { ChannelCreate, ChannelPut, ReceiptEvent, SendsQuery } from './schema.ts';
import { sendRepo } from './send-repo.ts';
import { sendBatch, type SendInput, type SendOptions, type SendReport } from './sender.ts';
import { TokenCache, sqlTokenStore } from './token-cache.ts';
import type { AdapterContext, ChannelTestResult, MessagingLog, ProviderAdapter, RenderedContent } from './types.ts';

const SILENT: MessagingLog = { debug() {}, warn() {} };

export interface MessagingDeps {
  store: Store;
  /** The app's Prometheus registry (metrics are registered once per service). */
  registry: Registry;
  /** The surviving member id of a ref (400/404 like the members API). */
  resolveMember(ws: string, ref: string): Promise<string>;
  /** A member's addresses from their profile: phone, email and one value per identity type. */
  addressesOf(ws: string, memberId: string): Promise<Record<string, string>>;
  fetch?: typeof fetch;
  log?: MessagingLog;
  providers?: ProviderRegistry;
}

/** The member 360 `messages` section. */
export interface MessagesProfile {
  total: number;
  /** Reached the provider (sent, delivered, opened or clicked). */
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  failed: number;
  /** Pending or being sent. */
  in_progress: number;
  last_sent_at: string | null;
  by_channel_type: Record<string, number>;
}

export class MessagingService {
  readonly providers: ProviderRegistry;
  readonly tokens: TokenCache;
  readonly metrics: MessagingMetrics;
  private readonly channels = channelRepo;
  private readonly sends;
  private readonly events;
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly unsubscribeListeners: UnsubscribeListener[] = [];
  private readonly inboundListeners: InboundListener[] = [];
  private readonly channelListeners: ChannelListener[] = [];
  private readonly log: MessagingLog;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly deps: MessagingDeps) {
    this.providers = deps.providers ?? defaultProviders();
    this.tokens = new TokenCache({ store: sqlTokenStore(deps.store) });
    this.metrics = createMessagingMetrics(deps.registry);
    this.sends = sendRepo(deps.store);
    this.events = eventRepo(deps.store);
    this.log = deps.log ?? SILENT;
    this.fetchFn = deps.fetch ?? globalThis.fetch;
  }

  /** Adds (or replaces) the adapter of a channel type, e.g. WeCom or WeChat from their own module. */
  registerProvider(adapter: ProviderAdapter): void {
    this.providers.register(adapter);
  }

  // ---- channels ----------------------------------------------------------------------------------------------

  /** Secret fields of a type; for a type whose adapter is not installed, every key that looks like a secret. */
  private secretFields(c: ChannelRow): string[] {
    if (this.providers.has(c.type)) return this.providers.get(c.type).secretFields;
    return Object.keys(c.config).filter((k) => /secret|password|key|token/i.test(k));
  }

  private view(c: ChannelRow): PublicChannel {
    return publicChannel(c, this.secretFields(c));
  }

  private async row(ws: string, ref: string): Promise<ChannelRow> {
    const c = await this.channels.find(this.deps.store, ws, ref);
    if (!c) throw notFound('messaging.channel_not_found', `No messaging channel ${ref}`, 'channel');
    return c;
  }

  async listChannels(ws: string): Promise<PublicChannel[]> {
    return (await this.channels.list(this.deps.store, ws)).map((c) => this.view(c));
  }

  async getChannel(ws: string, ref: string): Promise<PublicChannel> {
    return this.view(await this.row(ws, ref));
  }

  async createChannel(ws: string, body: ChannelCreate): Promise<PublicChannel> {
    const adapter = this.providers.get(body.type);
    const now = new Date().toISOString();
    const row: ChannelRow = {
      workspace_id: ws,
      id: newId('mch'),
      type: body.type,
      name: body.name,
      config: resolveConfig(adapter, body.config),
      options: resolveOptions(body.options),
      enabled: body.enabled,
      created_at: now,
      updated_at: now,
    };
    await this.deps.store.transaction(async (tx) => {
      if (await this.channels.find(tx, ws, body.name)) throw new SiyuError('duplicate', 'messaging.channel_exists', `A messaging channel named ${body.name} exists`, { field: 'name' });
      await this.channels.insert(tx, row);
    });
    await this.channelChanged(row, false);
    return this.view(row);
  }

  /**
   * Creates the channel `ref` names (when no channel has that id or name) or replaces an existing one's type,
   * config, options and enabled flag; secret fields sent as `"***"` or left out keep their stored values.
   */
  async upsertChannel(ws: string, ref: string, body: ChannelPut): Promise<{ channel: PublicChannel; created: boolean }> {
    const existing = await this.channels.find(this.deps.store, ws, ref);
    if (!existing) {
      if (/^mch_/.test(ref) && !body.name) throw notFound('messaging.channel_not_found', `No messaging channel ${ref}`, 'channel');
      const channel = await this.createChannel(ws, { name: body.name ?? ref, type: body.type, config: body.config, options: body.options, enabled: body.enabled ?? true });
      return { channel, created: true };
    }
    const adapter = this.providers.get(body.type);
    const name = body.name ?? existing.name;
    const row: ChannelRow = {
      ...existing,
      type: body.type,
      name,
      config: resolveConfig(adapter, body.config, body.type === existing.type ? existing.config : undefined),
      options: resolveOptions(body.options, existing.options),
      enabled: body.enabled ?? existing.enabled,
      updated_at: new Date().toISOString(),
    };
    await this.deps.store.transaction(async (tx) => {
      if (name !== existing.name) {
        const clash = await this.channels.find(tx, ws, name);
        if (clash && clash.id !== existing.id) throw new SiyuError('duplicate', 'messaging.channel_exists', `A messaging channel named ${name} exists`, { field: 'name' });
      }
      await this.channels.update(tx, row);
    });
    this.limiters.delete(existing.id);
    await this.providers.get(existing.type).close?.(existing.id);
    await this.channelChanged(row, false);
    return { channel: this.view(row), created: false };
  }

  async deleteChannel(ws: string, ref: string): Promise<void> {
    const c = await this.row(ws, ref);
    await this.channels.delete(this.deps.store, ws, c.id);
    this.limiters.delete(c.id);
    if (this.providers.has(c.type)) await this.providers.get(c.type).close?.(c.id);
    await this.channelChanged(c, true);
  }

  /**
   * Adds a listener told after a channel is created, replaced or deleted (e.g. WeCom keeps its polling schedule).
   * A failing listener is logged; the channel change stands.
   */
  onChannelChange(fn: ChannelListener): void {
    this.channelListeners.push(fn);
  }

  private async channelChanged(c: ChannelRow, deleted: boolean): Promise<void> {
    for (const fn of this.channelListeners) await fn(c, deleted).catch((err) => this.log.warn({ err, channel: c.id }, 'messaging: channel listener failed'));
  }

  /** What adapters get for one channel: its options, throttle, tokens, fetch and log. */
  private contextOf(c: ChannelRow): AdapterContext {
    let limiter = this.limiters.get(c.id);
    if (!limiter || limiter.perSecond !== c.options.rate_limit_per_second) {
      limiter = new RateLimiter(c.options.rate_limit_per_second);
      this.limiters.set(c.id, limiter);
    }
    return { workspaceId: c.workspace_id, channelId: c.id, options: c.options, fetch: this.fetchFn, tokens: this.tokens, limiter, log: this.log };
  }

  /** Checks a channel: a signed ping (webhook), an SMTP login (email), or a test message to `to`. */
  async testChannel(ws: string, ref: string, to?: Record<string, string>): Promise<ChannelTestResult> {
    const c = await this.row(ws, ref);
    const adapter = this.providers.get(c.type);
    if (!adapter.test) return { ok: true, checked: 'config', latency_ms: 0, detail: 'this channel type has no live check; its config is valid' };
    return adapter.test(c.config, this.contextOf(c), to);
  }

  // ---- sends -------------------------------------------------------------------------------------------------

  /**
   * Sends one message per member under `sourceKey`, at most once per (sourceKey, member) ever: see sender.ts for
   * the protocol. Members whose earlier send of this source is done come back `skipped`; ones another live claim
   * holds come back `in_flight` (send again after their lease to finish them).
   */
  async send(ws: string, channelRef: string, msgs: SendInput[], sourceKey: string, opts: SendOptions = {}): Promise<SendReport> {
    if (!sourceKey || sourceKey.length > 300) throw invalid('messaging.source_key_invalid', 'source_key must be 1 to 300 characters', 'source_key');
    const channel = await this.row(ws, channelRef);
    if (!channel.enabled) throw new SiyuError('conflict', 'messaging.channel_disabled', `Messaging channel ${channel.name} is disabled`, { field: 'channel' });
    const adapter = this.providers.get(channel.type);
    return sendBatch({ store: this.deps.store, metrics: this.metrics, adapter, channel, ctx: this.contextOf(channel) }, sourceKey, msgs, opts);
  }

  /**
   * Records the planned audience of a source as `pending` rows (members already planned or sent are left alone), so
   * progress can be counted by state before and while sending; `send` later claims them. Returns how many were new.
   */
  async prepare(ws: string, channelRef: string, sourceKey: string, memberIds: string[]): Promise<number> {
    const channel = await this.row(ws, channelRef);
    const now = new Date().toISOString();
    const spec = { ws, sourceKey, channelId: channel.id, channelType: channel.type, now };
    let n = 0;
    for (let i = 0; i < memberIds.length; i += 5000) {
      const rows = [...new Set(memberIds.slice(i, i + 5000))].map((member_id) => ({ id: newId('msg'), member_id }));
      n += await this.sends.insertPending(this.deps.store, spec, rows);
    }
    return n;
  }

  /** Counts of a source's sends by state (a broadcast's progress). */
  async progress(ws: string, sourceKey: string): Promise<Record<string, number>> {
    const rows = await this.deps.store.query<{ state: string; n: number }>('SELECT state, count(*) AS n FROM message_sends WHERE workspace_id = $1 AND source_key = $2 GROUP BY state', [ws, sourceKey]);
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  /** A one-off send to one member by ref, with the member's own addresses (overridable by `to`). */
  async sendOne(ws: string, input: { channel: string; member: string; content: Record<string, unknown>; to?: Record<string, string>; source_key?: string }) {
    const channel = await this.row(ws, input.channel);
    const memberId = await this.deps.resolveMember(ws, input.member);
    const to = { ...(await this.deps.addressesOf(ws, memberId)), ...(input.to ?? {}) };
    const sourceKey = input.source_key ?? `oneoff:${newId('one')}`;
    const content = { channel: channel.type, ...input.content } as RenderedContent;
    const report = await this.send(ws, channel.id, [{ memberId, to, content }], sourceKey);
    return { ...report.results[0], source_key: sourceKey, channel_id: report.channel_id };
  }

  /** A page of sends, newest first; filter by source, member ref, state or channel. */
  async listSends(ws: string, q: SendsQuery) {
    const memberId = q.member ? await this.deps.resolveMember(ws, q.member) : undefined;
    const channelId = q.channel ? (await this.row(ws, q.channel)).id : undefined;
    const before = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await this.sends.page(this.deps.store, ws, { sourceKey: q.source_key, memberId, state: q.state, channelId, before, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    return { data: page, next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1].id) : null };
  }

  /** One send with its receipts. */
  async getSend(ws: string, id: string) {
    const row = await this.sends.byId(this.deps.store, ws, id);
    if (!row) throw notFound('messaging.send_not_found', `No message send ${id}`, 'id');
    const events = await this.events.ofSends(this.deps.store, ws, [id]);
    return { ...row, events: events.map(({ send_id: _, ...e }) => e) };
  }

  /** A member's messages, newest first, each with its receipts. */
  async memberMessages(ws: string, ref: string, q: Omit<SendsQuery, 'member' | 'source_key'>) {
    const memberId = await this.deps.resolveMember(ws, ref);
    const page = await this.listSends(ws, { ...q, member: `${memberId}` });
    const events = await this.events.ofSends(this.deps.store, ws, page.data.map((r) => r.id));
    const bySend = new Map<string, unknown[]>();
    for (const { send_id, ...e } of events) bySend.set(send_id, [...(bySend.get(send_id) ?? []), e]);
    return { member_id: memberId, data: page.data.map((r) => ({ ...r, events: bySend.get(r.id) ?? [] })), next_cursor: page.next_cursor };
  }

  /** The member 360 `messages` section: counts by outcome and channel type, and the last send time. */
  async profileSection(ws: string, memberId: string): Promise<MessagesProfile> {
    const rows = await this.sends.memberSummary(this.deps.store, ws, memberId);
    const p: MessagesProfile = { total: 0, sent: 0, delivered: 0, opened: 0, clicked: 0, failed: 0, in_progress: 0, last_sent_at: null, by_channel_type: {} };
    for (const r of rows) {
      const n = Number(r.n);
      p.total += n;
      p.by_channel_type[r.channel_type] = (p.by_channel_type[r.channel_type] ?? 0) + n;
      if (r.state === 'failed') p.failed += n;
      else if (r.state === 'pending' || r.state === 'sending') p.in_progress += n;
      else {
        p.sent += n;
        if (r.state !== 'sent') p.delivered += n;
        if (r.state === 'opened' || r.state === 'clicked') p.opened += n;
        if (r.state === 'clicked') p.clicked += n;
      }
      if (r.last_sent_at && (!p.last_sent_at || r.last_sent_at > p.last_sent_at)) p.last_sent_at = r.last_sent_at;
    }
    return p;
  }

  // ---- receipts ----------------------------------------------------------------------------------------------

  /** The channel a receipt URL names and the secret its receipts must be signed with (null: receipts refused). */
  async receiptTarget(channelId: string): Promise<{ channel: ChannelRow; secret: string | null } | null> {
    const c = await this.channels.byId(this.deps.store, channelId);
    if (!c) return null;
    const adapter = this.providers.has(c.type) ? this.providers.get(c.type) : undefined;
    const secret = adapter?.receiptSecret?.(c.config) ?? (typeof c.config.receipt_secret === 'string' ? c.config.receipt_secret : undefined);
    return { channel: c, secret: secret ?? null };
  }

  /**
   * Records delivery receipts of one channel: each is stored once (by the provider's event id or a hash of it),
   * matched to its send by send id or provider message id, and moves the send's state forward.
   */
  async recordReceipt(ws: string, channelId: string, events: ReceiptEvent[]) {
    const channel = await this.row(ws, channelId);
    const receivedAt = new Date().toISOString();
    const receipts = events.map((e) => normaliseReceipt(channel.id, e, receivedAt));
    const sendIds = [...new Set(receipts.flatMap((r) => (r.send_id ? [r.send_id] : [])))];
    const providerIds = [...new Set(receipts.flatMap((r) => (!r.send_id && r.provider_message_id ? [r.provider_message_id] : [])))];
    return this.deps.store.transaction(async (tx) => {
      const matched = await this.events.matchSends(tx, ws, channel.id, sendIds, providerIds);
      const byId = new Map(matched.map((m) => [m.id, m]));
      const byProvider = new Map(matched.flatMap((m) => (m.provider_message_id ? [[m.provider_message_id, m] as const] : [])));
      const rows = receipts.map((r) => {
        const m = r.send_id ? byId.get(r.send_id) : byProvider.get(r.provider_message_id ?? '');
        return { ...r, send_id: m?.id ?? r.send_id, member_id: m?.member_id ?? null, matched: Boolean(m) };
      });
      const inserted = await this.events.insertEvents(tx, ws, channel.id, receivedAt, rows);
      await this.events.applyPatches(tx, ws, receivedAt, foldReceipts(rows.filter((r) => r.matched).map((r) => ({ sendId: r.send_id!, r }))));
      const unsubscribed = rows.filter((r) => r.matched && r.type === 'unsubscribed' && r.member_id)
        .map((r) => ({ memberId: r.member_id!, channelType: channel.type, at: r.occurred_at, detail: `receipt ${channel.id}:${r.send_id}` }));
      tx.afterEnd((ok) => {
        if (ok) for (const r of rows) this.metrics.receipts.inc({ channel: channel.id, channel_type: channel.type, type: r.type });
        if (ok && unsubscribed.length > 0) for (const fn of this.unsubscribeListeners) void fn(ws, unsubscribed).catch((e) => this.log.warn({ err: e }, 'messaging: unsubscribe listener failed'));
      });
      const unmatched = rows.filter((r) => !r.matched).map((r) => r.send_id ?? r.provider_message_id);
      return { received: rows.length, recorded: inserted, duplicates: rows.length - inserted, unmatched };
    });
  }

  /**
   * Messages members sent to channel `channelRef` (an SMS reply, an official-account text, a WeCom 微信客服 message):
   * each is stored once per provider id, and the new ones go to the inbound listeners (consent matches unsubscribe
   * keywords). Returns how many were new and what the listeners answered.
   * @example await messaging.receiveInbound(ws, 'sms-main', [{ id: 'mo_1', from: '13900000001', text: '退订' }])
   */
  async receiveInbound(ws: string, channelRef: string, items: InboundItem[]): Promise<{ received: number; recorded: number; duplicates: number; results: unknown[] }> {
    const channel = await this.row(ws, channelRef);
    const now = new Date().toISOString();
    const rows = items.map((i) => {
      const at = i.at ? new Date(i.at).toISOString() : now;
      return { ...i, at, id: i.id ?? inboundId({ from: i.from, text: i.text, at: i.at }) };
    });
    const fresh = await inboundRepo(this.deps.store).insertNew(this.deps.store, ws, channel.id, channel.type, now, rows);
    const stored = rows.filter((r) => fresh.has(r.id));
    const results: unknown[] = [];
    if (stored.length > 0) {
      try {
        for (const fn of this.inboundListeners) results.push(...(await fn({ workspaceId: ws, channelId: channel.id, channelType: channel.type, items: stored })));
      } catch (err) {
        // Not acted on: forget them, so the provider's next push (or a retry) is not taken for a repeat.
        await inboundRepo(this.deps.store).forget(this.deps.store, ws, channel.id, stored.map((r) => r.id)).catch(() => undefined);
        throw err;
      }
    }
    return { received: rows.length, recorded: stored.length, duplicates: rows.length - stored.length, results };
  }

  /** Adds a listener for newly received inbound messages (consent: unsubscribe keywords); what it returns is reported. */
  onInbound(fn: InboundListener): void {
    this.inboundListeners.push(fn);
  }

  /** Called after commit with the members a provider receipt reports as unsubscribed (consent records them). */
  onUnsubscribed(fn: UnsubscribeListener): void {
    this.unsubscribeListeners.push(fn);
  }

  /** Closes pooled provider connections (SMTP). */
  async close(): Promise<void> {
    for (const a of this.providers.all()) await a.close?.();
  }
}

type ChannelListener = (channel: ChannelRow, deleted: boolean) => Promise<unknown>;

type UnsubscribeListener = (ws: string, items: { memberId: string; channelType: string; at: string; detail: string }[]) => Promise<unknown>;

function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ id }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v && typeof v.id === 'string' && /^msg_[0-9A-Z]+$/.test(v.id)) return v.id;
  } catch {
    // fall through to the typed error
  }
  throw invalid('messaging.invalid_cursor', 'cursor is not a sends cursor returned by this API', 'cursor');
}
