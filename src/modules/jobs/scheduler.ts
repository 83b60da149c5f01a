// Fires recurring schedules: each due tick enqueues exactly one job, even with several worker processes racing,
// because the tick is claimed by a compare-and-set on next_run_at in the same transaction as the enqueue.
import type { Store, TxExecutor } from '../../store/port.ts';
import { nextTick } from './cron.ts';
import { schedulesRepo, type ScheduleRow } from './schedule-repo.ts';
import type { JobSpec } from './types.ts';

export type EnqueueInTx = (tx: TxExecutor, ws: string, spec: JobSpec) => Promise<{ id: string; created: boolean }>;

/** The enqueue key of a schedule's tick: the same in every process, so a duplicate could never be queued twice. */
export const tickKey = (name: string, tick: string) => `schedule:${name}:${tick}`;

/**
 * Enqueues one job for every due schedule. A schedule that missed ticks while no worker ran fires once (for the
 * first missed tick) and then moves on to its next tick after `now`: catch-up, not a burst.
 * @returns the number of ticks this call fired
 */
export async function fireDueSchedules(store: Store, now: Date, enqueue: EnqueueInTx, log: (err: unknown, msg: string) => void): Promise<number> {
  const nowIso = now.toISOString();
  let fired = 0;
  for (;;) {
    const due = await schedulesRepo.due(store, nowIso, 100);
    let round = 0;
    for (const s of due) {
      try {
        if (await fireOne(store, s, now, enqueue)) round++;
      } catch (e) {
        log(e, `jobs: schedule ${s.name} of workspace ${s.workspace_id} failed to fire; retrying on the next check`);
      }
    }
    fired += round;
    // A full page that fired something may have more behind it; anything left unfired now waits for the next check.
    if (due.length < 100 || round === 0) return fired;
  }
}

async function fireOne(store: Store, s: ScheduleRow, now: Date, enqueue: EnqueueInTx): Promise<boolean> {
  const tick = s.next_run_at!;
  const next = nextTick(s.cron, s.timezone, now);
  return store.transaction(async (tx) => {
    if ((await schedulesRepo.advance(tx, s.workspace_id, s.id, tick, next, now.toISOString())) === 0) return false; // another process fired it
    const job = await enqueue(tx, s.workspace_id, { kind: s.kind, payload: s.payload, key: tickKey(s.name, tick), runAt: tick });
    await schedulesRepo.setLastJob(tx, s.workspace_id, s.id, job.id);
    return true;
  });
}
