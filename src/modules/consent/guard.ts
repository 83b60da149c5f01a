// GuardService: admits a batch of members for one message source (consent, address, quiet hours, dedupe, frequency
// caps) and reserves their cap slots atomically; release gives back slots of messages that will never be sent.
import { randomBytes } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import { SiyuError, invalid } from '../../core/errors.ts';
import type { Store } from '../../store/port.ts';
import { evalRequest, evaluateMember, parseState, releaseEntry, ZoneClock, type Admission, type MemberFacts, type MemberState, type Reservation } from './guard-rules.ts';
import { guardRepo, type FactRow, type StateWrite } from './guard-repo.ts';
import { decideConsent, policyOf } from './policy.ts';
import { CHANNEL_TYPES, PURPOSES, type ChannelType, type Purpose } from './schema.ts';
import type { ConsentSettings } from './settings.ts';
import { isZone } from './zones.ts';

/** Members per transaction: one facts read and one or two writes each (DuckDB pays a scan per statement, so big). */
export const ADMIT_CHUNK = 50_000;
/** Compare-and-set rounds against concurrent writers before the transaction is retried as a whole. */
const MAX_ROUNDS = 20;

export interface AdmitRequest {
  channelType: ChannelType | string;
  /** The messaging channel (`mch_…`): caps may be scoped to one channel. */
  channelId?: string | null;
  purpose: Purpose;
  /** The at-most-once key of the message (`broadcast:<id>`, `journey:<id>:step:<step>`): a retried admit is a replay. */
  sourceKey: string;
  /** Overlapping campaigns sharing this key reach a member once within the dedupe window. */
  dedupeKey?: string | null;
  memberIds: string[];
  /** When the message would go out (default now); `now` is accepted as an alias. */
  at?: Date | string;
  now?: Date;
}

/**
 * Per member (by id) its admission, plus the same answer grouped the way the delivery pipeline reads it: admitted
 * ids, skipped ids with their reason, deferred ids with the time to try again.
 */
export type AdmitResult = Map<string, Admission> & {
  admitted: string[];
  skipped: Map<string, string>;
  deferred: Map<string, { retryAt: string; reason: string }>;
  reservations: Map<string, Reservation>;
};

export interface GuardDeps {
  store: Store;
  settings: ConsentSettings;
  /** The workspace's time zone: members without a valid `timezone` attribute live in it. */
  timezoneOf(ws: string): Promise<string>;
  registry?: Registry;
}

/**
 * @example
 * const r = await guard.admit(ws, { channelType: 'sms', channelId, purpose: 'marketing', sourceKey: `broadcast:${id}`, memberIds });
 * send(r.admitted); // later, for permanent failures: await guard.release(ws, `broadcast:${id}`, failedIds)
 */
export class GuardService {
  private readonly repo;
  private readonly decisions: Counter<'outcome' | 'channel_type' | 'purpose'> | null;
  /** Admits of one workspace take turns in this process (fewer DuckDB conflicts); correctness does not depend on it. */
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Where admit time goes in this process, summed (milliseconds; the benchmark prints it). */
  readonly timings = { facts: 0, decide: 0, write: 0, members: 0 };

  constructor(private readonly deps: GuardDeps) {
    this.repo = guardRepo(deps.store);
    this.decisions = deps.registry
      ? new Counter({ name: 'siyu_guard_decisions_total', help: 'Guard-rail decisions per member, by outcome (admitted, replayed or the refusal reason)', labelNames: ['outcome', 'channel_type', 'purpose'], registers: [deps.registry] })
      : null;
  }

