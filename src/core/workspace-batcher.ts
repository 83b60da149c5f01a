// Work that arrives in bursts per workspace (committed changes from the feed: members whose orders or events just
// landed) is merged per workspace for a short delay and run one batch at a time, so a burst of 1,000 ingests
// becomes a few set-based passes instead of 1,000 overlapping ones.

export interface WorkspaceBatcherOptions<T> {
  /** Runs one workspace's merged work; batches never overlap. */
  run: (workspaceId: string, batch: T) => Promise<unknown>;
  /** A failed batch is reported here and dropped: the caller's sweep is what catches it up. */
  onError: (err: unknown, workspaceId: string) => void;
  /** How long work waits for more to join it. */
  delayMs?: number;
}

export class WorkspaceBatcher<T> {
  private readonly pending = new Map<string, T>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly opts: WorkspaceBatcherOptions<T>) {}

  /**
   * Adds work for a workspace, to run within `delayMs` (20 ms by default): `merge` folds it into what already waits
   * (`current` undefined: nothing does).
   */
  add(workspaceId: string, merge: (current: T | undefined) => T): void {
    this.pending.set(workspaceId, merge(this.pending.get(workspaceId)));
    this.timer ??= setTimeout(() => this.drain(), this.opts.delayMs ?? 20);
  }

  /** Runs what waits now and resolves when everything added so far has run (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.timer || this.pending.size > 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.drain();
      }
      await this.running;
    }
    await this.running;
  }

  private drain(): void {
    this.timer = null;
    const batch = [...this.pending.entries()];
    this.pending.clear();
    this.running = this.running.then(async () => {
      for (const [ws, work] of batch) {
        try {
          await this.opts.run(ws, work);
        } catch (e) {
          this.opts.onError(e, ws);
        }
      }
    });
  }
}

/** Adds `ids` to a set of member ids waiting for a workspace (the usual `merge`). */
export const withMembers = (ids: Iterable<string>) => (current: Set<string> | undefined): Set<string> => {
  const set = current ?? new Set<string>();
  for (const id of ids) set.add(id);
  return set;
};
