// The shapes the WeCom / WeChat callback service takes and returns, shared by its parts (callbacks, welcome, 微信客服
// sync) and by the modules that extend it (staff QR codes, customer groups).
import type { Store } from '../../../store/port.ts';
import type { IdentityPort } from '../../identity/types.ts';
import type { IngestService } from '../../ingest/service.ts';
import type { JobService } from '../../jobs/service.ts';
import type { TemplateService } from '../../templates/service.ts';
import type { ChannelRow } from '../channel-repo.ts';
import type { WxOutcome } from '../providers/wx-api.ts';
import type { MessagingService } from '../service.ts';
import type { MessagingLog, RenderedContent } from '../types.ts';
import type { CallbackEvent, WecomChatEvent, WecomContactEvent } from './events.ts';

export interface WecomServiceDeps {
  store: Store;
  messaging: MessagingService;
  ingest: IngestService;
  identity: IdentityPort;
  templates?: TemplateService;
  jobs?: JobService;
  fetch?: typeof fetch;
  log?: MessagingLog;
}

/** Query parameters a callback carries (WeCom: msg_signature; WeChat plain mode: signature; safe mode: both). */
export interface CallbackQuery {
  msg_signature?: string;
  signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
  encrypt_type?: string;
  openid?: string;
}

/** A verified, decrypted callback, ready to be acted on. */
export interface OpenedCallback {
  channel: ChannelRow;
  event: CallbackEvent;
  receivedAt: number;
}

export interface WelcomeOutcome {
  status: 'sent' | 'failed' | 'skipped';
  send_id?: string;
  error?: { code: string | null; message: string | null };
  /** From receipt of the event to the provider's answer. */
  elapsed_ms: number;
  /** Whether the send went through the ledger (false: the store failed and the message was sent directly). */
  recorded: boolean;
}

/** What one 微信客服 notice read: pages and messages, customer texts, how many were new, what consent made of them. */
export interface KfSyncOutcome {
  pages: number;
  messages: number;
  texts: number;
  recorded: number;
  results?: unknown[];
  error?: { code: string; message: string };
}

export interface CallbackOutcome {
  event: string;
  /** Inbound messages stored and what consent made of them. */
  inbound?: unknown;
  member_id?: string | null;
  ingested?: boolean;
  welcome?: WelcomeOutcome;
  receipts?: { received: number; recorded: number };
  /** What the customer-group hooks reported. */
  hooks?: unknown[];
}

/**
 * Picks the welcome message of a new customer instead of the channel's `welcome` (e.g. the template of the channel
 * QR code the customer scanned, found by the event's `state`); null: not mine, ask the next one / use the channel's.
 */
export type WelcomeResolver = (ctx: { workspaceId: string; channel: ChannelRow; event: WecomContactEvent; memberId: string | null }) => Promise<RenderedContent | null>;

/** Acts on a customer-group event (`change_external_chat`); what it returns is reported in the callback outcome. */
export type ChatEventHook = (ctx: { workspaceId: string; channel: ChannelRow; event: WecomChatEvent }) => Promise<unknown>;

/** Calls a WeCom API with one channel's credentials and the shared token cache (see `WecomService.apiFor`). */
export interface WecomApi {
  channelId: string;
  /** `POST <base_url><path>` (or GET without a body) with the access token; errcodes become `wecom_<errcode>` errors. */
  call(path: string, body: unknown, opts?: { idempotent?: boolean; method?: 'GET' | 'POST' }): Promise<WxOutcome>;
}
