// Triggers: committed data changes (the change feed) enter members on tracked events and wake members waiting for
// one; segment membership changes enter members on entry or exit; a catch-up sweep from a stored watermark over the
// events and the segment log enters whatever a crash between a commit and the listener missed (entry keys make a
// second sighting a no-op); daily date checks and cron schedules enter dated members and segment members. Orders,
// however written (`/v1/orders`, imports, the tracked "Order Completed"), enter order-triggered journeys and meet
// order goals the same two ways: the feed's `orders` changes, and a sweep from its own watermark over changed orders.
import type { DataChange } from '../../core/change-feed.ts';
import { matchesFilters, propertyAt } from '../../core/loyalty/tracked-events.ts';
import type { Store } from '../../store/port.ts';
import type { MembershipChange } from '../segments/engine.ts';
import type { Candidate } from './entry.ts';
import type { JourneyEngine } from './engine.ts';
import { instancesRepo } from './instance-repo.ts';
import { eventEntryKey, instanceKeyOf } from './keys.ts';
import type { LiveJourney, LiveSet } from './live.ts';
import { memberData, type EventRow } from './member-data.ts';
import { orderData } from './order-data.ts';
import type { OrderFacts } from './order-filter.ts';
import { orderCandidates, prepareOrders } from './order-triggers.ts';
import { journeysRepo } from './repo.ts';
import type { OrderFilter } from './schema.ts';
import type { ErrorLogger } from './runner.ts';
import { addDays, localDateOf } from './time.ts';

/** The listener reads events received this long before the change's commit; anything slower is the sweep's. */
const LISTEN_SLACK_MS = 10 * 60_000;
/** A sweep re-reads this long before its watermark (a write received before the last sweep may commit after it). */
export const SWEEP_OVERLAP_MS = 10 * 60_000;
/** The first sweep of a workspace looks back this far (never before a journey went live). */
const FIRST_SWEEP_LOOKBACK_MS = 86_400_000;
/** Events that happened more than this long before they were received (backfills, imports) do not enter members. */
export const STALE_EVENT_MS = 86_400_000;
const PAGE = 2000;
const DRAIN_DELAY_MS = 5;
/**
 * Batches of new instances the listener lets run while it enters the next ones: on PostgreSQL three overlap (a batch
 * waiting on its provider does not hold up the next entry); DuckDB, whose writes in one process serialise, did
 * better one at a time (p50 0.8 s against 2.9 s at 20 events/s on a loaded 2-core machine).
 */
const maxBackground = (store: Store) => (store.capabilities.multiProcess ? 3 : 1);

interface PendingData {
  members: Set<string>;
  names: Set<string>;
  committedAt: number;
  data: boolean;
  /** Orders written (ids the change named), and members whose orders changed without ids named. */
  orderIds: Set<string>;
  orderMembers: Set<string>;
  orders: boolean;
}

export interface SweepResult { events: number; segment_changes: number; orders: number; entered: number; woken: number; since: string }

const iso = (ms: number) => new Date(ms).toISOString();

export class Triggers {
  private readonly pending = new Map<string, PendingData>();
  private readonly segmentQueue: MembershipChange[] = [];
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private running: Promise<void> = Promise.resolve();
  /** New instances the listener started running and has not seen finish (a few at most, see maxBackground). */
  private readonly background = new Set<Promise<unknown>>();
  log: ErrorLogger;

  constructor(
    private readonly store: Store,
    private readonly engine: JourneyEngine,
    private readonly timezoneOf: (ws: string) => Promise<string>,
    log: ErrorLogger,
  ) {
    this.log = log;
  }

  // ---- listeners (synchronous: queue and drain shortly after) ----

  onData(c: DataChange): void {
    let p = this.pending.get(c.workspaceId);
    if (!p) this.pending.set(c.workspaceId, (p = { members: new Set(), names: new Set(), committedAt: c.committedAt, data: false, orderIds: new Set(), orderMembers: new Set(), orders: false }));
    for (const m of c.memberIds) p.members.add(m);
    for (const n of c.events) p.names.add(n);
    if (c.orders) {
      p.orders = true;
      if (c.orderIds) for (const id of c.orderIds) p.orderIds.add(id);
      else for (const m of c.memberIds) p.orderMembers.add(m);
    }
    p.data ||= Boolean(c.orders || c.attributes || c.tags || c.coupons || c.identities || c.created?.length || c.events.length);
    p.committedAt = Math.min(p.committedAt, c.committedAt);
    this.schedule();
  }

  onSegment(c: MembershipChange): void {
    this.segmentQueue.push(c);
    this.schedule();
  }

