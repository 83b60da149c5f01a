// Entering members into a journey: re-entry rules (once ever, again after exit, every time) per instance key, an
// entry key per trigger occurrence so a listener and a sweep seeing the same trigger enter once, the holdout draw,
// and a "Journey Entered" system event — in one transaction under the journey's entry lock.
import { newId } from '../../core/ids.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import { recordSystemEvents } from '../ingest/system-events.ts';
import { instancesRepo, toInstance, type InstanceContext, type InstanceRow, type NewInstance } from './instance-repo.ts';
import { journeySource } from './keys.ts';
import { journeysRepo } from './repo.ts';
import type { Definition } from './schema.ts';

/**
 * The system event recorded for each entry (timelines show it; segment rules can ask "entered journey X in the last
 * 30 days" and see it at their next scheduled recompute). Not published on the change feed: every entry would set
 * off realtime segment and trigger work again, doubling the write path's load for little gain.
 */
export const JOURNEY_ENTERED = 'Journey Entered';

/** A member a trigger wants to enter. */
export interface Candidate {
  memberId: string;
  /** What entered it (`e:<message id>`, `s:<segment>:<change>:<at>`, `d:<date>`, `c:<tick>`, `m:<id>`). */
  entryKey: string;
  /** '' or the entry event's key property (e.g. a cart id). */
  instanceKey: string;
  /** From when events count for the first wait (the entry event's time). */
  anchorAt: string;
  /** When the trigger happened as the store saw it (an event's received_at): re-entry is judged as of then. */
  at?: string;
  context: InstanceContext;
}

export interface EntryDeps {
  store: Store;
  now(): Date;
  workerId: string;
  leaseMs: number;
  definitionOf(ws: string, journeyId: string, version: number): Promise<Definition>;
  /** The held-out members among `memberIds` (recorded by measurement), drawn in the entry transaction. */
  holdout(ws: string, sourceKey: string, share: number, memberIds: string[], tx: SqlExecutor): Promise<Set<string>>;
}

export interface EntryResult {
  /** New active instances; held by this worker when the caller asked to claim them. */
  instances: InstanceRow[];
  held: number;
  /** Candidates refused by the re-entry rule or already entered by the same trigger. */
  skipped: number;
}

const CHUNK = 2000;

export class Entries {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly d: EntryDeps) {}

  /** Enters candidates (in order) into the journey's current version; nothing when it is not live. */
  async enter(ws: string, journeyId: string, candidates: Candidate[], opts: { claim: boolean }): Promise<EntryResult> {
    const out: EntryResult = { instances: [], held: 0, skipped: 0 };
    for (let i = 0; i < candidates.length; i += CHUNK) {
      const r = await this.exclusive(`${ws}|${journeyId}`, () => this.enterChunk(ws, journeyId, candidates.slice(i, i + CHUNK), opts));
      out.instances.push(...r.instances);
      out.held += r.held;
      out.skipped += r.skipped;
    }
    return out;
  }

  private async enterChunk(ws: string, journeyId: string, candidates: Candidate[], opts: { claim: boolean }): Promise<EntryResult> {
    const r = await this.d.store.transaction(async (tx) => {
      const out: EntryResult = { instances: [], held: 0, skipped: 0 };
      const j = await journeysRepo.lockForEntry(tx, ws, journeyId);
      if (!j || j.status !== 'live' || j.version < 1) return { ...out, skipped: candidates.length };
      const def = await this.d.definitionOf(ws, journeyId, j.version);
      const accepted = await this.admit(tx, ws, journeyId, def, candidates);
      out.skipped = candidates.length - accepted.length;
      if (accepted.length === 0) return out;
      const held = def.holdout > 0 ? await this.d.holdout(ws, journeySource(journeyId), def.holdout, [...new Set(accepted.map((a) => a.c.memberId))], tx) : new Set<string>();
      const now = this.d.now();
      const t = now.toISOString();
      const lease = new Date(now.getTime() + this.d.leaseMs).toISOString();
      const rows: NewInstance[] = accepted.map(({ c, seq }) => {
        const isHeld = held.has(c.memberId);
        const claim = opts.claim && !isHeld;
        return {
          id: newId('jin'), journey_id: journeyId, version: j.version, member_id: c.memberId, instance_key: c.instanceKey, entry_key: c.entryKey, entry_seq: seq,
          state: isHeld ? 'holdout' : 'active', step_id: def.start, wake_at: isHeld ? null : t, anchor_at: c.anchorAt,
          context: { ...c.context, visits: { [def.start]: 1 } }, locked_by: claim ? this.d.workerId : null, lease_until: claim ? lease : null, ended_at: isHeld ? t : null,
        };
      });
      await instancesRepo.insert(tx, this.d.store, ws, rows, t);
      await recordSystemEvents(this.d.store, tx, ws, rows.map((row) => ({
        messageId: `journey:${row.id}`, memberId: row.member_id, name: JOURNEY_ENTERED, at: t,
        properties: { journey_id: journeyId, version: j.version, group: row.state === 'holdout' ? 'holdout' : 'treatment', ...(row.instance_key ? { instance_key: row.instance_key } : {}) },
      })));
      out.held = rows.filter((row) => row.state === 'holdout').length;
      out.instances = rows.filter((row) => row.state === 'active').map((row) => toInstance({ ...row, seq: 0, attempts: 0, last_error: null, wait_until: null, wait_event: null, entered_at: t, updated_at: t }));
      return out;
    });
    return r;
  }

  /** Applies entry-key dedupe and the re-entry rule; returns the admitted candidates with their entry numbers. */
  private async admit(tx: SqlExecutor, ws: string, journeyId: string, def: Definition, candidates: Candidate[]) {
    const prior = await instancesRepo.priorOf(this.d.store, tx, ws, journeyId, [...new Set(candidates.map((c) => c.memberId))]);
    const used = new Set(prior.map((p) => `${p.member_id}\u0000${p.entry_key}`));
    const byKey = new Map<string, { seq: number; active: boolean; spans: [string, string | null][] }>();
    for (const p of prior) {
      const k = `${p.member_id}\u0000${p.instance_key}`;
      const s = byKey.get(k) ?? { seq: 0, active: false, spans: [] };
      s.seq = Math.max(s.seq, Number(p.entry_seq));
      s.active ||= p.state === 'active';
      s.spans.push([new Date(p.entered_at).toISOString(), p.ended_at ? new Date(p.ended_at).toISOString() : null]);
      byKey.set(k, s);
    }
    const accepted: { c: Candidate; seq: number }[] = [];
    for (const c of candidates) {
      const used1 = `${c.memberId}\u0000${c.entryKey}`;
      if (used.has(used1)) continue;
      const k = `${c.memberId}\u0000${c.instanceKey}`;
      const s = byKey.get(k);
      if (def.entry.reentry === 'once' && s) continue;
      // After exit: not while an instance is in, nor for a trigger that happened while one was in (a sweep seeing
      // an old event late must not enter it once that instance has left).
      if (def.entry.reentry === 'after_exit' && s && (s.active || (c.at !== undefined && s.spans.some(([from, to]) => from <= c.at! && (to === null || c.at! <= to))))) continue;
      const seq = (s?.seq ?? 0) + 1;
      byKey.set(k, { seq, active: true, spans: [...(s?.spans ?? []), [c.at ?? '', null]] });
      used.add(used1);
      accepted.push({ c, seq });
    }
    return accepted;
  }

  /** Runs entries of one journey one at a time in this process (other processes wait on the row lock). */
  private exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => this.locks.get(key) === tail && this.locks.delete(key));
    return next;
  }
}
