// The built-in context providers: member (profile, traits, tags), member.rfm / lifecycle / value_tier / clv,
// loyalty, coupons, workspace and recommendations — each reading through the owning module's public methods,
// batched where that module offers a batch read (see the note on perMember for the ones that do not yet).
import type { Store } from '../../../store/port.ts';
import type { LoyaltyService } from '../../loyalty/service.ts';
import type { CouponsService } from '../../coupons/service.ts';
import type { ScoresService } from '../../scores/service.ts';
import type { ClvService } from '../../clv/service.ts';
import type { TagsService } from '../../tags/service.ts';
import type { WorkspaceService } from '../../workspaces/service.ts';
import { tierByCode } from '../../../core/loyalty/index.ts';
import { ageOn, daysSince } from '../../members/profile.ts';
import { isSiyuError } from '../../../core/errors.ts';
import type { ContextProvider, ContextRegistry, LoadScope } from './registry.ts';
import { memberContextRows, PROFILE_COLUMNS, TRAIT_COLUMNS, topSellers, type MemberContextRow, type MemberNeed, type TraitColumn } from './member-repo.ts';
import { COUPONS, LOYALTY, MEMBER_CLV, MEMBER_CORE, MEMBER_LIFECYCLE, MEMBER_RFM, MEMBER_VALUE_TIER, RECOMMENDATIONS, WORKSPACE } from './schemas.ts';

const DAY_MS = 86_400_000;
/** Days ahead `loyalty.points_expiring` looks (the member 360 view's window). */
const EXPIRING_DAYS = 30;
/** Concurrent calls of a per-member read method while a batch read is missing. */
const PER_MEMBER_CONCURRENCY = 8;

/** The rows of ScoresService.memberScores this module reads (typed loosely there: rows of the store). */
type ScoreRow = Record<string, any>;
interface ScoresView {
  rfm: ScoreRow | null;
  lifecycle: ScoreRow | null;
  value_tier: ScoreRow | null;
}

/** A recommended product as templates see it. */
export interface RecommendedProduct {
  id: string;
  name: string | null;
  category: string | null;
  price: number | null;
  attributes: Record<string, unknown>;
}

/**
 * Fills the `recommendations` slot. Return one list for everyone (a popularity ranking) or a list per member;
 * members missing from a map get an empty list.
 */
export interface RecommendationProvider {
  name: string;
  /** `workspace`: one list for everyone, fetched once per render run; `member`: a list per member, per chunk. */
  scope: 'workspace' | 'member';
  recommend(ws: string, memberIds: string[], opts: { limit: number; now: Date }): Promise<RecommendedProduct[] | Map<string, RecommendedProduct[]>>;
}

/** Products per render: templates show a few; the list is the same object for every member of a batch. */
export const RECOMMENDATION_LIMIT = 10;

/** The default provider: the workspace's top sellers by quantity over the last 90 days. */
export function topSellersProvider(store: Store, days = 90): RecommendationProvider {
  return {
    name: `top_sellers_${days}d`,
    scope: 'workspace',
    async recommend(ws, _ids, { limit, now }) {
      const rows = await topSellers(store, ws, new Date(now.getTime() - days * DAY_MS).toISOString(), limit);
      return rows.map((r) => ({ id: r.id, name: r.name, category: r.category, price: r.price === null ? null : Number(r.price), attributes: r.attributes ?? {} }));
    },
  };
}

export interface ProviderDeps {
  store: Store;
  workspaces: Pick<WorkspaceService, 'get'>;
  tags: Pick<TagsService, 'tagsOf'>;
  loyalty?: Pick<LoyaltyService, 'config' | 'ledger' | 'tiers'>;
  coupons?: Pick<CouponsService, 'unusedCounts'>;
  scores?: Pick<ScoresService, 'memberScores'>;
  clv?: Pick<ClvService, 'member'>;
  /** The recommendations slot's provider (replaceable at run time through the registry). */
  recommendations: () => RecommendationProvider;
}

