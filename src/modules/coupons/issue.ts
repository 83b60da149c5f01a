// Issuing and claiming: coupons to a member, a list or a segment, and a member claiming a code. Every path locks
// the template's counter row first, then checks per-member and total limits against settled counts, so concurrent
// requests (threads or processes) never issue past a limit.
import { newId } from '../../core/ids.ts';
import { SiyuError } from '../../core/errors.ts';
import { couponValidity, parseCouponTemplate, type CouponTemplate } from '../../core/loyalty/index.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import { codeFormatOf, normalize } from './code-text.ts';
import { codeRepo } from './code-repo.ts';
import { couponRepo, type MemberCouponRow, type NewCoupon } from './coupon-repo.ts';
import { issueRepo, type IssueRow } from './issue-repo.ts';
import type { KeyedLock } from './keyed-lock.ts';
import { CHUNK, mintCodes } from './mint.ts';
import { templateRepo, type TemplateRow } from './template-repo.ts';
import { assertActive, codeNotFound, couponView, templateNotFound, type MemberCouponView } from './views.ts';

export interface IssueOptions {
  /** A retry with the same key returns the first answer and issues nothing more. */
  idempotencyKey?: string;
  /** Where the issue came from: api, journey, birthday, member_day… */
  source?: string;
  /** false: the coupon waits as `issued` until the member claims it (default true: ready to use). */
  claimed?: boolean;
}

export interface IssueOneResult {
  /** False when this was a replay of an earlier request with the same idempotency key. */
  issued: boolean;
  coupon: MemberCouponView;
}

export interface IssueManyResult {
  issue_id: string;
  template_id: string;
  target: 'members' | 'segment';
  requested: number;
  matched: number;
  issued: number;
  skipped: { member_limit: number; total_limit: number };
  not_found_count: number;
  not_found: string[];
  /** True when this answer replays an earlier request with the same idempotency key. */
  replayed?: boolean;
}

export interface ClaimResult {
  /** False when the member already held the coupon this code gives (claiming again changes nothing). */
  claimed: boolean;
  coupon: MemberCouponView;
}

const NOT_FOUND_SHOWN = 1000;
const retry = (what: string) => Object.assign(new SiyuError('conflict', 'coupon.concurrent', `${what} changed concurrently; retrying`), { retryable: true });
const limitError = (t: TemplateRow, placed: Placed) =>
  placed.memberLimited > 0
    ? new SiyuError('conflict', 'coupon.member_limit_reached', `The member already holds ${t.per_member_limit} coupon(s) of ${t.name} (per-member limit)`, { field: 'member' })
    : new SiyuError('conflict', 'coupon.total_limit_reached', `Coupon template ${t.name} has issued its ${t.total_limit} coupon(s) (total limit)`, { field: 'template' });

/** The window of a coupon issued now: set at claim for after-claim validity, fixed windows at once. */
export function validityAt(cfg: CouponTemplate, claimed: boolean, now: string): { valid_from: string | null; valid_to: string | null } {
  if (!claimed && cfg.validity.type !== 'window') return { valid_from: null, valid_to: null };
  const v = couponValidity(cfg, claimed ? now : null);
  return { valid_from: v.validFrom, valid_to: v.validUntil };
}

interface Placed {
  ids: string[];
  memberLimited: number;
  totalLimited: number;
}

export class Issuer {
  private readonly codes;
  private readonly coupons;

  constructor(
    private readonly store: Store,
    private readonly refs: MemberRefs,
    private readonly locks: KeyedLock,
    private readonly segmentIdOf: (ws: string, ref: string) => Promise<string>,
  ) {
    this.codes = codeRepo(store);
    this.coupons = couponRepo(store);
  }

