// The delivery pipeline's contract: what a caller (a broadcast chunk, a journey step) asks to deliver, and what
// happened to each member — sent, failed, skipped with a reason, deferred to a time, or still in flight elsewhere.
import type { CompiledTemplate } from '../templates/service.ts';
import type { MessagingChannelType } from '../templates/channels.ts';

/** Why a message is sent: consent and caps are kept per purpose (service messages ignore marketing opt-outs). */
export const PURPOSES = ['marketing', 'service'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** One delivery: a batch of members, one source, one channel, one compiled template. */
export interface DeliveryRequest {
  /** The at-most-once key: `broadcast:<id>`, `journey:<id>:step:<step>`… (one message per member per key, ever). */
  sourceKey: string;
  channel: { id: string; type: MessagingChannelType };
  template: CompiledTemplate;
  purpose: Purpose;
  memberIds: string[];
  /** Per-member values of caller-supplied template variables (e.g. `coupon`). */
  extras?: Map<string, Record<string, unknown>>;
  /** Addresses that override (are merged over) the member's own, per member: test sends to a staff phone. */
  to?: Map<string, Record<string, string>>;
  /** Run the guard (consent, caps, quiet hours, dedupe); false only for test sends. Default true. */
  guard?: boolean;
  /** Messages written and handed to the provider per database round trip (default 25,000 on DuckDB, 5,000 on PostgreSQL). */
  sendChunk?: number;
  /** Members whose template context loads in one round of queries (default 25,000). */
  loadChunk?: number;
  /** Re-send members whose earlier send of this source failed with a retryable error (same send id). Default false. */
  retryFailed?: boolean;
  /** How long a claimed message may stay `sending` without a heartbeat before another run takes it over. */
  leaseMs?: number;
  now?: Date;
}

/** Reasons a member is skipped before any provider call. Guards add their own (`no_consent`, `frequency_cap`…). */
export type SkipReason = 'member_not_found' | 'no_address' | 'render_failed' | (string & {});

/** What happened to one member. `sent`/`failed` include members an earlier run of the same source already did. */
export type DeliveryOutcome =
  | { member_id: string; status: 'sent'; send_id: string; earlier?: boolean }
  /** `retryable`: a timeout, 5xx or throttling (its guard reservation is kept for a retry); else failed for good. */
  | { member_id: string; status: 'failed'; send_id: string; code: string | null; retryable: boolean; earlier?: boolean }
  | { member_id: string; status: 'skipped'; reason: SkipReason; detail?: string }
  /** Not now (quiet hours): deliver again at `retry_at`. */
  | { member_id: string; status: 'deferred'; retry_at: string; reason: string }
  /** Another live claim holds the member's message (a worker that may still finish): ask again after `retry_at`. */
  | { member_id: string; status: 'in_flight'; retry_at: string | null };

export interface DeliveryReport {
  source_key: string;
  sent: number;
  failed: number;
  skipped: number;
  deferred: number;
  in_flight: number;
  /** Skipped members by reason. */
  skipped_by_reason: Record<string, number>;
  /** The earliest time deferred or in-flight members should be tried again (null when there are none). */
  retry_at: string | null;
  outcomes: DeliveryOutcome[];
  /** Milliseconds per stage (addresses and guard run at the same time; then render, send), for profiling. */
  timings: Record<string, number>;
}
