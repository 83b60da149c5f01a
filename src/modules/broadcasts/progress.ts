// Live progress of a broadcast from its chunk rows (a few hundred at most, even for a million members) and, when
// some were skipped, the skip reasons from the snapshot: counts by state without scanning the message ledger.
import type { Store } from '../../store/port.ts';
import type { BroadcastRow } from './repo.ts';
import { snapshotRepo } from './snapshot-repo.ts';

export interface BroadcastProgress {
  broadcast_id: string;
  status: string;
  /** Members in the snapshot (holdout included); null before the broadcast starts. */
  audience: number | null;
  counts: { pending: number; sent: number; failed: number; skipped: number; holdout: number };
  skipped_by_reason: Record<string, number>;
  /** Members waiting for a later try (quiet hours, or a message another worker still holds). */
  deferred: number;
  chunks: { total: number; queued: number; running: number; waiting: number; done: number; cancelled: number };
  /** When the next queued chunk may run (local-time and throttled broadcasts). */
  next_run_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

export async function progressOf(store: Store, b: BroadcastRow): Promise<BroadcastProgress> {
  const ws = b.workspace_id;
  const chunks = { total: 0, queued: 0, running: 0, waiting: 0, done: 0, cancelled: 0 };
  const counts = { pending: 0, sent: 0, failed: 0, skipped: 0, holdout: Number(b.holdout_count ?? 0) };
  let deferred = 0;
  for (const r of await snapshotRepo.chunkTotals(store, ws, b.id)) {
    const n = Number(r.chunks);
    chunks.total += n;
    if (r.state in chunks) chunks[r.state as keyof typeof chunks] += n;
    counts.sent += Number(r.sent);
    counts.failed += Number(r.failed);
    counts.skipped += Number(r.skipped);
    deferred += Number(r.deferred);
  }
  const audience = b.audience_count === null ? null : Number(b.audience_count);
  counts.pending = audience === null ? 0 : Math.max(0, audience - counts.holdout - counts.sent - counts.failed - counts.skipped);
  const skipped_by_reason: Record<string, number> = {};
  if (counts.skipped > 0) for (const r of await snapshotRepo.skipReasons(store, ws, b.id)) skipped_by_reason[r.reason] = Number(r.n);
  const next_run_at = chunks.queued + chunks.waiting > 0 ? await snapshotRepo.nextRunAt(store, ws, b.id) : null;
  return { broadcast_id: b.id, status: b.status, audience, counts, skipped_by_reason, deferred, chunks, next_run_at, started_at: b.started_at, finished_at: b.finished_at };
}
