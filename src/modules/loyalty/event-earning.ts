// Tracked events → points: event rules with `track` award the app's track calls (ingest, or `siyu import events`)
// automatically. Committed changes naming a tracked event arrive on the change feed (points within ~20 ms); a sweep
// from a stored watermark catches whatever a crash between the events' commit and the listener missed. Each
// (event, rule) is one ledger operation keyed `track:<rule>:<message id>`, so re-delivered messages, a listener and
// a sweep racing, and restarts never award twice; caps count awards at the event's own time.
import type { ChangeFeed, DataChange } from '../../core/change-feed.ts';
import { type EventRule, iso, isMemberDay, matchesFilters, tierByCode, trackedRuleNames } from '../../core/loyalty/index.ts';
import type { Row, Store } from '../../store/port.ts';
import type { LoyaltyConfig } from './config.ts';
import type { OpOutcome } from './ledger-engine.ts';
import { byKeys } from './ledger-repo.ts';
import type { LedgerService } from './ledger-service.ts';
import type { EventOp } from './ops.ts';
import { sweepRepo } from './sweep-repo.ts';
import type { TierService } from './tiers.ts';
import { WorkspaceBatcher } from '../../core/workspace-batcher.ts';

export interface EventSweepResult {
  /** (event, rule) pairs looked at that had no operation yet. */
  events: number;
  earned: number;
  points: number;
  /** Refused by a cap (recorded, so never looked at again). */
  capped: number;
  /** Not awarded: the rule's `where` filters did not hold, or the event is older than `earn_since`. */
  skipped: number;
  failed: number;
  /** Events received from this instant on were looked at. */
  since: string;
  /** The watermark after the sweep (it moves only when nothing failed). */
  swept_at: string | null;
}

type Tally = Omit<EventSweepResult, 'since' | 'swept_at'>;
type ErrorLogger = (err: unknown, msg: string) => void;

const PAGE = 5000;
const SWEEP = 'tracked_events';
const EPOCH = '1970-01-01T00:00:00.000Z';
/** A sweep re-reads this long before its watermark: an event received just before the last sweep began may have committed after it read. */
export const SWEEP_OVERLAP_MS = 10 * 60_000;
/** The first sweep of a workspace (no watermark yet) looks back this far. */
export const FIRST_SWEEP_LOOKBACK_MS = 7 * 86_400_000;
/** The listener reads events received this long before the change's commit; anything slower is the sweep's. */
const LISTEN_SLACK_MS = 10 * 60_000;

/** The operation key of rule `m.r` for stored event `e` (message ids over 128 chars are hashed, keeping keys ≤ 200). */
const KEY_SQL = `'track:' || m.r || ':' || CASE WHEN length(e.message_id) <= 128 THEN e.message_id ELSE 'md5:' || md5(e.message_id) END`;

/**
 * Stored track events of the mapped names ($2: JSON [{ n: name, r: rule }]) received since $3, after the keyset
 * ($4 ts, $5 message id, $6 rule), optionally of some members, without their operation; oldest first, so caps
 * award the earliest event of a window.
 */
function pendingSql(store: Store, memberList: string | null): string {
  return `SELECT e.message_id, e.member_id, e.properties, e.ts, m.r AS rule, ${KEY_SQL} AS k
    FROM events e JOIN ${store.jsonRows(2, [{ name: 'n', type: 'text' }, { name: 'r', type: 'text' }], 'm')} ON m.n = e.name
    WHERE e.workspace_id = $1 AND e.type = 'track' AND e.member_id IS NOT NULL
      AND e.received_at >= CAST($3 AS TIMESTAMPTZ)
      AND (e.ts > CAST($4 AS TIMESTAMPTZ) OR (e.ts = CAST($4 AS TIMESTAMPTZ) AND (e.message_id > $5 OR (e.message_id = $5 AND m.r > $6))))
      ${memberList ? `AND e.member_id IN (${memberList})` : ''}
      AND NOT EXISTS (SELECT 1 FROM points_ops p WHERE p.workspace_id = $1 AND p.idempotency_key = ${KEY_SQL})
    ORDER BY e.ts, e.message_id, m.r LIMIT ${PAGE}`;
}

interface Pending { members: Set<string>; names: Set<string>; committedAt: number }

export class EventEarning {
  private readonly batches = new WorkspaceBatcher<Pending>({
    run: (ws, p) => this.process(ws, { members: [...p.members], names: p.names, since: iso(p.committedAt - LISTEN_SLACK_MS) }),
    onError: (e) => this.log(e, 'loyalty: earning points for tracked events failed; the sweep will retry'),
  });
  private unsubscribe: (() => void) | null = null;
  private log: ErrorLogger = () => undefined;

  constructor(
    private readonly store: Store,
    private readonly ledger: LedgerService,
    private readonly tiers: TierService,
    private readonly config: (ws: string) => Promise<LoyaltyConfig>,
  ) {}

  setLogger(log: ErrorLogger): void {
    this.log = log;
  }

  /** Follows committed changes that stored track events; their members' new events are processed within ~20 ms. */
  follow(changes: ChangeFeed): void {
    if (this.unsubscribe) return;
    this.unsubscribe = changes.subscribe((c: DataChange) => {
      if (c.events.length === 0) return;
      this.batches.add(c.workspaceId, (p = { members: new Set(), names: new Set(), committedAt: c.committedAt }) => {
        for (const m of c.memberIds) p.members.add(m);
        for (const n of c.events) p.names.add(n);
        p.committedAt = Math.min(p.committedAt, c.committedAt);
        return p;
      });
    });
  }

