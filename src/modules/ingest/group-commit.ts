// Group commit: requests enqueue their items and wait; one loop commits many requests per transaction and only
// then answers them, so every acknowledgement is durable while the store sees few, large transactions.
import { SiyuError } from '../../core/errors.ts';

/** One waiting request. */
export interface GroupEntry<T> {
  items: T[];
  resolve(): void;
  reject(err: unknown): void;
}

export interface GroupCommitOptions<T> {
  /** Most items one commit may hold (a single larger request still goes alone). */
  maxBatch: number;
  /** How long an idle writer waits for more items before committing. */
  maxDelayMs: number;
  /** Items allowed to wait at once (default 5 × maxBatch); beyond, requests are refused with 429 to shed load. */
  maxQueued?: number;
  /**
   * Groups committing at once (default 2). With one, parsing the next requests and committing the current group
   * take turns and each core idles half the time; two overlap them. Conflicts between the groups (the same new
   * person in both) are retried by the store.
   */
  maxConcurrent?: number;
  /** Commits the entries in one transaction; resolves after COMMIT. */
  commit(entries: GroupEntry<T>[]): Promise<void>;
}

/**
 * Up to `maxConcurrent` commits at a time: while groups commit, the next one gathers. When a group fails, each of its requests is retried alone so one bad request cannot fail
 * (or forever block) the others.
 * @example const w = new GroupCommitWriter({ maxBatch: 1000, maxDelayMs: 5, commit }); await w.submit([msg]);
 */
export class GroupCommitWriter<T> {
  private queue: GroupEntry<T>[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private active = 0;
  private drained: Array<() => void> = [];
  private closed = false;

  constructor(private readonly opts: GroupCommitOptions<T>) {}

  /** Number of items waiting for a commit. */
  get pending(): number {
    return this.queued;
  }

  /** Enqueues items; resolves once they are committed, rejects when their transaction failed. */
  submit(items: T[]): Promise<void> {
    if (this.closed) return Promise.reject(new SiyuError('unavailable', 'ingest.closing', 'The server is shutting down; retry shortly'));
    if (items.length === 0) return Promise.resolve();
    if (this.queued > 0 && this.queued + items.length > (this.opts.maxQueued ?? this.opts.maxBatch * 5)) {
      return Promise.reject(new SiyuError('rate_limited', 'ingest.overloaded', 'Too many messages are waiting to be stored; retry after a second'));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queued += items.length;
      this.schedule();
    });
  }

  private get maxConcurrent(): number {
    return this.opts.maxConcurrent ?? 1;
  }

  private schedule() {
    if (this.queue.length === 0 || this.active >= this.maxConcurrent) return; // a finishing commit schedules the next group
    // Full or closing: go now. Otherwise wait briefly so a group can form.
    if (this.queued >= this.opts.maxBatch || this.opts.maxDelayMs === 0 || this.closed) {
      this.launch();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.launch(), this.opts.maxDelayMs);
    }
  }

  private launch() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.queue.length === 0 || this.active >= this.maxConcurrent) return;
    this.active++;
    void this.commitGroup(this.take()).finally(() => {
      this.active--;
      // Whatever arrived during the commit goes right away: the commit itself was the wait.
      if (this.queue.length > 0) this.launch();
      else if (this.active === 0) for (const done of this.drained.splice(0)) done();
    });
    // Another slot free: let the next group start gathering now rather than when this one ends.
    if (this.queue.length > 0) this.schedule();
  }

  /** Whole requests, oldest first, up to maxBatch items (at least one request). */
  private take(): GroupEntry<T>[] {
    let n = 0;
    let i = 0;
    while (i < this.queue.length && (i === 0 || n + this.queue[i].items.length <= this.opts.maxBatch)) {
      n += this.queue[i].items.length;
      i++;
    }
    this.queued -= n;
    return this.queue.splice(0, i);
  }

  private async commitGroup(group: GroupEntry<T>[]) {
    try {
      await this.opts.commit(group);
    } catch (err) {
      if (group.length === 1) {
        group[0].reject(err);
        return;
      }
      for (const entry of group) {
        try {
          await this.opts.commit([entry]);
        } catch (e) {
          entry.reject(e);
          continue;
        }
        entry.resolve();
      }
      return;
    }
    for (const entry of group) entry.resolve();
  }

  /** Commits everything already queued, then refuses new items. */
  async close(): Promise<void> {
    this.closed = true;
    this.launch();
    if (this.active === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.drained.push(resolve));
  }
}