  /** Waits until everything queued so far has been handled (tests, benchmarks, shutdown). */
  async idle(): Promise<void> {
    while (this.timer || this.busy || this.pending.size > 0 || this.segmentQueue.length > 0 || this.background.size > 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      if (!this.busy && (this.pending.size > 0 || this.segmentQueue.length > 0)) this.drain();
      await this.running;
      await this.settle();
    }
  }

  /** Waits for the instances started in the background to have run (their leases are free again). */
  private async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** Keeps a started batch in view; with too many running, waits for one to finish first (back-pressure). */
  private async detach(done: Promise<unknown>): Promise<void> {
    const p = done.catch((e) => this.log(e, 'journeys: running new instances failed; they run again when their lease lapses')).finally(() => this.background.delete(p));
    this.background.add(p);
    if (this.background.size >= maxBackground(this.store)) await Promise.race(this.background);
  }

  private schedule(): void {
    if (!this.busy) this.timer ??= setTimeout(() => this.drain(), DRAIN_DELAY_MS);
  }

  /**
   * One loop at a time takes everything queued when it gets to it: under load, changes that arrive while a batch
   * runs are handled together in the next (one entry transaction and one delivery for many members).
   */
  private drain(): void {
    this.timer = null;
    if (this.busy) return;
    this.busy = true;
    this.running = (async () => {
      try {
        while (this.pending.size > 0 || this.segmentQueue.length > 0) {
          const data = [...this.pending.entries()];
          this.pending.clear();
          const segments = this.segmentQueue.splice(0);
          for (const c of segments) {
            await this.fromSegment(c.workspaceId, c.segmentId, c.change, c.memberIds, c.at).catch((e) => this.log(e, 'journeys: segment trigger failed; the sweep will retry'));
          }
          for (const [ws, p] of data) {
            await this.fromData(ws, [...p.members], p.names, iso(p.committedAt - LISTEN_SLACK_MS), p.data, p).catch((e) => this.log(e, 'journeys: event trigger failed; the sweep will retry'));
          }
        }
      } finally {
        this.busy = false;
      }
    })();
  }

  // ---- handling ----

  /** New events of these members: entries for event triggers, then waits and goals of members already inside. */
  private async fromData(ws: string, members: string[], names: Set<string>, since: string, data: boolean, orders?: Pick<PendingData, 'orderIds' | 'orderMembers' | 'orders'>): Promise<void> {
    const live = await this.engine.live.get(ws);
    if (live.journeys.length === 0) return;
    const trig = [...names].filter((n) => live.triggerNames.has(n));
    if (trig.length > 0) await this.enterFromEvents(ws, live, await memberData.eventsOf(this.store, this.store, ws, members, trig, since), true);
    if (orders?.orders && live.orderTriggers) {
      const rows = [
        ...(await orderData.byIds(this.store, this.store, ws, [...orders.orderIds])),
        ...(await orderData.ofMembers(this.store, this.store, ws, [...orders.orderMembers], since)),
      ];
      await this.enterFromOrders(ws, live, [...new Map(rows.map((o) => [o.order_id, o])).values()], true);
    }
    await this.wakeMembers(ws, live, members, names, data, Boolean(orders?.orders));
  }

  /** Members inside journeys whose wait or goal may answer to these events (or, for goal rules, any data change). */
  private async wakeMembers(ws: string, live: LiveSet, members: string[], names: Set<string>, data: boolean, orders = false): Promise<number> {
    const wakes = [...names].some((n) => live.wakeNames.has(n));
    if (!wakes && !(data && live.ruleGoals) && !(orders && live.orderGoals)) return 0;
    // Instances still running in the background hold their leases: let them finish so none is skipped.
    await this.settle();
    const active = await instancesRepo.activeOfMembers(this.store, this.store, ws, members);
    const forced = new Set<string>();
    const ids: string[] = [];
    for (const a of active) {
      const g = live.goals.get(a.journey_id);
      if (a.wait_event && names.has(a.wait_event)) forced.add(a.id);
      if (forced.has(a.id) || (g && ((data && g.rule) || (orders && g.order) || [...g.events].some((e) => names.has(e))))) ids.push(a.id);
    }
    if (ids.length > 0) await this.engine.wake(ws, ids, forced);
    return ids.length;
  }

  private async enterFromEvents(ws: string, live: LiveSet, events: EventRow[], detached = false): Promise<number> {
    let entered = 0;
    for (const j of live.journeys) {
      const t = j.def.trigger;
      if (t.type !== 'event') continue;
      const cands: Candidate[] = events
        .filter((e) => e.name === t.event && e.received_at >= j.liveSince && Date.parse(e.ts) >= Date.parse(e.received_at) - STALE_EVENT_MS && matchesFilters(t.where, e.properties))
        .sort((a, b) => (a.received_at === b.received_at ? (a.message_id < b.message_id ? -1 : 1) : a.received_at < b.received_at ? -1 : 1))
        .map((e) => ({
          memberId: e.member_id,
          entryKey: eventEntryKey(e.message_id),
          instanceKey: instanceKeyOf(j.def.entry.key, e.properties, propertyAt),
          anchorAt: e.ts < e.received_at ? e.ts : e.received_at,
          at: e.received_at,
          context: { entry: { event: e.name, message_id: e.message_id, properties: e.properties, ts: e.ts } },
        }));
      if (cands.length === 0) continue;
      if (detached) {
        const r = await this.engine.enterAndStart(ws, j.id, cands);
        entered += r.entry.instances.length;
        await this.detach(r.done);
      } else entered += (await this.engine.enterAndRun(ws, j.id, cands)).instances.length;
    }
    return entered;
  }

