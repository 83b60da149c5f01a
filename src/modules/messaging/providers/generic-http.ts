// What SMS and app-push providers share: one JSON POST per message built from a configurable body mapping, an API
// key header, and a configurable reading of the answer (success flag, message id, error code).
import { z } from 'zod';
import { readPath, renderMapping } from '../body-mapping.ts';
import { classifyHttpStatus, httpCall, type HttpResponseInfo } from '../http-call.ts';
import type { AdapterContext, OutgoingMessage, ProviderError, SendResult } from '../types.ts';

/** How to read a provider's JSON answer. Without success_path, any 2xx means accepted. */
export const ResponseMapping = z
  .object({
    /** Path of the provider's message id in the answer, e.g. `data.msg_id`. */
    message_id_path: z.string().min(1).max(200).optional(),
    /** Path of a success flag or code, e.g. `code`; with success_values, e.g. [0, "OK"]. */
    success_path: z.string().min(1).max(200).optional(),
    success_values: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    error_code_path: z.string().min(1).max(200).optional(),
    error_message_path: z.string().min(1).max(200).optional(),
    /** Provider error codes worth retrying (throttled, busy…); other codes fail the message for good. */
    retryable_codes: z.array(z.union([z.string(), z.number()])).optional(),
  })
  .strict();
export type ResponseMapping = z.infer<typeof ResponseMapping>;

/** Connection settings shared by the generic HTTP providers. */
export const HttpProviderFields = {
  url: z.string().url(),
  /** Sent as `<auth_header>: <auth_scheme> <api_key>` (default `Authorization: Bearer …`). */
  api_key: z.string().min(1).max(2000).optional(),
  auth_header: z.string().min(1).max(100).default('authorization'),
  /** Prefix before the key; empty string for providers that take the bare key (e.g. `X-Api-Key`). */
  auth_scheme: z.string().max(50).default('Bearer'),
  headers: z.record(z.string(), z.string()).optional(),
  response: ResponseMapping.default({}),
  /** Secret receipts (delivery reports) posted to Siyu are signed with. */
  receipt_secret: z.string().min(8).max(500).optional(),
};

export interface HttpProviderConfig {
  url: string;
  api_key?: string;
  auth_header: string;
  auth_scheme: string;
  headers?: Record<string, string>;
  response: ResponseMapping;
  body_mapping: unknown;
}

const same = (a: unknown, b: unknown) => a === b || (a !== undefined && a !== null && String(a) === String(b));

/** The classifier for a configured answer: HTTP status first, then the success flag and error code in the body. */
export function responseClassifier(map: ResponseMapping) {
  return (r: HttpResponseInfo): ProviderError | undefined => {
    const byStatus = classifyHttpStatus(r);
    const code = map.error_code_path ? readPath(r.json, map.error_code_path) : undefined;
    const message = map.error_message_path ? readPath(r.json, map.error_message_path) : undefined;
    if (byStatus) {
      // Keep the provider's own code when the error body names one.
      return code !== undefined ? { ...byStatus, code: String(code), message: String(message ?? byStatus.message) } : byStatus;
    }
    if (!map.success_path) return undefined;
    const flag = readPath(r.json, map.success_path);
    const accepted = (map.success_values ?? [true, 0, '0', 'OK', 'ok', 'success']).some((v) => same(flag, v));
    if (accepted) return undefined;
    const c = code ?? flag;
    return {
      code: c === undefined ? 'rejected' : String(c),
      message: String(message ?? `provider refused the message (${map.success_path}=${JSON.stringify(flag)})`),
      retryable: (map.retryable_codes ?? []).some((v) => same(c, v)),
    };
  };
}

/**
 * Posts one message: renders the body from `vars`, sends it with the message's send id as Idempotency-Key, and
 * reads the provider message id back.
 */
export async function postMapped(cfg: HttpProviderConfig, m: OutgoingMessage, vars: Record<string, unknown>, ctx: AdapterContext): Promise<SendResult> {
  await ctx.limiter.take(1);
  const body = JSON.stringify(renderMapping(cfg.body_mapping, vars));
  const headers = (attempt: number) => ({
    ...(cfg.headers ?? {}),
    'content-type': 'application/json',
    'idempotency-key': m.sendId,
    'x-siyu-attempt': String(attempt),
    ...(cfg.api_key ? { [cfg.auth_header]: cfg.auth_scheme ? `${cfg.auth_scheme} ${cfg.api_key}` : cfg.api_key } : {}),
  });
  const out = await httpCall(ctx.fetch, { url: cfg.url, headers, body }, ctx.options, responseClassifier(cfg.response));
  if (!out.ok) return { sendId: m.sendId, status: 'failed', error: out.error };
  const id = cfg.response.message_id_path ? readPath(out.response.json, cfg.response.message_id_path) : undefined;
  return { sendId: m.sendId, status: 'sent', providerMessageId: id === undefined || id === null ? undefined : String(id) };
}

/** A failure decided before calling the provider (no address, content too long…): never retryable. */
export function refused(sendId: string, code: string, message: string): SendResult {
  return { sendId, status: 'failed', error: { code, message, retryable: false } };
}
