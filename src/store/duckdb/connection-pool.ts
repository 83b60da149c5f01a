// A minimal fixed-size pool: DuckDB transactions belong to a connection, so each unit of work borrows one.

export class ConnectionPool<C> {
  private readonly free: C[];
  private readonly waiters: Array<(c: C) => void> = [];
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
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(c: C): void {
    const w = this.waiters.shift();
    if (w) w(c);
    else this.free.push(c);
  }

  async drain(close: (c: C) => void): Promise<void> {
    this.closed = true;
    for (const c of this.all) close(c);
  }
}