  /** Orders into order-triggered journeys (each order once per journey: its id is the entry key). */
  private async enterFromOrders(ws: string, live: LiveSet, orders: OrderFacts[], detached = false): Promise<number> {
    const journeys = live.journeys.filter((j) => j.def.trigger.type === 'order');
    if (journeys.length === 0 || orders.length === 0) return 0;
    const firsts = await prepareOrders(this.store, ws, orders, journeys.map((j) => j.def.trigger as OrderFilter), { lines: true });
    let entered = 0;
    for (const j of journeys) {
      const cands = orderCandidates(j, orders, firsts);
      if (cands.length === 0) continue;
      if (detached) {
        const r = await this.engine.enterAndStart(ws, j.id, cands);
        entered += r.entry.instances.length;
        await this.detach(r.done);
      } else entered += (await this.engine.enterAndRun(ws, j.id, cands)).instances.length;
    }
    return entered;
  }

  private async fromSegment(ws: string, segmentId: string, change: 'entered' | 'exited', members: string[], at: string): Promise<number> {
    const live = await this.engine.live.get(ws);
    let entered = 0;
    const when = new Date(at).toISOString();
    for (const j of live.journeys) {
      const t = j.def.trigger;
      if (t.type !== 'segment' || t.segment !== segmentId || (t.on === 'entry') !== (change === 'entered') || when < j.liveSince) continue;
      const cands = members.map((m) => ({ memberId: m, entryKey: `s:${segmentId}:${change}:${when}`, instanceKey: '', anchorAt: when, at: when, context: { entry: { source: `segment_${change}`, ts: when } } }));
      const r = await this.engine.enterAndStart(ws, j.id, cands);
      entered += r.entry.instances.length;
      await this.detach(r.done);
    }
    return entered;
  }

  // ---- catch-up sweep ----

  /**
   * Everything received since the watermark (less an overlap; the first sweep looks back a day) that a live
   * journey triggers on, waits for or has as its goal, and every segment change a live journey triggers on. The
   * watermark then moves to this sweep's start, unless something failed.
   */
  async sweep(ws: string): Promise<SweepResult> {
    const started = Date.now();
    const live = await this.engine.live.get(ws);
    const mark = await journeysRepo.watermark(this.store, ws, 'events');
    const since = iso(mark ? Date.parse(mark) - SWEEP_OVERLAP_MS : started - FIRST_SWEEP_LOOKBACK_MS);
    const out: SweepResult = { events: 0, segment_changes: 0, orders: 0, entered: 0, woken: 0, since };
    if (live.journeys.length === 0) return out;
    await this.sweepOrders(ws, live, started, out);
    let failed = false;
    const names = [...new Set([...live.triggerNames, ...live.wakeNames])];
    const earliest = live.journeys.reduce((m, j) => (j.liveSince < m ? j.liveSince : m), live.journeys[0].liveSince);
    const from = since > earliest ? since : earliest;
    for (let after = { at: '1970-01-01T00:00:00.000Z', id: '' }; names.length > 0; ) {
      const page = await memberData.eventPage(this.store, this.store, ws, names, from, after, PAGE);
      if (page.length === 0) break;
      out.events += page.length;
      try {
        out.entered += await this.enterFromEvents(ws, live, page.filter((e) => live.triggerNames.has(e.name)));
        const woke = page.filter((e) => live.wakeNames.has(e.name));
        if (woke.length > 0) out.woken += await this.wakeMembers(ws, live, [...new Set(woke.map((e) => e.member_id))], new Set(woke.map((e) => e.name)), false);
      } catch (e) {
        failed = true;
        this.log(e, `journeys: sweep of workspace ${ws} failed on a page of events`);
      }
      const last = page[page.length - 1];
      after = { at: last.received_at, id: last.message_id };
      if (page.length < PAGE) break;
    }
    for (const j of live.journeys) {
      const t = j.def.trigger;
      if (t.type !== 'segment') continue;
      const change = t.on === 'entry' ? 'entered' : 'exited';
      const jFrom = since > j.liveSince ? since : j.liveSince;
      for (let after = { at: '1970-01-01T00:00:00.000Z', id: '' }; ; ) {
        const rows = await memberData.segmentChanges(this.store, ws, t.segment, change, jFrom, after, PAGE);
        if (rows.length === 0) break;
        out.segment_changes += rows.length;
        try {
          const byAt = new Map<string, string[]>();
          for (const r of rows) byAt.set(r.changed_at, [...(byAt.get(r.changed_at) ?? []), r.member_id]);
          for (const [at, members] of byAt) out.entered += await this.enterSegment(ws, j, t.segment, change, members, at);
        } catch (e) {
          failed = true;
          this.log(e, `journeys: segment sweep of journey ${j.id} failed`);
        }
        const last = rows[rows.length - 1];
        after = { at: last.changed_at, id: last.member_id };
        if (rows.length < PAGE) break;
      }
    }
    if (!failed) await journeysRepo.advance(this.store, ws, 'events', iso(started));
    return out;
  }

