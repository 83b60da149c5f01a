// The two job kinds that run a broadcast. `broadcast.start` takes the audience (segment members now), draws the
// holdout, cuts the rest into chunks and enqueues one job per chunk — all in one transaction, so a start that dies
// leaves nothing half-written. `broadcast.chunk` sends one chunk through the delivery pipeline; a chunk run again
// (its worker died, members were deferred) skips what is already done, and messaging's at-most-once ledger makes
// re-sending what was in flight safe.
import { isSiyuError } from '../../core/errors.ts';
import type { Store } from '../../store/port.ts';
import type { DeliveryService } from '../delivery/service.ts';
import type { DeliveryReport, Purpose } from '../delivery/types.ts';
import type { JobService } from '../jobs/service.ts';
import type { ClaimedJob, JobContext } from '../jobs/types.ts';
import type { MessagingChannelType } from '../templates/channels.ts';
import type { TemplateService } from '../templates/service.ts';
import { drawHoldout, type HoldoutAssigner } from './holdout.ts';
import { broadcastsRepo as repo, type BroadcastRow } from './repo.ts';
import { snapshotRepo } from './snapshot-repo.ts';
import { chunkSizeFor, slotChunks, zoneSendTimes, type Schedule } from './schedule.ts';

export const START_KIND = 'broadcast.start';
export const CHUNK_KIND = 'broadcast.chunk';
export const sourceKeyOf = (id: string) => `broadcast:${id}`;

export interface RunnerDeps {
  store: Store;
  jobs: JobService;
  templates: TemplateService;
  delivery: DeliveryService;
  timezoneOf(ws: string): Promise<string>;
  /** Whether the segment still exists (a deleted segment fails the broadcast instead of sending to nobody). */
  segmentExists(ws: string, id: string): Promise<boolean>;
  measurement?: () => HoldoutAssigner | null | undefined;
  /** Members per chunk job (smaller under a rate limit). */
  chunkSize: number;
  /** How long a dead worker's chunk and its claimed messages stay locked before another worker takes them. */
  leaseMs: number;
}

/** Where the pipeline's time goes, summed over this process's chunk runs (the benchmark prints it). */
export const pipelineTimings: Record<string, number> = {};

const iso = (t: number) => new Date(t).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SENT_STATES = new Set(['sent', 'delivered', 'opened', 'clicked']);

/** Errors no retry can fix: the broadcast fails with them instead. */
const FATAL = new Set(['messaging.channel_not_found', 'messaging.channel_disabled', 'template.not_found', 'template.version_not_found', 'template.channel_missing', 'delivery.channel_mismatch']);

export async function runStart(d: RunnerDeps, job: ClaimedJob): Promise<void> {
  const ws = job.workspaceId;
  const b = await repo.find(d.store, ws, job.payload.broadcastId);
  if (!b || b.status !== 'scheduled') return; // cancelled, or an earlier run of this job already started it
  if (!(await d.segmentExists(ws, b.segment_id))) {
    await d.store.transaction((tx) => repo.fail(tx, ws, b.id, 'broadcast.segment_missing', `segment ${b.segment_id} no longer exists`, new Date().toISOString()));
    return;
  }
  const schedule = b.schedule as Schedule;
  // The holdout draw needs the ids in hand (the measurement module records each member's group); without one the
  // whole snapshot stays in the store.
  const holdout = b.holdout_share > 0 ? [...(await drawHoldout(d.measurement?.(), ws, sourceKeyOf(b.id), b.holdout_share, await snapshotRepo.audienceIds(d.store, ws, b.segment_id)))] : null;
  const times = schedule.type === 'local_time' ? zoneSendTimes(schedule, await snapshotRepo.audienceZones(d.store, ws, b.segment_id), await d.timezoneOf(ws)) : null;
  const size = chunkSizeFor(d.chunkSize, b.rate_limit_per_second);
  await d.store.transaction(async (tx) => {
    await snapshotRepo.clearSnapshot(tx, ws, b.id);
    await snapshotRepo.insertSnapshot(tx, d.store, { ws, id: b.id, segmentId: b.segment_id, size, zones: times?.zones ?? null, defaultSendAt: times?.fallback ?? null, holdout });
    const snap = await snapshotRepo.snapshotChunks(tx, ws, b.id);
    const chunks = slotChunks(snap.chunks, { size, rate: b.rate_limit_per_second, now: Date.now() });
    await snapshotRepo.insertChunks(tx, d.store, ws, b.id, chunks.map((c) => ({ chunk: c.chunk, member_count: c.n, run_at: iso(c.runAt) })));
    await d.jobs.enqueueMany(ws, chunks.map((c) => ({ kind: CHUNK_KIND, payload: { broadcastId: b.id, chunk: c.chunk }, key: `${sourceKeyOf(b.id)}:chunk:${c.chunk}`, runAt: iso(c.runAt) })), tx);
    // Guarded on 'scheduled': a cancel that won the race rolls all of this back. started_at: when the snapshot is in.
    await repo.start(tx, ws, b.id, { audience: snap.audience, holdout: snap.holdout, chunks: chunks.length, now: new Date().toISOString() });
  });
}

