// Rate-limit counters shared by every API process on one PostgreSQL database. A per-process counter would let N
// processes grant N times the budget; a database round trip per request would put the database on every request's
// path. So each process counts locally and, every `syncMs`, adds what it counted to `rate_limit_counters` in one
// statement whose answer is what all processes have counted in the window. A process then judges each request by
// "everyone's count at the last sync + mine since": the budget can be overshot by at most what the other processes
// admit within one sync interval. Windows are fixed and aligned to the epoch, so every process agrees on them.
import type { Store } from '../store/port.ts';

export interface RateCount {
  current: number;
  /** Milliseconds left in the window. */
  ttl: number;
}

interface Entry {
  window: number;
  windowMs: number;
  /** Everyone's count for the window, as the last sync answered. */
  global: number;
  /** Counted here since the last sync. */
  unsynced: number;
  /** The first request of a key in a window reads everyone's count so far (once per key, window and process). */
  loaded: Promise<void>;
}

const COLUMNS = [
  { name: 'bucket_key', type: 'text' as const },
  { name: 'window_start', type: 'bigint' as const },
  { name: 'hits', type: 'bigint' as const },
];

/** Windows older than this many window lengths are deleted from the table (at most once a minute). */
const KEEP_WINDOWS = 2;

export class SharedRateCounters {
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;
  private syncing: Promise<void> = Promise.resolve();
  private lastPrune = 0;
  private longestWindow = 0;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly opts: { syncMs: number; onError?: (err: unknown) => void },
  ) {
    this.timer = setInterval(() => void this.sync(), opts.syncMs);
    this.timer.unref();
  }

  /** Counts one request of `key` in the current window and answers the estimate of everyone's count. */
  async incr(key: string, windowMs: number, now = Date.now()): Promise<RateCount> {
    const e = this.entry(key, windowMs, now);
    e.unsynced++;
    await e.loaded;
    return { current: e.global + e.unsynced, ttl: e.window + windowMs - now };
  }

  /** The estimate without counting. */
  read(key: string, windowMs: number, now = Date.now()): RateCount {
    const e = this.entries.get(key);
    const window = Math.floor(now / windowMs) * windowMs;
    if (!e || e.window !== window) return { current: 0, ttl: 0 };
    return { current: e.global + e.unsynced, ttl: e.window + windowMs - now };
  }

  private entry(key: string, windowMs: number, now: number): Entry {
    const window = Math.floor(now / windowMs) * windowMs;
    let e = this.entries.get(key);
    if (!e || e.window !== window) {
      // A key's last window ended: what it did not sync yet no longer matters to anyone.
      const fresh: Entry = { window, windowMs, global: 0, unsynced: 0, loaded: Promise.resolve() };
      fresh.loaded = this.store
        .query<{ hits: number }>('SELECT hits FROM rate_limit_counters WHERE bucket_key = $1 AND window_start = $2', [key, window])
        .then(
          ([r]) => void (fresh.global = Math.max(fresh.global, Number(r?.hits ?? 0))),
          (err) => this.opts.onError?.(err), // unknown: count from here (the next sync corrects it)
        );
      e = fresh;
      this.entries.set(key, e);
      this.longestWindow = Math.max(this.longestWindow, windowMs);
    }
    return e;
  }

  /**
   * Adds the local counts to the table and learns everyone's counts for every key active in its current window
   * (keys with nothing new are sent with 0, so a quiet process still sees the others' traffic). Serialised: a sync
   * never overlaps the previous one. A failed sync keeps the counts for the next.
   */
  sync(now = Date.now()): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncOnce(now)).catch((e) => this.opts.onError?.(e));
    return this.syncing;
  }

  private async syncOnce(now: number): Promise<void> {
    const sent = new Map<string, Entry & { n: number }>();
    for (const [key, e] of this.entries) {
      if (e.window + e.windowMs <= now) {
        this.entries.delete(key);
        continue;
      }
      sent.set(key, { ...e, n: e.unsynced });
    }
    if (this.longestWindow && now - this.lastPrune >= 60_000) {
      this.lastPrune = now;
      await this.store.exec('DELETE FROM rate_limit_counters WHERE window_start < $1', [now - KEEP_WINDOWS * this.longestWindow]);
    }
    if (sent.size === 0) return;
    const rows = [...sent].map(([key, e]) => ({ bucket_key: key, window_start: e.window, hits: e.n }));
    const answered = await this.store.query<{ bucket_key: string; window_start: number; hits: number }>(
      `INSERT INTO rate_limit_counters (bucket_key, window_start, hits)
       SELECT bucket_key, window_start, hits FROM ${this.store.jsonRows(1, COLUMNS, 'r')}
       ON CONFLICT (bucket_key, window_start) DO UPDATE SET hits = rate_limit_counters.hits + EXCLUDED.hits
       RETURNING bucket_key, window_start, hits`,
      [JSON.stringify(rows)],
    );
    for (const a of answered) {
      const e = this.entries.get(a.bucket_key);
      const s = sent.get(a.bucket_key);
      if (!e || !s || e.window !== Number(a.window_start)) continue;
      e.unsynced -= s.n; // what was counted while the statement ran stays for the next sync
      e.global = Number(a.hits);
    }
  }

  /** Stops syncing after one last sync (its failure is reported, not thrown: the process is stopping). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.sync();
  }
}

/**
 * A store class for @fastify/rate-limit over shared counters (the plugin instantiates it with its options; `child`
 * serves routes with their own limits from the same counters, under a prefix).
 */
export function rateLimitStoreOf(counters: SharedRateCounters) {
  return class SharedRateLimitStore {
    constructor(
      _options?: unknown,
      private readonly prefix = '',
    ) {}
    incr(key: string, cb: (err: Error | null, res: RateCount) => void, timeWindow: number): void {
      counters.incr(this.prefix + key, timeWindow).then((r) => cb(null, r), (e: Error) => cb(e, { current: 0, ttl: 0 }));
    }
    read(key: string, cb: (err: Error | null, res: RateCount) => void, timeWindow: number): void {
      cb(null, counters.read(this.prefix + key, timeWindow));
    }
    /** The plugin passes the route's merged limit options (its route under `routeInfo`, or `url` itself). */
    child(routeOptions: object): SharedRateLimitStore {
      const o = routeOptions as { routeInfo?: { method?: unknown; url?: unknown }; method?: unknown; url?: unknown };
      const r = o.routeInfo ?? o;
      return new SharedRateLimitStore(undefined, `${this.prefix}${String(r.method ?? '')} ${String(r.url ?? '')}|`);
    }
  };
}
