// Coupons: templates, code batches, issuing and claiming under limits, redemption on orders (API and orders that
// arrive with coupon_code), release on refund, expiry, the issue → claim → use funnel and members' coupons.
import { newId } from '../../core/ids.ts';
import { SiyuError } from '../../core/errors.ts';
import { assertCodeSpace, parseCouponTemplate } from '../../core/loyalty/index.ts';
import type { ChangeFeed } from '../../core/change-feed.ts';
import type { Store } from '../../store/port.ts';
import type { IdentityPort } from '../identity/types.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import { Batches } from './batches.ts';
import { codeFormatOf, normalize } from './code-text.ts';
import { codeRepo } from './code-repo.ts';
import { couponRepo } from './coupon-repo.ts';
import { Issuer, type IssueManyResult, type IssueOneResult, type IssueOptions } from './issue.ts';
import { KeyedLock } from './keyed-lock.ts';
import { orderRepo } from './order-repo.ts';
import { OrderSync, type ErrorLog, type SyncReport } from './order-sync.ts';
import { Redeemer, type RedeemResult } from './redeem.ts';
import type { GenerateBody, IssueBody, RedeemBody, TemplateCreate, TemplatePatch, UploadBody } from './schema.ts';
import { templateRepo, type TemplateRow } from './template-repo.ts';
import { codeNotFound, couponView, funnelView, templateNotFound, templateView, withField, type MemberCouponView, type TemplateView } from './views.ts';

export type { IssueOneResult, IssueManyResult, IssueOptions } from './issue.ts';
export type { RedeemResult } from './redeem.ts';

export interface CouponsDeps {
  store: Store;
  identity: Pick<IdentityPort, 'onMerge'>;
  refs: MemberRefs;
  /** The id of a segment by id or name (404 `segment.not_found`). */
  segmentIdOf(ws: string, ref: string): Promise<string>;
  changes?: ChangeFeed;
}

/** Code space a template's own code format must leave room for when it has no total limit. */
const UNLIMITED_SIZING = 10_000_000;
/** Unused coupons the member 360 view lists (the count is complete). */
const PROFILE_SHOWN = 20;

export class CouponsService {
  private readonly store: Store;
  private readonly locks = new KeyedLock();
  private readonly issuer: Issuer;
  private readonly redeemer: Redeemer;
  private readonly batches: Batches;
  private readonly sync: OrderSync;
  private readonly coupons;

  constructor(private readonly deps: CouponsDeps) {
    this.store = deps.store;
    this.coupons = couponRepo(deps.store);
    this.issuer = new Issuer(deps.store, deps.refs, this.locks, deps.segmentIdOf);
    this.redeemer = new Redeemer(deps.store, deps.refs, this.issuer);
    this.batches = new Batches(deps.store);
    this.sync = new OrderSync(deps.store, this.redeemer, this.locks, deps.changes, undefined, (ws, ids) => this.announce(ws, ids));
    deps.identity.onMerge('coupons', (tx, ws, from, into) => this.coupons.moveOnMerge(tx, ws, from, into));
  }

  /** Sends job and order-sync errors to the app's structured log. */
  setLogger(log: ErrorLog): void {
    this.sync.log = log;
  }

  // ---- templates ----

  async listTemplates(ws: string, status?: string): Promise<TemplateView[]> {
    return (await templateRepo.list(this.store, ws, status)).map(templateView);
  }

  async getTemplate(ws: string, ref: string): Promise<TemplateView> {
    return templateView(await this.template(ws, ref));
  }

  /** Creates a template; config errors are 400 with the field inside config (`config.benefit.amount`). */
  async createTemplate(ws: string, body: TemplateCreate): Promise<TemplateView> {
    const config = withField('config', () => parseCouponTemplate(body.config));
    const format = this.checkFormat(body.code_format ?? {}, body.total_limit);
    const id = newId('cpt');
    return this.store.transaction(async (tx) => {
      if (await templateRepo.nameTaken(tx, ws, body.name)) throw duplicateName(body.name);
      await templateRepo.insert(tx, ws, {
        id, name: body.name, description: body.description ?? null, status: body.status, config, code_format: format,
        total_limit: body.total_limit, per_member_limit: body.per_member_limit, return_on_refund: body.return_on_refund,
      }, new Date().toISOString());
      return templateView((await templateRepo.get(tx, ws, id))!);
    });
  }

