// Member tiers in the store: recompute after earning (upgrade at once), the periodic / anniversary review job,
// manual assignment with reason, operator and expiry, tier history, and a DataChange for every tier change.
import type { ChangeFeed } from '../../core/change-feed.ts';
import { SiyuError, invalid } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { type Program, type TierState, evaluateTier, qualifyingWindow, tierByCode, tierForQualifying } from '../../core/loyalty/index.ts';
import type { SqlExecutor, Store, TxExecutor } from '../../store/port.ts';
import { GroupCommitWriter } from '../ingest/group-commit.ts';
import { recordSystemEvents } from '../ingest/system-events.ts';
import type { LoyaltyConfig } from './config.ts';
import { type HistoryRow, type TierRow, tierRepo } from './tier-repo.ts';

export interface TierChangeView { member_id: string; from: string | null; to: string; change: string; reason: string }
export interface ManualInput { tier: string; reason: string; operator: string; expires_at?: string | null }

const CHUNK = 2000;
/** The system event recorded when a member moves to another tier (journeys and segment rules trigger on it). */
export const TIER_CHANGED = 'Tier Changed';

/** The program, or 404 `loyalty.program_not_found` when the workspace has none yet. */
export function requireProgram(c: LoyaltyConfig): Program {
  if (!c.program) throw new SiyuError('not_found', 'loyalty.program_not_found', 'No loyalty program yet: PUT /api/loyalty/program first', { field: 'program' });
  return c.program;
}

export class TierService {
  private readonly repo;
  private readonly queues = new Map<string, GroupCommitWriter<string>>();

  constructor(
    private readonly store: Store,
    private readonly config: (ws: string) => Promise<LoyaltyConfig>,
    private readonly changes?: ChangeFeed,
  ) {
    this.repo = tierRepo(store);
  }

  /**
   * Re-evaluates members' tiers now, coalescing concurrent calls of a workspace into one transaction (earning
   * members arrive thousands a second). Resolves after the changes are committed.
   */
  async refresh(ws: string, members: string[]): Promise<void> {
    if (members.length === 0) return;
    let q = this.queues.get(ws);
    if (!q) {
      q = new GroupCommitWriter<string>({
        maxBatch: CHUNK, maxDelayMs: 2, maxConcurrent: 1, maxQueued: CHUNK * 1000,
        commit: async (group) => {
          const ids = [...new Set(group.flatMap((g) => g.items))];
          await this.store.transaction((tx) => this.evaluate(tx, ws, ids, new Date().toISOString()));
        },
      });
      this.queues.set(ws, q);
    }
    for (let i = 0; i < members.length; i += CHUNK) await q.submit(members.slice(i, i + CHUNK));
  }

  private readonly inFlight = new Set<Promise<void>>();
  private log: (err: unknown, msg: string) => void = () => undefined;

  setLogger(log: (err: unknown, msg: string) => void): void {
    this.log = log;
  }

