// Email channel over SMTP (nodemailer, pooled connections per channel): text and HTML parts, and a Message-ID
// derived from the send id, so a message re-sent after a crash carries the same Message-ID and receivers dedupe it.
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { backoffMs } from '../http-call.ts';
import { mapLimit } from '../rate-limiter.ts';
import type { AdapterContext, ChannelTestResult, OutgoingMessage, ProviderAdapter, ProviderError, SendResult } from '../types.ts';
import { refused } from './generic-http.ts';

export const EmailConfig = z
  .object({
    host: z.string().min(1).max(300),
    port: z.number().int().min(1).max(65535).default(587),
    /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    /** Refuse to send without STARTTLS. */
    require_tls: z.boolean().default(false),
    /** false accepts self-signed server certificates (test servers only). */
    tls_reject_unauthorized: z.boolean().default(true),
    username: z.string().min(1).max(300).optional(),
    password: z.string().min(1).max(2000).optional(),
    from: z.string().email(),
    from_name: z.string().max(200).optional(),
    reply_to: z.string().email().optional(),
    /** Domain of generated Message-IDs (`<msg_…@domain>`); default the domain of `from`. */
    message_id_domain: z.string().min(1).max(253).optional(),
    /** SMTP connections kept open per channel. */
    max_connections: z.number().int().min(1).max(50).default(5),
    receipt_secret: z.string().min(8).max(500).optional(),
  })
  .strict();
export type EmailConfig = z.infer<typeof EmailConfig>;

/** The Message-ID of a send: stable for a send id, so a retried message is recognisably the same message. */
export function messageIdOf(sendId: string, cfg: Pick<EmailConfig, 'from' | 'message_id_domain'>): string {
  return `<${sendId}@${cfg.message_id_domain ?? cfg.from.split('@')[1]}>`;
}

type Transport = ReturnType<typeof nodemailer.createTransport>;
/** One pooled transport per channel, rebuilt when its config changes. */
type Transports = Map<string, { fingerprint: string; transport: Transport }>;

function transportFor(transports: Transports, channelId: string, cfg: EmailConfig, ctx: AdapterContext): Transport {
  const fingerprint = JSON.stringify([cfg, ctx.options.timeout_ms]);
  const hit = transports.get(channelId);
  if (hit?.fingerprint === fingerprint) return hit.transport;
  hit?.transport.close();
  const transport = nodemailer.createTransport({
    pool: true,
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    requireTLS: cfg.require_tls,
    tls: { rejectUnauthorized: cfg.tls_reject_unauthorized },
    auth: cfg.username ? { user: cfg.username, pass: cfg.password } : undefined,
    maxConnections: cfg.max_connections,
    connectionTimeout: ctx.options.timeout_ms,
    greetingTimeout: ctx.options.timeout_ms,
    socketTimeout: ctx.options.timeout_ms,
  });
  transports.set(channelId, { fingerprint, transport });
  return transport;
}

/** SMTP and connection errors as provider errors: 4xx replies and dropped connections are worth a retry. */
export function classifySmtpError(e: unknown): ProviderError {
  const err = e as { code?: string; responseCode?: number; permanent?: boolean; response?: string; message?: string };
  const message = (err.response ?? err.message ?? String(e)).slice(0, 500);
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH') return { code: 'auth_failed', message, retryable: false };
  if (typeof err.responseCode === 'number') {
    const retryable = err.permanent === undefined ? err.responseCode < 500 || err.responseCode === 503 : !err.permanent;
    return { code: `smtp_${err.responseCode}`, message, retryable };
  }
  switch (err.code) {
    case 'ETIMEDOUT':
      return { code: 'timeout', message, retryable: true };
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
    case 'ECONNREFUSED':
    case 'ECONNRESET':
      return { code: 'network', message, retryable: true };
    case 'EENVELOPE':
      return { code: 'invalid_recipient', message, retryable: false };
    default:
      return { code: 'smtp_error', message, retryable: false };
  }
}

async function sendOne(transports: Transports, cfg: EmailConfig, m: OutgoingMessage, ctx: AdapterContext): Promise<SendResult> {
  const to = m.to.email;
  if (!to) return refused(m.sendId, 'recipient_missing', 'the member has no email address');
  const c = m.content;
  const subject = c.subject ?? c.title;
  if (!subject) return refused(m.sendId, 'content_missing_subject', 'an email needs a subject');
  const text = c.text ?? (c.html ? undefined : c.body);
  if (!text && !c.html) return refused(m.sendId, 'content_empty', 'an email needs text or html');
  await ctx.limiter.take(1);
  const messageId = messageIdOf(m.sendId, cfg);
  let last: ProviderError | undefined;
  for (let attempt = 1; attempt <= ctx.options.retries + 1; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, backoffMs(attempt - 1, ctx.options)));
    try {
      const info = await transportFor(transports, ctx.channelId, cfg, ctx).sendMail({
        from: cfg.from_name ? { name: cfg.from_name, address: cfg.from } : cfg.from,
        to,
        replyTo: cfg.reply_to,
        subject: String(subject),
        text: text === undefined ? undefined : String(text),
        html: c.html === undefined ? undefined : String(c.html),
        messageId,
        headers: { 'X-Siyu-Send-Id': m.sendId, ...(m.sourceKey ? { 'X-Siyu-Source': m.sourceKey } : {}) },
      });
      return { sendId: m.sendId, status: 'sent', providerMessageId: info.messageId ?? messageId };
    } catch (e) {
      last = classifySmtpError(e);
      if (!last.retryable) break;
    }
  }
  return { sendId: m.sendId, status: 'failed', error: last };
}

/** A new email adapter with its own transport pool (one per MessagingService). */
export function emailAdapter(): ProviderAdapter<EmailConfig> {
  const transports: Transports = new Map();
  return {
    type: 'email',
    configSchema: EmailConfig,
    secretFields: ['password', 'receipt_secret'],
    send: (cfg, msgs, ctx) => mapLimit(msgs, Math.min(ctx.options.concurrency, cfg.max_connections * 2), (m) => sendOne(transports, cfg, m, ctx)),
    async test(cfg, ctx, to): Promise<ChannelTestResult> {
      const started = Date.now();
      try {
        if (to?.email) {
          const [r] = await this.send(cfg, [{ sendId: `test_${started}`, memberId: 'test', to, content: { channel: 'email', subject: 'Siyu test message', text: 'Test message from Siyu / 测试邮件' } }], ctx);
          const latency_ms = Date.now() - started;
          return r.status === 'sent' ? { ok: true, checked: 'message', latency_ms, detail: r.providerMessageId } : { ok: false, checked: 'message', latency_ms, error: r.error };
        }
        await transportFor(transports, ctx.channelId, cfg, ctx).verify();
        return { ok: true, checked: 'smtp', latency_ms: Date.now() - started, detail: `${cfg.host}:${cfg.port} accepted the connection${cfg.username ? ' and login' : ''}` };
      } catch (e) {
        return { ok: false, checked: 'smtp', latency_ms: Date.now() - started, error: classifySmtpError(e) };
      }
    },
    receiptSecret: (cfg) => cfg.receipt_secret,
    async close(channelId) {
      for (const [id, t] of transports) {
        if (channelId !== undefined && id !== channelId) continue;
        t.transport.close();
        transports.delete(id);
      }
    },
  };
}
