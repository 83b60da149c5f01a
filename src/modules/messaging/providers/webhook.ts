// Webhook channel: POSTs each message (or batches of messages) as JSON to the brand's endpoint, signed with
// HMAC-SHA256 (`X-Siyu-Signature: t=…,v1=…`), with an Idempotency-Key that stays the same across retries.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { httpCall, type HttpResponseInfo } from '../http-call.ts';
import { mapLimit } from '../rate-limiter.ts';
import { signatureHeader } from '../signature.ts';
import type { AdapterContext, ChannelTestResult, OutgoingMessage, ProviderAdapter, ProviderError, SendResult } from '../types.ts';

export const WebhookConfig = z
  .object({
    url: z.string().url(),
    /** Signs every request; also the default secret of receipts posted back. */
    secret: z.string().min(8).max(500).optional(),
    /** `single`: one POST per message; `batch`: one POST of up to options.batch_size messages. */
    mode: z.enum(['single', 'batch']).default('single'),
    /**
     * `envelope`: `{ id, type, channel_id, source_key, member_id, to, content }`; `raw` (single mode only): the
     * rendered `content.body` verbatim (a webhook template's JSON), with the send in X-Siyu-Send-Id/-Member-Id.
     */
    format: z.enum(['envelope', 'raw']).default('envelope'),
    /** Extra request headers (not secret: they are returned by the API). */
    headers: z.record(z.string(), z.string()).optional(),
    /** Receipts to this channel are signed with this secret instead of `secret`. */
    receipt_secret: z.string().min(8).max(500).optional(),
  })
  .strict()
  .refine((c) => !(c.mode === 'batch' && c.format === 'raw'), { message: 'format "raw" sends one message per request: use mode "single"', path: ['format'] });
export type WebhookConfig = z.infer<typeof WebhookConfig>;

const USER_AGENT = 'Siyu-Webhook/1';

/** The JSON of one message as the endpoint receives it (also an element of a batch's `messages`). */
export function webhookMessage(m: OutgoingMessage, ctx: Pick<AdapterContext, 'channelId'>) {
  return { id: m.sendId, type: 'message', channel_id: ctx.channelId, source_key: m.sourceKey ?? null, member_id: m.memberId, to: m.to, content: m.content };
}

/** A batch's Idempotency-Key: the same messages always make the same key, whatever their order. */
export function batchKey(sendIds: string[]): string {
  return 'batch_' + createHash('sha256').update([...sendIds].sort().join('\n')).digest('hex').slice(0, 40);
}

function headersFor(cfg: WebhookConfig, body: string, key: string, attempt: number): Record<string, string> {
  return {
    ...(cfg.headers ?? {}),
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'idempotency-key': key,
    'x-siyu-attempt': String(attempt),
    ...(cfg.secret ? { 'x-siyu-signature': signatureHeader(cfg.secret, body) } : {}),
  };
}

/** The provider message id an endpoint may return for one message: `{ provider_message_id | message_id | id }`. */
function providerIdOf(json: unknown): string | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  const v = o.provider_message_id ?? o.message_id ?? o.id;
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/**
 * Per-message results of a batch response: `{ results: [{ id, status, provider_message_id?, error? }] }`. Messages
 * the endpoint does not mention were accepted.
 */
function batchResults(msgs: OutgoingMessage[], response: HttpResponseInfo): SendResult[] {
  const listed = new Map<string, Record<string, unknown>>();
  const results = (response.json as { results?: unknown } | undefined)?.results;
  if (Array.isArray(results)) for (const r of results) if (r && typeof r === 'object' && typeof (r as any).id === 'string') listed.set((r as any).id, r as Record<string, unknown>);
  return msgs.map((m) => {
    const r = listed.get(m.sendId);
    if (!r || r.status !== 'failed') return { sendId: m.sendId, status: 'sent', providerMessageId: r ? providerIdOf({ provider_message_id: r.provider_message_id }) : undefined };
    const e = (r.error ?? {}) as Record<string, unknown>;
    const error: ProviderError = { code: String(e.code ?? 'rejected'), message: String(e.message ?? 'rejected by the endpoint'), retryable: e.retryable === true };
    return { sendId: m.sendId, status: 'failed', error };
  });
}

/** The request body of one message in single mode. */
function singleBody(cfg: WebhookConfig, m: OutgoingMessage, ctx: AdapterContext): string {
  if (cfg.format === 'envelope') return JSON.stringify(webhookMessage(m, ctx));
  return typeof m.content.body === 'string' ? m.content.body : JSON.stringify(m.content);
}

async function postOne(cfg: WebhookConfig, m: OutgoingMessage, ctx: AdapterContext): Promise<SendResult> {
  await ctx.limiter.take(1);
  const body = singleBody(cfg, m, ctx);
  const extra: Record<string, string> = cfg.format === 'raw' ? { 'x-siyu-send-id': m.sendId, 'x-siyu-member-id': m.memberId } : {};
  const out = await httpCall(ctx.fetch, { url: cfg.url, headers: (a) => ({ ...headersFor(cfg, body, m.sendId, a), ...extra }), body }, ctx.options);
  if (out.ok) return { sendId: m.sendId, status: 'sent', providerMessageId: providerIdOf(out.response.json) };
  return { sendId: m.sendId, status: 'failed', error: out.error };
}

async function postBatch(cfg: WebhookConfig, msgs: OutgoingMessage[], ctx: AdapterContext): Promise<SendResult[]> {
  await ctx.limiter.take(msgs.length);
  const body = JSON.stringify({ type: 'batch', channel_id: ctx.channelId, messages: msgs.map((m) => webhookMessage(m, ctx)) });
  const key = batchKey(msgs.map((m) => m.sendId));
  const out = await httpCall(ctx.fetch, { url: cfg.url, headers: (a) => headersFor(cfg, body, key, a), body }, ctx.options);
  if (out.ok) return batchResults(msgs, out.response);
  return msgs.map((m) => ({ sendId: m.sendId, status: 'failed', error: out.error }));
}

export const webhookAdapter: ProviderAdapter<WebhookConfig> = {
  type: 'webhook',
  configSchema: WebhookConfig,
  secretFields: ['secret', 'receipt_secret'],
  async send(cfg, msgs, ctx) {
    if (cfg.mode === 'single') return mapLimit(msgs, ctx.options.concurrency, (m) => postOne(cfg, m, ctx));
    const batches: OutgoingMessage[][] = [];
    for (let i = 0; i < msgs.length; i += ctx.options.batch_size) batches.push(msgs.slice(i, i + ctx.options.batch_size));
    return (await mapLimit(batches, ctx.options.concurrency, (b) => postBatch(cfg, b, ctx))).flat();
  },
  async test(cfg, ctx): Promise<ChannelTestResult> {
    const started = Date.now();
    const body = JSON.stringify({ id: `ping_${started}`, type: 'ping', channel_id: ctx.channelId });
    const out = await httpCall(ctx.fetch, { url: cfg.url, headers: (a) => headersFor(cfg, body, `ping_${started}`, a), body }, { ...ctx.options, retries: 0 });
    const latency_ms = Date.now() - started;
    return out.ok ? { ok: true, checked: 'ping', latency_ms, detail: `HTTP ${out.response.status}` } : { ok: false, checked: 'ping', latency_ms, error: out.error };
  },
  receiptSecret: (cfg) => cfg.receipt_secret ?? cfg.secret,
};