  /**
   * Queues a refresh without waiting for it: an earn's response does not wait for the tier, which follows within
   * milliseconds of the points' commit (an upgrade is still immediate, not left to a review).
   */
  schedule(ws: string, members: string[]): void {
    const p = this.refresh(ws, members).catch((e) => this.log(e, 'loyalty: tier refresh failed; the next earn or review retries'));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Resolves when every scheduled refresh has committed (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Evaluates members' tiers at `now` inside `tx`: upgrades at once, downgrades only as the program's mode allows,
   * clears expired manual assignments; writes changed rows and history and publishes the changes after commit.
   */
  async evaluate(tx: TxExecutor, ws: string, members: string[], now: string): Promise<TierChangeView[]> {
    const config = await this.config(ws);
    if (!config.program || members.length === 0) return [];
    const p = config.program;
    const { from, to } = qualifyingWindow(p, now);
    const values = await this.repo.qualifying(tx, ws, p.basis.metric, members, from, to);
    const rows = await this.repo.rows(tx, ws, members, true);
    const since = await this.repo.memberSince(tx, ws, members);
    const writes: TierRow[] = [];
    const history: HistoryRow[] = [];
    const changes: TierChangeView[] = [];
    for (const member of members) {
      if (!since.has(member)) continue; // merged away or unknown
      const stored = rows.get(member);
      const known = stored && p.tiers.some((t) => t.code === stored.tier);
      const state: TierState = known
        ? { tier: stored.tier, since: stored.since, manual: validManual(p, stored.manual), lastReviewAt: stored.lastReviewAt }
        : { tier: p.tiers[0].code, since: since.get(member)!, manual: validManual(p, stored?.manual ?? null), lastReviewAt: null };
      const d = evaluateTier(p, state, values.get(member) ?? 0, now, { memberSince: since.get(member) });
      const row: TierRow = {
        member, tier: d.tier, since: d.change === 'none' ? state.since : now, manual: d.clearManual ? null : state.manual ?? null,
        lastReviewAt: d.reviewAt ?? state.lastReviewAt ?? null,
      };
      const dirty = !stored || !known || d.change !== 'none' || d.clearManual || d.reviewAt !== null;
      if (dirty) writes.push(row);
      if (d.change !== 'none') {
        history.push({ id: newId('tch'), member, from: state.tier, to: d.tier, change: d.change, reason: d.reason, operator: null, note: null, at: now });
        changes.push({ member_id: member, from: state.tier, to: d.tier, change: d.change, reason: d.reason });
      }
    }
    await this.repo.upsert(tx, ws, writes);
    await this.addHistory(tx, ws, history);
    this.publishOnCommit(tx, ws, changes.map((c) => c.member_id));
    return changes;
  }

  /** Manual assignment: the member holds at least `tier` until `expires_at` (null = until removed). */
  async assign(ws: string, member: string, input: ManualInput, now = new Date().toISOString()): Promise<Record<string, unknown>> {
    const p = requireProgram(await this.config(ws));
    tierByCode(p, input.tier);
    if (input.expires_at && Date.parse(input.expires_at) <= Date.parse(now)) throw invalid('loyalty.invalid_expiry', 'expires_at: must be in the future', 'expires_at');
    const changes = await this.store.transaction(async (tx) => {
      const current = (await this.repo.rows(tx, ws, [member], true)).get(member);
      const tier = current && p.tiers.some((t) => t.code === current.tier) ? current.tier : p.tiers[0].code;
      const row: TierRow = {
        member, tier, since: current?.since ?? now, lastReviewAt: current?.lastReviewAt ?? null,
        manual: { tier: input.tier, reason: input.reason, operator: input.operator, assignedAt: now, expiresAt: input.expires_at ?? null },
      };
      await this.repo.upsert(tx, ws, [row]);
      await this.addHistory(tx, ws, [{
        id: newId('tch'), member, from: tier, to: input.tier, change: 'manual_assignment', reason: input.reason, operator: input.operator,
        note: input.expires_at ? `until ${input.expires_at}` : null, at: now,
      }]);
      return this.evaluate(tx, ws, [member], now);
    });
    return { ...(await this.tierOf(ws, member, new Date(now))), changes };
  }

  /** Ends a manual assignment now: the member falls back to the tier they qualify for. */
  async removeManual(ws: string, member: string, operator: string, now = new Date().toISOString()): Promise<Record<string, unknown>> {
    requireProgram(await this.config(ws));
    const changes = await this.store.transaction(async (tx) => {
      const current = (await this.repo.rows(tx, ws, [member], true)).get(member);
      if (!current?.manual) throw new SiyuError('not_found', 'loyalty.no_manual_tier', 'The member has no manual tier assignment', { field: 'ref' });
      await this.repo.upsert(tx, ws, [{ ...current, manual: { ...current.manual, expiresAt: now } }]);
      await this.repo.addHistory(tx, ws, [{ id: newId('tch'), member, from: current.tier, to: current.tier, change: 'manual_removed', reason: 'removed', operator, note: null, at: now }]);
      return this.evaluate(tx, ws, [member], new Date(Date.parse(now) + 1).toISOString());
    });
    return { ...(await this.tierOf(ws, member, new Date(now))), changes };
  }

  /**
   * The review job: every member above the lowest tier or with a manual assignment, in chunks. `all` reviews every
   * live member instead: members who never earned or ordered since the programme began hold the lowest tier without
   * a row, so a programme launched on an existing customer base places them by their history this way, once.
   */
  async review(ws: string, now = new Date().toISOString(), opts: { all?: boolean } = {}): Promise<{ reviewed: number; upgraded: number; downgraded: number }> {
    const p = requireProgram(await this.config(ws));
    const out = { reviewed: 0, upgraded: 0, downgraded: 0 };
    for (let after: string | null = null; ;) {
      const members: string[] = opts.all ? await this.repo.allMembers(this.store, ws, after, CHUNK) : await this.repo.reviewable(this.store, ws, p.tiers[0].code, after, CHUNK);
      if (members.length === 0) break;
      const changes = await this.store.transaction((tx) => this.evaluate(tx, ws, members, now));
      out.reviewed += members.length;
      for (const c of changes) out[c.change === 'upgrade' ? 'upgraded' : 'downgraded']++;
      after = members[members.length - 1];
    }
    return out;
  }

  /** A member's tier with its benefits, manual assignment, qualifying value and distance to the next tier. */
  async tierOf(ws: string, member: string, now = new Date()): Promise<Record<string, unknown>> {
    const p = requireProgram(await this.config(ws));
    const { from, to } = qualifyingWindow(p, now.toISOString());
    const [rows, values] = await Promise.all([this.repo.rows(this.store, ws, [member]), this.repo.qualifying(this.store, ws, p.basis.metric, [member], from, to)]);
    const row = rows.get(member);
    const code = row && p.tiers.some((t) => t.code === row.tier) ? row.tier : p.tiers[0].code;
    const tier = tierByCode(p, code);
    const value = values.get(member) ?? 0;
    const next = p.tiers.find((t) => t.threshold > tier.threshold) ?? null;
    return {
      member_id: member, tier: tier.code, name: tier.name, since: row?.since ?? null, benefits: tier.benefits,
      manual: row?.manual ? { tier: row.manual.tier, reason: row.manual.reason, operator: row.manual.operator, assigned_at: row.manual.assignedAt, expires_at: row.manual.expiresAt } : null,
      qualifying: { metric: p.basis.metric, value, from, qualifies_for: tierForQualifying(p, value).code },
      next_tier: next ? { tier: next.code, threshold: next.threshold, remaining: Math.max(0, next.threshold - value) } : null,
    };
  }

  history(ws: string, member: string, limit = 50) {
    return this.repo.history(this.store, ws, member, limit);
  }

  /** The program's tiers with how many members hold each. */
  async summary(ws: string): Promise<Record<string, unknown>[]> {
    const p = requireProgram(await this.config(ws));
    const { tiers, members } = await this.repo.counts(this.store, ws);
    const counted = [...tiers.entries()].filter(([code]) => code !== p.tiers[0].code && p.tiers.some((t) => t.code === code)).reduce((s, [, n]) => s + n, 0);
    return p.tiers.map((t, i) => ({ ...t, members: i === 0 ? Math.max(0, members - counted) : tiers.get(t.code) ?? 0 }));
  }

  /** Tier codes of some members (lowest tier for those without a row). */
  async codesOf(db: SqlExecutor, ws: string, p: Program, members: string[]): Promise<Map<string, string>> {
    const rows = await this.repo.rows(db, ws, members);
    return new Map(members.map((m) => {
      const t = rows.get(m)?.tier;
      return [m, t && p.tiers.some((x) => x.code === t) ? t : p.tiers[0].code];
    }));
  }

  async close(): Promise<void> {
    await this.idle();
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  /**
   * Writes tier history and, for each row that moves a member to another tier, a `Tier Changed` system event
   * (properties from_tier, to_tier, change, reason) for segment rules and journey triggers.
   */
  private async addHistory(tx: TxExecutor, ws: string, history: HistoryRow[]): Promise<void> {
    await this.repo.addHistory(tx, ws, history);
    const moves = history.filter((h) => h.from !== h.to);
    const names = await recordSystemEvents(this.store, tx, ws, moves.map((h) => ({
      messageId: `tier:${h.id}`, memberId: h.member, name: TIER_CHANGED, at: h.at,
      properties: { from_tier: h.from, to_tier: h.to, change: h.change, reason: h.reason },
    })));
    if (names.length > 0 && this.changes) {
      const members = [...new Set(moves.map((h) => h.member))];
      tx.afterEnd((committed) => {
        if (committed) this.changes!.publish({ workspaceId: ws, memberIds: members, events: names, committedAt: Date.now() });
      });
    }
  }

  private publishOnCommit(tx: TxExecutor, ws: string, members: string[]): void {
    if (!this.changes || members.length === 0) return;
    tx.afterEnd((committed) => {
      if (committed) this.changes!.publish({ workspaceId: ws, memberIds: members, events: [], attributes: true, committedAt: Date.now() });
    });
  }
}

/** A stored manual assignment whose tier the program still has (a removed tier code is ignored). */
function validManual(p: Program, m: TierRow['manual']): TierState['manual'] {
  return m && p.tiers.some((t) => t.code === m.tier) ? m : null;
}
