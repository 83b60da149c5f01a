// A minimal fixed-size pool: DuckDB transactions belong to a connection, so each unit of work borrows one.

interface Waiter<C> {
  resolve: (c: C) => void;
  reject: (e: Error) => void;
}

export interface DrainOptions<C> {
  /** Asks a borrowed connection's running statement to stop (DuckDB: interrupt). */
  interrupt?: (c: C) => void;
  /** How long borrowed connections may finish their work before they are interrupted (default 5 s). */
  graceMs?: number;
  /** How long interrupted work may take to hand its connection back before it is closed anyway (default 5 s). */
  forceMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ConnectionPool<C> {
  private readonly free: C[];
  private readonly waiters: Array<Waiter<C>> = [];
  private closed = false;

  constructor(private readonly all: C[]) {
    this.free = [...all];
  }

  /** Borrows a connection for the duration of `fn`. */
  async use<T>(fn: (c: C) => Promise<T>): Promise<T> {
    const c = await this.acquire();
    try {
      return await fn(c);
    } finally {
      this.release(c);
    }
  }

  private acquire(): Promise<C> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const c = this.free.pop();
    if (c !== undefined) return Promise.resolve(c);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private release(c: C): void {
    const w = this.closed ? undefined : this.waiters.shift();
    if (w) w.resolve(c);
    else this.free.push(c);
  }

  /**
   * Closes the pool: new work is refused at once, work that waits for a connection is refused, and borrowed
   * connections are closed only once handed back (interrupted after `graceMs`). Closing a DuckDB connection while
   * one of its statements still runs on a worker thread can crash the process natively, so this waits.
   */
  async drain(close: (c: C) => void, opts: DrainOptions<C> = {}): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('store is closed'));
    const graceEnd = Date.now() + (opts.graceMs ?? 5_000);
    let forceEnd = Infinity;
    while (this.free.length < this.all.length && Date.now() < forceEnd) {
      if (forceEnd === Infinity && Date.now() >= graceEnd) {
        for (const c of this.all) if (!this.free.includes(c)) opts.interrupt?.(c);
        forceEnd = Date.now() + (opts.forceMs ?? 5_000);
      }
      await sleep(5);
    }
    for (const c of this.all) close(c);
  }
}
