// Referral (裂变) on the store: program config, one invite code per member, attribution of invitees, rewards on
// registration or on the first paid order (change feed + catch-up sweep), abuse refusals, funnel and k-factor.
// Rewards move an attribution attributed → rewarding (one caller wins the conditional update) → rewarded; the
// rewards carry keys referral:<invitee>:inviter / :invitee (the invitee as attributed, kept in reward_key so a
// member merge never changes them), so a crash between the steps is finished by the sweep and nothing is given twice.
import type { ChangeFeed } from '../../core/change-feed.ts';
import { SiyuError, notFound } from '../../core/errors.ts';
import {
  type ReferralProgram, type ReferralRefusal, generateCodes, kFactor, normalizeCode, parseCodeFormat, parseReferralProgram, referralReward,
} from '../../core/loyalty/index.ts';
import type { Store } from '../../store/port.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import { clientFacts, identityFacts, recordRefusal, refusalsByReason } from './facts.ts';
import { type AttributionRow, referralRepo as repo } from './referral-repo.ts';
import type { RewardGiver } from './rewards.ts';
import { DAY_MS, json, nowIso, underField } from './shared.ts';
import type { ClientFactsInput } from './schema.ts';
import { WorkspaceBatcher, withMembers } from '../../core/workspace-batcher.ts';

/** Invite codes: 10 of 31 unambiguous characters (~49 bits); guessing stays under 1e-6 up to ~800M codes. */
const CODE_FORMAT = parseCodeFormat({ length: 10, maxGuessProbability: 1e-6 });
/** A member created this long before opening the invite already existed (clock skew between app and server). */
const SKEW_MS = 60_000;
/** Refusals that come from the invitee's event rather than from who the two people are. */
const EVENT_ONLY: ReadonlySet<ReferralRefusal> = new Set(['not_trigger_event', 'order_too_small']);

export interface ReferralConfig { program: ReferralProgram; link_base: string | null; enabled: boolean; updated_at: string | null }

type Log = (err: unknown, msg: string) => void;

export class ReferralService {
  private readonly batches = new WorkspaceBatcher<Set<string>>({
    run: (ws, members) => this.evaluate(ws, [...members]),
    onError: (e) => this.log(e, 'referral: first-order rewards failed (the sweep retries)'),
  });
  log: Log = () => undefined;

  constructor(private readonly store: Store, private readonly refs: MemberRefs, private readonly rewards: RewardGiver) {}

  async config(ws: string): Promise<ReferralConfig | null> {
    const r = await repo.config(this.store, ws);
    if (!r) return null;
    const c = json<{ program: unknown; link_base: string | null; enabled: boolean }>(r.config);
    return { program: parseReferralProgram(c.program), link_base: c.link_base, enabled: c.enabled, updated_at: r.updated_at };
  }

  async setConfig(ws: string, body: { program: unknown; link_base: string | null; enabled: boolean }): Promise<ReferralConfig> {
    const program = underField('program', () => parseReferralProgram(body.program ?? {}));
    await repo.saveConfig(this.store, ws, { program, link_base: body.link_base, enabled: body.enabled }, nowIso());
    return (await this.config(ws))!;
  }

  private async requireConfig(ws: string): Promise<ReferralConfig> {
    const c = await this.config(ws);
    if (!c) throw new SiyuError('conflict', 'referral.not_configured', 'program: set the referral program first (PUT /api/campaigns/referral/config)', { field: 'program' });
    return c;
  }

  private link(c: ReferralConfig | null, code: string): string | null {
    return c?.link_base ? c.link_base + encodeURIComponent(code) : null;
  }

