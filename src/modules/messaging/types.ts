// The messaging contracts: channel types, the content a send carries, provider adapters and their results.
import type { ZodType } from 'zod';
import type { RenderedContent } from '../templates/service.ts';
import type { TokenCache } from './token-cache.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** Every messaging channel type; adapters for `wecom`, `wechat_oa` and `miniprogram` are registered by their module. */
export const MESSAGING_CHANNEL_TYPES = ['webhook', 'email', 'sms', 'wecom', 'wechat_oa', 'miniprogram', 'app_push'] as const;
export type MessagingChannelType = (typeof MESSAGING_CHANNEL_TYPES)[number];

/**
 * The content of one message, as the templates module renders it (one shape per channel type). Which keys each
 * adapter reads: email subject/html/text; sms text (or body), template_id and data for template SMS; app_push
 * title, body, deep_link, data; webhook sends the whole object (or, with format "raw", `body` verbatim).
 */
export type { RenderedContent };

/** One message handed to an adapter. */
export interface OutgoingMessage {
  /** The message_sends row id (`msg_…`): the provider idempotency key, stable across retries. */
  sendId: string;
  memberId: string;
  /** Addresses of the member: phone, email, openid, wecom_external_userid, device_token… */
  to: Record<string, string>;
  content: RenderedContent;
  /** Where the send came from (`broadcast:<id>`, `journey:<id>:step:<step>`…), for the provider's records. */
  sourceKey?: string;
  /** 1 for the first claim; higher when a row left `sending` is sent again. */
  attempt?: number;
}

/** Why a message failed; `retryable` errors (timeouts, 5xx, throttling) may succeed later, others never will. */
export interface ProviderError {
  code: string;
  message: string;
  retryable: boolean;
}

export interface SendResult {
  sendId: string;
  status: 'sent' | 'failed';
  providerMessageId?: string;
  error?: ProviderError;
}

/** Send options every channel has (timeouts, retries, throttling, batching). */
export interface ChannelOptions {
  /** Per request (or SMTP command) timeout. */
  timeout_ms: number;
  /** Retries after the first attempt, on retryable errors only. */
  retries: number;
  /** First backoff; doubles each retry (with jitter), capped by max_backoff_ms. */
  backoff_ms: number;
  max_backoff_ms: number;
  /** Most messages per second this process hands to the provider; null: unlimited. */
  rate_limit_per_second: number | null;
  /** Requests in flight at once. */
  concurrency: number;
  /** Messages per POST in the webhook's batch mode. */
  batch_size: number;
}

/** A minimal logger (pino-compatible) adapters may write to. */
export interface MessagingLog {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** What an adapter gets besides its config and the messages. */
export interface AdapterContext {
  workspaceId: string;
  channelId: string;
  options: ChannelOptions;
  /** fetch to call providers with (injectable for tests). */
  fetch: typeof fetch;
  /** Per-process access-token cache (single-flight refresh, expiry margin), optionally backed by the store. */
  tokens: TokenCache;
  /** The channel's throttle: `await limiter.take(n)` before handing n messages to the provider. */
  limiter: RateLimiter;
  log: MessagingLog;
}

/** Result of a channel test (`siyu messaging channels test`). */
export interface ChannelTestResult {
  ok: boolean;
  /** What was checked: `ping` (a signed test request), `smtp` (connection and login), `message`, `config`. */
  checked: string;
  latency_ms: number;
  detail?: string;
  error?: ProviderError;
}

/**
 * A provider: validates its config, names its secret fields, and sends batches of messages. `send` must return
 * one result per message and must not throw for provider failures (classify them instead).
 */
export interface ProviderAdapter<Cfg = any> {
  type: MessagingChannelType;
  configSchema: ZodType<Cfg>;
  /** Top-level config keys never returned by the API (shown as `"***"`). */
  secretFields: string[];
  send(cfg: Cfg, msgs: OutgoingMessage[], ctx: AdapterContext): Promise<SendResult[]>;
  /** Checks the channel without a member: a signed ping, an SMTP login, or a test message to `to`. */
  test?(cfg: Cfg, ctx: AdapterContext, to?: Record<string, string>): Promise<ChannelTestResult>;
  /** The secret receipts to this channel are signed with, when it has one. */
  receiptSecret?(cfg: Cfg): string | undefined;
  /** Releases pooled connections of one channel (config changed or deleted) or of all (channelId undefined). */
  close?(channelId?: string): Promise<void>;
}
