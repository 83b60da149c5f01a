// Which consent statement decides (pure): the member's latest statement for the channel or for `all` channels wins;
// without one, the workspace's default policy for the purpose and channel type.
import type { ChannelType, ConsentStatus, GuardConfig, Policy, Purpose } from './schema.ts';

/** A stored statement as far as the decision needs it. */
export interface Statement {
  status: ConsentStatus;
  /** When the member said so (epoch ms). */
  at: number;
}

export type ConsentDecision =
  | { allowed: true; basis: 'granted' | 'default' }
  | { allowed: false; basis: 'revoked' | 'default'; reason: 'unsubscribed' | 'no_consent' };

/**
 * The deciding statement of two (channel-specific and `all`): the later one; on a tie a revocation.
 * @example latest({ status: 'granted', at: 1 }, { status: 'revoked', at: 2 }) // the revocation
 */
export function latest(a: Statement | null, b: Statement | null): Statement | null {
  if (!a) return b;
  if (!b) return a;
  if (a.at !== b.at) return a.at > b.at ? a : b;
  return a.status === 'revoked' ? a : b;
}

/**
 * May a message of `purpose` go to the member on `channel`? A revocation is `unsubscribed`; no statement under an
 * opt-in policy is `no_consent`.
 */
export function decideConsent(specific: Statement | null, all: Statement | null, policy: Policy): ConsentDecision {
  const s = latest(specific, all);
  if (s) return s.status === 'granted' ? { allowed: true, basis: 'granted' } : { allowed: false, basis: 'revoked', reason: 'unsubscribed' };
  return policy === 'opt_out' ? { allowed: true, basis: 'default' } : { allowed: false, basis: 'default', reason: 'no_consent' };
}

/** The default policy of a purpose on a channel type. */
export function policyOf(config: GuardConfig, purpose: Purpose, channel: ChannelType): Policy {
  return config.default_policy[purpose][channel];
}
