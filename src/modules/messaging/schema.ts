// Request validation for messaging: channel configs, one-off sends, receipts and send listings (zod, strict).
import { z } from 'zod';
import { MESSAGING_CHANNEL_TYPES } from './types.ts';
import { pageLimit } from '../../core/pagination.ts';

export const ChannelType = z.enum(MESSAGING_CHANNEL_TYPES);

const optionFields = {
  timeout_ms: z.number().int().min(10).max(120_000),
  retries: z.number().int().min(0).max(10),
  backoff_ms: z.number().int().min(0).max(60_000),
  max_backoff_ms: z.number().int().min(0).max(300_000),
  rate_limit_per_second: z.number().positive().max(1_000_000).nullable(),
  concurrency: z.number().int().min(1).max(256),
  batch_size: z.number().int().min(1).max(10_000),
};

/** Common send options; every field has a default, so `{}` is a valid options object. */
export const ChannelOptionsSchema = z
  .object({
    timeout_ms: optionFields.timeout_ms.default(10_000),
    retries: optionFields.retries.default(2),
    backoff_ms: optionFields.backoff_ms.default(500),
    max_backoff_ms: optionFields.max_backoff_ms.default(30_000),
    rate_limit_per_second: optionFields.rate_limit_per_second.default(null),
    concurrency: optionFields.concurrency.default(16),
    batch_size: optionFields.batch_size.default(500),
  })
  .strict();

/** Options in a request: only the given fields change (no defaults here, or they would overwrite stored values). */
const ChannelOptionsInput = z.object(optionFields).partial().strict();

const channelName = z.string().trim().min(1).max(100);

export const ChannelCreate = z
  .object({
    name: channelName,
    type: ChannelType,
    /** Provider settings; validated by the type's adapter. Secret fields are stored and never returned. */
    config: z.record(z.string(), z.unknown()),
    options: ChannelOptionsInput.optional(),
    enabled: z.boolean().default(true),
  })
  .strict();
export type ChannelCreate = z.infer<typeof ChannelCreate>;

/** PUT: creates the channel named by the path (when it is no id) or replaces the existing one's settings. */
export const ChannelPut = z
  .object({
    name: channelName.optional(),
    type: ChannelType,
    /** Secret fields left out or sent as "***" keep their stored value. */
    config: z.record(z.string(), z.unknown()),
    options: ChannelOptionsInput.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type ChannelPut = z.infer<typeof ChannelPut>;

export const ChannelParam = z.object({ ref: z.string().min(1).max(200) }).strict();
export const ReceiptParam = z.object({ channelId: z.string().min(1).max(200) }).strict();

const addresses = z.record(z.string().min(1).max(64), z.string().max(2000));

/** Content of a message: the rendered template, per channel (RenderedContent). */
export const ContentSchema = z.record(z.string(), z.unknown());

export const ChannelTestBody = z.object({ to: addresses.optional() }).strict();

export const SendBody = z
  .object({
    channel: z.string().min(1).max(200),
    member: z.string().min(1).max(600),
    content: ContentSchema,
    /** Addresses to use instead of (or on top of) the member's own phone, email and identities. */
    to: addresses.optional(),
    /** At most one send per (source_key, member); default a fresh `oneoff:<id>`. */
    source_key: z.string().min(1).max(300).optional(),
  })
  .strict();
export type SendBody = z.infer<typeof SendBody>;

export const RECEIPT_TYPES = ['delivered', 'failed', 'opened', 'clicked', 'bounced', 'unsubscribed'] as const;
export type ReceiptType = (typeof RECEIPT_TYPES)[number];

export const ReceiptEvent = z
  .object({
    /** The provider's event id (dedupes re-posted receipts); default a hash of the event. */
    id: z.string().min(1).max(200).optional(),
    type: z.enum(RECEIPT_TYPES),
    /** Siyu's send id (`msg_…`: the Idempotency-Key / Message-ID the provider got) … */
    send_id: z.string().min(1).max(200).optional(),
    /** … or the provider's own message id returned when the message was accepted. */
    provider_message_id: z.string().min(1).max(300).optional(),
    /** When it happened (ISO 8601); default: when Siyu received it. */
    time: z.string().datetime({ offset: true }).optional(),
    error: z.object({ code: z.string().max(200).optional(), message: z.string().max(2000).optional() }).passthrough().optional(),
    /** The clicked link. */
    url: z.string().max(4000).optional(),
  })
  .passthrough()
  .refine((e) => e.send_id || e.provider_message_id, { message: 'each receipt needs send_id or provider_message_id', path: ['send_id'] });
export type ReceiptEvent = z.infer<typeof ReceiptEvent>;

export const ReceiptBody = z.union([z.object({ events: z.array(ReceiptEvent).min(1).max(10_000) }).passthrough(), ReceiptEvent]);

export const SEND_STATES = ['pending', 'sending', 'sent', 'failed', 'delivered', 'opened', 'clicked'] as const;
export type SendState = (typeof SEND_STATES)[number];

export const SendsQuery = z
  .object({
    source_key: z.string().min(1).max(300).optional(),
    member: z.string().min(1).max(600).optional(),
    state: z.enum(SEND_STATES).optional(),
    channel: z.string().min(1).max(200).optional(),
    limit: pageLimit(100, 1000),
    cursor: z.string().min(1).max(300).optional(),
  })
  .strict();
export type SendsQuery = z.infer<typeof SendsQuery>;

export const MemberMessagesQuery = SendsQuery.omit({ member: true, source_key: true });
export const MemberParam = z.object({ ref: z.string().min(1).max(600) }).strict();
export const SendParam = z.object({ id: z.string().min(1).max(200) }).strict();
