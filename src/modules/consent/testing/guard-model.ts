// Test support for the guard-rail property tests: random scenarios (config, sources, interleaved consent statements,
// admits at random times and releases) and an independent model that checks every admit's answers — no member
// without consent, without an address or in quiet hours is admitted, and held reservations never exceed a cap or
// share a dedupe key within its window.
import fc from 'fast-check';
import type { Admission } from '../guard-rules.ts';
import { resolveGuardConfig, type CapRule, type GuardConfig, type GuardConfigPatch, type Purpose } from '../schema.ts';
import { localTime, minutesOf, periodKey, quietUntil } from '../zones.ts';

/** The members every scenario uses: which addresses they have and their own time zone (null: the workspace's). */
export const MODEL_MEMBERS = [
  { phone: true, wecom: false, tz: null },
  { phone: true, wecom: false, tz: 'America/New_York' },
  { phone: false, wecom: true, tz: null },
  { phone: true, wecom: true, tz: 'Asia/Tokyo' },
] as const;
export const MODEL_WS_TZ = 'Asia/Shanghai';
/** A Monday; admits fall within six days of it (inside the week reservations are remembered). */
export const MODEL_BASE = Date.parse('2025-06-16T00:00:00Z');
const SPAN_MIN = 6 * 24 * 60;

type Channel = 'sms' | 'wecom';
export interface ModelSource {
  channelType: Channel;
  purpose: Purpose;
  dedupeKey: string | null;
}

export type ModelStep =
  | { t: 'consent'; member: number; channel: Channel | 'all'; purpose: Purpose; status: 'granted' | 'revoked'; at: number }
  | { t: 'admit'; source: number; members: number[]; at: number }
  | { t: 'release'; source: number; members: number[] };

export interface Scenario {
  config: GuardConfigPatch;
  sources: ModelSource[];
  steps: ModelStep[];
}

const purpose = fc.constantFrom<Purpose>('marketing', 'service');
const minute = fc.integer({ min: 0, max: SPAN_MIN });
const members = fc.uniqueArray(fc.integer({ min: 0, max: MODEL_MEMBERS.length - 1 }), { minLength: 1, maxLength: MODEL_MEMBERS.length });
const rule: fc.Arbitrary<CapRule> = fc.record({
  scope: fc.constantFrom('all', 'sms', 'wecom'),
  period: fc.constantFrom('day' as const, 'week' as const),
  limit: fc.integer({ min: 1, max: 3 }),
  purposes: fc.constantFrom<Purpose[]>(['marketing'], ['service'], ['marketing', 'service']),
});

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  config: fc.record({
    caps: fc.array(rule, { minLength: 0, maxLength: 3 }),
    quiet_hours: fc.option(fc.record({ start: fc.integer({ min: 0, max: 23 }), end: fc.integer({ min: 0, max: 23 }) }).filter((q) => q.start !== q.end).map((q) => ({ start: `${String(q.start).padStart(2, '0')}:00`, end: `${String(q.end).padStart(2, '0')}:30`, purposes: ['marketing' as Purpose] })), { nil: null }),
    dedupe_window_hours: fc.constantFrom(0, 6, 24, 48),
    default_policy: fc.record({ marketing: fc.record({ sms: fc.constantFrom('opt_in' as const, 'opt_out' as const), wecom: fc.constantFrom('opt_in' as const, 'opt_out' as const) }) }),
  }),
  sources: fc.array(fc.record({ channelType: fc.constantFrom<Channel>('sms', 'wecom'), purpose, dedupeKey: fc.constantFrom(null, 'promo') }), { minLength: 4, maxLength: 4 }),
  steps: fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ t: fc.constant('consent' as const), member: fc.integer({ min: 0, max: 3 }), channel: fc.constantFrom<Channel | 'all'>('sms', 'wecom', 'all'), purpose, status: fc.constantFrom('granted' as const, 'revoked' as const), at: minute }) },
      { weight: 5, arbitrary: fc.record({ t: fc.constant('admit' as const), source: fc.integer({ min: 0, max: 3 }), members, at: minute }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('release' as const), source: fc.integer({ min: 0, max: 3 }), members }) },
    ),
    { minLength: 1, maxLength: 25 },
  ),
});

export const atOf = (minutes: number) => MODEL_BASE + minutes * 60_000;
export const sourceKeyOf = (i: number) => `src:${i}`;

interface Held {
  member: number;
  source: number;
  at: number;
}

/** The reference: statements and reservations as the caller sees them, and the checks on each answer. */
export class GuardModel {
  readonly config: GuardConfig;
  private readonly statements: { member: number; channel: string; purpose: Purpose; status: string; at: number }[] = [];
  private readonly held = new Map<string, Held>();

  constructor(readonly scenario: Scenario) {
    this.config = resolveGuardConfig(scenario.config);
  }

  private tz = (m: number) => MODEL_MEMBERS[m].tz ?? MODEL_WS_TZ;

