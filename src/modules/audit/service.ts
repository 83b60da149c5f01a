// The audit log: entries are queued by the HTTP hooks and appended in batches at the tail of each workspace's hash
// chain (one writer per process; a concurrent process's duplicate seq is retried), ingest traffic is summed per key
// and minute, and reads, exports and `verify` walk the stored rows. A failed write never fails a request: the batch
// stays queued, is retried, counted in metrics and logged — and on close whatever still cannot be written is
// logged in full, never dropped silently.
import { Counter, Gauge, type Registry } from 'prom-client';
import { invalid } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Store } from '../../store/port.ts';
import { GENESIS, rowHash, verifyRows } from './chain.ts';
import { auditRepo, type AuditFilter, type AuditRow } from './repo.ts';
import type { AuditVerify, AuditView } from './schema.ts';

export type { AuditView } from './schema.ts';

/** What a hook records about one request. */
export interface AuditEntry {
  workspaceId: string;
  kind?: 'request' | 'ingest_summary';
  occurredAt: string;
  actor: { type: string; id: string; name: string | null } | null;
  action: string;
  route: string | null;
  resourceId: string | null;
  status: number | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  before?: string | null;
  after?: string | null;
  detail?: string | null;
}

export interface AuditDeps {
  store: Store;
  registry?: Registry;
  /** Where write failures are reported (the app's logger); defaults to stderr. */
  log?: (msg: string, detail: Record<string, unknown>) => void;
  /** Milliseconds between writes of complete ingest minutes (default 15 s). */
  ingestFlushMs?: number;
}

/** Most entries held in memory while the store refuses writes; beyond it the oldest are logged in full and dropped. */
const MAX_PENDING = 50_000;
const WRITE_ATTEMPTS = 5;
const BATCH = 500;
const MINUTE_MS = 60_000;

interface IngestBucket {
  workspaceId: string;
  actor: AuditEntry['actor'];
  minute: number;
  requests: number;
  messages: number;
  failed: number;
  routes: Record<string, number>;
}

const parse = (t: string | null) => {
  if (t === null || t === undefined) return null;
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
};

/** Shapes a stored row for the API. */
export function viewOf(r: AuditRow): AuditView {
  return {
    seq: Number(r.seq), id: r.id, kind: r.kind as AuditView['kind'], occurred_at: r.occurred_at,
    actor: r.actor_type && r.actor_id ? `${r.actor_type}:${r.actor_id}` : null, actor_type: r.actor_type, actor_id: r.actor_id, actor_name: r.actor_name,
    action: r.action, route: r.route, resource_id: r.resource_id, status: r.status === null ? null : Number(r.status),
    ip: r.ip, user_agent: r.user_agent, request_id: r.request_id,
    before: parse(r.before_json), after: parse(r.after_json), detail: parse(r.detail_json) as AuditView['detail'], hash: r.hash,
  };
}

export class AuditService {
  private readonly repo;
  /** Entries in response order; a settings change's entry is a promise until its after-snapshot is read. */
  private pending: Array<AuditEntry | Promise<AuditEntry>> = [];
  private readonly ingest = new Map<string, IngestBucket>();
  private writing: Promise<void> = Promise.resolve();
  /**
   * The chain's tail per workspace, where this process is the store's only writer (embedded DuckDB): saves a max(seq)
   * scan per batch. Multi-process stores read the tail in each transaction.
   */
  private readonly tails = new Map<string, { seq: number; hash: string }>();
  private scheduled = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly failures?: Counter<string>;
  private readonly written?: Counter<'kind'>;
  private log: NonNullable<AuditDeps['log']>;

