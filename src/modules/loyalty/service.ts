// The loyalty module's service: configuration (program, earn rules, member day, birthday), the points ledger's
// API operations, tiers, rewards, orders integration, gifts and the scheduled jobs, for routes and the CLI.
import type { ChangeFeed } from '../../core/change-feed.ts';
import { SiyuError, invalid } from '../../core/errors.ts';
import { isMemberDay, parseEarnRules, parseLotPolicy, parseProgram, parseRefundPolicy, parseWith, tierByCode } from '../../core/loyalty/index.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import { type MemberRefs, parseMemberRef } from '../members/member-refs.ts';
import { type LoyaltyConfig, type ProgramBody, TransferPolicySchema, parseBirthday, parseMemberDay, parseStoredConfig, withZone } from './config.ts';
import { configRepo } from './config-repo.ts';
import { type CouponIssuer, Gifts } from './gifts.ts';
import { LedgerService } from './ledger-service.ts';
import { mergeLoyalty } from './merge.ts';
import type { AppliedOp, StoreOp } from './ops.ts';
import { OrderEarning } from './order-earning.ts';
import { pointsReadRepo } from './points-read-repo.ts';
import { EventEarning } from './event-earning.ts';
import { type CouponPricer, CheckoutQuotes, type QuoteInput } from './checkout-quote.ts';
import { RefBatcher } from './ref-batcher.ts';
import type { BatchBody } from './schema.ts';
import { RewardsService } from './rewards.ts';
import { LoyaltyScheduler } from './scheduler.ts';
import { TierService, requireProgram } from './tiers.ts';

export interface LoyaltyDeps {
  store: Store;
  refs: MemberRefs;
  timezoneOf(ws: string): Promise<string>;
  changes?: ChangeFeed;
  /** Identity merges move the merged member's points, lots and tier to the survivor. */
  identity?: { onMerge(name: string, hook: (tx: SqlExecutor, ws: string, fromId: string, intoId: string) => Promise<number>): void };
  /** The coupons service when it can issue to a member; null otherwise (gifts then give points only). */
  coupons?: () => CouponIssuer | null;
  /** Group commit of the ledger (defaults: 2 ms, 2000 operations; 1 commit in flight on DuckDB, 4 on PostgreSQL). */
  ledger?: { maxDelayMs?: number; maxBatch?: number; maxConcurrent?: number; newLotId?: (ws: string) => string };
}

type ErrorLogger = (err: unknown, msg: string) => void;

/** Keys the module writes itself; API callers may not use them, or they could pre-empt an order's points. */
const RESERVED = /^(order|refund|birthday|expire|member_day|track):/;
const CONFIG_TTL_MS = 5_000;
/** Lots listed in the member 360 view (the points API pages through all of them). */
const PROFILE_LOTS = 20;

export interface EarnInput { member: string; idempotency_key: string; points?: number; event?: string; order_id?: string; reason?: string; expires_at?: string | null; at?: string }
export interface RedeemInput { member: string; idempotency_key: string; points: number; order_id?: string; reason?: string; at?: string }
export interface AdjustInput { member: string; idempotency_key: string; delta: number; reason: string; operator: string; expires_at?: string | null; at?: string }
export interface TransferInput { from: string; to: string; idempotency_key: string; points: number; reason?: string; at?: string }

export class LoyaltyService {
  readonly ledger: LedgerService;
  readonly tiers: TierService;
  readonly rewards: RewardsService;
  readonly orders: OrderEarning;
  /** Tracked events → points (event rules with `track`): change-feed listener and sweep. */
  readonly events: EventEarning;
  /** Checkout quotes: tier discount and free shipping, coupons, points as money, points the order earns. */
  readonly checkout: CheckoutQuotes;
  readonly gifts: Gifts;
  private readonly scheduler: LoyaltyScheduler;
  private readonly cache = new Map<string, { at: number; config: LoyaltyConfig }>();
  private readonly store: Store;
  private readonly refBatcher: RefBatcher;
  private log: ErrorLogger = () => undefined;

