// What the WeCom (qyapi) and WeChat (api.weixin.qq.com) JSON APIs share: an access token in the query string,
// `errcode` in the answer, token errors that mean "fetch a new token and try again once", and msgids that can be
// 64-bit integers (read from the raw text, since JSON.parse would round them).
import { createHash } from 'node:crypto';
import { backoffMs, classifyFetchError, httpCall, type HttpResponseInfo } from '../http-call.ts';
import type { FetchedToken } from '../token-cache.ts';
import type { AdapterContext, ChannelTestResult, ProviderError } from '../types.ts';

/** errcodes meaning the access token is invalid or expired (WeCom 40014/42001, WeChat 40001/40014/42001). */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);
/** errcodes worth trying again later on both platforms: -1 system busy, 45009 call quota/frequency, 45033 (WeCom) concurrency. */
export const BUSY_ERRCODES: ReadonlySet<number> = new Set([-1, 45009, 45033]);

/** Where a channel's token comes from and under which cache key it is shared. */
export interface TokenSource {
  key: string;
  fetch(): Promise<FetchedToken>;
}

/** A failed token fetch: the errcode the platform gave (or the HTTP/network failure). */
export class TokenFetchError extends Error {
  constructor(readonly error: ProviderError) {
    super(error.message);
    this.name = 'TokenFetchError';
  }
}

