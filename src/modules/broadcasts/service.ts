// Broadcasts: one message to a segment — now, at a time, or at a local time in each member's time zone —
// throttled, cancellable, with live progress. Drafts are edited freely; scheduling pins the template version and
// enqueues the start job; the runner (runner.ts) does the rest through durable jobs.
import { invalid, notFound, SiyuError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Store } from '../../store/port.ts';
import type { DeliveryService } from '../delivery/service.ts';
import type { Purpose } from '../delivery/types.ts';
import type { JobService } from '../jobs/service.ts';
import type { MessagingService } from '../messaging/service.ts';
import type { MessagingChannelType } from '../templates/channels.ts';
import type { TemplateService } from '../templates/service.ts';
import type { HoldoutAssigner } from './holdout.ts';
import { progressOf } from './progress.ts';
import { broadcastsRepo as repo, type BroadcastRow, type Editable } from './repo.ts';
import { snapshotRepo } from './snapshot-repo.ts';
import { CHUNK_KIND, runChunk, runStart, START_KIND, sourceKeyOf, type RunnerDeps } from './runner.ts';
import { scheduleInPast, startTime, type Schedule } from './schedule.ts';
import type { BroadcastCreate, BroadcastPatch, ListQuery, SendTestBody } from './schema.ts';
import { broadcastView } from './views.ts';

export interface BroadcastDeps {
  store: Store;
  jobs: JobService;
  templates: TemplateService;
  messaging: MessagingService;
  delivery: DeliveryService;
  /** Segment id of a ref (404 when unknown); null-safe existence check for the start job. */
  segmentIdOf(ws: string, ref: string): Promise<string>;
  /** Surviving member ids of refs (test sends). */
  resolveMember(ws: string, ref: string): Promise<string>;
  timezoneOf(ws: string): Promise<string>;
  measurement?: () => HoldoutAssigner | null | undefined;
  /**
   * Members per chunk job (default {@link defaultChunkSize}; under a rate limit, one second's worth). Large chunks
   * amortise the per-batch queries (on DuckDB each scans the member tables); a chunk is still a few seconds of work.
   */
  chunkSize?: number;
  /** Chunk jobs one process runs at once (default 2: one chunk's queries overlap another's rendering). */
  concurrency?: number;
  /** Lease of chunk jobs and of their claimed messages (default 30 s): how soon a dead worker's chunk is taken over. */
  leaseMs?: number;
}

const missing = (ref: string) => notFound('broadcast.not_found', `No broadcast ${ref}`, 'id');

/**
 * Members per chunk when not configured: 50,000 on a single-process store (DuckDB: every statement of a chunk scans
 * the member tables, so fewer, larger chunks cost less per message), 20,000 where several worker processes share
 * the chunks (PostgreSQL: more chunks to spread, and its indexed lookups cost the same per row at any size).
 */
export const defaultChunkSize = (store: Store) => (store.capabilities.multiProcess ? 20_000 : 50_000);

/**
 * @example
 * const b = await broadcasts.create(ws, { name: '双11预热', segment: '高价值', template: '双11短信', channel: 'sms-main', holdout_share: 0.1 });
 * await broadcasts.schedule(ws, b.id, { schedule: { type: 'local_time', date: '2026-11-10', time: '10:00' } });
 * await broadcasts.progress(ws, b.id); // { counts: { pending, sent, failed, skipped, holdout }, skipped_by_reason, … }
 */
export class BroadcastService {
  private readonly runner: RunnerDeps;

  constructor(private readonly deps: BroadcastDeps) {
    const leaseMs = deps.leaseMs ?? 30_000;
    this.runner = {
      store: deps.store,
      jobs: deps.jobs,
      templates: deps.templates,
      delivery: deps.delivery,
      timezoneOf: deps.timezoneOf,
      segmentExists: async (ws, id) => {
        try {
          await deps.segmentIdOf(ws, id);
          return true;
        } catch (e) {
          if (e instanceof SiyuError && e.type === 'not_found') return false;
          throw e;
        }
      },
      measurement: deps.measurement,
      chunkSize: deps.chunkSize ?? defaultChunkSize(deps.store),
      leaseMs,
    };
    deps.jobs.register(START_KIND, (job) => runStart(this.runner, job), { concurrency: 1, leaseMs: Math.max(leaseMs, 30_000), maxAttempts: 5 });
    deps.jobs.register(CHUNK_KIND, (job, ctx) => runChunk(this.runner, job, ctx), { concurrency: deps.concurrency ?? 2, leaseMs, maxAttempts: 10, backoff: { baseMs: 1000, maxMs: 60_000 } });
  }