  /** One coupon to one member: 409 `coupon.member_limit_reached` / `coupon.total_limit_reached` past a limit. */
  async toMember(ws: string, templateRef: string, memberRef: string, opts: IssueOptions = {}): Promise<IssueOneResult> {
    const memberId = await this.refs.resolveOne(this.store, ws, memberRef);
    return this.withTemplate(ws, templateRef, async (tx, t, now) => {
      const prior = await this.prior(tx, ws, t, opts.idempotencyKey);
      if (prior) return { issued: false, coupon: await this.view(tx, ws, String(prior.result.coupon_id)) };
      assertActive(t);
      const placed = await this.place(tx, ws, t, [memberId], { claimed: opts.claimed ?? true, source: opts.source ?? 'api', issueId: null, now });
      if (placed.ids.length === 0) throw limitError(t, placed);
      await this.record(tx, ws, t, { target: 'member', target_ref: memberId, key: opts.idempotencyKey, source: opts.source ?? 'api', requested: 1, issued: 1, result: { coupon_id: placed.ids[0] } }, now);
      return { issued: true, coupon: await this.view(tx, ws, placed.ids[0]) };
    });
  }

  /** One coupon to each listed member (refs); unknown refs and members at a limit are counted, not fatal. */
  async toMembers(ws: string, templateRef: string, refs: string[], opts: IssueOptions = {}): Promise<IssueManyResult> {
    const ids = await this.refs.resolveMany(this.store, ws, refs);
    const missing = [...new Set(refs.filter((_, i) => ids[i] === null))];
    const memberIds = [...new Set(ids.filter((id): id is string => id !== null))];
    return this.withTemplate(ws, templateRef, async (tx, t, now) => {
      const prior = await this.prior(tx, ws, t, opts.idempotencyKey);
      if (prior) return { ...(prior.result as unknown as IssueManyResult), replayed: true };
      assertActive(t);
      const issueId = newId('cpi');
      const placed = await this.place(tx, ws, t, memberIds, { claimed: opts.claimed ?? true, source: opts.source ?? 'api', issueId, now });
      const result: IssueManyResult = {
        issue_id: issueId, template_id: t.id, target: 'members', requested: refs.length, matched: memberIds.length, issued: placed.ids.length,
        skipped: { member_limit: placed.memberLimited, total_limit: placed.totalLimited }, not_found_count: missing.length, not_found: missing.slice(0, NOT_FOUND_SHOWN),
      };
      await this.record(tx, ws, t, { id: issueId, target: 'members', target_ref: null, key: opts.idempotencyKey, source: opts.source ?? 'api', requested: refs.length, issued: placed.ids.length, result }, now);
      return result;
    });
  }

  /**
   * One coupon to every current member of a segment, in chunks inside one transaction: the segment's members are
   * joined against the template's coupon counts in the store, so a large segment never passes through a JS list.
   */
  async toSegment(ws: string, templateRef: string, segmentRef: string, opts: IssueOptions = {}): Promise<IssueManyResult> {
    const segmentId = await this.segmentIdOf(ws, segmentRef);
    return this.withTemplate(ws, templateRef, async (tx, t, now) => {
      const prior = await this.prior(tx, ws, t, opts.idempotencyKey);
      if (prior) return { ...(prior.result as unknown as IssueManyResult), replayed: true };
      assertActive(t);
      const issueId = newId('cpi');
      const requested = await this.coupons.segmentSize(tx, ws, segmentId);
      const eligible = await this.coupons.segmentEligibleCount(tx, ws, { templateId: t.id, segmentId, perMember: t.per_member_limit });
      let issued = 0;
      for (let after = ''; ; ) {
        const room = t.total_limit === null ? CHUNK : Math.min(CHUNK, t.total_limit - t.issued_count);
        if (room <= 0) break;
        const ids = await this.coupons.segmentEligible(tx, ws, { templateId: t.id, segmentId, perMember: t.per_member_limit, after, limit: room });
        if (ids.length === 0) break;
        issued += (await this.place(tx, ws, t, ids, { claimed: opts.claimed ?? true, source: opts.source ?? 'api', issueId, now })).ids.length;
        after = ids[ids.length - 1];
        if (ids.length < room) break;
      }
      const result: IssueManyResult = {
        issue_id: issueId, template_id: t.id, target: 'segment', requested, matched: requested, issued,
        skipped: { member_limit: requested - eligible, total_limit: eligible - issued }, not_found_count: 0, not_found: [],
      };
      await this.record(tx, ws, t, { id: issueId, target: 'segment', target_ref: segmentId, key: opts.idempotencyKey, source: opts.source ?? 'api', requested, issued, result }, now);
      return result;
    });
  }

