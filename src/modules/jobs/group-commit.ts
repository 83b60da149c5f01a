// Group commit for job completions: while one batch commits, the next ones gather, so a busy worker finishes many
// jobs per transaction (DuckDB commits a few hundred single-row transactions a second) without adding latency
// when it is idle (a lone completion commits at once).

/** Collects items and hands them to `flush` in batches; each submitter gets its own item's result. */
export class GroupCommit<T, R> {
  private pending: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private flushing = false;

  constructor(private readonly flush: (items: T[]) => Promise<R[]>, private readonly maxBatch = 1000) {}

  /** Resolves with this item's result once the batch holding it has committed. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.flushing) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const results = await this.flush(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(results[i]));
        } catch (e) {
          for (const b of batch) b.reject(e);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