  /** Edits a template. The coupon terms (config) change only while nothing has been issued. */
  async updateTemplate(ws: string, ref: string, patch: TemplatePatch): Promise<TemplateView> {
    const found = await this.template(ws, ref);
    return this.locks.run(`tpl:${ws}:${found.id}`, () =>
      this.store.transaction(async (tx) => {
        const t = (await templateRepo.lock(tx, ws, found.id))!;
        if (patch.name !== undefined && patch.name !== t.name && (await templateRepo.nameTaken(tx, ws, patch.name, t.id))) throw duplicateName(patch.name);
        if (patch.config !== undefined && t.issued_count > 0) {
          throw new SiyuError('conflict', 'coupon_template.in_use', `${t.issued_count} coupon(s) of ${t.name} were issued with its terms; create a new template`, { field: 'config' });
        }
        const total = patch.total_limit === undefined ? t.total_limit : patch.total_limit;
        if (total !== null && total < t.issued_count) {
          throw new SiyuError('conflict', 'coupon_template.limit_below_issued', `total_limit ${total} is below the ${t.issued_count} coupon(s) already issued`, { field: 'total_limit' });
        }
        const next: TemplateRow = {
          ...t,
          name: patch.name ?? t.name,
          description: patch.description === undefined ? t.description : patch.description,
          status: patch.status ?? t.status,
          config: patch.config === undefined ? t.config : withField('config', () => parseCouponTemplate(patch.config)),
          code_format: this.checkFormat(patch.code_format === undefined ? t.code_format : patch.code_format, total),
          total_limit: total,
          per_member_limit: patch.per_member_limit === undefined ? t.per_member_limit : patch.per_member_limit,
          return_on_refund: patch.return_on_refund ?? t.return_on_refund,
        };
        await templateRepo.update(tx, ws, next, new Date().toISOString());
        return templateView((await templateRepo.get(tx, ws, t.id))!);
      }),
    );
  }

  /** Deletes a template with its batches and codes; refused once coupons were issued (archive it instead). */
  async deleteTemplate(ws: string, ref: string): Promise<void> {
    const found = await this.template(ws, ref);
    await this.locks.run(`tpl:${ws}:${found.id}`, () =>
      this.store.transaction(async (tx) => {
        const t = (await templateRepo.lock(tx, ws, found.id))!;
        if (t.issued_count > 0) throw new SiyuError('conflict', 'coupon_template.in_use', `${t.issued_count} coupon(s) of ${t.name} exist; archive the template instead`, { field: 'ref' });
        await templateRepo.remove(tx, ws, t.id);
      }),
    );
  }

  /** Issue → claim → use counts of a template, with codes claimed and the discount given. */
  async funnel(ws: string, ref: string) {
    const t = await this.template(ws, ref);
    const [f, codes] = await Promise.all([templateRepo.funnel(this.store, ws, t.id, new Date().toISOString()), codeRepo(this.store).counts(this.store, ws, t.id)]);
    return funnelView(t, f, codes);
  }

  // ---- codes ----

  async generate(ws: string, ref: string, body: GenerateBody) {
    return this.batches.generate(ws, await this.template(ws, ref), body);
  }

  async upload(ws: string, ref: string, body: UploadBody) {
    return this.batches.upload(ws, await this.template(ws, ref), body);
  }

  async listBatches(ws: string, ref: string) {
    return this.batches.list(ws, await this.template(ws, ref));
  }

  codesPage(ws: string, batchId: string, q: { limit: number; cursor?: string; status?: string }) {
    return this.batches.page(ws, batchId, q);
  }

  /** What a code is: the coupon it belongs to, or an unclaimed batch/shared code and its template. */
  async lookup(ws: string, raw: string) {
    const code = normalize(raw);
    const mc = await this.coupons.byCode(this.store, ws, code);
    if (mc) return { code, kind: 'coupon' as const, coupon: couponView(mc) };
    const row = await codeRepo(this.store).get(this.store, ws, code);
    if (!row) throw codeNotFound(raw);
    return { code, kind: row.kind, status: row.status, template_id: row.template_id, batch_id: row.batch_id, claimed_at: row.claimed_at, created_at: row.created_at };
  }

  // ---- issue and claim ----

  /**
   * One coupon of a template to one member, ready to use; a retry with the same idempotency key returns the first
   * coupon. For journeys and the loyalty jobs (birthday, member day).
   * @example await coupons.issueToMember(ws, 'birthday-20', 'user_id:u1', { idempotencyKey: 'birthday:2026:mem_…', source: 'birthday' })
   */
  async issueToMember(ws: string, templateRef: string, memberRef: string, opts: IssueOptions = {}): Promise<IssueOneResult> {
    const r = await this.issuer.toMember(ws, templateRef, memberRef, opts);
    if (r.issued) this.announce(ws, [r.coupon.member_id]);
    return r;
  }

  /** The issue API: one member, a list of member refs, or a segment. */
  async issue(ws: string, body: IssueBody): Promise<IssueOneResult | IssueManyResult> {
    const opts = { idempotencyKey: body.idempotency_key, source: body.source, claimed: body.claimed };
    if (body.member !== undefined) return this.issueToMember(ws, body.template, body.member, opts);
    const r = body.members !== undefined
      ? await this.issuer.toMembers(ws, body.template, body.members, opts)
      : await this.issuer.toSegment(ws, body.template, body.segment!, opts);
    // A list or a segment: the holders are read back by the issue id (set-based; a segment may be large).
    if (!r.replayed && r.issued > 0 && this.deps.changes?.size) this.announce(ws, await this.coupons.membersOfIssue(this.store, ws, r.issue_id));
    return r;
  }

