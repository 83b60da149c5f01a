// The at-most-once send protocol, batch by batch: write (or claim) each member's message_sends row before calling
// the provider, call it with the row id as idempotency key, then record the answers. A row whose worker died stays
// `sending` until its lease runs out; the next send of the same (source, member) claims it and re-sends it under the
// same id, which the provider (or our test sinks) dedupes — so nothing is sent twice and nothing is left unsent.
import { randomBytes } from 'node:crypto';
import { newId } from '../../core/ids.ts';
import type { Store } from '../../store/port.ts';
import type { ChannelRow } from './channel-repo.ts';
import type { MessagingMetrics } from './metrics.ts';
import { mapLimit } from './rate-limiter.ts';
import { sendRepo, type LedgerRow, type SendOutcomeRow } from './send-repo.ts';
import type { AdapterContext, OutgoingMessage, ProviderAdapter, ProviderError, RenderedContent, SendResult } from './types.ts';

/** One message to send to one member. */
export interface SendInput {
  memberId: string;
  to: Record<string, string>;
  content: RenderedContent;
}

export interface SendOptions {
  /** Also re-send rows that failed with a retryable error (default false: a failed send is final). */
  retryFailed?: boolean;
  /** How long a claim is held without a heartbeat (default 60 s; renewed every third of it while sending). */
  leaseMs?: number;
  /** Messages claimed and written per database round trip (default 5,000). */
  chunkSize?: number;
  /** Chunks in flight at once (default 2). */
  parallelChunks?: number;
}

/**
 * What happened to one member's message: `sent`/`failed` now, `skipped` (an earlier send of this source already
 * sent or failed it — see `state`), or `in_flight` (another live claim holds it: ask again after `lease_until`).
 */
export interface SendOutcome {
  member_id: string;
  send_id: string;
  status: 'sent' | 'failed' | 'skipped' | 'in_flight';
  state: string;
  attempt?: number;
  provider_message_id?: string | null;
  error?: ProviderError | { code: string | null; message: string | null; retryable: boolean };
  lease_until?: string | null;
}

export interface SendReport {
  source_key: string;
  channel_id: string;
  sent: number;
  failed: number;
  skipped: number;
  in_flight: number;
  results: SendOutcome[];
}

const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_CHUNK = 5_000;

/** Everything one batch send needs besides the messages. */
export interface SenderDeps {
  store: Store;
  metrics: MessagingMetrics;
  adapter: ProviderAdapter;
  channel: ChannelRow;
  ctx: AdapterContext;
}

function outcomeOfExisting(r: LedgerRow): SendOutcome {
  const base = { member_id: r.member_id, send_id: r.id, state: r.state, provider_message_id: r.provider_message_id };
  if (r.state === 'sending' || r.state === 'pending') return { ...base, status: 'in_flight', lease_until: r.lease_until };
  return { ...base, status: 'skipped', ...(r.state === 'failed' ? { error: { code: r.error_code, message: r.error_message, retryable: r.error_retryable === true } } : {}) };
}

/** Sends `msgs` (one per member; later duplicates are dropped) under `sourceKey`, chunk by chunk. */
export async function sendBatch(d: SenderDeps, sourceKey: string, msgs: SendInput[], opts: SendOptions = {}): Promise<SendReport> {
  const seen = new Set<string>();
  const unique = msgs.filter((m) => (seen.has(m.memberId) ? false : (seen.add(m.memberId), true)));
  const report: SendReport = { source_key: sourceKey, channel_id: d.channel.id, sent: 0, failed: 0, skipped: 0, in_flight: 0, results: [] };
  const size = opts.chunkSize ?? DEFAULT_CHUNK;
  const chunks: SendInput[][] = [];
  for (let i = 0; i < unique.length; i += size) chunks.push(unique.slice(i, i + size));
  // Two chunks in flight: one chunk's database writes overlap the other's provider calls.
  for (const outcomes of await mapLimit(chunks, opts.parallelChunks ?? 2, (c) => sendChunk(d, sourceKey, c, opts))) {
    for (const o of outcomes) {
      report[o.status] += 1;
      report.results.push(o);
    }
  }
  const labels = { channel: d.channel.id, channel_type: d.channel.type };
  for (const k of ['sent', 'failed', 'skipped', 'in_flight'] as const) if (report[k] > 0) d.metrics.sends.inc({ ...labels, outcome: k }, report[k]);
  return report;
}

