// One score recompute as a transaction: lock, new rows, change history, old rows out, run record; serialised per kind.
import { newId } from '../../core/ids.ts';
import type { Store, TxExecutor } from '../../store/port.ts';
import { scoresRepo as repo, type ScoreKind, type ScoreRunRow } from './repo.ts';

export class RunRecorder {
  /** Recomputes of one workspace and kind run one after another in this process (DuckDB would fail the second). */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly store: Store) {}

  /** Runs `fn` after every earlier call with the same key has settled. */
  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return next;
  }

  /**
   * One recompute: takes the kind's lock, writes the new rows with `insert`, records changes in history, drops the
   * previous rows and stores the run with the summary `summarise` builds — all in one transaction.
   */
  run(
    ws: string,
    kind: ScoreKind,
    asOf: string,
    config: unknown,
    insert: (tx: TxExecutor, runId: string) => Promise<void>,
    summarise: (tx: TxExecutor) => Promise<{ summary: Record<string, unknown>; members: number }>,
  ): Promise<ScoreRunRow> {
    return this.serial(`${ws}|${kind}`, () => {
      const runId = newId('srun');
      return this.store.transaction(async (tx) => {
        const t0 = performance.now();
        const startedAt = new Date().toISOString();
        await repo.lock(tx, ws, kind, runId, asOf, startedAt);
        await insert(tx, runId);
        const changed = await repo.swapIn(tx, ws, kind, runId, asOf);
        const { summary, members } = await summarise(tx);
        const run = {
          id: runId,
          kind,
          as_of: asOf,
          config,
          summary,
          member_count: members,
          changed_count: changed,
          duration_ms: Math.round((performance.now() - t0) * 10) / 10,
          started_at: startedAt,
          finished_at: new Date().toISOString(),
        };
        await repo.insertRun(tx, ws, run);
        return run;
      });
    });
  }
}
