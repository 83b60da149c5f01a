// Signed unsubscribe tokens (pure): workspace, member, channel and purpose, HMAC-SHA256 with the workspace's secret,
// so a link works without a login and cannot be forged or pointed at another member.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CONSENT_CHANNELS, PURPOSES, type ConsentChannel, type Purpose } from './schema.ts';

export interface UnsubscribeClaim {
  workspaceId: string;
  memberId: string;
  channel: ConsentChannel;
  purpose: Purpose;
  /** When the link was made (epoch seconds). */
  issuedAt: number;
}

/** 128 bits of the HMAC: plenty against forgery, and keeps links short. */
const SIG_BYTES = 16;

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest().subarray(0, SIG_BYTES);

/**
 * A URL-safe token for the claim.
 * @example signToken('secret', { workspaceId: 'ws_1', memberId: 'mem_1', channel: 'email', purpose: 'marketing', issuedAt: 1750000000 })
 */
export function signToken(secret: string, c: UnsubscribeClaim): string {
  const payload = Buffer.from([c.workspaceId, c.memberId, c.channel, c.purpose, c.issuedAt.toString(36)].join('|'), 'utf8').toString('base64url');
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
}

/** The claim a token carries, unverified (to find the workspace whose secret checks it); null when malformed. */
export function readToken(token: string): UnsubscribeClaim | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const parts = Buffer.from(token.slice(0, dot), 'base64url').toString('utf8').split('|');
  if (parts.length !== 5) return null;
  const [workspaceId, memberId, channel, purpose, issued] = parts;
  if (!workspaceId || !/^mem_[0-9A-Za-z]+$/.test(memberId)) return null;
  if (!(CONSENT_CHANNELS as readonly string[]).includes(channel) || !(PURPOSES as readonly string[]).includes(purpose)) return null;
  const issuedAt = parseInt(issued, 36);
  if (!Number.isFinite(issuedAt)) return null;
  return { workspaceId, memberId, channel: channel as ConsentChannel, purpose: purpose as Purpose, issuedAt };
}

/** True when the token's signature is the secret's (constant-time compare). */
export function verifyToken(secret: string, token: string): boolean {
  const dot = token.indexOf('.');
  if (dot <= 0) return false;
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const want = sign(secret, token.slice(0, dot));
  return given.length === want.length && timingSafeEqual(given, want);
}
