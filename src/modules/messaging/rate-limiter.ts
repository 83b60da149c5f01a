// Throttling and bounded concurrency for provider calls: a token bucket per channel and a small map-with-limit.

/**
 * A token bucket: `take(n)` resolves once n tokens are available at `perSecond` (bursts up to one second's worth).
 * Waiters are served in order. A null rate never waits.
 * @example const limiter = new RateLimiter(100); await limiter.take(10); // then send 10 messages
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly perSecond: number | null,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perSecond ?? 0;
    this.last = now();
  }

  take(n = 1): Promise<void> {
    const rate = this.perSecond;
    if (!rate || rate <= 0) return Promise.resolve();
    // Chained so each waiter starts counting after the previous one got its tokens.
    const turn = this.queue.then(async () => {
      for (;;) {
        const t = this.now();
        this.tokens = Math.min(rate, this.tokens + ((t - this.last) / 1000) * rate);
        this.last = t;
        // A request larger than the bucket waits for a full bucket, then overdraws (and later waiters wait longer).
        const need = Math.min(n, rate);
        if (this.tokens >= need) {
          this.tokens -= n;
          return;
        }
        await new Promise((r) => setTimeout(r, Math.ceil(((need - this.tokens) / rate) * 1000)));
      }
    });
    this.queue = turn;
    return turn;
  }
}

/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results keep the input order.
 * @example const results = await mapLimit(urls, 8, (u) => fetch(u));
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