  /**
   * Orders changed since the orders watermark (less the overlap; the first sweep looks back a day, never before a
   * journey went live): entries of order triggers, and order goals of members inside. Its own watermark, so a failure
   * here does not hold up the event sweep (nor the reverse).
   */
  private async sweepOrders(ws: string, live: LiveSet, started: number, out: SweepResult): Promise<void> {
    if (!live.orderTriggers && !live.orderGoals) return;
    const mark = await journeysRepo.watermark(this.store, ws, 'orders');
    const since = iso(mark ? Date.parse(mark) - SWEEP_OVERLAP_MS : started - FIRST_SWEEP_LOOKBACK_MS);
    const earliest = live.journeys.reduce((m, j) => (j.liveSince < m ? j.liveSince : m), live.journeys[0].liveSince);
    const from = since > earliest ? since : earliest;
    let failed = false;
    for (let after = { at: '1970-01-01T00:00:00.000Z', id: '' }; ; ) {
      const page = await orderData.page(this.store, ws, from, after, PAGE);
      if (page.length === 0) break;
      out.orders += page.length;
      try {
        if (live.orderTriggers) out.entered += await this.enterFromOrders(ws, live, page);
        if (live.orderGoals) out.woken += await this.wakeMembers(ws, live, [...new Set(page.map((o) => o.member_id))], new Set(), false, true);
      } catch (e) {
        failed = true;
        this.log(e, `journeys: order sweep of workspace ${ws} failed on a page of orders`);
      }
      const last = page[page.length - 1];
      after = { at: last.updated_at, id: last.order_id };
      if (page.length < PAGE) break;
    }
    if (!failed) await journeysRepo.advance(this.store, ws, 'orders', iso(started));
  }

  private async enterSegment(ws: string, j: LiveJourney, segmentId: string, change: string, members: string[], at: string): Promise<number> {
    const cands = members.map((m) => ({ memberId: m, entryKey: `s:${segmentId}:${change}:${at}`, instanceKey: '', anchorAt: at, at, context: { entry: { source: `segment_${change}`, ts: at } } }));
    return (await this.engine.enterAndRun(ws, j.id, cands)).instances.length;
  }

  // ---- date and schedule triggers ----

  /** One tick of a journey's date or schedule trigger (the job's run time): enters today's members. */
  async tick(ws: string, journeyId: string, tickAt: string): Promise<{ entered: number; held: number; skipped: number }> {
    const out = { entered: 0, held: 0, skipped: 0 };
    const live = await this.engine.live.get(ws);
    const j = live.journeys.find((x) => x.id === journeyId);
    if (!j) return out;
    const t = j.def.trigger;
    if (t.type !== 'date' && t.type !== 'schedule') return out;
    const tz = t.type === 'schedule' && t.timezone ? t.timezone : await this.engine.timezone(ws);
    const tick = new Date(tickAt).toISOString();
    for (let after = ''; ; ) {
      let ids: string[];
      let entryKey: string;
      if (t.type === 'date') {
        const date = addDays(localDateOf(Date.parse(tick), tz), t.days_before);
        ids = await memberData.datedMembers(this.store, ws, { field: t.field, date, tz, segmentId: t.segment ?? null, after, limit: PAGE });
        entryKey = `d:${t.field}:${date}`;
      } else {
        ids = await memberData.segmentMembers(this.store, ws, t.segment, after, PAGE);
        entryKey = `c:${tick}`;
      }
      if (ids.length === 0) break;
      const r = await this.engine.enterAndRun(ws, j.id, ids.map((m) => ({ memberId: m, entryKey, instanceKey: '', anchorAt: tick, context: { entry: { source: t.type, ts: tick } } })));
      out.entered += r.instances.length;
      out.held += r.held;
      out.skipped += r.skipped;
      after = ids[ids.length - 1];
      if (ids.length < PAGE) break;
    }
    return out;
  }
}