  /** Admits (and reserves for) the members that may be sent this message now; see guard-rules.ts for the order of checks. */
  async admit(ws: string, req: AdmitRequest, opts: { dryRun?: boolean } = {}): Promise<AdmitResult> {
    const channelType = checkRequest(req);
    const at = timeOf(req.at ?? req.now);
    const [{ config }, wsZone] = await Promise.all([this.deps.settings.get(ws), this.deps.timezoneOf(ws)]);
    const er = evalRequest(config, { sourceKey: req.sourceKey, channelType, channelId: req.channelId ?? null, purpose: req.purpose, dedupeKey: req.dedupeKey, at });
    const policy = policyOf(config, req.purpose, channelType);
    const clock = new ZoneClock(er);
    const ids = [...new Set(req.memberIds)];
    const out = new Map<string, Admission>();
    for (let i = 0; i < ids.length; i += ADMIT_CHUNK) {
      const chunk = ids.slice(i, i + ADMIT_CHUNK);
      const decided = await this.serial(ws, () =>
        this.deps.store.transaction(async (tx) => {
          let t0 = performance.now();
          const facts = await this.repo.facts(tx, ws, chunk, channelType, req.purpose);
          this.timings.facts += performance.now() - t0;
          t0 = performance.now();
          const byId = new Map<string, MemberFacts>();
          const versions = new Map<string, number>();
          for (const f of facts) {
            byId.set(f.member_id, toFacts(f, policy, wsZone));
            if (f.ver != null) versions.set(f.member_id, Number(f.ver));
          }
          const decisions = new Map<string, Admission>();
          const writes: StateWrite[] = [];
          for (const id of chunk) {
            const e = evaluateMember(byId.get(id) ?? missing(id, wsZone), er, clock);
            decisions.set(id, e.admission);
            if (e.next) writes.push({ member_id: id, ver: versions.get(id) ?? null, state: e.next });
          }
          this.timings.decide += performance.now() - t0;
          this.timings.members += chunk.length;
          if (opts.dryRun || writes.length === 0) return decisions;
          t0 = performance.now();
          const tok = randomBytes(9).toString('base64url');
          const now = new Date().toISOString();
          let pending = writes;
          for (let round = 0; pending.length > 0; round++) {
            const written = await this.repo.write(tx, ws, pending, tok, now);
            if (written === pending.length) break;
            if (round >= MAX_ROUNDS) throw Object.assign(new SiyuError('conflict', 'guard.contended', 'Guard state kept changing under this admit; retrying'), { retryable: true });
            // Another writer changed some of these members first: decide them again on their current state.
            const lost = await this.repo.lost(tx, ws, pending.map((w) => w.member_id), tok);
            pending = [];
            for (const row of lost) {
              const f = { ...(byId.get(row.member_id) ?? missing(row.member_id, wsZone)), state: parseState(row.state) };
              byId.set(row.member_id, f);
              const e = evaluateMember(f, er, clock);
              decisions.set(row.member_id, e.admission);
              if (e.next) pending.push({ member_id: row.member_id, ver: Number(row.ver), state: e.next });
            }
          }
          this.timings.write += performance.now() - t0;
          return decisions;
        }),
      );
      for (const [id, a] of decided) out.set(id, a);
    }
    this.count(out, channelType, req.purpose);
    return grouped(out);
  }

  /**
   * Gives back the reservations `sourceKey` holds for these members (a permanent send failure, an unreachable
   * member, a render failure): their cap slots and dedupe claims free up. Returns how many were released; members
   * without one (never admitted, already released) are ignored.
   */
  async release(ws: string, sourceKey: string, memberIds: string[]): Promise<number> {
    if (!sourceKey) throw invalid('guard.source_key_required', 'sourceKey is required', 'sourceKey');
    const ids = [...new Set(memberIds)];
    let released = 0;
    for (let i = 0; i < ids.length; i += ADMIT_CHUNK) {
      const chunk = ids.slice(i, i + ADMIT_CHUNK);
      released += await this.serial(ws, () =>
        this.deps.store.transaction(async (tx) => {
          const tok = randomBytes(9).toString('base64url');
          const now = new Date().toISOString();
          let rows = await this.repo.states(tx, ws, chunk);
          let n = 0;
          for (let round = 0; rows.length > 0; round++) {
            const writes: StateWrite[] = [];
            for (const r of rows) {
              const next = releaseOf(parseState(r.state), sourceKey);
              if (next) writes.push({ member_id: r.member_id, ver: Number(r.ver), state: next });
            }
            if (writes.length === 0) break;
            const written = await this.repo.write(tx, ws, writes, tok, now);
            n += written;
            if (written === writes.length) break;
            if (round >= MAX_ROUNDS) throw Object.assign(new SiyuError('conflict', 'guard.contended', 'Guard state kept changing under this release; retrying'), { retryable: true });
            // Another writer changed some of these members first: release from their current state.
            rows = (await this.repo.lost(tx, ws, writes.map((w) => w.member_id), tok)).map((l) => ({ ...l, tok: null }));
          }
          return n;
        }),
      );
    }
    return released;
  }