/** A cache key that changes with the endpoint and the secret, never containing the secret itself. */
export function tokenKey(kind: string, base: string, id: string, secret: string): string {
  return `${kind}:${base}:${id}:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

const errOf = (json: unknown): { errcode: number; errmsg: string } | null => {
  const j = json as { errcode?: unknown; errmsg?: unknown } | undefined;
  if (!j || typeof j !== 'object' || j.errcode === undefined || j.errcode === null) return null;
  const code = Number(j.errcode);
  return Number.isFinite(code) ? { errcode: code, errmsg: String(j.errmsg ?? '') } : null;
};

/** Reads a token answer `{ access_token, expires_in }` or throws TokenFetchError with the platform's errcode. */
async function tokenRequest(ctx: Pick<AdapterContext, 'fetch' | 'options'>, platform: string, url: string, init: { method: string; body?: string }): Promise<FetchedToken> {
  const out = await httpCall(ctx.fetch, { url, method: init.method, body: init.body, headers: (): Record<string, string> => (init.body ? { 'content-type': 'application/json' } : {}) }, ctx.options);
  if (!out.ok) throw new TokenFetchError({ ...out.error, code: `${platform}.token_${out.error.code}`, message: `access token request failed: ${out.error.message}` });
  const j = out.response.json as { access_token?: unknown; expires_in?: unknown } | undefined;
  const err = errOf(j);
  if (err && err.errcode !== 0) {
    throw new TokenFetchError({ code: `${platform}_${err.errcode}`, message: `access token refused: ${err.errcode} ${err.errmsg}`, retryable: BUSY_ERRCODES.has(err.errcode) });
  }
  if (typeof j?.access_token !== 'string' || !j.access_token) throw new TokenFetchError({ code: `${platform}.token_invalid`, message: 'the token answer has no access_token', retryable: true });
  return { token: j.access_token, expiresInSec: Number(j.expires_in) > 0 ? Number(j.expires_in) : 7200 };
}

/** WeCom: `GET /cgi-bin/gettoken?corpid=…&corpsecret=…` → `{ errcode, access_token, expires_in: 7200 }`. */
export function wecomToken(ctx: Pick<AdapterContext, 'fetch' | 'options'>, cfg: { base_url: string; corp_id: string; corp_secret: string }): TokenSource {
  const base = cfg.base_url.replace(/\/+$/, '');
  return {
    key: tokenKey('wecom', base, cfg.corp_id, cfg.corp_secret),
    fetch: () => tokenRequest(ctx, 'wecom', `${base}/cgi-bin/gettoken?${new URLSearchParams({ corpid: cfg.corp_id, corpsecret: cfg.corp_secret })}`, { method: 'GET' }),
  };
}

/**
 * WeChat (official account or mini program): `POST /cgi-bin/stable_token` (the default: stable across callers,
 * isolated from getAccessToken) or the classic `GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…`.
 */
export function wechatToken(
  ctx: Pick<AdapterContext, 'fetch' | 'options'>,
  cfg: { base_url: string; app_id: string; app_secret: string; token_endpoint: 'stable' | 'classic' },
): TokenSource {
  const base = cfg.base_url.replace(/\/+$/, '');
  return {
    key: tokenKey(`wechat_${cfg.token_endpoint}`, base, cfg.app_id, cfg.app_secret),
    fetch: () =>
      cfg.token_endpoint === 'stable'
        ? tokenRequest(ctx, 'wechat', `${base}/cgi-bin/stable_token`, {
            method: 'POST',
            body: JSON.stringify({ grant_type: 'client_credential', appid: cfg.app_id, secret: cfg.app_secret, force_refresh: false }),
          })
        : tokenRequest(ctx, 'wechat', `${base}/cgi-bin/token?${new URLSearchParams({ grant_type: 'client_credential', appid: cfg.app_id, secret: cfg.app_secret })}`, { method: 'GET' }),
  };
}

/**
 * A string field of a JSON answer as the raw text had it: `"msgid": 3487542469355618313` stays exact (JSON.parse
 * would give …8300). Falls back to the parsed value.
 */
export function rawField(text: string, field: string, json?: unknown): string | undefined {
  const re = new RegExp(`"${field}"\\s*:\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|(-?\\d+))`);
  const m = re.exec(text);
  if (m) return m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : m[2];
  const v = (json as Record<string, unknown> | undefined)?.[field];
  return v === undefined || v === null ? undefined : String(v);
}

export interface WxCallSpec {
  base: string;
  path: string;
  method?: 'GET' | 'POST';
  body?: unknown;
  /**
   * Whether repeating the request cannot duplicate its effect (reads; sends carrying a dedupe id such as
   * client_msg_id). Non-idempotent calls are not repeated after a timeout or a dropped connection, only after
   * answers that prove nothing happened (busy errcodes, 5xx before processing, connection refused).
   */
  idempotent: boolean;
  /** Extra errcodes to classify as retryable (and retry while attempts remain). */
  retryCodes?: ReadonlySet<number>;
  /** Stop retrying (and shorten attempts) at this epoch ms: e.g. the welcome message's 20-second window. */
  deadline?: number;
  /** Attempts after the first (default: the channel's `retries`). */
  retries?: number;
  /** errcode → a plain-language explanation added to the error message. */
  explain?: Record<number, string>;
}

export type WxOutcome =
  | { ok: true; json: any; text: string; attempts: number }
  | { ok: false; error: ProviderError; errcode?: number; attempts: number };

/** Network failures that prove the request never reached the platform (so even a send may be repeated). */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * One call to a WeChat/WeCom API with the channel's token: refreshes the token once on a token errcode, retries
 * busy answers with backoff, and classifies everything else into a ProviderError (`<platform>_<errcode>`).
 */
export async function wxCall(ctx: AdapterContext, platform: 'wecom' | 'wechat', token: TokenSource, spec: WxCallSpec): Promise<WxOutcome> {
  const retries = spec.retries ?? ctx.options.retries;
  let refreshed = false;
  let attempt = 0;
  for (;;) {
    attempt++;
    const left = spec.deadline === undefined ? Infinity : spec.deadline - Date.now();
    if (left <= 0) return { ok: false, error: { code: 'deadline', message: 'the time allowed for this call ran out', retryable: false }, attempts: attempt - 1 };
    let access: string;
    try {
      access = await ctx.tokens.get(token.key, token.fetch);
    } catch (e) {
      const error = e instanceof TokenFetchError ? e.error : { code: `${platform}.token_failed`, message: String((e as Error)?.message ?? e), retryable: true };
      return { ok: false, error, attempts: attempt };
    }
    const timeout = Math.max(1, Math.min(ctx.options.timeout_ms, left));
    const url = `${spec.base.replace(/\/+$/, '')}${spec.path}${spec.path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(access)}`;
    let response: HttpResponseInfo | undefined;
    let failure: ProviderError | undefined;
    let errcode: number | undefined;
    try {
      const res = await ctx.fetch(url, {
        method: spec.method ?? 'POST',
        headers: spec.body === undefined ? {} : { 'content-type': 'application/json' },
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: AbortSignal.timeout(timeout),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      response = { status: res.status, headers: res.headers, text, json };
    } catch (e) {
      const err = classifyFetchError(e, timeout);
      const code = (e as { cause?: { code?: string } })?.cause?.code ?? '';
      const safe = spec.idempotent || NOT_SENT.has(code);
      failure = safe
        ? err
        : { ...err, retryable: false, message: `${err.message}; not repeated: the platform may have acted on it and repeating could duplicate it` };
    }
    if (response) {
      if (response.status < 200 || response.status >= 300) {
        failure = { code: `${platform}.http_${response.status}`, message: `HTTP ${response.status}: ${response.text.slice(0, 200)}`, retryable: response.status === 429 || response.status >= 500 };
      } else {
        const err = errOf(response.json);
        if (!err || err.errcode === 0) {
          if (response.json === undefined) failure = { code: `${platform}.bad_answer`, message: `the answer is not JSON: ${response.text.slice(0, 200)}`, retryable: spec.idempotent };
          else return { ok: true, json: response.json, text: response.text, attempts: attempt };
        } else if (TOKEN_ERRCODES.has(err.errcode) && !refreshed) {
          // The token was revoked or expired early: drop it (only if still the cached one) and try once more.
          refreshed = true;
          await ctx.tokens.invalidate(token.key, access);
          attempt--;
          continue;
        } else {
          errcode = err.errcode;
          const explain = spec.explain?.[err.errcode];
          failure = {
            code: `${platform}_${err.errcode}`,
            message: `${err.errcode} ${err.errmsg}${explain ? ` (${explain})` : ''}`.slice(0, 1000),
            retryable: BUSY_ERRCODES.has(err.errcode) || (spec.retryCodes?.has(err.errcode) ?? false),
          };
        }
      }
    }
    if (!failure!.retryable || attempt > retries) return { ok: false, error: failure!, errcode, attempts: attempt };
    const wait = backoffMs(attempt, ctx.options);
    if (spec.deadline !== undefined && Date.now() + wait >= spec.deadline) return { ok: false, error: failure!, errcode, attempts: attempt };
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** A channel test that gets the access token (fetched, or cached from an earlier fetch with these credentials). */
export async function tokenTest(ctx: AdapterContext, token: TokenSource): Promise<ChannelTestResult> {
  const started = Date.now();
  try {
    await ctx.tokens.get(token.key, token.fetch);
    return { ok: true, checked: 'token', latency_ms: Date.now() - started, detail: 'access token available' };
  } catch (e) {
    const error = e instanceof TokenFetchError ? e.error : { code: 'token_failed', message: String((e as Error)?.message ?? e), retryable: true };
    return { ok: false, checked: 'token', latency_ms: Date.now() - started, error };
  }
}

/** Splits an `appid:openid` address (how identities store openids) from a bare openid. */
export function openidFor(to: Record<string, string>, appId: string): { openid: string } | { error: string } {
  const keyed = to[`openid:${appId}`];
  if (keyed) return { openid: keyed.includes(':') ? keyed.slice(keyed.indexOf(':') + 1) : keyed };
  const raw = to.openid;
  if (!raw) return { error: 'the member has no openid' };
  const i = raw.indexOf(':');
  if (i < 0) return { openid: raw };
  const app = raw.slice(0, i);
  if (app !== appId && app !== '_') return { error: `the member's openid belongs to app ${app}, not ${appId}` };
  return { openid: raw.slice(i + 1) };
}