  constructor(private readonly deps: AuditDeps) {
    this.repo = auditRepo(deps.store);
    this.log = deps.log ?? ((msg, detail) => process.stderr.write(`${msg} ${JSON.stringify(detail)}\n`));
    if (deps.registry) {
      this.failures = new Counter({ name: 'siyu_audit_write_failures_total', help: 'Audit log batches that could not be written (retried; see the log)', registers: [deps.registry] });
      this.written = new Counter({ name: 'siyu_audit_rows_total', help: 'Audit log rows written, by kind', labelNames: ['kind'], registers: [deps.registry] });
      const self = this;
      new Gauge({ name: 'siyu_audit_pending', help: 'Audit entries waiting to be written', registers: [deps.registry], collect() { this.set(self.pending.length); } });
    }
    this.timer = setInterval(() => void this.flush({ ingestUntil: Date.now() }).catch(() => undefined), deps.ingestFlushMs ?? 15_000);
    this.timer.unref();
  }

  /** Reports write failures to this logger (the app's) from now on. */
  setLogger(log: NonNullable<AuditDeps['log']>): void {
    this.log = log;
  }

  /** Queues one entry (or its promise, which must not reject); written shortly after (batched), or by {@link flush}. */
  record(entry: AuditEntry | Promise<AuditEntry>): void {
    this.pending.push(entry);
    if (this.pending.length > MAX_PENDING) this.drop(this.pending.splice(0, this.pending.length - MAX_PENDING));
    if (!this.scheduled && !this.closed) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush().catch(() => undefined);
      });
    }
  }

  /** Counts one data-plane ingest request towards its key's row for this minute. */
  countIngest(e: { workspaceId: string; actor: AuditEntry['actor']; route: string; messages: number; ok: boolean; at?: number }): void {
    const minute = Math.floor((e.at ?? Date.now()) / MINUTE_MS) * MINUTE_MS;
    const key = `${e.workspaceId}\u0000${e.actor?.type}:${e.actor?.id}\u0000${minute}`;
    let b = this.ingest.get(key);
    if (!b) this.ingest.set(key, (b = { workspaceId: e.workspaceId, actor: e.actor, minute, requests: 0, messages: 0, failed: 0, routes: {} }));
    b.requests++;
    b.messages += e.messages;
    if (!e.ok) b.failed++;
    b.routes[e.route] = (b.routes[e.route] ?? 0) + 1;
  }

  /**
   * Writes everything queued. Ingest minutes are written once complete (before `ingestUntil`'s minute); pass
   * `ingestUntil: Infinity` to write the current minute too (on close). Resolves when the writes are done; a
   * failure leaves the entries queued (and reported), it does not reject.
   */
  flush(opts: { ingestUntil?: number } = {}): Promise<void> {
    const until = opts.ingestUntil ?? 0;
    if (until > 0) {
      const cut = until === Infinity ? Infinity : Math.floor(until / MINUTE_MS) * MINUTE_MS;
      for (const [k, b] of this.ingest) {
        if (b.minute >= cut) continue;
        this.ingest.delete(k);
        this.pending.push({
          workspaceId: b.workspaceId, kind: 'ingest_summary', occurredAt: new Date(b.minute).toISOString(), actor: b.actor,
          action: 'INGEST /v1', route: null, resourceId: null, status: null, ip: null, userAgent: null, requestId: null,
          detail: JSON.stringify({ minute: new Date(b.minute).toISOString(), requests: b.requests, messages: b.messages, failed: b.failed, routes: b.routes }),
        });
      }
    }
    this.writing = this.writing.then(() => this.writePending());
    return this.writing;
  }

  private async writePending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = await Promise.all(this.pending.slice(0, BATCH));
      const byWs = new Map<string, AuditEntry[]>();
      for (const e of batch) byWs.set(e.workspaceId, [...(byWs.get(e.workspaceId) ?? []), e]);
      try {
        for (const [ws, entries] of byWs) await this.appendChained(ws, entries);
      } catch (err) {
        this.failures?.inc();
        this.log('audit log write failed; entries stay queued and are retried', { err: String((err as Error)?.message ?? err), pending: this.pending.length });
        return;
      }
      this.pending.splice(0, batch.length);
      for (const e of batch) this.written?.inc({ kind: e.kind ?? 'request' });
    }
  }

  /** Appends entries after the workspace's tail; retries when another process took the same seq first. */
  private async appendChained(ws: string, entries: AuditEntry[]): Promise<void> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      try {
        await this.deps.store.transaction(async (tx) => {
          const cached = this.deps.store.capabilities.multiProcess ? undefined : this.tails.get(ws);
          const tail = cached ?? (await this.repo.tail(tx, ws)) ?? { seq: 0, hash: GENESIS };
          let prev = tail;
          const rows = entries.map((e) => {
            const fields = {
              seq: prev.seq + 1, id: newId('aud'), kind: e.kind ?? 'request', occurred_at: e.occurredAt,
              actor_type: e.actor?.type ?? null, actor_id: e.actor?.id ?? null, actor_name: e.actor?.name ?? null,
              action: e.action, route: e.route, resource_id: e.resourceId, status: e.status, ip: e.ip, user_agent: e.userAgent,
              request_id: e.requestId, before_json: e.before ?? null, after_json: e.after ?? null, detail_json: e.detail ?? null,
            };
            const hash = rowHash(prev.hash, fields);
            const row = { ...fields, prev_hash: prev.hash, hash };
            prev = { seq: fields.seq, hash };
            return row;
          });
          await this.repo.append(tx, ws, rows);
          tx.afterEnd((committed) => (committed && !this.deps.store.capabilities.multiProcess ? this.tails.set(ws, prev) : this.tails.delete(ws)));
        });
        return;
      } catch (err) {
        this.tails.delete(ws);
        lastErr = err;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
    throw lastErr;
  }

  /** Lets requests that just answered reach their audit hook, then writes what is queued (reads see their own changes). */
  private async settle(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    await this.flush();
  }

  /** Entries that cannot be kept in memory any longer: logged in full so they survive in the log. */
  private drop(entries: Array<AuditEntry | Promise<AuditEntry>>) {
    for (const e of entries) void Promise.resolve(e).then((entry) => this.log('audit entry not written (store unavailable); logged instead', { entry }));
  }

  /** A page of the log, newest first; pass `next_cursor` back for the next page. */
  async list(ws: string, f: AuditFilter & { limit: number; cursor?: string }): Promise<{ data: AuditView[]; next_cursor: string | null }> {
    await this.settle();
    let beforeSeq: number | undefined;
    if (f.cursor) {
      beforeSeq = Number(Buffer.from(f.cursor, 'base64url').toString('utf8'));
      if (!Number.isSafeInteger(beforeSeq) || beforeSeq < 1) throw invalid('audit.cursor_invalid', 'cursor is not one this API returned', 'cursor');
    }
    const rows = await this.repo.list(this.deps.store, ws, { ...f, beforeSeq }, f.limit + 1);
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    return { data: page.map(viewOf), next_cursor: rows.length > f.limit && last ? Buffer.from(String(last.seq)).toString('base64url') : null };
  }

  /** Every row matching the filter, newest first, page by page (for exports). */
  async *rows(ws: string, f: AuditFilter): AsyncGenerator<AuditView[]> {
    await this.settle();
    let beforeSeq: number | undefined;
    for (;;) {
      const rows = await this.repo.list(this.deps.store, ws, { ...f, beforeSeq }, 5_000);
      if (rows.length === 0) return;
      yield rows.map(viewOf);
      beforeSeq = Number(rows[rows.length - 1].seq);
    }
  }

  /** Walks the workspace's chain from the first row: ok, how many rows, and the first break if any. */
  async verify(ws: string): Promise<AuditVerify> {
    await this.settle();
    let last = { hash: GENESIS, seq: 0 };
    let count = 0;
    for (;;) {
      const page = await this.repo.chainPage(this.deps.store, ws, last.seq, 5_000);
      if (page.length === 0) break;
      const r = verifyRows(last, page);
      if (r.broken) return { ok: false, rows: count + (r.last.seq - last.seq), last_seq: r.last.seq, last_hash: r.last.hash, broken: r.broken };
      count += page.length;
      last = r.last;
    }
    return { ok: true, rows: count, last_seq: last.seq, last_hash: last.hash, broken: null };
  }

  /** Writes everything, including the current ingest minute; entries that still cannot be written are logged. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.flush({ ingestUntil: Infinity });
    if (this.pending.length > 0) this.drop(this.pending.splice(0));
  }
}
