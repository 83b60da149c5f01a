// The guard rails' decision for one member (pure): consent, address, quiet hours, replays of a held reservation,
// dedupe across sources, and frequency caps — and the member's new guard state when a reservation is taken or
// given back. The store keeps that state per member and swaps it atomically (guard-repo.ts).
import type { ConsentDecision } from './policy.ts';
import type { CapRule, ChannelType, GuardConfig, Purpose } from './schema.ts';
import { localTime, minutesOf, periodKey, quietUntil, type LocalTime, type Period } from './zones.ts';

/** Newest periods counted per cap rule; older counts are pruned and admissions for them refused (never over-admitted). */
export const KEEP_PERIODS = 2;
/** How long a reservation is remembered, so a retried admit of the same source is a replay, not a second message. */
export const SOURCE_KEEP_SEC = 7 * 86_400;
/** Most reservations remembered per member (the oldest go first). */
export const SOURCE_KEEP_MAX = 64;

/** One held reservation in a member's state. */
export interface SourceEntry {
  /** Reserved for this time (epoch seconds). */
  t: number;
  /** Counters taken: rule key → period key. */
  r: Record<string, string>;
  /** Dedupe key claimed, if any. */
  d?: string;
}

/** A member's guard state (stored as JSON text). */
export interface MemberState {
  /** Counters: rule key → period key → messages reserved. */
  c: Record<string, Record<string, number>>;
  /** Dedupe claims: key → [until (epoch seconds), source key]. */
  d: Record<string, [number, string]>;
  /** Reservations held: source key → entry. */
  s: Record<string, SourceEntry>;
  /** Per rule, the newest period whose count was pruned: admissions for it or older ones are refused. */
  f?: Record<string, string>;
}

export const emptyState = (): MemberState => ({ c: {}, d: {}, s: {} });

/** What admit hands back for an admitted member; `release` gives it back. */
export interface Reservation {
  member_id: string;
  source_key: string;
  channel_type: string;
  purpose: Purpose;
  /** The time the message was admitted for (ISO). */
  reserved_at: string;
  /** Frequency counters taken: cap rule → local period. */
  counters: Record<string, string>;
  dedupe_key: string | null;
  /** True when an earlier admit of the same source already held this reservation (a retry). */
  replayed: boolean;
}

export type RefusalReason = 'no_consent' | 'unsubscribed' | 'capped' | 'duplicate' | 'no_address';

export type Admission =
  | { ok: true; reservation: Reservation }
  | { ok: false; reason: RefusalReason }
  | { ok: false; reason: 'quiet_hours'; retryAt: string };

/** A cap rule ready to apply: its counter key, period and limit. */
export interface CompiledRule {
  key: string;
  period: Period;
  limit: number;
}

const PURPOSE_CODE: Record<Purpose, string> = { marketing: 'm', service: 's' };
const PERIOD_CODE: Record<Period, string> = { day: 'D', week: 'W', month: 'M' };

/**
 * The counter key of a cap rule — purposes, scope and period, short because every member's state repeats it (the
 * limit is not part of it: changing a limit applies to the current count).
 * @example ruleKey({ scope: 'wecom', period: 'day', limit: 1, purposes: ['service', 'marketing'] }) // 'ms|wecom|D'
 */
export function ruleKey(r: CapRule): string {
  return `${r.purposes.map((p) => PURPOSE_CODE[p]).sort().join('')}|${r.scope}|${PERIOD_CODE[r.period]}`;
}

/** The cap rules that count a message of `purpose` on this channel (by type, by id, or `all`). */
export function applicableRules(cfg: GuardConfig, purpose: Purpose, channelType: string, channelId: string | null): CompiledRule[] {
  return cfg.caps
    .filter((r) => r.purposes.includes(purpose) && (r.scope === 'all' || r.scope === channelType || (channelId !== null && r.scope === channelId)))
    .map((r) => ({ key: ruleKey(r), period: r.period, limit: r.limit }));
}

/** One admit call's settings, shared by every member of the batch. */
export interface EvalRequest {
  sourceKey: string;
  channelType: ChannelType | string;
  purpose: Purpose;
  dedupeKey: string | null;
  dedupeWindowSec: number;
  rules: CompiledRule[];
  /** Quiet hours in local minutes, when they apply to this purpose. */
  quiet: { start: number; end: number } | null;
  /** The time the message would go out (epoch ms). */
  at: number;
}