  private serial<T>(ws: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(ws) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(ws, tail);
    tail.then(() => {
      if (this.tails.get(ws) === tail) this.tails.delete(ws);
    });
    return run;
  }

  private count(out: Map<string, Admission>, channelType: string, purpose: string) {
    if (!this.decisions) return;
    const n = new Map<string, number>();
    for (const a of out.values()) {
      const k = a.ok ? (a.reservation.replayed ? 'replayed' : 'admitted') : a.reason;
      n.set(k, (n.get(k) ?? 0) + 1);
    }
    for (const [outcome, v] of n) this.decisions.inc({ outcome, channel_type: channelType, purpose }, v);
  }
}

function checkRequest(req: AdmitRequest): ChannelType {
  if (!(CHANNEL_TYPES as readonly string[]).includes(req.channelType)) throw invalid('guard.channel_type_invalid', `channelType must be one of ${CHANNEL_TYPES.join(', ')}`, 'channelType');
  if (!(PURPOSES as readonly string[]).includes(req.purpose)) throw invalid('guard.purpose_invalid', `purpose must be one of ${PURPOSES.join(', ')}`, 'purpose');
  if (!req.sourceKey || req.sourceKey.length > 300) throw invalid('guard.source_key_invalid', 'sourceKey must be 1 to 300 characters', 'sourceKey');
  if (req.dedupeKey != null && (req.dedupeKey.length === 0 || req.dedupeKey.length > 200)) throw invalid('guard.dedupe_key_invalid', 'dedupeKey must be 1 to 200 characters', 'dedupeKey');
  return req.channelType as ChannelType;
}

function timeOf(at: Date | string | undefined): number {
  if (at === undefined) return Date.now();
  const ms = at instanceof Date ? at.getTime() : Date.parse(at);
  if (!Number.isFinite(ms)) throw invalid('guard.at_invalid', 'at must be a valid time', 'at');
  return ms;
}

function toFacts(f: FactRow, policy: ReturnType<typeof policyOf>, wsZone: string): MemberFacts {
  const specific = f.s_status ? { status: f.s_status, at: f.s_at ?? 0 } : null;
  const all = f.a_status ? { status: f.a_status, at: f.a_at ?? 0 } : null;
  return {
    memberId: f.member_id,
    found: Boolean(f.found),
    consent: decideConsent(specific, all, policy),
    hasAddress: Boolean(f.has_address),
    tz: isZone(f.tz) ? f.tz : wsZone,
    state: parseState(f.state),
  };
}

const missing = (id: string, tz: string): MemberFacts => ({ memberId: id, found: false, consent: { allowed: false, basis: 'default', reason: 'no_consent' }, hasAddress: false, tz, state: null });

function releaseOf(state: MemberState | null, source: string): MemberState | null {
  return state ? releaseEntry(state, source) : null;
}

function grouped(out: Map<string, Admission>): AdmitResult {
  const r = out as AdmitResult;
  r.admitted = [];
  r.skipped = new Map();
  r.deferred = new Map();
  r.reservations = new Map();
  for (const [id, a] of out) {
    if (a.ok) {
      r.admitted.push(id);
      r.reservations.set(id, a.reservation);
    } else if (a.reason === 'quiet_hours') r.deferred.set(id, { retryAt: a.retryAt, reason: a.reason });
    else r.skipped.set(id, a.reason);
  }
  return r;
}