  async claim(ws: string, code: string, memberRef: string, source?: string) {
    const r = await this.issuer.claim(ws, code, memberRef, source);
    if (r.claimed) this.announce(ws, [r.coupon.member_id]);
    return r;
  }

  // ---- redeem and void ----

  /** Redeems (or with dry_run prices) a code on a stored order or an order at checkout. */
  async redeem(ws: string, body: RedeemBody): Promise<RedeemResult> {
    const order = await this.redeemer.context(ws, body.order);
    const r = await this.locks.run(`order:${ws}:${order.order_id}`, () =>
      this.store.transaction((tx) => this.redeemer.redeemIn(tx, ws, body.code, order, { dryRun: body.dry_run, source: 'api' })),
    );
    if (!r.dry_run && !r.already_redeemed) this.announce(ws, [r.coupon?.member_id ?? null]);
    return r;
  }

  async voidCode(ws: string, code: string, reason?: string) {
    const r = await this.redeemer.voidCode(ws, code, reason);
    this.announce(ws, [r.coupon?.member_id ?? null]);
    return r;
  }

  /**
   * Publishes a committed change of these members' coupons on `services.changes` (`coupons: true`), so realtime
   * segments on unused coupons follow. Expiry is not announced: rules compare the window with the clock.
   */
  private announce(ws: string, memberIds: (string | null)[]): void {
    const ids = [...new Set(memberIds.filter((m): m is string => m !== null))];
    if (ids.length > 0) this.deps.changes?.publish({ workspaceId: ws, memberIds: ids, events: [], coupons: true, committedAt: Date.now() });
  }

  // ---- members ----

  async memberCoupons(ws: string, memberRef: string, q: { status: string; template?: string; limit: number }): Promise<{ member_id: string; data: MemberCouponView[] }> {
    const memberId = await this.deps.refs.resolveOne(this.store, ws, memberRef);
    const templateId = q.template ? (await this.template(ws, q.template)).id : undefined;
    const now = new Date();
    const rows = await this.coupons.ofMember(this.store, ws, memberId, { status: q.status, templateId, limit: q.limit, now: now.toISOString() });
    return { member_id: memberId, data: rows.map((r) => couponView(r, now.getTime())) };
  }

  /** The member 360 section: unused coupons (count and the newest few). */
  async profileSection(ws: string, memberId: string): Promise<{ unused_count: number; unused: MemberCouponView[] }> {
    const now = new Date();
    const [count, rows] = await Promise.all([
      this.coupons.countUnused(this.store, ws, memberId, now.toISOString()),
      this.coupons.ofMember(this.store, ws, memberId, { status: 'unused', limit: PROFILE_SHOWN, now: now.toISOString() }),
    ]);
    return { unused_count: count, unused: rows.map((r) => couponView(r, now.getTime())) };
  }

  /** Unused coupon counts of many members at once (templates, exports): 0 for members without any. */
  async unusedCounts(ws: string, memberIds: string[], now = new Date()): Promise<Map<string, number>> {
    const found = await this.coupons.countUnusedMany(this.store, ws, memberIds, now.toISOString());
    return new Map(memberIds.map((id) => [id, found.get(id) ?? 0]));
  }

  // ---- order sync and jobs ----

  /** Runs the order sweep now: codes on changed orders, refunds; the job tick does this every minute. */
  syncOrders(ws: string): Promise<SyncReport> {
    return this.sync.sweep(ws);
  }

  /** Marks unused coupons past their window expired now; returns how many. */
  async expire(ws: string): Promise<{ expired: number }> {
    return { expired: await this.sync.expire(ws) };
  }

  /** Redemption log of an order (redeem, reject, void, restore) with the codes the sync handled. */
  async orderCoupons(ws: string, orderId: string) {
    const [coupons, handled] = await Promise.all([this.coupons.onOrder(this.store, ws, orderId), orderRepo(this.store).marks(this.store, ws, orderId)]);
    return { order_id: orderId, coupons: coupons.map((c) => couponView(c)), codes: handled };
  }

  /** Starts the minute job (order sweep + expiry) in the server process. */
  startJobs(): void {
    this.sync.start();
  }

  /** Waits for queued order changes (tests). */
  flush(): Promise<void> {
    return this.sync.flush();
  }

  close(): Promise<void> {
    return this.sync.close();
  }

  // ---- helpers ----

  private async template(ws: string, ref: string): Promise<TemplateRow> {
    const t = await templateRepo.get(this.store, ws, ref);
    if (!t) throw templateNotFound(ref);
    return t;
  }

  /** A template's own code format, refusing one too short for the coupons it may issue. */
  private checkFormat(raw: unknown, totalLimit: number | null) {
    const f = codeFormatOf(raw, 'code_format');
    withField('code_format', () => assertCodeSpace(f, totalLimit ?? UNLIMITED_SIZING));
    return { length: f.length, alphabet: f.alphabet, prefix: f.prefix, maxGuessProbability: f.maxGuessProbability };
  }
}

const duplicateName = (name: string) => new SiyuError('duplicate', 'coupon_template.duplicate', `A coupon template named ${name} already exists`, { field: 'name' });
