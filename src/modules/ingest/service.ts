// The ingest pipeline: validated messages → group commit → identity resolution, events insert and track handlers
// in one transaction per group; requests are acknowledged only after COMMIT.
import { performance } from 'node:perf_hooks';
import { SiyuError, isSiyuError } from '../../core/errors.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { Metrics } from '../../server/metrics.ts';
import { storeUnavailable } from '../../server/limits.ts';
import type { IdentityInput, IdentityPort } from '../identity/types.ts';
import { GroupCommitWriter, type GroupEntry } from './group-commit.ts';
import { eventKey, ingestRepo, toEventRow } from './repo.ts';
import type { IngestMessage } from './schema.ts';
import { isTooDeep, tooDeep } from './normalise.ts';
import type { ChangeFeed, DataChange } from '../../core/change-feed.ts';

/** A message handed to a track handler, with the member it resolved to. */
export interface TrackItem {
  memberId: string | null;
  message: IngestMessage;
}

/**
 * Runs inside the ingest transaction for newly stored (never duplicate) track messages of one event name and
 * workspace. Throwing fails the transaction; a SiyuError then answers the offending request with its 4xx.
 */
export type TrackHandler = (tx: SqlExecutor, workspaceId: string, items: TrackItem[]) => Promise<void>;

interface Work {
  workspaceId: string;
  message: IngestMessage;
}

export interface IngestOptions {
  maxBatch: number;
  maxDelayMs: number;
  /** Group commits in flight at once (see GroupCommitWriter). */
  maxConcurrent?: number;
}

/** Logs a failed commit once per group (each waiting request gets a 503 without the details). */
export type ErrorLogger = (err: unknown, msg: string) => void;

const RETRIES = 3;
/** After a duplicate shows up, SDK retries tend to come in bursts (e.g. after a restart): stay careful a while. */
const CAREFUL_MS = 10_000;

/** The optimistic insert met an existing messageId (or failed otherwise): redo the group idempotently. */
class FreshInsertFailed extends Error {
  constructor(readonly reason: unknown) {
    super('optimistic events insert failed');
  }
}

/** What identity resolution learns from each call type (see the identity contract). */
export function toIdentityInput(m: IngestMessage): IdentityInput {
  // Object literals rather than spreads: this runs once per distinct identity of every group.
  switch (m.type) {
    case 'identify':
      return { userId: m.userId, anonymousId: m.anonymousId, traits: m.traits, applyTraits: true, channel: m.channel, ts: m.timestamp };
    case 'alias':
      return { userId: m.userId, previousId: m.previousId, channel: m.channel, ts: m.timestamp };
    default: {
      // group traits describe the group, not the person; context.traits may carry the person's identifiers.
      const t = m.context?.traits;
      const traits = typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as Record<string, unknown>) : null;
      return { userId: m.userId, anonymousId: m.anonymousId, traits, channel: m.channel, ts: m.timestamp };
    }
  }
}

/**
 * Identity inputs for a group, one per distinct identity: a session's many track/page/screen calls carry the same
 * ids, and resolving each again costs the identity service work for nothing. `slot[i]` is message i's input.
 * Calls that change identity (identify traits, alias) or carry context traits keep their own input, in order.
 */
export function identityInputs(messages: IngestMessage[]): { inputs: IdentityInput[]; slot: Int32Array } {
  const inputs: IdentityInput[] = [];
  const slot = new Int32Array(messages.length);
  const seen = new Map<string, number>();
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const plain = m.type !== 'identify' && m.type !== 'alias' && m.context?.traits == null;
    if (plain) {
      const key = `${m.userId ?? ''}\u0001${m.anonymousId ?? ''}\u0001${m.channel ?? ''}`;
      const j = seen.get(key);
      if (j !== undefined) {
        slot[i] = j;
        continue;
      }
      seen.set(key, inputs.length);
    }
    slot[i] = inputs.length;
    inputs.push(toIdentityInput(m));
  }
  return { inputs, slot };
}

