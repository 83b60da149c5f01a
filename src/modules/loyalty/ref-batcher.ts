// Member refs of concurrent ledger requests resolved together: one set-based lookup per millisecond instead of a
// query per request, which at thousands of requests a second would queue on DuckDB's few connections.
import { notFound } from '../../core/errors.ts';
import type { Store } from '../../store/port.ts';
import { type MemberRefs, parseMemberRef } from '../members/member-refs.ts';

interface Waiter { ref: string; resolve(id: string): void; reject(e: unknown): void }

export class RefBatcher {
  private readonly pending = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly store: Store, private readonly refs: MemberRefs, private readonly delayMs = 1) {}

  /** The surviving member id of `ref`: 400 `member.invalid_ref` when malformed, 404 `member.not_found` when unknown. */
  resolve(ws: string, ref: string): Promise<string> {
    // Malformed refs fail at once with the members module's own error (no query is made for them).
    if (!parseMemberRef(ref)) return this.refs.resolveOne(this.store, ws, ref);
    return new Promise((resolve, reject) => {
      const list = this.pending.get(ws) ?? [];
      list.push({ ref: ref.trim(), resolve, reject });
      this.pending.set(ws, list);
      this.timer ??= setTimeout(() => this.flush(), this.delayMs);
    });
  }

  private flush(): void {
    this.timer = null;
    const all = [...this.pending.entries()];
    this.pending.clear();
    for (const [ws, waiters] of all) {
      const refs = [...new Set(waiters.map((w) => w.ref))];
      this.refs.resolveMany(this.store, ws, refs).then(
        (ids) => {
          const byRef = new Map(refs.map((r, i) => [r, ids[i]]));
          for (const w of waiters) {
            const id = byRef.get(w.ref);
            if (id) w.resolve(id);
            else w.reject(notFound('member.not_found', `No member ${w.ref} / 未找到该会员`, 'ref'));
          }
        },
        (e) => waiters.forEach((w) => w.reject(e)),
      );
    }
  }
}