  /** The member's invite code and link, created on first ask (unguessable, unique; one per member). */
  async codeFor(ws: string, ref: string): Promise<{ member_id: string; code: string; link: string | null; created: boolean; created_at: string }> {
    const memberId = await this.refs.resolveOne(this.store, ws, ref);
    const c = await this.config(ws);
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await repo.codeOfMember(this.store, ws, memberId);
      if (existing) return { member_id: memberId, code: existing.code, link: this.link(c, existing.code), created: attempt > 0, created_at: existing.created_at };
      const [code] = generateCodes(CODE_FORMAT, 1);
      // A concurrent request for the same member (or, vanishingly, the same code) loses the insert and re-reads.
      await repo.insertCode(this.store, ws, code, memberId, nowIso());
    }
    throw new SiyuError('conflict', 'referral.code_conflict', 'code: could not create an invite code; retry');
  }

  /** The inviter behind a code (as typed by the invitee; case and spaces do not matter). */
  async lookupCode(ws: string, raw: string) {
    const code = normalizeCode(raw, CODE_FORMAT);
    const r = await repo.memberOfCode(this.store, ws, code);
    if (!r) throw notFound('referral.code_not_found', `code: no invite code ${raw}`, 'code');
    return { code, member_id: r.member_id, alias: r.owner_id !== r.member_id, link: this.link(await this.config(ws), code), created_at: r.created_at };
  }

  /**
   * Attributes a new member to the inviter of `code`. Abuse checks run now (self-invite, shared identifiers,
   * not new, too late); a refused attribution is stored as such and blocks any later one for the invitee. With
   * trigger `registration` the rewards are given at once; with `first_paid_order` they wait for the order.
   */
  async attribute(ws: string, body: { invitee: string; code: string; opened_at?: string } & ClientFactsInput) {
    const cfg = await this.requireConfig(ws);
    if (!cfg.enabled) throw new SiyuError('conflict', 'referral.disabled', 'enabled: the referral program is switched off', { field: 'enabled' });
    const invitee = await this.refs.resolveOne(this.store, ws, body.invitee);
    const { code, member_id: inviter } = await this.lookupCode(ws, body.code);
    const prior = await repo.attribution(this.store, ws, invitee);
    if (prior) return this.replyExisting(ws, prior, inviter, code);
    const at = nowIso();
    const client = clientFacts(body);
    const refusals = await this.check(ws, cfg.program, { invitee, inviter, client, openedAt: body.opened_at ?? null, at, event: { type: 'registration' } });
    const abuse = refusals.filter((r) => !EVENT_ONLY.has(r));
    const status = abuse.length > 0 ? 'refused' : cfg.program.trigger === 'registration' ? 'rewarding' : 'attributed';
    // In a transaction: DuckDB retries a concurrent insert of the same invitee, which then finds the row taken.
    const inserted = await this.store.transaction((tx) => repo.insertAttribution(tx, ws, { invitee, inviter, code, status, refusals: abuse.length > 0 ? abuse : null, client, openedAt: body.opened_at ?? null, at }));
    if (!inserted) return this.replyExisting(ws, (await repo.attribution(this.store, ws, invitee))!, inviter, code);
    if (abuse.length > 0) await recordRefusal(this.store, ws, { kind: 'referral', subjectId: invitee, otherId: inviter, reasons: abuse, at });
    if (status === 'rewarding') await this.deliver(ws, invitee, cfg.program);
    return { created: true, ...view((await repo.attribution(this.store, ws, invitee))!) };
  }

  /** A retried attribution with the same inviter answers as before; another inviter is refused (one per invitee). */
  private async replyExisting(ws: string, prior: AttributionRow, inviter: string, code: string) {
    if (prior.inviter_id === inviter) return { created: false, ...view(prior) };
    await recordRefusal(this.store, ws, { kind: 'referral', subjectId: prior.invitee_id, otherId: inviter, reasons: ['invitee_already_attributed'] });
    throw new SiyuError('conflict', 'referral.already_attributed', `invitee: already attributed to another inviter (code ${prior.code}, not ${code})`, { field: 'invitee' });
  }

  /** Every refusal of the pure decision for this invitee event, from the store's facts. */
  private async check(
    ws: string, p: ReferralProgram,
    a: { invitee: string; inviter: string; client: ClientFactsInput | null; openedAt: string | null; at: string; event: { type: 'registration' } | { type: 'paid_order'; firstPaidOrder: boolean; amount: number } },
  ): Promise<ReferralRefusal[]> {
    const facts = await identityFacts(this.store, ws, [a.inviter, a.invitee], { [a.invitee]: a.client });
    const inv = await repo.inviteeFacts(this.store, ws, a.invitee);
    const registered = Date.parse(inv!.created_at);
    const attributed = Date.parse(a.at);
    const opened = a.openedAt ? Date.parse(a.openedAt) : registered;
    const boughtBefore = inv!.first_paid_at !== null && Date.parse(inv!.first_paid_at) < Math.min(opened, attributed);
    // Too late either way: registered long after opening, or claiming an invite long after registering.
    const days = Math.max(registered - opened, attributed - registered, 0) / DAY_MS;
    const program = a.event.type === 'registration' ? { ...p, trigger: 'registration' as const } : p;
    const d = referralReward(program, {
      inviter: facts.get(a.inviter)!, invitee: facts.get(a.invitee)!,
      inviteeAlreadyRewarded: false, // the attribution's primary key: one per invitee, ever
      inviteeExistedBefore: registered < opened - SKEW_MS || (a.event.type === 'registration' && boughtBefore),
      daysToRegistration: Math.floor(days),
      inviterRewardsSoFar: await repo.inviterRewards(this.store, ws, a.inviter),
      event: a.event,
    });
    return d.refusals;
  }

  /** Gives both rewards of an attribution in `rewarding` and marks it rewarded; safe to repeat. */
  private async deliver(ws: string, invitee: string, p: ReferralProgram): Promise<void> {
    const a = await repo.attribution(this.store, ws, invitee);
    if (!a || a.status !== 'rewarding') return;
    const given = [];
    const spec = (r: ReferralProgram['inviterReward']) => ({ points: r?.points, coupon: r?.couponTemplateId });
    const key = a.reward_key ?? `referral:${invitee}`;
    if (p.inviterReward) given.push({ side: 'inviter', ...(await this.rewards.give(ws, a.inviter_id, spec(p.inviterReward), `${key}:inviter`, 'referral')) });
    if (p.inviteeReward) given.push({ side: 'invitee', ...(await this.rewards.give(ws, invitee, spec(p.inviteeReward), `${key}:invitee`, 'referral')) });
    await repo.move(this.store, ws, invitee, 'rewarding', 'rewarded', { rewards: given, at: nowIso() });
  }

  /** Decides the first-paid-order trigger for these invitees (those still `attributed`). */
  async evaluate(ws: string, invitees: string[]): Promise<{ rewarded: number; refused: number }> {
    const out = { rewarded: 0, refused: 0 };
    const cfg = await this.config(ws);
    if (!cfg || cfg.program.trigger !== 'first_paid_order') return out;
    for (const invitee of await repo.byStatus(this.store, ws, 'attributed', invitees)) {
      const a = await repo.attribution(this.store, ws, invitee);
      const inv = await repo.inviteeFacts(this.store, ws, invitee);
      if (!a || !inv?.first_order_id) continue;
      const at = nowIso();
      const refusals = await this.check(ws, cfg.program, {
        invitee, inviter: a.inviter_id, client: json(a.client_facts), openedAt: a.opened_at, at: a.attributed_at,
        event: { type: 'paid_order', firstPaidOrder: true, amount: inv.first_amount ?? 0 },
      });
      if (refusals.length > 0) {
        if (await repo.move(this.store, ws, invitee, 'attributed', 'refused', { refusals, orderId: inv.first_order_id, at })) {
          await recordRefusal(this.store, ws, { kind: 'referral', subjectId: invitee, otherId: a.inviter_id, reasons: refusals, at });
          out.refused++;
        }
      } else if (await repo.move(this.store, ws, invitee, 'attributed', 'rewarding', { orderId: inv.first_order_id, at })) {
        await this.deliver(ws, invitee, cfg.program);
        out.rewarded++;
      }
    }
    return out;
  }

  /** Catch-up: finishes interrupted rewards and decides invitees whose first order the feed did not deliver. */
  async sweep(ws: string): Promise<{ finished: number; rewarded: number; refused: number }> {
    const cfg = await this.config(ws);
    if (!cfg) return { finished: 0, rewarded: 0, refused: 0 };
    const stuck = await repo.byStatus(this.store, ws, 'rewarding');
    for (const invitee of stuck) await this.deliver(ws, invitee, cfg.program);
    const r = await this.evaluate(ws, await repo.waitingWithOrders(this.store, ws));
    return { finished: stuck.length, ...r };
  }

  /** Follows committed order changes: invitees' first paid orders are decided within ~20 ms. */
  follow(changes: ChangeFeed): () => void {
    return changes.subscribe((c) => {
      if (!c.orders) return;
      this.batches.add(c.workspaceId, withMembers(c.memberIds));
    });
  }

  /** Waits until the order changes seen so far are decided (tests, shutdown). */
  idle(): Promise<void> {
    return this.batches.idle();
  }

  /** Decides what the feed delivered so far (the sweep catches up anything later). */
  close(): Promise<void> {
    return this.batches.idle();
  }

  /** A member's code and the invitees attributed to them; and who invited the member. */
  async member(ws: string, ref: string) {
    const memberId = await this.refs.resolveOne(this.store, ws, ref);
    const [code, aliases, invited, own, cfg] = await Promise.all([
      repo.codeOfMember(this.store, ws, memberId), repo.aliasCodes(this.store, ws, memberId), repo.asInviter(this.store, ws, memberId),
      repo.attribution(this.store, ws, memberId), this.config(ws),
    ]);
    return {
      member_id: memberId, code: code?.code ?? null, link: code ? this.link(cfg, code.code) : null, alias_codes: aliases,
      invited: invited.map(view), invited_by: own ? view(own) : null,
    };
  }

  /** Funnel (invites issued → attributed → rewarded, refused by reason) and the k-factor. */
  async report(ws: string, users?: number) {
    const f = await repo.funnel(this.store, ws);
    const registrations = f.attributions - f.refused;
    const k = kFactor({ inviters: f.codes, invitesSent: f.codes, invitesOpened: f.attributions, registrations, firstOrders: f.first_orders }, users ?? f.codes);
    return {
      funnel: {
        invites_issued: f.codes, active_inviters: f.active_inviters, attributed: f.attributions, accepted: registrations,
        waiting_for_trigger: f.waiting, rewarded: f.rewarded, refused: f.refused, first_orders: f.first_orders,
      },
      refused_by_reason: await refusalsByReason(this.store, ws, 'referral', null),
      users: users ?? f.codes,
      k_factor: k.kFactor, paid_k_factor: k.paidKFactor, invites_per_user: k.invitesPerUser, conversion: k.conversion,
    };
  }
}

function view(a: AttributionRow) {
  return {
    invitee_id: a.invitee_id, inviter_id: a.inviter_id, code: a.code, status: a.status,
    refusals: json<string[] | null>(a.refusals) ?? [], opened_at: a.opened_at, attributed_at: a.attributed_at,
    trigger_order_id: a.trigger_order_id, rewards: json<unknown[] | null>(a.rewards) ?? [], rewarded_at: a.rewarded_at,
  };
}
