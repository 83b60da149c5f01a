// One provider HTTP call with a timeout and retries: backoff on timeouts, network errors, 429 and 5xx; never on
// other 4xx. Headers are rebuilt per attempt (fresh signature timestamps) while the body and idempotency key stay.
import type { ChannelOptions, ProviderError } from './types.ts';

export interface HttpRequestSpec {
  url: string;
  method?: string;
  /** Headers for attempt n (1-based): lets signatures carry the attempt's own timestamp. */
  headers: (attempt: number) => Record<string, string>;
  body?: string;
}

export interface HttpResponseInfo {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export type HttpOutcome =
  | { ok: true; response: HttpResponseInfo; attempts: number }
  | { ok: false; error: ProviderError; response?: HttpResponseInfo; attempts: number };

/**
 * Decides what a response means: undefined when it succeeded, else the error (with `retryable`). The default
 * treats 2xx as success, 408/429/5xx as retryable and other statuses as final.
 */
export type Classifier = (r: HttpResponseInfo) => ProviderError | undefined;

export const classifyHttpStatus: Classifier = (r) => {
  if (r.status >= 200 && r.status < 300) return undefined;
  const retryable = r.status === 408 || r.status === 429 || r.status >= 500;
  const detail = r.text.length > 300 ? r.text.slice(0, 300) + '…' : r.text;
  return { code: `http_${r.status}`, message: `provider answered HTTP ${r.status}${detail ? `: ${detail}` : ''}`, retryable };
};

/** Backoff before retry `n` (1-based): base·2^(n-1), capped, with ±25% jitter so retries of many senders spread. */
export function backoffMs(n: number, opts: Pick<ChannelOptions, 'backoff_ms' | 'max_backoff_ms'>): number {
  const raw = Math.min(opts.max_backoff_ms, opts.backoff_ms * 2 ** (n - 1));
  return Math.round(raw * (0.75 + Math.random() * 0.5));
}

/** A Retry-After header (seconds or HTTP date) in ms, capped by the channel's max backoff. */
function retryAfterMs(r: HttpResponseInfo | undefined, cap: number): number | null {
  const h = r?.headers.get('retry-after');
  if (!h) return null;
  const secs = Number(h);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(h) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, Math.min(cap, ms)) : null;
}

/** Maps a thrown fetch error to a provider error: timeouts and network failures are retryable. */
export function classifyFetchError(e: unknown, timeoutMs: number): ProviderError {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
    return { code: 'timeout', message: `no answer within ${timeoutMs} ms`, retryable: true };
  }
  const cause = err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
  return { code: 'network', message: `request failed: ${cause}`, retryable: true };
}

/**
 * Sends one request, retrying retryable failures up to `options.retries` times.
 * @example const out = await httpCall(fetch, { url, headers: () => ({ 'content-type': 'application/json' }), body }, options);
 */
export async function httpCall(
  fetchFn: typeof fetch,
  spec: HttpRequestSpec,
  options: Pick<ChannelOptions, 'timeout_ms' | 'retries' | 'backoff_ms' | 'max_backoff_ms'>,
  classify: Classifier = classifyHttpStatus,
): Promise<HttpOutcome> {
  let last: HttpOutcome | undefined;
  for (let attempt = 1; attempt <= options.retries + 1; attempt++) {
    if (attempt > 1) {
      const wait = retryAfterMs(last && !last.ok ? last.response : undefined, options.max_backoff_ms) ?? backoffMs(attempt - 1, options);
      await new Promise((r) => setTimeout(r, wait));
    }
    try {
      const res = await fetchFn(spec.url, {
        method: spec.method ?? 'POST',
        headers: spec.headers(attempt),
        body: spec.body,
        signal: AbortSignal.timeout(options.timeout_ms),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      const response: HttpResponseInfo = { status: res.status, headers: res.headers, text, json };
      const error = classify(response);
      if (!error) return { ok: true, response, attempts: attempt };
      last = { ok: false, error, response, attempts: attempt };
      if (!error.retryable) return last;
    } catch (e) {
      last = { ok: false, error: classifyFetchError(e, options.timeout_ms), attempts: attempt };
    }
  }
  return last!;
}
