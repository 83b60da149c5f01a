// Share-assist (助力) and bargain (砍价): friends help a member within a time limit — N helps unlock a reward, or
// each help cuts the price toward a floor. One help per person per campaign, and no help from the member's own
// other accounts (the referral identity checks).
import { z } from 'zod';
import { type IdentityFacts, sharedIdentity } from './referral.ts';
import { Money, type Result, fail, fromCents, iso, ms, parseWith, toCents } from './shared.ts';

/** Who may help; shared by assist and bargain campaigns. */
const helpRules = {
  timeLimitMinutes: z.number().int().min(1).max(43_200),
  /** Only people who were not members before helping (the usual way to make helps bring new users). */
  newMembersOnly: z.boolean().default(false),
  checkSharedIdentity: z.boolean().default(true),
};

export const AssistCampaignSchema = z.object({ helpsRequired: z.number().int().min(1).max(1000), ...helpRules }).strict();
export type AssistCampaign = z.output<typeof AssistCampaignSchema>;
export const parseAssistCampaign = (raw: unknown): AssistCampaign => parseWith(AssistCampaignSchema, 'assist', raw);

/**
 * Bargain: `helpsToFloor` helps bring `originalPrice` to exactly `floorPrice`. Each cut stays within
 * mean × (1 ± spread), where mean = gap / helpsToFloor; `descending` puts the big cuts first (the first friends
 * feel generous, the last ones still matter).
 */
export const BargainCampaignSchema = z
  .object({
    originalPrice: Money.refine((v) => v > 0, 'must be above 0'),
    floorPrice: Money,
    helpsToFloor: z.number().int().min(1).max(1000),
    spread: z.number().min(0).max(0.9).default(0.5),
    order: z.enum(['descending', 'random']).default('descending'),
    ...helpRules,
  })
  .strict()
  .superRefine((c, ctx) => {
    const gap = toCents(c.originalPrice) - toCents(c.floorPrice);
    if (gap <= 0) ctx.addIssue({ code: 'custom', path: ['floorPrice'], message: 'floorPrice must be below originalPrice' });
    else if (gap < c.helpsToFloor) ctx.addIssue({ code: 'custom', path: ['helpsToFloor'], message: 'every help must cut at least 0.01' });
  });
export type BargainCampaign = z.output<typeof BargainCampaignSchema>;
export const parseBargainCampaign = (raw: unknown): BargainCampaign => parseWith(BargainCampaignSchema, 'bargain', raw);

export interface Helper extends IdentityFacts {
  /** The helper was a member before this help (for `newMembersOnly`). */
  existingMember: boolean;
  /** The helper already helped someone in this campaign (the store's unique (campaign, helper) check). */
  helpedInCampaign: boolean;
}

/** A help session started by one member. */
export interface HelpState {
  campaignId: string;
  initiator: IdentityFacts;
  startedAt: string;
  deadline: string;
  status: 'open' | 'done' | 'expired';
  helps: readonly { memberId: string; at: string; cut: number }[];
}

export type HelpError = 'help.not_open' | 'help.expired' | 'help.self' | 'help.already_helped' | 'help.shared_identity' | 'help.not_new_member';

/** Starts a session for `initiator` at `now`. */
export function startHelp(c: { timeLimitMinutes: number }, campaignId: string, initiator: IdentityFacts, now: string): HelpState {
  const t = ms(now, 'now');
  return { campaignId, initiator, startedAt: iso(t), deadline: iso(t + c.timeLimitMinutes * 60_000), status: 'open', helps: [] };
}

/** Why `helper` may not help this session, or null. */
function helpRefusal(c: AssistCampaign | BargainCampaign, s: HelpState, h: Helper, now: string) {
  if (s.status !== 'open') return fail('help.not_open', `the session is ${s.status}`);
  if (ms(now, 'now') >= ms(s.deadline)) return fail('help.expired', `the session ended at ${s.deadline}`);
  if (h.memberId === s.initiator.memberId) return fail('help.self', 'members cannot help themselves');
  if (h.helpedInCampaign || s.helps.some((x) => x.memberId === h.memberId)) return fail('help.already_helped', `member ${h.memberId} already helped in this campaign`);
  const shared = c.checkSharedIdentity ? sharedIdentity(h, s.initiator) : [];
  if (shared.length > 0) return fail('help.shared_identity', `the helper shares ${shared.join(', ')} with the initiator`, { shared });
  if (c.newMembersOnly && h.existingMember) return fail('help.not_new_member', 'only new members can help in this campaign');
  return null;
}