  /** A member claims a code: an issued coupon of theirs, a one-claim batch code, or a shared code (once per member). */
  async claim(ws: string, rawCode: string, memberRef: string, source = 'code'): Promise<ClaimResult> {
    const code = normalize(rawCode);
    const memberId = await this.refs.resolveOne(this.store, ws, memberRef);
    const known = await this.codes.get(this.store, ws, code);
    if (!known) throw codeNotFound(rawCode);
    return this.locks.run(`tpl:${ws}:${known.template_id}`, () =>
      this.store.transaction(async (tx) => {
        const now = new Date().toISOString();
        const r = await this.claimIn(tx, ws, code, memberId, now, source);
        return { claimed: r.claimed, coupon: couponView(r.coupon) };
      }),
    );
  }

  /**
   * Claims `code` for `memberId` inside `tx` (redeem uses it for codes presented at checkout). A null member takes a
   * one-claim code as a bearer coupon (guest orders). Locks the template row before checking limits.
   */
  async claimIn(tx: SqlExecutor, ws: string, code: string, memberId: string | null, now: string, source: string): Promise<{ claimed: boolean; coupon: MemberCouponRow }> {
    const own = await this.coupons.byCode(tx, ws, code);
    if (own) {
      if (own.member_id !== null && own.member_id !== memberId) throw new SiyuError('conflict', 'coupon.not_owner', `Coupon ${code} belongs to another member`, { field: 'code' });
      if (own.status !== 'issued') return { claimed: false, coupon: own };
      const t = await templateRepo.get(tx, ws, own.template_id);
      const v = validityAt(parseCouponTemplate(t!.config), true, now);
      if (!(await this.coupons.claim(tx, ws, own.id, { claimed_at: now, valid_from: v.valid_from!, valid_to: v.valid_to! }))) throw retry(`coupon ${code}`);
      return { claimed: true, coupon: (await this.coupons.byIds(tx, ws, [own.id]))[0] };
    }
    const row = await this.codes.get(tx, ws, code);
    if (!row || row.kind === 'coupon') throw codeNotFound(code);
    if (row.status === 'disabled') throw new SiyuError('conflict', 'coupon_code.disabled', `Code ${code} was disabled`, { field: 'code' });
    if (row.kind === 'shared' && memberId === null) throw new SiyuError('conflict', 'coupon.member_required', `Code ${code} is shared: a member claims it for themselves`, { field: 'member' });
    if (row.kind === 'shared') {
      const held = await this.coupons.fromSharedCode(tx, ws, code, memberId!);
      if (held) return { claimed: false, coupon: held };
    } else if (row.status !== 'available') {
      throw new SiyuError('conflict', 'coupon_code.already_claimed', `Code ${code} has already been claimed`, { field: 'code' });
    }
    const t = await templateRepo.lock(tx, ws, row.template_id);
    if (!t) throw templateNotFound(row.template_id);
    assertActive(t);
    if (row.kind === 'batch' && !(await this.codes.claim(tx, ws, code, now))) {
      throw new SiyuError('conflict', 'coupon_code.already_claimed', `Code ${code} has already been claimed`, { field: 'code' });
    }
    const placed = await this.place(tx, ws, t, [memberId], {
      claimed: true, source, issueId: null, now, ...(row.kind === 'batch' ? { code } : { claimCode: code }),
    });
    if (placed.ids.length === 0) throw limitError(t, placed);
    return { claimed: true, coupon: (await this.coupons.byIds(tx, ws, placed.ids))[0] };
  }

  // ---- helpers ----