/** Builds the batch settings from the config. */
export function evalRequest(cfg: GuardConfig, r: { sourceKey: string; channelType: string; channelId: string | null; purpose: Purpose; dedupeKey?: string | null; at: number }): EvalRequest {
  const q = cfg.quiet_hours;
  return {
    sourceKey: r.sourceKey,
    channelType: r.channelType,
    purpose: r.purpose,
    dedupeKey: r.dedupeKey ?? null,
    dedupeWindowSec: Math.round(cfg.dedupe_window_hours * 3600),
    rules: applicableRules(cfg, r.purpose, r.channelType, r.channelId),
    quiet: q && q.purposes.includes(r.purpose) ? { start: minutesOf(q.start), end: minutesOf(q.end) } : null,
    at: r.at,
  };
}

/** What a batch needs of one time zone: the local period keys and the end of quiet hours (null: not quiet). */
export interface ZoneFacts {
  local: LocalTime;
  periods: Record<Period, string>;
  quietEnd: number | null;
}

/** Local time, period keys and quiet-hours end per time zone, computed once per zone per batch. */
export class ZoneClock {
  private readonly cache = new Map<string, ZoneFacts>();
  constructor(private readonly req: EvalRequest) {}
  of(tz: string): ZoneFacts {
    let v = this.cache.get(tz);
    if (!v) {
      const local = localTime(this.req.at, tz);
      v = {
        local,
        periods: { day: periodKey(local, 'day'), week: periodKey(local, 'week'), month: periodKey(local, 'month') },
        quietEnd: this.req.quiet ? quietUntil(local, this.req.quiet.start, this.req.quiet.end, tz) : null,
      };
      this.cache.set(tz, v);
    }
    return v;
  }
}

/** What the store knows about one member for a decision. */
export interface MemberFacts {
  memberId: string;
  /** The member exists and was not merged away. */
  found: boolean;
  consent: ConsentDecision;
  hasAddress: boolean;
  /** The member's time zone (attribute `timezone` when valid, else the workspace's). */
  tz: string;
  state: MemberState | null;
}

/** The decision and, when the member's state must change, its new state (null: unchanged). */
export interface Evaluation {
  admission: Admission;
  next: MemberState | null;
}

// A batch reserves every member for the same second: its ISO text is made once, not once per member.
let lastSec = NaN;
let lastIso = '';
const iso = (sec: number) => (sec === lastSec ? lastIso : ((lastSec = sec), (lastIso = new Date(sec * 1000).toISOString())));

function reservationOf(memberId: string, req: EvalRequest, e: SourceEntry, replayed: boolean): Reservation {
  return { member_id: memberId, source_key: req.sourceKey, channel_type: req.channelType, purpose: req.purpose, reserved_at: iso(e.t), counters: { ...e.r }, dedupe_key: e.d ?? null, replayed };
}

/**
 * Decides one member. Order: unknown member → no_address; consent → unsubscribed / no_consent; address →
 * no_address (these three also give back a reservation this source still held); quiet hours → retry at their end;
 * a reservation this source already holds → admitted again (replayed, nothing counted twice); another source holding
 * the dedupe key within the window (either side in time) → duplicate; any applicable cap reached → capped; else
 * reserve.
 */