  constructor(private readonly deps: LoyaltyDeps) {
    this.store = deps.store;
    this.refBatcher = new RefBatcher(deps.store, deps.refs);
    const config = (ws: string) => this.config(ws);
    const multi = deps.store.capabilities.multiProcess;
    this.ledger = new LedgerService(deps.store, config, {
      maxDelayMs: deps.ledger?.maxDelayMs ?? 2, maxBatch: deps.ledger?.maxBatch ?? 2000, maxConcurrent: deps.ledger?.maxConcurrent ?? (multi ? 4 : 1),
      newLotId: deps.ledger?.newLotId,
      resolveRefs: (tx, ws, refs) => deps.refs.resolveMany(tx, ws, refs),
    });
    this.tiers = new TierService(deps.store, config, deps.changes);
    this.rewards = new RewardsService(deps.store, async (ws) => (await this.config(ws)).program?.tiers.map((t) => t.code) ?? null);
    this.orders = new OrderEarning(deps.store, this.ledger, this.tiers, config);
    this.events = new EventEarning(deps.store, this.ledger, this.tiers, config);
    this.checkout = new CheckoutQuotes({
      store: deps.store, config, ledger: this.ledger, tiers: this.tiers, member: (ws, ref) => this.member(ws, ref), coupons: () => this.couponPricer(),
    });
    this.gifts = new Gifts(deps.store, this.ledger, this.tiers, config, () => this.couponSource());
    if (deps.changes) {
      this.orders.follow(deps.changes);
      this.events.follow(deps.changes);
    }
    deps.identity?.onMerge('loyalty', (tx, ws, fromId, intoId) => mergeLoyalty(deps.store, tx, ws, fromId, intoId));
    this.scheduler = new LoyaltyScheduler({
      workspaces: () => configRepo.workspaces(deps.store),
      timezoneOf: async (ws) => (await this.config(ws)).timezone,
      frequent: async (ws, now) => {
        const at = now.toISOString();
        await this.ledger.releaseAll(ws, at);
        await this.ledger.expireAll(ws, at);
        await this.orders.sweep(ws);
        // On its own: a failing events sweep (retried next tick from its watermark) must not hold up the daily jobs.
        await this.events.sweep(ws).catch((e) => this.log(e, `loyalty: tracked-events sweep of ${ws} failed; the next run retries`));
      },
      daily: async (ws, now) => {
        await this.gifts.birthdays(ws, now.toISOString());
        await this.gifts.memberDay(ws, now.toISOString());
        await this.tiers.review(ws, now.toISOString());
      },
    }, (e, m) => this.log(e, m));
  }

  /**
   * Where birthday and member-day coupons come from: any object with `issueToMember(ws, templateId, memberId,
   * { idempotencyKey, source })` (the coupons service). Looked up at each use, so wiring order does not matter.
   */
  linkCoupons(get: () => unknown): void {
    this.couponGetter = get;
  }

  private couponGetter: () => unknown = () => null;

  private couponSource(): CouponIssuer | null {
    const c = (this.deps.coupons?.() ?? this.couponGetter()) as Partial<CouponIssuer> | null | undefined;
    return c && typeof c.issueToMember === 'function' ? (c as CouponIssuer) : null;
  }

  /** The coupons service as the checkout quote uses it (dry-run redemptions, code lookups, templates), or null. */
  private couponPricer(): CouponPricer | null {
    const c = (this.deps.coupons?.() ?? this.couponGetter()) as Partial<CouponPricer> | null | undefined;
    return c && typeof c.redeem === 'function' && typeof c.lookup === 'function' && typeof c.getTemplate === 'function' ? (c as CouponPricer) : null;
  }

  setLogger(log: ErrorLogger): void {
    this.log = log;
    this.orders.setLogger(log);
    this.events.setLogger(log);
    this.tiers.setLogger(log);
  }