export class IngestService {
  private readonly handlers = new Map<string, TrackHandler[]>();
  private readonly writer: GroupCommitWriter<Work>;
  private carefulUntil = 0;
  private logError: ErrorLogger = (err, msg) => console.error(msg, err);

  constructor(
    private readonly store: Store,
    private readonly identity: IdentityPort,
    private readonly metrics: Metrics,
    private readonly opts: IngestOptions,
    private readonly changes?: ChangeFeed,
  ) {
    this.writer = new GroupCommitWriter<Work>({ ...opts, commit: (g) => this.commit(g) });
  }

  /**
   * Registers a handler for a track event name (e.g. the orders module for 'Order Completed').
   * @example ingest.onTrack('Order Completed', async (tx, ws, items) => { … })
   */
  onTrack(eventName: string, handler: TrackHandler): void {
    const list = this.handlers.get(eventName) ?? [];
    list.push(handler);
    this.handlers.set(eventName, list);
  }

  /** Sends commit failures to the app's structured log. */
  setErrorLogger(log: ErrorLogger): void {
    this.logError = log;
  }

  /** Stores validated messages of one workspace; resolves after they are committed (or were already stored). */
  async ingest(workspaceId: string, messages: IngestMessage[]): Promise<void> {
    await this.writer.submit(messages.map((message) => ({ workspaceId, message })));
  }

  /** Counts messages refused by validation. */
  countRejected(type: string, n: number): void {
    this.metrics.ingestMessages.inc({ type, outcome: 'rejected' }, n);
  }

  /** Messages waiting for a commit. */
  get pending(): number {
    return this.writer.pending;
  }

  /** Commits what is queued and refuses further messages. */
  close(): Promise<void> {
    return this.writer.close();
  }

  private async commit(entries: GroupEntry<Work>[]): Promise<void> {
    const started = performance.now();
    // Same messageId twice in one group: keep the first, so the insert and the handlers see it once.
    const seen = new Set<string>();
    const byWorkspace = new Map<string, IngestMessage[]>();
    const counts = new Map<string, number>();
    let total = 0;
    for (const e of entries) {
      for (const w of e.items) {
        total++;
        const key = eventKey(w.workspaceId, w.message.messageId);
        if (seen.has(key)) {
          bump(counts, `${w.message.type}|duplicate`);
          continue;
        }
        seen.add(key);
        let list = byWorkspace.get(w.workspaceId);
        if (!list) byWorkspace.set(w.workspaceId, (list = []));
        list.push(w.message);
      }
    }

    let inserted: Inserted;
    let changed: DataChange[];
    for (let attempt = 1; ; attempt++) {
      try {
        ({ inserted, changed } = await this.transaction(byWorkspace, Date.now() >= this.carefulUntil));
        break;
      } catch (err) {
        if (isSiyuError(err)) throw err;
        // JSON.stringify of the rows overflows the stack on a message nested thousands of levels deep: the message is
        // at fault, not the store (the group commit then stores the other requests of the group one by one).
        if (isTooDeep(err)) throw tooDeep('body');
        if (err instanceof FreshInsertFailed) {
          this.carefulUntil = Date.now() + CAREFUL_MS;
          attempt--; // not a failure of the group, just the slower path
          continue;
        }
        // Identity resolution signals a lost race for an identifier with `retryable`; resolving again sees the winner.
        if ((err as { retryable?: boolean })?.retryable && attempt < RETRIES) continue;
        this.logError(err, 'ingest commit failed');
        // A store outage keeps its own code (store.disk_full, store.unavailable) so operators see why.
        throw storeUnavailable(err) ?? new SiyuError('unavailable', 'ingest.commit_failed', 'The messages could not be stored; retry the request');
      }
    }

    const committedAt = Date.now();
    for (const c of changed) this.changes?.publish({ ...c, committedAt });
    this.metrics.ingestCommitSeconds.observe((performance.now() - started) / 1000);
    this.metrics.ingestBatchSize.observe(total);
    this.countOutcomes(byWorkspace, inserted, counts);
  }

