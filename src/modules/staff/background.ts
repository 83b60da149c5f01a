// Work that follows a commit in this process (order attribution, QR code effects): batched per workspace, failures
// logged (a scheduled sweep catches up after crashes), and awaitable as a whole (`idle`) for tests and shutdown.

export class Background {
  private readonly running = new Set<Promise<unknown>>();
  private readonly batches = new Map<string, { ids: Set<string>; timer: NodeJS.Timeout }>();
  private closed = false;

  constructor(private readonly log: (err: unknown, msg: string) => void, private readonly delayMs = 10) {}

  /** Runs `fn` now, in the background. */
  run(what: string, fn: () => Promise<unknown>): void {
    if (this.closed) return;
    const p = fn().catch((err) => this.log(err, `staff: ${what} failed`));
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  /** Collects ids under `key` for a few milliseconds, then runs `fn` once with all of them. */
  batch(key: string, ids: Iterable<string>, fn: (ids: string[]) => Promise<unknown>): void {
    if (this.closed) return;
    let b = this.batches.get(key);
    if (!b) {
      const entry = { ids: new Set<string>(), timer: setTimeout(() => this.flushBatch(key, fn), this.delayMs) };
      this.batches.set(key, entry);
      b = entry;
    }
    for (const id of ids) b.ids.add(id);
  }

  private flushBatch(key: string, fn: (ids: string[]) => Promise<unknown>): void {
    const b = this.batches.get(key);
    if (!b) return;
    this.batches.delete(key);
    clearTimeout(b.timer);
    this.run(key, () => fn([...b.ids]));
  }

  /** Resolves when nothing is queued or running (work started meanwhile is waited for too). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.batches.size > 0) {
        await new Promise((r) => setTimeout(r, this.delayMs + 1));
        continue;
      }
      if (this.running.size === 0) return;
      await Promise.all([...this.running]);
    }
  }

  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
  }
}