  /** Resolves the refs a draft names: segment, template (with the channel type it must have content for), channel. */
  private async resolve(ws: string, b: { segment?: string; template?: string; channel?: string }, current?: BroadcastRow): Promise<Editable> {
    const out: Editable = {};
    if (b.segment !== undefined) out.segment_id = await this.deps.segmentIdOf(ws, b.segment);
    if (b.channel !== undefined) {
      const ch = await this.deps.messaging.getChannel(ws, b.channel);
      out.channel_id = ch.id;
      out.channel_type = ch.type;
    }
    if (b.template !== undefined) out.template_id = (await this.deps.templates.get(ws, b.template)).id;
    const templateId = out.template_id ?? current?.template_id;
    const type = out.channel_type ?? current?.channel_type;
    if (templateId && type && (b.template !== undefined || b.channel !== undefined)) {
      const t = await this.deps.templates.get(ws, templateId);
      if (!t.channels.includes(type as MessagingChannelType)) {
        throw invalid('broadcast.template_channel_missing', `template ${t.name} has no ${type} content (it has ${t.channels.join(', ')}); the messaging channel is ${type}`, b.template !== undefined ? 'template' : 'channel');
      }
    }
    return out;
  }

  private async row(ws: string, ref: string): Promise<BroadcastRow> {
    const b = await repo.find(this.deps.store, ws, ref);
    if (!b) throw missing(ref);
    return b;
  }

  async create(ws: string, body: BroadcastCreate) {
    const refs = await this.resolve(ws, body);
    const now = new Date().toISOString();
    const row = {
      workspace_id: ws, id: newId('brd'), name: body.name, description: body.description ?? null, status: 'draft',
      segment_id: refs.segment_id!, template_id: refs.template_id!, channel_id: refs.channel_id!, channel_type: refs.channel_type!,
      purpose: body.purpose, holdout_share: body.holdout_share, schedule: body.schedule, rate_limit_per_second: body.rate_limit_per_second,
      created_at: now,
    } as BroadcastRow;
    await this.deps.store.transaction((tx) => repo.insert(tx, row));
    return this.get(ws, row.id);
  }

  /** Edits a draft (400 for a broadcast that is already scheduled or finished). */
  async update(ws: string, ref: string, patch: BroadcastPatch) {
    const b = await this.row(ws, ref);
    if (b.status !== 'draft') throw notDraft(b, 'edited');
    const { segment, template, channel, ...rest } = patch;
    const values: Editable = { ...(await this.resolve(ws, { segment, template, channel }, b)), ...rest };
    const n = await this.deps.store.transaction((tx) => repo.updateDraft(tx, ws, b.id, values, new Date().toISOString()));
    if (n === 0) throw notDraft(await this.row(ws, b.id), 'edited');
    return this.get(ws, b.id);
  }

  /** Deletes a draft or a finished broadcast with its snapshot; its sends stay in the message ledger. */
  async delete(ws: string, ref: string): Promise<void> {
    const b = await this.row(ws, ref);
    const n = await this.deps.store.transaction(async (tx) => {
      const n = await repo.delete(tx, ws, b.id);
      if (n > 0) await snapshotRepo.clearSnapshot(tx, ws, b.id);
      return n;
    });
    if (n === 0) throw new SiyuError('conflict', 'broadcast.not_deletable', `broadcast ${b.name} is ${b.status}; cancel it first`, { field: 'id' });
  }