  consent(s: Extract<ModelStep, { t: 'consent' }>): void {
    this.statements.push({ member: s.member, channel: s.channel, purpose: s.purpose, status: s.status, at: atOf(s.at) });
  }

  /** The latest statement for the channel or `all` decides (a revocation on a tie); else the default policy. */
  allows(m: number, channel: Channel, p: Purpose): boolean {
    let best: { status: string; at: number } | null = null;
    for (const s of this.statements) {
      if (s.member !== m || s.purpose !== p || (s.channel !== channel && s.channel !== 'all')) continue;
      if (!best || s.at > best.at || (s.at === best.at && s.status === 'revoked')) best = s;
    }
    if (best) return best.status === 'granted';
    return this.config.default_policy[p][channel] === 'opt_out';
  }

  reachable = (m: number, channel: Channel) => (channel === 'sms' ? MODEL_MEMBERS[m].phone : MODEL_MEMBERS[m].wecom);

  quietEnd(m: number, src: ModelSource, at: number): number | null {
    const q = this.config.quiet_hours;
    if (!q || !q.purposes.includes(src.purpose)) return null;
    return quietUntil(localTime(at, this.tz(m)), minutesOf(q.start), minutesOf(q.end), this.tz(m));
  }

  /** Checks the answers of one admit (throws on a violation) and updates the reservations held. */
  admitted(step: Extract<ModelStep, { t: 'admit' }>, answers: Map<string, Admission>, idOf: (m: number) => string): void {
    const src = this.scenario.sources[step.source];
    const at = atOf(step.at);
    for (const m of step.members) {
      const a = answers.get(idOf(m));
      if (!a) throw new Error(`no answer for member ${m}`);
      const key = `${m}|${step.source}`;
      const ctx = `member ${m} source ${step.source} at ${new Date(at).toISOString()}: ${JSON.stringify(a)}`;
      if (a.ok) {
        if (!this.allows(m, src.channelType, src.purpose)) throw new Error(`admitted without consent: ${ctx}`);
        if (!this.reachable(m, src.channelType)) throw new Error(`admitted without an address: ${ctx}`);
        if (this.quietEnd(m, src, at) !== null) throw new Error(`admitted in quiet hours: ${ctx}`);
        if (a.reservation.replayed !== this.held.has(key)) throw new Error(`replay mismatch (model holds: ${this.held.has(key)}): ${ctx}`);
        if (!a.reservation.replayed) this.held.set(key, { member: m, source: step.source, at });
      } else if (a.reason === 'quiet_hours') {
        const end = this.quietEnd(m, src, at);
        if (end === null || Date.parse(a.retryAt) !== end || this.quietEnd(m, src, end) !== null) throw new Error(`wrong quiet hours: ${ctx}`);
      } else {
        if ((a.reason === 'no_consent' || a.reason === 'unsubscribed') && this.allows(m, src.channelType, src.purpose)) throw new Error(`refused for consent it has: ${ctx}`);
        if (a.reason === 'no_address' && this.reachable(m, src.channelType)) throw new Error(`refused for an address it has: ${ctx}`);
        if (a.reason === 'no_consent' || a.reason === 'unsubscribed' || a.reason === 'no_address') this.held.delete(key); // the guard gave it back
        else if (this.held.has(key)) throw new Error(`a held reservation refused as ${a.reason}: ${ctx}`);
      }
    }
    this.checkCaps();
    this.checkDedupe();
  }

  /** A release: returns how many reservations the model held (what the guard must report). */
  released(step: Extract<ModelStep, { t: 'release' }>): number {
    let n = 0;
    for (const m of step.members) if (this.held.delete(`${m}|${step.source}`)) n++;
    return n;
  }

  /** Held reservations never exceed a cap in any member's local period. */
  checkCaps(): void {
    for (const r of this.config.caps) {
      const counts = new Map<string, number>();
      for (const h of this.held.values()) {
        const src = this.scenario.sources[h.source];
        if (!r.purposes.includes(src.purpose) || (r.scope !== 'all' && r.scope !== src.channelType)) continue;
        const k = `${h.member}|${periodKey(localTime(h.at, this.tz(h.member)), r.period)}`;
        const n = (counts.get(k) ?? 0) + 1;
        counts.set(k, n);
        if (n > r.limit) throw new Error(`cap exceeded: ${JSON.stringify(r)} member|period ${k} holds ${n}`);
      }
    }
  }

  /** Two held reservations of different sources with one dedupe key are at least the window apart. */
  checkDedupe(): void {
    const w = this.config.dedupe_window_hours * 3_600_000;
    if (w === 0) return;
    const list = [...this.held.values()].filter((h) => this.scenario.sources[h.source].dedupeKey);
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i];
        const b = list[j];
        if (a.member === b.member && a.source !== b.source && this.scenario.sources[a.source].dedupeKey === this.scenario.sources[b.source].dedupeKey && Math.abs(a.at - b.at) < w) {
          throw new Error(`dedupe broken: member ${a.member} sources ${a.source}/${b.source} ${Math.abs(a.at - b.at) / 60000} min apart`);
        }
      }
    }
  }
}