  /**
   * One transaction: per workspace, resolve members and insert its events; then run handlers for the new ones.
   * `optimistic` inserts without conflict handling and throws FreshInsertFailed when a messageId was stored before.
   */
  private transaction(byWorkspace: Map<string, IngestMessage[]>, optimistic: boolean): Promise<{ inserted: Inserted; changed: DataChange[] }> {
    return this.store.transaction(async (tx) => {
      const inserted: Inserted = new Map();
      const resolved: { workspaceId: string; messages: IngestMessage[]; memberIds: (string | null)[]; created: string[] }[] = [];
      for (const [workspaceId, messages] of byWorkspace) {
        const { inputs, slot } = identityInputs(messages);
        const resolution = await this.identity.resolve(tx, workspaceId, inputs);
        const resolvedIds = resolution.memberIds;
        const memberIds = Array.from(slot, (j) => resolvedIds[j] ?? null);
        const rows = messages.map((m, i) => toEventRow(memberIds[i], m));
        if (optimistic) {
          try {
            await ingestRepo.insertEventsFresh(this.store, tx, workspaceId, rows);
          } catch (e) {
            throw new FreshInsertFailed(e);
          }
          inserted.set(workspaceId, 'all');
        } else {
          inserted.set(workspaceId, await ingestRepo.insertEventsIdempotent(this.store, tx, workspaceId, rows));
        }
        await ingestRepo.recordMonths(this.store, tx, workspaceId, rows, inserted.get(workspaceId)!);
        resolved.push({ workspaceId, messages, memberIds, created: resolution.created });
      }
      if (this.handlers.size > 0) {
        for (const r of resolved) await this.runHandlers(tx, r.workspaceId, r.messages, r.memberIds, inserted.get(r.workspaceId)!);
      }
      const changed = resolved.map((r) => ({ ...changeOf(r.workspaceId, r.messages, r.memberIds, inserted.get(r.workspaceId)!), created: r.created }));
      return { inserted, changed };
    });
  }

  private async runHandlers(tx: SqlExecutor, workspaceId: string, messages: IngestMessage[], memberIds: (string | null)[], fresh: Set<string> | 'all') {
    const byEvent = new Map<string, TrackItem[]>();
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      if (m.type !== 'track' || !this.handlers.has(m.name!) || !isNew(fresh, m.messageId)) continue;
      let list = byEvent.get(m.name!);
      if (!list) byEvent.set(m.name!, (list = []));
      list.push({ memberId: memberIds[i], message: m });
    }
    for (const [event, items] of byEvent) {
      for (const handler of this.handlers.get(event)!) await handler(tx, workspaceId, items);
    }
  }

  private countOutcomes(byWorkspace: Map<string, IngestMessage[]>, inserted: Inserted, counts: Map<string, number>) {
    for (const [workspaceId, messages] of byWorkspace) {
      const fresh = inserted.get(workspaceId)!;
      for (const m of messages) bump(counts, `${m.type}|${isNew(fresh, m.messageId) ? 'stored' : 'duplicate'}`);
    }
    for (const [key, n] of counts) {
      const [type, outcome] = key.split('|');
      this.metrics.ingestMessages.inc({ type, outcome }, n);
    }
  }
}

/** The members and event names a commit touched in one workspace (duplicates excluded); committedAt is set later. */
function changeOf(workspaceId: string, messages: IngestMessage[], memberIds: (string | null)[], fresh: Set<string> | 'all'): DataChange {
  const members = new Set<string>();
  const events = new Set<string>();
  let attributes = false;
  let identities = false;
  messages.forEach((m, i) => {
    const id = memberIds[i];
    if (!id || !isNew(fresh, m.messageId)) return;
    members.add(id);
    if (m.type === 'track' && m.name) events.add(m.name);
    if (m.type === 'identify') attributes = identities = true;
    if (m.type === 'alias') identities = true;
  });
  return { workspaceId, memberIds: [...members], events: [...events], attributes, identities, committedAt: 0 };
}

/** Per workspace: the message ids newly stored by a commit, or 'all' when every one was. */
type Inserted = Map<string, Set<string> | 'all'>;

const isNew = (fresh: Set<string> | 'all', messageId: string) => fresh === 'all' || fresh.has(messageId);
const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