  /** Runs `fn` in a transaction holding the template's counter row (and this process's turn for the template). */
  private async withTemplate<T>(ws: string, ref: string, fn: (tx: SqlExecutor, t: TemplateRow, now: string) => Promise<T>): Promise<T> {
    const found = await templateRepo.get(this.store, ws, ref);
    if (!found) throw templateNotFound(ref);
    return this.locks.run(`tpl:${ws}:${found.id}`, () =>
      this.store.transaction(async (tx) => {
        const t = await templateRepo.lock(tx, ws, found.id);
        if (!t) throw templateNotFound(ref);
        return fn(tx, t, new Date().toISOString());
      }),
    );
  }

  /**
   * Creates one coupon per member under the locked template `t`: members at the per-member limit are skipped,
   * then as many as total_limit leaves room for (in the order given). Mints the codes unless one is given.
   */
  private async place(
    tx: SqlExecutor, ws: string, t: TemplateRow, members: (string | null)[],
    o: { claimed: boolean; source: string; issueId: string | null; now: string; code?: string; claimCode?: string },
  ): Promise<Placed> {
    const unique = [...new Set(members)];
    let eligible = unique;
    if (t.per_member_limit !== null) {
      const counts = await this.coupons.countsFor(tx, ws, t.id, unique.filter((m): m is string => m !== null));
      eligible = unique.filter((m) => m === null || (counts.get(m) ?? 0) < t.per_member_limit!);
    }
    const room = t.total_limit === null ? eligible.length : Math.max(0, t.total_limit - t.issued_count);
    const take = eligible.slice(0, room);
    const placed = { ids: [] as string[], memberLimited: unique.length - eligible.length, totalLimited: eligible.length - take.length };
    if (take.length === 0) return placed;
    const cfg = parseCouponTemplate(t.config);
    const codes = o.code ? [o.code] : await mintCodes(tx, this.codes, ws, codeFormatOf(t.code_format, 'code_format'), take.length, { template_id: t.id, batch_id: null, kind: 'coupon', status: 'claimed', now: o.now });
    const v = validityAt(cfg, o.claimed, o.now);
    const rows: NewCoupon[] = take.map((member_id, i) => ({
      id: newId('mcp'), member_id, code: codes[i], claim_code: o.claimCode ?? null, status: o.claimed ? 'claimed' : 'issued', claimed_at: o.claimed ? o.now : null, ...v,
    }));
    await this.coupons.insert(tx, ws, rows, { template_id: t.id, source: o.source, issue_id: o.issueId, now: o.now });
    // Under the lock this cannot fail; the conditional update keeps total_limit even if a caller forgot the lock.
    if (!(await templateRepo.addIssued(tx, ws, t.id, rows.length))) throw retry(`coupon template ${t.name}`);
    t.issued_count += rows.length;
    placed.ids = rows.map((r) => r.id);
    return placed;
  }

  private async prior(tx: SqlExecutor, ws: string, t: TemplateRow, key: string | undefined): Promise<IssueRow | undefined> {
    if (!key) return undefined;
    const prior = await issueRepo.byKey(tx, ws, key);
    if (prior && prior.template_id !== t.id) {
      throw new SiyuError('conflict', 'coupon_issue.key_reused', `idempotency_key ${key} was used for another template`, { field: 'idempotency_key' });
    }
    return prior;
  }

  private async record(
    tx: SqlExecutor, ws: string, t: TemplateRow,
    r: { id?: string; target: IssueRow['target']; target_ref: string | null; key?: string; source: string; requested: number; issued: number; result: Record<string, unknown> | IssueManyResult },
    now: string,
  ) {
    const ok = await issueRepo.insert(tx, ws, {
      id: r.id ?? newId('cpi'), template_id: t.id, target: r.target, target_ref: r.target_ref, idempotency_key: r.key ?? null,
      source: r.source, requested: r.requested, issued: r.issued, result: r.result as Record<string, unknown>,
    }, now);
    // A concurrent request with the same key committed first: re-run, and the replay finds its answer.
    if (!ok) throw retry(`issue ${r.key}`);
  }

  private async view(db: SqlExecutor, ws: string, id: string): Promise<MemberCouponView> {
    const [row] = await this.coupons.byIds(db, ws, [id]);
    if (!row) throw new SiyuError('not_found', 'coupon.not_found', `No coupon ${id}`, { field: 'coupon' });
    return couponView(row);
  }
}
