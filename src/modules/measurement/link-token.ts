// Pure signed tokens of tracked links (`/r/<token>`) and open pixels (`/o/<token>.gif`): the payload names the
// workspace, the send's source key and member (and the target URL of a click), signed with HMAC-SHA256.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a click token carries; an open token has no url. */
export interface LinkClaims {
  kind: 'click' | 'open';
  workspaceId: string;
  sourceKey: string;
  memberId: string;
  url?: string;
}

const VERSION = 1;
const KINDS = { click: 'c', open: 'o' } as const;
/** Signature bytes kept (128 bits: forging one is out of reach, the URL stays shorter). */
const SIG_BYTES = 16;

const mac = (key: string, payload: string) => createHmac('sha256', key).update(`siyu-link.${payload}`).digest().subarray(0, SIG_BYTES);

/**
 * `<base64url(JSON payload)>.<base64url(HMAC)>`.
 * @example signLink(key, { kind: 'click', workspaceId: 'ws_1', sourceKey: 'broadcast:b1', memberId: 'mem_1', url: 'https://shop.example/sale' })
 */
export function signLink(key: string, c: LinkClaims): string {
  const body = [VERSION, KINDS[c.kind], c.workspaceId, c.sourceKey, c.memberId, ...(c.kind === 'click' ? [c.url ?? ''] : [])];
  const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The claims of a token signed with `key`, or null when it is malformed, of another kind or its signature is wrong. */
export function verifyLink(key: string, token: string, kind: LinkClaims['kind']): LinkClaims | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(body) || body[0] !== VERSION || body[1] !== KINDS[kind]) return null;
  const [, , workspaceId, sourceKey, memberId, url] = body;
  if (![workspaceId, sourceKey, memberId].every((s) => typeof s === 'string' && s !== '')) return null;
  if (kind === 'click' && !isTrackableUrl(url)) return null;
  return { kind, workspaceId, sourceKey, memberId, ...(kind === 'click' ? { url } : {}) };
}

/** Only absolute http(s) URLs are tracked (and redirected to); anything else is left as written. */
export function isTrackableUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length > 4000) return false;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