export function evaluateMember(f: MemberFacts, req: EvalRequest, clock: ZoneClock): Evaluation {
  const held = f.state?.s[req.sourceKey];
  const refuse = (reason: RefusalReason): Evaluation => ({ admission: { ok: false, reason }, next: held ? releaseEntry(f.state!, req.sourceKey) : null });
  if (!f.found) return refuse('no_address');
  if (!f.consent.allowed) return refuse(f.consent.reason);
  if (!f.hasAddress) return refuse('no_address');

  const { periods, quietEnd } = clock.of(f.tz);
  if (quietEnd !== null) return { admission: { ok: false, reason: 'quiet_hours', retryAt: new Date(quietEnd).toISOString() }, next: null };
  if (held) return { admission: { ok: true, reservation: reservationOf(f.memberId, req, held, true) }, next: null };

  const atSec = Math.floor(req.at / 1000);
  const state = f.state ?? emptyState();
  if (req.dedupeKey && req.dedupeWindowSec > 0) {
    // Another source holding the key within the window either side of this time (exact while its reservation is
    // remembered), or — for windows longer than reservations are kept — the key's latest claim still running.
    const claim = state.d[req.dedupeKey];
    if (claim && claim[0] > atSec && claim[1] !== req.sourceKey && !state.s[claim[1]]) return { admission: { ok: false, reason: 'duplicate' }, next: null };
    for (const [source, e] of Object.entries(state.s)) {
      if (e.d === req.dedupeKey && source !== req.sourceKey && Math.abs(e.t - atSec) < req.dedupeWindowSec) return { admission: { ok: false, reason: 'duplicate' }, next: null };
    }
  }
  const taken: Record<string, string> = {};
  for (const rule of req.rules) {
    const period = periods[rule.period];
    const n = state.c[rule.key]?.[period] ?? 0;
    if (n >= rule.limit) return { admission: { ok: false, reason: 'capped' }, next: null };
    // The count of a pruned period is unknown (an admit far out of time order): refuse rather than over-admit.
    const floor = state.f?.[rule.key];
    if (floor !== undefined && period <= floor) return { admission: { ok: false, reason: 'capped' }, next: null };
    taken[rule.key] = period;
  }

  const next = prune(cloneState(state), atSec);
  for (const key in taken) {
    const period = taken[key];
    const counts = (next.c[key] ??= {});
    counts[period] = (counts[period] ?? 0) + 1;
    const keys = Object.keys(counts);
    if (keys.length <= KEEP_PERIODS) continue;
    keys.sort();
    for (const old of keys.slice(0, keys.length - KEEP_PERIODS)) {
      delete counts[old];
      next.f ??= {};
      if (!next.f[key] || next.f[key] < old) next.f[key] = old;
    }
  }
  const entry: SourceEntry = { t: atSec, r: taken };
  if (req.dedupeKey && req.dedupeWindowSec > 0) {
    const claim = next.d[req.dedupeKey];
    if (!claim || claim[0] < atSec + req.dedupeWindowSec) next.d[req.dedupeKey] = [atSec + req.dedupeWindowSec, req.sourceKey];
    entry.d = req.dedupeKey;
  }
  next.s[req.sourceKey] = entry;
  return { admission: { ok: true, reservation: reservationOf(f.memberId, req, entry, false) }, next };
}

/**
 * Gives back the reservation of `source`: its counters (when their period is still kept) and its dedupe claim.
 * Null when the member holds none (never reserved, already released, or forgotten after SOURCE_KEEP_SEC).
 */
export function releaseEntry(state: MemberState, source: string): MemberState | null {
  const e = state.s[source];
  if (!e) return null;
  const next = cloneState(state);
  delete next.s[source];
  for (const [key, period] of Object.entries(e.r)) {
    const counts = next.c[key];
    if (counts?.[period]) {
      counts[period] -= 1;
      if (counts[period] === 0) delete counts[period];
      if (Object.keys(counts).length === 0) delete next.c[key];
    }
  }
  if (e.d && next.d[e.d]?.[1] === source) delete next.d[e.d];
  return next;
}

/**
 * Drops dedupe claims that ended, and reservations made, more than SOURCE_KEEP_SEC before `nowSec` (the admit's
 * time), and reservations beyond SOURCE_KEEP_MAX. Keeping them a week longer than needed makes admits that arrive
 * out of time order (a retry with an earlier time) exact within a week.
 */
export function prune(state: MemberState, nowSec: number): MemberState {
  const horizon = nowSec - SOURCE_KEEP_SEC;
  for (const k in state.d) if (state.d[k][0] < horizon) delete state.d[k];
  let n = 0;
  for (const k in state.s) {
    if (state.s[k].t < horizon) delete state.s[k];
    else n++;
  }
  if (n >= SOURCE_KEEP_MAX) {
    const left = Object.entries(state.s);
    left.sort((a, b) => a[1].t - b[1].t);
    for (const [k] of left.slice(0, left.length - SOURCE_KEEP_MAX + 1)) delete state.s[k];
  }
  return state;
}

function cloneState(s: MemberState): MemberState {
  const c: MemberState['c'] = {};
  for (const k in s.c) c[k] = { ...s.c[k] };
  const out: MemberState = { c, d: { ...s.d }, s: { ...s.s } };
  if (s.f) out.f = { ...s.f };
  return out;
}

/** Parses stored state text; anything unreadable counts as empty (never blocks a member forever). */
export function parseState(text: string | null | undefined): MemberState | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object') return { c: v.c ?? {}, d: v.d ?? {}, s: v.s ?? {}, ...(v.f ? { f: v.f } : {}) };
  } catch {
    // fall through
  }
  return null;
}