interface Tally {
  sent: number;
  failed: number;
  skipped: number;
  deferred: number;
  retryAt: string | null;
  skips: { member_id: string; reason: string }[];
}

function add(t: Tally, r: DeliveryReport, leaseMs: number): void {
  t.sent += r.sent;
  t.failed += r.failed;
  t.skipped += r.skipped;
  t.deferred += r.deferred + r.in_flight;
  for (const o of r.outcomes) if (o.status === 'skipped') t.skips.push({ member_id: o.member_id, reason: o.reason });
  // An in-flight member without a lease time: look again after one lease.
  const retry = r.retry_at ?? (r.in_flight > 0 ? iso(Date.now() + leaseMs) : null);
  if (retry && (!t.retryAt || retry < t.retryAt)) t.retryAt = retry;
  for (const [k, v] of Object.entries(r.timings)) pipelineTimings[k] = (pipelineTimings[k] ?? 0) + v;
}

export async function runChunk(d: RunnerDeps, job: ClaimedJob, ctx: JobContext): Promise<void | { retryAt?: string }> {
  const ws = job.workspaceId;
  const { broadcastId, chunk } = job.payload as { broadcastId: string; chunk: number };
  const b = await repo.find(d.store, ws, broadcastId);
  if (!b) return;
  const sourceKey = sourceKeyOf(b.id);
  const c = await snapshotRepo.chunk(d.store, ws, b.id, chunk);
  if (!c || c.state === 'done' || c.state === 'cancelled') return;
  if (b.status !== 'running') {
    if (b.status === 'cancelled' || b.status === 'failed') await finish(d, b, chunk, 'cancelled', c.runs > 0 ? null : zero());
    return;
  }
  const later = c.runs > 0;
  await d.store.transaction((tx) => snapshotRepo.markChunkRunning(tx, ws, b.id, chunk, new Date().toISOString()));
  const tally: Tally = zero();
  try {
    const members = await snapshotRepo.chunkMembers(d.store, ws, b.id, chunk, later ? { sourceKey } : null);
    const template = await d.templates.compile(ws, b.template_id, { channel: b.channel_type as MessagingChannelType, version: b.template_version ?? undefined });
    const request = { sourceKey, channel: { id: b.channel_id, type: b.channel_type as MessagingChannelType }, template, purpose: b.purpose as Purpose, leaseMs: d.leaseMs };
    // Under a rate limit a chunk is at most one second's worth: it goes out in tenths, 100 ms apart, so the rate
    // holds within the second too. (A cancel takes effect at the next chunk: within a second, or one chunk.)
    const step = b.rate_limit_per_second ? Math.max(1, Math.ceil(b.rate_limit_per_second / 10)) : Math.max(1, members.length);
    const started = Date.now();
    for (let i = 0, k = 0; i < members.length; i += step, k++) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (k > 0) await sleep(Math.max(0, started + k * 100 - Date.now()));
      add(tally, await d.delivery.deliver(ws, { ...request, memberIds: members.slice(i, i + step) }), d.leaseMs);
    }
  } catch (e) {
    const code = isSiyuError(e) ? e.code : null;
    if ((code && FATAL.has(code)) || job.attempt >= job.maxAttempts) {
      await d.store.transaction((tx) => repo.fail(tx, ws, b.id, code ?? 'broadcast.chunk_failed', `chunk ${chunk}: ${(e as Error)?.message ?? e}`, new Date().toISOString()));
      await finish(d, b, chunk, 'cancelled', null, tally.skips);
      return;
    }
    throw e;
  }
  const waiting = tally.deferred > 0;
  // A first run knows its counts; a later one counts from the records (an earlier run's sends included).
  await finish(d, b, chunk, waiting ? 'waiting' : 'done', later ? null : tally, tally.skips);
  if (waiting) return { retryAt: tally.retryAt ?? iso(Date.now() + d.leaseMs) };
}

const zero = (): Tally => ({ sent: 0, failed: 0, skipped: 0, deferred: 0, retryAt: null, skips: [] });

/** Writes a chunk's skips and counts (given, or counted from the records) and completes the broadcast after its last chunk. */
async function finish(d: RunnerDeps, b: BroadcastRow, chunk: number, state: string, counts: Tally | null, skips: Tally['skips'] = []): Promise<void> {
  const ws = b.workspace_id;
  const now = new Date().toISOString();
  await d.store.transaction(async (tx) => {
    await snapshotRepo.recordSkips(tx, d.store, ws, b.id, skips);
    let v = counts;
    if (!v) {
      v = zero();
      for (const r of await snapshotRepo.chunkTruth(tx, ws, b.id, chunk, sourceKeyOf(b.id))) {
        const n = Number(r.n);
        if (SENT_STATES.has(r.state)) v.sent += n;
        else if (r.state === 'failed') v.failed += n;
        else if (r.state === 'skipped') v.skipped += n;
        else v.deferred += n;
      }
    }
    await snapshotRepo.finishChunk(tx, ws, b.id, chunk, { state, sent: v.sent, failed: v.failed, skipped: v.skipped, deferred: state === 'waiting' ? v.deferred : 0, now });
  });
  if (state === 'done' || state === 'cancelled') await d.store.transaction((tx) => repo.completeIfDone(tx, ws, b.id, now));
}