  /** Starts the scheduled jobs (the server process only). */
  startScheduler(): void {
    this.scheduler.start();
  }

  /** Runs the scheduled jobs once now (tests). */
  runJobs(now = new Date()): Promise<void> {
    return this.scheduler.tick(now);
  }

  async close(): Promise<void> {
    this.scheduler.stop();
    await this.orders.close();
    await this.events.close();
    await this.ledger.close();
    await this.tiers.close();
  }

  // ── configuration ─────────────────────────────────────────────────────────────────────────────

  /** The workspace's parsed configuration (cached for a few seconds; other processes' changes show within that). */
  async config(ws: string): Promise<LoyaltyConfig> {
    const hit = this.cache.get(ws);
    if (hit && Date.now() - hit.at < CONFIG_TTL_MS) return hit.config;
    const config = parseStoredConfig(await configRepo.get(this.store, ws), await this.deps.timezoneOf(ws));
    this.cache.set(ws, { at: Date.now(), config });
    return config;
  }

  /** The program with earn rules, lot, refund and transfer policies as they apply (defaults filled in). */
  async program(ws: string) {
    const c = await this.config(ws);
    const program = requireProgram(c);
    return { program, earn: c.earn, lots: c.lots, refunds: c.refunds, transfers: c.transfers, earn_since: c.earnSince, member_day: c.memberDay, birthday: c.birthday };
  }

  /** Sets the program and any of earn rules, lot, refund and transfer policies; every part is validated first. */
  async setProgram(ws: string, body: ProgramBody) {
    const tz = await this.deps.timezoneOf(ws);
    const program = parseProgram(withZone(body.program, tz));
    if (body.earn) parseEarnRules(withZone(body.earn, program.timezone));
    if (body.lots) parseLotPolicy(withZone(body.lots, program.timezone));
    if (body.refunds) parseRefundPolicy(body.refunds);
    if (body.transfers) parseWith(TransferPolicySchema, 'loyalty', body.transfers);
    const parts: Parameters<typeof configRepo.set>[2] = { program: body.program };
    for (const k of ['earn', 'lots', 'refunds', 'transfers'] as const) if (body[k] !== undefined) parts[k] = body[k];
    if (body.earn_since !== undefined) parts.earn_since = body.earn_since;
    await configRepo.set(this.store, ws, parts);
    this.cache.delete(ws);
    return this.program(ws);
  }

  async memberDay(ws: string) {
    return { member_day: (await this.config(ws)).memberDay };
  }

  async setMemberDay(ws: string, raw: unknown) {
    const c = await this.config(ws);
    if (raw !== null) parseMemberDay(raw, c.timezone);
    await configRepo.set(this.store, ws, { member_day: raw });
    this.cache.delete(ws);
    return this.memberDay(ws);
  }

  async birthday(ws: string) {
    return { birthday: (await this.config(ws)).birthday };
  }

  async setBirthday(ws: string, raw: unknown) {
    const c = await this.config(ws);
    if (raw !== null) parseBirthday(raw, c.timezone);
    await configRepo.set(this.store, ws, { birthday: raw });
    this.cache.delete(ws);
    return this.birthday(ws);
  }

  // ── ledger operations (API) ───────────────────────────────────────────────────────────────────