async function sendChunk(d: SenderDeps, sourceKey: string, msgs: SendInput[], opts: SendOptions): Promise<SendOutcome[]> {
  const repo = sendRepo(d.store);
  const ws = d.channel.workspace_id;
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const token = randomBytes(12).toString('base64url');
  const now = new Date();
  const spec = {
    ws,
    sourceKey,
    channelId: d.channel.id,
    channelType: d.channel.type,
    token,
    leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
    now: now.toISOString(),
    retryFailed: opts.retryFailed ?? false,
  };
  const fresh = msgs.map((m) => ({ id: newId('msg'), member_id: m.memberId }));
  const inserted = await repo.insertClaimed(d.store, spec, fresh);

  // Fast path: every row is new, so this claim holds them all under the ids just made.
  const claimed = new Map<string, { id: string; attempt: number }>();
  const outcomes: SendOutcome[] = [];
  if (inserted === fresh.length) {
    for (const r of fresh) claimed.set(r.member_id, { id: r.id, attempt: 1 });
  } else {
    const memberIds = msgs.map((m) => m.memberId);
    await repo.claimExisting(d.store, spec, memberIds);
    for (const r of await repo.rowsOf(d.store, ws, sourceKey, memberIds)) {
      if (r.claim_token === token && r.state === 'sending') claimed.set(r.member_id, { id: r.id, attempt: Number(r.attempts) });
      else outcomes.push(outcomeOfExisting(r));
    }
  }
  if (claimed.size === 0) return outcomes;

  const outgoing: OutgoingMessage[] = [];
  for (const m of msgs) {
    const c = claimed.get(m.memberId);
    if (c) outgoing.push({ sendId: c.id, memberId: m.memberId, to: m.to, content: m.content, sourceKey, attempt: c.attempt });
  }
  const results = await withHeartbeat(leaseMs, () => repo.extendLease(d.store, ws, sourceKey, token, new Date(Date.now() + leaseMs).toISOString()), () => callAdapter(d, outgoing));

  const rows: SendOutcomeRow[] = [];
  for (const m of outgoing) {
    const r = results.get(m.sendId) ?? { sendId: m.sendId, status: 'failed' as const, error: { code: 'no_result', message: 'the adapter returned no result for this message', retryable: true } };
    rows.push({
      member_id: m.memberId,
      state: r.status,
      provider_message_id: r.providerMessageId ?? null,
      error_code: r.error?.code ?? null,
      error_message: r.error ? r.error.message.slice(0, 2000) : null,
      error_retryable: r.error ? r.error.retryable : null,
    });
    if (r.error) d.metrics.errors.inc({ channel: d.channel.id, channel_type: d.channel.type, code: r.error.code, retryable: String(r.error.retryable) });
    const o: SendOutcome = { member_id: m.memberId, send_id: m.sendId, status: r.status, state: r.status, attempt: m.attempt, provider_message_id: r.providerMessageId ?? null };
    if (r.error) o.error = r.error;
    outcomes.push(o);
  }
  await repo.complete(d.store, ws, sourceKey, token, new Date().toISOString(), rows);
  return outcomes;
}

/** Calls the adapter; a thrown error (an adapter bug, not a provider answer) fails every message, retryably. */
async function callAdapter(d: SenderDeps, outgoing: OutgoingMessage[]): Promise<Map<string, SendResult>> {
  const stop = d.metrics.providerSeconds.startTimer({ channel_type: d.channel.type });
  let results: SendResult[];
  try {
    results = await d.adapter.send(d.channel.config, outgoing, d.ctx);
  } catch (e) {
    d.ctx.log.warn({ err: e, channel: d.channel.id }, 'messaging adapter threw');
    const error = { code: 'adapter_error', message: String((e as Error)?.message ?? e).slice(0, 500), retryable: true };
    results = outgoing.map((m) => ({ sendId: m.sendId, status: 'failed', error }));
  } finally {
    stop();
  }
  return new Map(results.map((r) => [r.sendId, r]));
}

/** Runs `fn` while renewing the claim's lease every third of its length. */
async function withHeartbeat<T>(leaseMs: number, beat: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => void beat().catch(() => undefined), Math.max(1000, Math.floor(leaseMs / 3)));
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