/** Adds one assist help; the `helpsRequired`-th completes the session (the caller issues the reward once). */
export function addAssistHelp(c: AssistCampaign, s: HelpState, h: Helper, now: string): Result<{ state: HelpState; completed: boolean }, HelpError> {
  const refusal = helpRefusal(c, s, h, now);
  if (refusal) return refusal;
  const helps = [...s.helps, { memberId: h.memberId, at: now, cut: 0 }];
  const completed = helps.length >= c.helpsRequired;
  return { ok: true, state: { ...s, helps, status: completed ? 'done' : 'open' }, completed };
}

/** Marks an open session past its deadline as expired (no reward, nothing to release). */
export const expireHelp = (s: HelpState, now: string): HelpState => (s.status === 'open' && ms(now, 'now') >= ms(s.deadline) ? { ...s, status: 'expired' } : s);

/**
 * The cuts (currency units) of a bargain session, fixed by `seed` (e.g. `${campaignId}:${initiatorId}`) so a
 * retried request or a restarted server cuts the same amounts. They sum exactly to original − floor.
 * @example bargainCuts(parseBargainCampaign({ originalPrice: 100, floorPrice: 1, helpsToFloor: 5, timeLimitMinutes: 60 }), 'c1:m1') // 5 cuts summing to 99
 */
export function bargainCuts(c: BargainCampaign, seed: string): number[] {
  const gap = toCents(c.originalPrice) - toCents(c.floorPrice);
  const n = c.helpsToFloor;
  const rand = mulberry32(hashSeed(seed));
  // Zero-sum deviations scaled so the largest stays within ±spread of the mean; then whole cents, sum kept exact.
  const dev = Array.from({ length: n }, () => rand() * 2 - 1);
  const avg = dev.reduce((a, b) => a + b, 0) / n;
  const centred = dev.map((d) => d - avg);
  const maxAbs = Math.max(1e-12, ...centred.map(Math.abs));
  const mean = gap / n;
  const raw = centred.map((d) => Math.max(1, mean * (1 + (c.spread * d) / maxAbs)));
  const cents = raw.map(Math.floor);
  let left = gap - cents.reduce((a, b) => a + b, 0);
  const byFraction = raw.map((r, i) => ({ i, f: r - Math.floor(r) })).sort((a, b) => b.f - a.f || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % n, left--) cents[byFraction[k].i]++;
  for (let k = n - 1; left < 0; k = (k + n - 1) % n) if (cents[k] > 1) { cents[k]--; left++; }
  if (c.order === 'descending') cents.sort((a, b) => b - a);
  return cents.map(fromCents);
}

/** Adds one bargain help: the next planned cut lowers the price; the last one reaches the floor exactly. */
export function addBargainHelp(c: BargainCampaign, s: HelpState, h: Helper, now: string, cuts = bargainCuts(c, `${s.campaignId}:${s.initiator.memberId}`)): Result<{ state: HelpState; cut: number; price: number }, HelpError> {
  const refusal = helpRefusal(c, s, h, now);
  if (refusal) return refusal;
  const cut = cuts[s.helps.length];
  const helps = [...s.helps, { memberId: h.memberId, at: now, cut }];
  const price = bargainPrice(c, { ...s, helps });
  return { ok: true, state: { ...s, helps, status: helps.length >= c.helpsToFloor ? 'done' : 'open' }, cut, price };
}

/** The current price of a bargain session. */
export const bargainPrice = (c: BargainCampaign, s: HelpState): number =>
  fromCents(toCents(c.originalPrice) - s.helps.reduce((sum, x) => sum + toCents(x.cut), 0));

/** A 32-bit hash of a string (FNV-1a) to seed the generator. */
function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; deterministic by seed (not for secrets — codes use crypto). */
function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
