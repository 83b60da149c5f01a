// Pure handling of delivery receipts: stable event ids (so re-posted receipts are stored once) and what a set of
// receipts does to a send's state (delivered → opened → clicked only move forward; failed/bounced fail a send that
// was not yet opened).
import { createHash } from 'node:crypto';
import type { ReceiptEvent, ReceiptType } from './schema.ts';

/** Rank of progress states; a receipt never moves a send backwards. */
const PROGRESS: Partial<Record<ReceiptType, number>> = { delivered: 4, opened: 5, clicked: 6 };

export interface NormalisedReceipt {
  id: string;
  type: ReceiptType;
  send_id: string | null;
  provider_message_id: string | null;
  occurred_at: string;
  error_code: string | null;
  url: string | null;
  raw: unknown;
}

/**
 * The stored form of one receipt: the provider's id when it sent one, else a hash of what identifies the event.
 * @example normaliseReceipt('mch_1', { type: 'delivered', send_id: 'msg_1' }, now).id // 'mev_…' (same for a re-post)
 */
export function normaliseReceipt(channelId: string, e: ReceiptEvent, receivedAt: string): NormalisedReceipt {
  const occurred = e.time ? new Date(e.time).toISOString() : receivedAt;
  const subject = e.send_id ?? `p:${e.provider_message_id}`;
  // Without the provider's id, a receipt is the same event when channel, message, type, time and link agree; an
  // event without a time is keyed without it too, so its re-post (received later) still dedupes.
  const id = e.id
    ? `ext:${channelId}:${e.id}`
    : 'mev_' + createHash('sha256').update([channelId, subject, e.type, e.time ?? '', e.url ?? ''].join('\u0000')).digest('hex').slice(0, 32);
  return {
    id,
    type: e.type,
    send_id: e.send_id ?? null,
    provider_message_id: e.provider_message_id ?? null,
    occurred_at: occurred,
    error_code: e.type === 'failed' || e.type === 'bounced' ? (e.error?.code ?? e.type) : null,
    url: e.url ?? null,
    raw: e,
  };
}

/** What the receipts of one send change on its row. */
export interface SendPatch {
  id: string;
  /** Target progress state (delivered/opened/clicked) or null. */
  progress: 'delivered' | 'opened' | 'clicked' | null;
  progress_rank: number;
  fail: boolean;
  error_code: string | null;
  error_message: string | null;
  delivered_at: string | null;
  opened_at: string | null;
  clicked_at: string | null;
  failed_at: string | null;
}

const earliest = (a: string | null, b: string) => (a === null || b < a ? b : a);

/** Folds the receipts of each send into one patch (the furthest progress, the first time of each). */
export function foldReceipts(events: { sendId: string; r: NormalisedReceipt }[]): SendPatch[] {
  const by = new Map<string, SendPatch>();
  for (const { sendId, r } of events) {
    let p = by.get(sendId);
    if (!p) {
      p = { id: sendId, progress: null, progress_rank: 0, fail: false, error_code: null, error_message: null, delivered_at: null, opened_at: null, clicked_at: null, failed_at: null };
      by.set(sendId, p);
    }
    const rank = PROGRESS[r.type];
    if (rank !== undefined && rank > p.progress_rank) {
      p.progress_rank = rank;
      p.progress = r.type as SendPatch['progress'];
    }
    if (r.type === 'delivered') p.delivered_at = earliest(p.delivered_at, r.occurred_at);
    if (r.type === 'opened') p.opened_at = earliest(p.opened_at, r.occurred_at);
    if (r.type === 'clicked') p.clicked_at = earliest(p.clicked_at, r.occurred_at);
    if (r.type === 'failed' || r.type === 'bounced') {
      p.fail = true;
      p.failed_at = earliest(p.failed_at, r.occurred_at);
      p.error_code = r.error_code;
      const raw = r.raw as { error?: { message?: unknown } };
      p.error_message = typeof raw?.error?.message === 'string' ? raw.error.message.slice(0, 2000) : r.type === 'bounced' ? 'bounced' : 'delivery failed';
    }
  }
  // An opened or clicked message was delivered, whatever a failure report says.
  for (const p of by.values()) if (p.progress_rank >= 5) p.fail = false;
  return [...by.values()];
}
