// In-process cache of who owns each strong identifier, for single-process stores (the embedded DuckDB file).
// On the ingest hot path the owners lookup is a third of a commit; in steady state every user is already known.

export interface CachedOwner {
  memberId: string;
  lastSeenAt: string;
}

const MAX_ENTRIES = 500_000;

/**
 * Holds only what the database durably says: entries come from committed reads, touches are applied after
 * commit, and any merge (which moves identifiers between members) empties the cache when it starts and again
 * when its transaction ends. While a merge is in flight nothing is added, and a read that a merge overlapped is
 * not cached (generation check), so a stale owner can never be served.
 * Strong identifiers only: their owners are strong by definition, so the planner's "is this member known"
 * question never depends on a cached answer.
 */
export class OwnerCache {
  private readonly map = new Map<string, CachedOwner>();
  private generation = 0;
  private mergesInFlight = 0;

  constructor(readonly enabled: boolean) {}

  private static key(ws: string, type: string, value: string) {
    return `${ws}\u0000${type}\u0000${value}`;
  }

  get(ws: string, type: string, value: string): CachedOwner | undefined {
    return this.enabled ? this.map.get(OwnerCache.key(ws, type, value)) : undefined;
  }

  /** A token to pass to {@link fill}: reads taken after it may be cached only if no merge intervened. */
  snapshot(): number | null {
    return this.enabled && this.mergesInFlight === 0 ? this.generation : null;
  }

  /** Caches rows read from the database at `snapshot`. */
  fill(snapshot: number | null, ws: string, rows: { type: string; value: string; member_id: string; last_seen_at: string }[]) {
    if (snapshot === null || snapshot !== this.generation || this.mergesInFlight > 0) return;
    if (this.map.size + rows.length > MAX_ENTRIES) this.map.clear();
    for (const r of rows) this.map.set(OwnerCache.key(ws, r.type, r.value), { memberId: r.member_id, lastSeenAt: r.last_seen_at });
  }

  /** Records last_seen_at moved forward (call after commit). */
  touched(ws: string, rows: { type: string; value: string; ts: string }[]) {
    for (const r of rows) {
      const e = this.map.get(OwnerCache.key(ws, r.type, r.value));
      if (e && e.lastSeenAt < r.ts) e.lastSeenAt = r.ts;
    }
  }

  /** A merge starts: forget everything; returns the callback for the end of its transaction. */
  mergeStarted(): (committed: boolean) => void {
    this.mergesInFlight++;
    this.generation++;
    this.map.clear();
    return () => {
      this.mergesInFlight--;
      this.generation++;
      this.map.clear();
    };
  }

  /** Forget everything (e.g. after an erasure deleted identities). */
  clear() {
    this.generation++;
    this.map.clear();
  }
}