  /**
   * draft → scheduled: checks that segment, channel and template still fit, pins the template's current version and
   * enqueues the start job for the start time (now, `at`, or the first moment a time zone reaches the local time).
   */
  async schedule(ws: string, ref: string, body: { schedule?: Schedule } = {}) {
    const b = await this.row(ws, ref);
    if (b.status !== 'draft') throw notDraft(b, 'scheduled');
    const schedule = body.schedule ?? (b.schedule as Schedule);
    const now = new Date();
    const past = scheduleInPast(schedule, now);
    if (past) throw invalid('broadcast.schedule_in_past', `schedule: ${past}`, 'schedule');
    await this.deps.segmentIdOf(ws, b.segment_id);
    const channel = await this.deps.messaging.getChannel(ws, b.channel_id);
    if (!channel.enabled) throw new SiyuError('conflict', 'messaging.channel_disabled', `messaging channel ${channel.name} is disabled`, { field: 'channel' });
    const t = await this.deps.templates.get(ws, b.template_id);
    const compiled = await this.deps.templates.compile(ws, t.id, { channel: b.channel_type as MessagingChannelType, version: t.version });
    if (compiled.plan.extras.length > 0) {
      throw invalid('broadcast.template_needs_extras', `template ${t.name} reads ${compiled.plan.extras.join(', ')}, which a broadcast does not provide (use a journey step that issues them)`, 'template');
    }
    const startAt = startTime(schedule, now).toISOString();
    const n = await this.deps.store.transaction(async (tx) => {
      const n = await repo.schedule(tx, ws, b.id, { templateVersion: t.version, schedule, startAt, now: now.toISOString() });
      if (n > 0) await this.deps.jobs.enqueue(ws, { kind: START_KIND, payload: { broadcastId: b.id }, key: `${sourceKeyOf(b.id)}:start`, runAt: startAt }, tx);
      return n;
    });
    if (n === 0) throw notDraft(await this.row(ws, b.id), 'scheduled');
    return this.get(ws, b.id);
  }

  /** Stops a scheduled or running broadcast: no further chunk starts, a running chunk stops within about a second. */
  async cancel(ws: string, ref: string) {
    const b = await this.row(ws, ref);
    const n = await this.deps.store.transaction((tx) => repo.cancel(tx, ws, b.id, new Date().toISOString()));
    if (n === 0 && b.status !== 'cancelled') {
      const now = await this.row(ws, b.id);
      if (now.status !== 'cancelled') throw new SiyuError('conflict', 'broadcast.not_cancellable', `broadcast ${b.name} is ${now.status}; only scheduled or running broadcasts can be cancelled`, { field: 'id' });
    }
    return this.get(ws, b.id);
  }

  async get(ws: string, ref: string) {
    const b = await this.row(ws, ref);
    return { ...broadcastView(b), progress: await progressOf(this.deps.store, b) };
  }

  async progress(ws: string, ref: string) {
    return progressOf(this.deps.store, await this.row(ws, ref));
  }

  async list(ws: string, q: ListQuery) {
    const rows = await repo.list(this.deps.store, ws, { status: q.status, before: q.cursor, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    return { data: page.map(broadcastView), next_cursor: rows.length > q.limit ? page[page.length - 1].id : null };
  }

  /** Per-chunk state and counts (`GET /api/broadcasts/:id/chunks`). */
  async chunks(ws: string, ref: string) {
    const b = await this.row(ws, ref);
    return { broadcast_id: b.id, data: await snapshotRepo.chunks(this.deps.store, ws, b.id) };
  }

  /**
   * Sends the broadcast's template (its pinned version, else the current one) to a few real members now, without
   * guard rails or holdout, under a source key of its own: it neither counts for the broadcast nor blocks the
   * members' real message. `to` replaces addresses (send the member's rendering to a staff phone).
   */
  async sendTest(ws: string, ref: string, body: SendTestBody) {
    const b = await this.row(ws, ref);
    const memberIds = await Promise.all(body.members.map((m) => this.deps.resolveMember(ws, m)));
    const channel = await this.deps.messaging.getChannel(ws, b.channel_id);
    const template = await this.deps.templates.compile(ws, b.template_id, { channel: channel.type as MessagingChannelType, version: b.template_version ?? undefined });
    const sourceKey = `broadcast-test:${b.id}:${newId('tst')}`;
    const report = await this.deps.delivery.deliver(ws, {
      sourceKey, channel: { id: channel.id, type: channel.type as MessagingChannelType }, template, purpose: b.purpose as Purpose, memberIds, guard: false,
      to: body.to ? new Map(memberIds.map((id) => [id, body.to!])) : undefined,
    });
    const { timings: _t, ...rest } = report;
    return { broadcast_id: b.id, template_version: template.version, ...rest };
  }
}

function notDraft(b: BroadcastRow, what: string) {
  return new SiyuError('conflict', 'broadcast.not_draft', `broadcast ${b.name} is ${b.status}; only drafts can be ${what}`, { field: 'id' });
}