  /**
   * Plain points (`points`) or an event rule (`event`: caps and multipliers apply). The member's tier is
   * re-evaluated right after the commit (`tiers.idle()` waits for it).
   */
  async earn(ws: string, input: EarnInput): Promise<AppliedOp> {
    const at = input.at ?? new Date().toISOString();
    const key = checkKey(input.idempotency_key);
    let r: AppliedOp;
    if (input.event !== undefined) {
      if (input.points !== undefined) throw invalid('ledger.invalid_op', 'points: give either points or event, not both', 'points');
      // The event's multipliers depend on the member's tier: resolve first.
      const member = await this.member(ws, input.member);
      r = await this.ledger.apply(ws, { kind: 'event', key, member, event: input.event, at, ctx: await this.earnContext(ws, member, at) });
    } else {
      if (input.points === undefined) throw invalid('ledger.invalid_op', 'points: points or event is required', 'points');
      r = await this.ledger.applyRefs(ws, {
        kind: 'earn', key, member: '', points: input.points, at, ...(input.order_id ? { orderId: input.order_id } : {}), ...(input.reason ? { reason: input.reason } : {}),
        ...(input.expires_at !== undefined ? { expiresAt: input.expires_at } : {}),
      }, { member: await this.checkRef(ws, input.member) });
    }
    if (!r.replayed) {
      // Only points earned can lift a tier here (spend and order counts move with orders), and not before the
      // member's lifetime earnings reach the first threshold above the base tier: most earns need no tier work.
      const p = (await this.config(ws)).program;
      const first = p && p.basis.metric === 'points_earned' && p.tiers.length > 1 ? p.tiers[1].threshold : null;
      const due = r.balances.filter((b) => first !== null && b.earned_total >= first).map((b) => b.member_id);
      if (due.length > 0) this.tiers.schedule(ws, due);
    }
    return r;
  }

  async redeem(ws: string, input: RedeemInput): Promise<AppliedOp> {
    return this.ledger.applyRefs(ws, {
      kind: 'redeem', key: checkKey(input.idempotency_key), member: '', points: input.points, at: input.at ?? new Date().toISOString(),
      ...(input.order_id ? { orderId: input.order_id } : {}), ...(input.reason ? { reference: input.reason } : {}),
    }, { member: await this.checkRef(ws, input.member) });
  }

  async adjust(ws: string, input: AdjustInput): Promise<AppliedOp> {
    return this.ledger.applyRefs(ws, {
      kind: 'adjust', key: checkKey(input.idempotency_key), member: '', delta: input.delta, reason: input.reason, operator: input.operator,
      at: input.at ?? new Date().toISOString(), ...(input.expires_at !== undefined ? { expiresAt: input.expires_at } : {}),
    }, { member: await this.checkRef(ws, input.member) });
  }

  async transfer(ws: string, input: TransferInput): Promise<AppliedOp> {
    const [from, to] = await Promise.all([this.checkRef(ws, input.from), this.checkRef(ws, input.to)]);
    return this.ledger.applyRefs(ws, {
      kind: 'transfer', key: checkKey(input.idempotency_key), from: '', to: '', points: input.points, at: input.at ?? new Date().toISOString(),
      ...(input.reason ? { reason: input.reason } : {}),
    }, { from, to });
  }

  async redeemReward(ws: string, rewardId: string, input: { member: string; idempotency_key: string; quantity: number; at?: string }): Promise<AppliedOp> {
    return this.ledger.applyRefs(ws, {
      kind: 'reward', key: checkKey(input.idempotency_key), member: '', rewardId, quantity: input.quantity, at: input.at ?? new Date().toISOString(),
    }, { member: await this.checkRef(ws, input.member) });
  }

  /**
   * Many operations at once: each is applied (or refused) on its own, all joining the same group commits.
   * Results are in input order: the operation's result, or the error it was refused with.
   */
  async batch(ws: string, body: BatchBody): Promise<{ results: ({ ok: true; result: AppliedOp } | { ok: false; error: SiyuError })[] }> {
    const settled = await Promise.allSettled(body.operations.map((o) => {
      const { type, ...input } = o;
      if (type === 'earn') return this.earn(ws, input as EarnInput);
      if (type === 'redeem') return this.redeem(ws, input as RedeemInput);
      if (type === 'adjust') return this.adjust(ws, input as AdjustInput);
      return this.transfer(ws, input as TransferInput);
    }));
    return {
      results: settled.map((r) => {
        if (r.status === 'fulfilled') return { ok: true as const, result: r.value };
        if (r.reason instanceof SiyuError) return { ok: false as const, error: r.reason };
        throw r.reason;
      }),
    };
  }

