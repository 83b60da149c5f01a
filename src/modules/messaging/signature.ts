// HMAC-SHA256 request signatures in Stripe's scheme: `X-Siyu-Signature: t=<unix seconds>,v1=<hex>` where v1 is the
// HMAC of `<t>.<raw body>` under the shared secret. Outgoing webhooks are signed this way; receipts posted to Siyu
// must be signed the same way with the channel's secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-siyu-signature';
/** How far a signed timestamp may be from now before the signature is refused (replay window). */
export const DEFAULT_TOLERANCE_SEC = 300;

/**
 * The header value signing `body` at `timestampSec`.
 * @example signatureHeader('whsec_1', '{"id":"msg_1"}', 1700000000) // 't=1700000000,v1=5f0c…'
 */
export function signatureHeader(secret: string, body: string, timestampSec = Math.floor(Date.now() / 1000)): string {
  return `t=${timestampSec},v1=${hmacHex(secret, `${timestampSec}.${body}`)}`;
}

export function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
}

export type SignatureCheck = { ok: true; timestampSec: number } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

/**
 * Verifies a `t=…,v1=…` header over the raw body: any of several `v1` values may match (secret rotation), and the
 * timestamp must be within `toleranceSec` of now.
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  opts: { toleranceSec?: number; nowSec?: number } = {},
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  let t: number | null = null;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k === 't' && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/i.test(v)) sigs.push(v.toLowerCase());
  }
  if (t === null || sigs.length === 0) return { ok: false, reason: 'malformed' };
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSec ?? DEFAULT_TOLERANCE_SEC)) return { ok: false, reason: 'expired' };
  const expected = Buffer.from(hmacHex(secret, `${t}.${body}`), 'hex');
  const match = sigs.some((s) => {
    const got = Buffer.from(s, 'hex');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
  return match ? { ok: true, timestampSec: t } : { ok: false, reason: 'mismatch' };
}