  /** Waits until the changes seen so far are processed (tests, shutdown). */
  idle(): Promise<void> {
    return this.batches.idle();
  }

  /** Stops following the feed (as if the process died: the sweep then catches up). */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.idle();
  }

  /**
   * The catch-up sweep (scheduled, `POST /api/loyalty/earn-events`, `siyu loyalty earn-events`): every mapped event
   * received since the watermark (less an overlap; the first sweep looks back 7 days) without its operation. The
   * watermark then moves to this sweep's start — unless something failed, or `since` started later than it would
   * have (a partial re-scan must not skip what lies before it).
   */
  async sweep(ws: string, opts: { since?: string } = {}): Promise<EventSweepResult> {
    const started = new Date().toISOString();
    const mark = await sweepRepo.get(this.store, ws, SWEEP);
    const natural = iso(mark ? Date.parse(mark) - SWEEP_OVERLAP_MS : Date.parse(started) - FIRST_SWEEP_LOOKBACK_MS);
    const since = opts.since ? iso(Date.parse(opts.since)) : natural;
    const r = await this.process(ws, { members: null, names: null, since });
    if (r.failed > 0 || Date.parse(since) > Date.parse(natural)) return { ...r, since, swept_at: mark };
    await sweepRepo.advance(this.store, ws, SWEEP, started);
    return { ...r, since, swept_at: started };
  }

  /** Awards the pending events (of some members and names, or all) received since `since`. */
  private async process(ws: string, o: { members: string[] | null; names: Set<string> | null; since: string }): Promise<Tally> {
    const out: Tally = { events: 0, earned: 0, points: 0, capped: 0, skipped: 0, failed: 0 };
    const config = await this.config(ws);
    const pairs = trackedRuleNames(config.earn.events).filter((p) => !o.names || o.names.has(p.name));
    if (pairs.length === 0) return out;
    const rules = new Map(config.earn.events.map((r) => [r.event, r]));
    const mapping = JSON.stringify(pairs.map((p) => ({ n: p.name, r: p.rule })));
    const touched = new Set<string>();
    for (const chunk of chunks(o.members)) {
      for (let after = { ts: EPOCH, id: '', rule: '' }; ;) {
        const extra = [mapping, o.since, after.ts, after.id, after.rule];
        const rows = chunk
          ? await byKeys(this.store, this.store, ws, chunk, (list) => pendingSql(this.store, list), extra)
          : await this.store.query(pendingSql(this.store, null), [ws, ...extra]);
        if (rows.length === 0) break;
        out.events += rows.length;
        const ops = await this.eventOps(ws, config, rules, rows, out);
        if (ops.length > 0) this.tally(out, ops, await this.ledger.applyMany(ws, ops), touched);
        const last = rows[rows.length - 1];
        after = { ts: last.ts, id: last.message_id, rule: last.rule };
        if (rows.length < PAGE) break;
      }
    }
    if (config.program && touched.size > 0) await this.tiers.refresh(ws, [...touched]);
    return out;
  }

  /** Event operations for a page: the rule's filters and earn_since decide; member day and tier at the event. */
  private async eventOps(ws: string, config: LoyaltyConfig, rules: Map<string, EventRule>, rows: Row[], out: Tally): Promise<EventOp[]> {
    const program = config.program;
    const tiers = program ? await this.tiers.codesOf(this.store, ws, program, [...new Set(rows.map((r) => r.member_id as string))]) : null;
    const since = config.earnSince ? Date.parse(config.earnSince) : null;
    const ops: EventOp[] = [];
    for (const r of rows) {
      const rule = rules.get(r.rule);
      const properties = typeof r.properties === 'string' ? JSON.parse(r.properties) : r.properties;
      if (!rule || !matchesFilters(rule.where, properties) || (since !== null && Date.parse(r.ts) < since)) {
        out.skipped++;
        continue;
      }
      const tierMultiplier = program && tiers ? tierByCode(program, tiers.get(r.member_id)!).benefits.pointsMultiplier : 1;
      ops.push({
        kind: 'event', key: r.k, member: r.member_id, event: rule.event, at: r.ts,
        ctx: { isMemberDay: config.memberDay ? isMemberDay(config.memberDay.schedule, r.ts) : false, tierMultiplier },
      });
    }
    return ops;
  }

  private tally(out: Tally, ops: EventOp[], outcomes: OpOutcome[], touched: Set<string>): void {
    outcomes.forEach((r, i) => {
      const op = ops[i];
      if (!r.ok) {
        // A key already used for another member (the event's member was merged since) was awarded before.
        if (r.error.code !== 'ledger.idempotency_conflict') {
          out.failed++;
          this.log(r.error, `loyalty: ${op.kind} ${op.key} refused: ${r.error.code}`);
        }
        return;
      }
      if (r.replayed) return;
      const d = (r.result.detail ?? {}) as { points?: number; reason?: string };
      if (d.reason === 'cap_reached') out.capped++;
      else if ((d.points ?? 0) > 0) {
        out.earned++;
        out.points += d.points!;
        touched.add(op.member);
      }
    });
  }
}

/** All members at once (null) or chunks of a list (one query each on every engine, so the keyset stays ordered). */
function chunks(members: string[] | null): (string[] | null)[] {
  if (!members) return [null];
  const out: string[][] = [];
  for (let i = 0; i < members.length; i += 1000) out.push(members.slice(i, i + 1000));
  return out;
}