  /** A checkout quote for a member (see `CheckoutQuotes.quote`). */
  quote(ws: string, input: QuoteInput) {
    return this.checkout.quote(ws, input);
  }

  /** Expires due lots: of every member (set-based job) or of one member (a ledger operation). */
  async expire(ws: string, input: { at?: string; idempotency_key?: string; member?: string }) {
    const at = input.at ?? new Date().toISOString();
    if (input.member) {
      const member = await this.member(ws, input.member);
      return this.ledger.apply(ws, { kind: 'expire', key: input.idempotency_key ?? `expire:${at}:${member}`, member, at });
    }
    return this.ledger.expireAll(ws, at, input.idempotency_key ?? `expire:${at}`);
  }

  async points(ws: string, ref: string, q: { limit: number; cursor?: string; expiring_days: number }) {
    const member = await this.member(ws, ref);
    return this.ledger.points(ws, member, { limit: q.limit, cursor: q.cursor, expiringDays: q.expiring_days });
  }

  /**
   * The loyalty part of the member 360 view: tier, points balance, points expiring in the next 30 days and the lots
   * with points left (first to expire first; pending ones become spendable at `available_at`).
   */
  async profile(ws: string, member: string, now = new Date()) {
    const c = await this.config(ws);
    const until = new Date(now.getTime() + 30 * 86_400_000);
    const [balances, tierCode, lots] = await Promise.all([
      this.ledger.balances(ws, [member], now, until),
      c.program ? this.tiers.codesOf(this.store, ws, c.program, [member]).then((m) => m.get(member) ?? null) : Promise.resolve(null),
      pointsReadRepo.lots(this.store, ws, member),
    ]);
    const b = balances.get(member);
    const tier = c.program && tierCode ? tierByCode(c.program, tierCode) : null;
    return {
      tier: tier ? { code: tier.code, name: tier.name } : null,
      points_balance: b?.balance ?? 0,
      points_debt: b?.debt ?? 0,
      points_expiring: { days: 30, until: until.toISOString(), points: b?.expiring ?? 0 },
      points_lots: lots.slice(0, PROFILE_LOTS).map((l) => ({
        id: String(l.id), points: Number(l.points), remaining: Number(l.remaining), source: (l.source as string | null) ?? null,
        earned_at: String(l.earned_at), available_at: (l.available_at as string | null) ?? null, expires_at: (l.expires_at as string | null) ?? null,
        pending: l.available_at != null && Date.parse(String(l.available_at)) > now.getTime(),
      })),
      points_lots_total: lots.length,
    };
  }

  /** A well-formed ref as given (400 `member.invalid_ref` otherwise): the ledger resolves it in its batch. */
  private async checkRef(ws: string, ref: string): Promise<string> {
    if (parseMemberRef(ref)) return ref.trim();
    return this.deps.refs.resolveOne(this.store, ws, ref); // throws member.invalid_ref without a query
  }

  /** The surviving member id of a ref (400 `member.invalid_ref`, 404 `member.not_found`), resolved in batches. */
  member(ws: string, ref: string): Promise<string> {
    return this.refBatcher.resolve(ws, ref);
  }

  /** Member day and tier multiplier at `at` for event earning. */
  private async earnContext(ws: string, member: string, at: string) {
    const c = await this.config(ws);
    const tier = c.program ? tierByCode(c.program, (await this.tiers.codesOf(this.store, ws, c.program, [member])).get(member)!) : null;
    return { isMemberDay: c.memberDay ? isMemberDay(c.memberDay.schedule, at) : false, tierMultiplier: tier?.benefits.pointsMultiplier ?? 1 };
  }
}

function checkKey(key: string): string {
  if (RESERVED.test(key)) throw new SiyuError('invalid_data', 'ledger.reserved_key', `idempotency_key: keys starting with order:, refund:, birthday:, expire:, member_day: or track: are the module's own`, { field: 'idempotency_key' });
  return key;
}