/** Registers every built-in provider whose module is present. */
export function registerBuiltins(reg: ContextRegistry, d: ProviderDeps): void {
  reg.register('workspace', shared('Workspace', WORKSPACE, async (ws) => {
    const w = await d.workspaces.get(ws);
    return { name: w.name, timezone: w.timezone };
  }));
  reg.register('member', memberProvider(d));
  if (d.scores) {
    const scores = d.scores;
    const all = (ws: string, ids: string[], s: LoadScope) => s.memo(`scores:${ids[0]}:${ids.length}`, () => perMember(ids, async (id) => (await scores.memberScores(ws, id)) as ScoresView));
    reg.register('member.rfm', mount('RFM segment and scores (null before the first RFM run or without orders)', MEMBER_RFM, async (ws, ids, s) =>
      mapValues(await all(ws, ids, s), (r) => r.rfm && {
        segment: r.rfm.segment, name: r.rfm.name_zh, name_en: r.rfm.name_en, r_score: r.rfm.r_score, f_score: r.rfm.f_score, m_score: r.rfm.m_score,
        recency_days: r.rfm.recency_days, frequency: r.rfm.frequency, monetary: Number(r.rfm.monetary), as_of: r.rfm.as_of,
      })));
    reg.register('member.lifecycle', mount('Lifecycle stage (null before the first lifecycle run)', MEMBER_LIFECYCLE, async (ws, ids, s) =>
      mapValues(await all(ws, ids, s), (r) => r.lifecycle && { stage: r.lifecycle.stage, name: r.lifecycle.name_zh, name_en: r.lifecycle.name_en, as_of: r.lifecycle.as_of })));
    reg.register('member.value_tier', mount('Value tier (null before the first value-tier run)', MEMBER_VALUE_TIER, async (ws, ids, s) =>
      mapValues(await all(ws, ids, s), (r) => r.value_tier && {
        tier: r.value_tier.tier, name: r.value_tier.name_zh, name_en: r.value_tier.name_en, spend: Number(r.value_tier.spend), as_of: r.value_tier.as_of,
      })));
  }
  if (d.clv) {
    const clv = d.clv;
    reg.register('member.clv', mount('CLV prediction of the current fit (null without a fit or orders)', MEMBER_CLV, async (ws, ids) =>
      perMember(ids, async (id) => {
        const c = await clv.member(ws, id).catch(notFoundAsNull);
        return c && { clv: c.clv, p_alive: c.p_alive, expected_purchases: c.expected_purchases, expected_avg_value: c.expected_avg_value };
      })));
  }
  if (d.loyalty) reg.register('loyalty', loyaltyProvider(d.store, d.loyalty));
  if (d.coupons) {
    const coupons = d.coupons;
    reg.register('coupons', mount("The member's coupons", COUPONS, async (ws, ids) =>
      coupons.unusedCounts(ws, ids).then((counts) => new Map([...counts].map(([id, n]) => [id, { unused_count: n }])))));
  }
  reg.register('recommendations', {
    description: 'Recommended products (a registered provider; default: top sellers over 90 days)',
    variables: RECOMMENDATIONS,
    async load(ws, ids, s) {
      const p = d.recommendations();
      const ask = () => p.recommend(ws, ids, { limit: RECOMMENDATION_LIMIT, now: s.now });
      const r = p.scope === 'workspace' ? await s.memo(`recommendations:${p.name}`, ask) : await ask();
      if (Array.isArray(r)) {
        const value = { products: r, provider: p.name };
        return new Map(ids.map((id) => [id, value]));
      }
      return new Map(ids.map((id) => [id, { products: r.get(id) ?? [], provider: p.name }]));
    },
  });
}

function memberProvider(d: ProviderDeps): ContextProvider {
  return {
    description: 'The member: profile, free attributes, tags and order traits',
    variables: MEMBER_CORE,
    async load(ws, ids, s) {
      const f = s.fields ? new Set(s.fields) : null;
      const needs = (field: string) => f === null || f.has(field);
      const need: MemberNeed = {
        columns: PROFILE_COLUMNS.filter((c) => needs(c) || (c === 'birthday' && needs('age'))),
        traits: traitColumns(s.paths),
        userId: needs('user_id'),
      };
      const [rows, tags] = await Promise.all([
        memberContextRows(d.store, ws, ids, need),
        needs('tags') ? d.tags.tagsOf(d.store, ws, ids) : Promise.resolve(null),
      ]);
      return new Map(rows.map((r) => [r.id!, memberValue(r, tags ? (tags.get(r.id!) ?? []).map((t) => t.name) : null, s.now)]));
    },
  };
}

/** Trait columns the paths read: all for `member.traits` as a whole, only the named ones otherwise. */
function traitColumns(paths: LoadScope['paths']): TraitColumn[] {
  if (paths === null) return [...TRAIT_COLUMNS];
  const named = new Set<TraitColumn>();
  for (const p of paths) {
    if (p[0] !== 'traits') continue;
    const f = p[1];
    if (typeof f !== 'string') return [...TRAIT_COLUMNS];
    if (f === 'days_since_last_order') named.add('last_order_at');
    else if ((TRAIT_COLUMNS as readonly string[]).includes(f)) named.add(f as TraitColumn);
  }
  return [...named];
}

/** One member's `member` object from the columns read; a fresh object per member (sub-mounts are set on it). */
export function memberValue(r: Partial<MemberContextRow>, tags: string[] | null, now: Date): Record<string, unknown> {
  const v: Record<string, unknown> = { id: r.id };
  for (const c of PROFILE_COLUMNS) if (c in r) v[c] = r[c] ?? null;
  if ('birthday' in r) v.age = ageOn(r.birthday, now);
  if ('attributes' in r) v.attributes = r.attributes ?? {};
  if ('user_id' in r) v.user_id = r.user_id ?? null;
  if (tags) v.tags = tags;
  if (TRAIT_COLUMNS.some((c) => c in r)) {
    const t: Record<string, unknown> = {};
    for (const c of TRAIT_COLUMNS) {
      if (!(c in r)) continue;
      const x = r[c];
      // Counts and sums read 0 for a member without orders; the average and the dates stay null.
      t[c] = c === 'order_count' || c === 'total_spend' || c === 'refund_total' ? Number(x ?? 0) : c === 'avg_spend' ? (x === null || x === undefined ? null : Number(x)) : (x ?? null);
    }
    if ('last_order_at' in r) t.days_since_last_order = daysSince(r.last_order_at, now);
    v.traits = t;
  }
  return v;
}

function loyaltyProvider(store: Store, loyalty: NonNullable<ProviderDeps['loyalty']>): ContextProvider {
  return {
    description: 'Loyalty: tier, points balance and points expiring in 30 days',
    variables: LOYALTY,
    async load(ws, ids, s) {
      const c = await loyalty.config(ws);
      const until = new Date(s.now.getTime() + EXPIRING_DAYS * DAY_MS);
      const [balances, codes] = await Promise.all([
        loyalty.ledger.balances(ws, ids, s.now, until),
        c.program ? loyalty.tiers.codesOf(store, ws, c.program, ids) : Promise.resolve(new Map<string, string>()),
      ]);
      const untilIso = until.toISOString();
      return new Map(ids.map((id) => {
        const b = balances.get(id);
        const code = codes.get(id);
        const tier = c.program && code ? tierByCode(c.program, code) : null;
        return [id, {
          tier: tier ? { code: tier.code, name: tier.name.zh, name_en: tier.name.en } : null,
          points_balance: b?.balance ?? 0,
          points_expiring: b?.expiring ?? 0,
          points_expiring_until: untilIso,
        }];
      }));
    },
  };
}

/** A provider whose value is the same for every member (read once per render run). */
function shared(description: string, variables: ContextProvider['variables'], read: (ws: string) => Promise<unknown>): ContextProvider {
  return {
    description,
    variables,
    async load(ws, ids, s) {
      const value = await s.memo(`shared:${description}`, () => read(ws));
      return new Map(ids.map((id) => [id, value]));
    },
  };
}

function mount(description: string, variables: ContextProvider['variables'], load: ContextProvider['load']): ContextProvider {
  return { description, variables, load };
}

function mapValues<T, U>(m: Map<string, T>, fn: (t: T) => U | null): Map<string, U> {
  const out = new Map<string, U>();
  for (const [k, t] of m) {
    const u = fn(t);
    if (u !== null && u !== undefined) out.set(k, u);
  }
  return out;
}

const notFoundAsNull = (e: unknown) => {
  if (isSiyuError(e) && e.type === 'not_found') return null;
  throw e;
};

/**
 * Calls a per-member read for each id with bounded concurrency. Used where the owning module has no batch read yet
 * (scores, CLV): such variables cost one or more queries per member, so the variable
 * reference in docs/templates.md marks them.
 */
async function perMember<T>(ids: string[], fn: (id: string) => Promise<T | null>): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      const v = await fn(id).catch(notFoundAsNull);
      if (v !== null && v !== undefined) out.set(id, v);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PER_MEMBER_CONCURRENCY, ids.length) }, worker));
  return out;
}
