// Members: the 360 view by any ref, one timeline of events/orders/refunds/messages/points, search and lists, and
// member upserts.
import { invalid, notFound } from '../../core/errors.ts';
import type { Store } from '../../store/port.ts';
import { normaliseValue } from '../identity/identity-keys.ts';
import type { IdentityPort } from '../identity/types.ts';
import type { TagsService } from '../tags/service.ts';
import type { MemberTag } from '../tags/repo.ts';
import { decodeIdCursor, decodeTimelineCursor, encodeIdCursor, encodeTimelineCursor } from './cursor.ts';
import { MemberRefs, parseMemberRef } from './member-refs.ts';
import { shapeAttributes, shapeTraits, type CouponsProfile, type LoyaltyProfile, type MemberRow, type MemberTraits, type ProfileSection } from './profile.ts';
import { membersRepo } from './repo.ts';
import { lookupHashOf, openPii, openTraits, identityLookupValue } from '../pii/member-fields.ts';
import { openOrNull } from '../../core/pii/index.ts';
import { TIMELINE_KINDS, timelineRepo, type TimelineKind, type TimelineRow } from './timeline-repo.ts';
import { describeSources, type SourceInfo } from './timeline-sources.ts';
import { toIdentityInputs, upsertList } from './upsert.ts';
import type { UpsertBody } from './schema.ts';
import type { ChangeFeed } from '../../core/change-feed.ts';

const DAY_MS = 86_400_000;
/** Days of recent activity: active_days_30, and the first window a timeline page looks at. */
const RECENT_DAYS = 30;

export interface Member360 {
  id: string;
  created_at: string;
  source_channel: string | null;
  attributes: Record<string, unknown>;
  identities: { type: string; value: string; source_channel: string | null; first_seen_at: string; last_seen_at: string }[];
  traits: MemberTraits;
  tags: MemberTag[];
  merged_from: string[];
  /** Tier, points balance and expiring points, when the loyalty module is present. */
  loyalty?: LoyaltyProfile;
  /** Unused coupons (count and the newest), when the coupons module is present. */
  coupons?: CouponsProfile;
  /** Message counts by outcome and channel type, and the last send, when the messaging module is present. */
  messages?: Record<string, unknown>;
  /** Consent statements and what they allow per purpose and channel type, when the consent module is present. */
  consents?: Record<string, unknown>;
}

export interface TimelineEntry {
  kind: TimelineKind;
  id: string;
  ts: string;
  name: string | null;
  type: string | null;
  channel: string | null;
  amount: number | null;
  properties: Record<string, unknown> | null;
  items?: unknown[];
}

/** One member in a list or export page. */
export interface MemberListItem {
  id: string;
  user_id: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
  gender: string | null;
  birthday: string | null;
  city: string | null;
  region: string | null;
  source_channel: string | null;
  created_at: string;
  traits: MemberTraits;
  tags: string[];
}

export class MembersService {
  private readonly repo;

  constructor(
    private readonly store: Store,
    private readonly identity: IdentityPort,
    private readonly refs: MemberRefs,
    private readonly tags: TagsService,
    /** Committed member upserts are published here (attributes and identities changed), for segments. */
    private readonly changes?: ChangeFeed,
  ) {
    this.repo = membersRepo(store);
  }

  private readonly sections = new Map<string, ProfileSection>();

  /** Adds a section (`name` → its value) to the member 360 view; other modules own what they add. */
  extendProfile(name: 'loyalty' | 'coupons' | 'messages' | 'consents', section: ProfileSection): void {
    this.sections.set(name, section);
  }

  /** The sections of other modules for one member, read alongside the member's own rows. */
  private async sectionsOf(ws: string, id: string, now: Date): Promise<Record<string, unknown>> {
    const entries = await Promise.all([...this.sections].map(async ([name, fn]) => [name, await fn(ws, id, now)] as const));
    return Object.fromEntries(entries);
  }

  /** The surviving member id of a ref (400 `member.invalid_ref`, 404 `member.not_found`). */
  resolve(ws: string, ref: string): Promise<string> {
    return this.refs.resolveOne(this.store, ws, ref);
  }

  /** The member 360 view: attributes, identities, traits, tags and the members merged into this one. */
  async get(ws: string, ref: string, now = new Date(), retried = false): Promise<Member360> {
    const id = await this.resolve(ws, ref);
    const since = new Date(now.getTime() - RECENT_DAYS * DAY_MS).toISOString();
    // Independent point lookups: run them side by side on the pool.
    const sections = this.sectionsOf(ws, id, now);
    sections.catch(() => undefined); // awaited below; a member merged away meanwhile retries without it
    const [sealedRow, identities, traits, activity, tags, mergedFrom] = await Promise.all([
      this.repo.member(this.store, ws, id),
      this.repo.identities(this.store, ws, id),
      this.repo.traits(this.store, ws, [id]),
      this.repo.activity(this.store, ws, id, since),
      this.tags.tagsOf(this.store, ws, [id]),
      this.repo.mergedFrom(this.store, ws, id),
    ]);
    const row = sealedRow && openPii(sealedRow);
    if (!row) {
      // Merged away between resolve and read: resolve once more; after that it is really gone.
      if (!retried) return this.get(ws, ref, now, true);
      throw notFound('member.not_found', `No member ${ref} / 未找到该会员`, 'ref');
    }
    return {
      id: row.id,
      created_at: row.created_at,
      source_channel: row.source_channel,
      attributes: shapeAttributes(row, now),
      // phone and email identities show their sealed value, not the lookup hash they are keyed by
      identities: identities.map((i) => ({ type: i.type, value: (i.value_enc ? openOrNull(i.value_enc) : null) ?? i.value, source_channel: i.source_channel, first_seen_at: i.first_seen_at, last_seen_at: i.last_seen_at })),
      traits: shapeTraits(traits.get(id), { activeDays30: activity.active_days, seen: [activity.last_ts, ...identities.map((i) => i.last_seen_at)] }, now),
      tags: tags.get(id) ?? [],
      merged_from: mergedFrom,
      ...(await sections),
    };
  }

  /**
   * One page of the member's timeline, newest first; pass `next_cursor` back for the next page (with the same
   * `kinds`: comma-separated, default all).
   */
  async timeline(ws: string, ref: string, opts: { limit: number; cursor?: string; kinds?: string }): Promise<{ member_id: string; data: TimelineEntry[]; next_cursor: string | null }> {
    const after = opts.cursor ? decodeTimelineCursor(opts.cursor) : undefined;
    const asked = opts.kinds ? new Set(opts.kinds.split(',').map((k) => k.trim())) : null;
    const kinds = asked ? TIMELINE_KINDS.filter((k) => asked.has(k)) : TIMELINE_KINDS;
    const id = await this.resolve(ws, ref);
    // Most members asked about are active: look at the last 30 days (before the cursor) first, where DuckDB reads
    // only the newest row groups; widen to all time when that window holds less than a page.
    const reference = after ? Date.parse(after.ts.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')) : Date.now();
    let rows: TimelineRow[] = [];
    for (const windowDays of Number.isFinite(reference) ? [RECENT_DAYS, null] : [null]) {
      const since = windowDays === null ? undefined : new Date(reference - windowDays * DAY_MS).toISOString();
      rows = await timelineRepo.page(this.store, ws, id, opts.limit + 1, after, since, kinds);
      if (rows.length > opts.limit) break;
    }
    const page = rows.slice(0, opts.limit);
    const orderIds = page.filter((r) => r.kind === 'order').map((r) => r.id);
    const sendKeys = page.flatMap((r) => (r.kind === 'message' && r.source_key ? [r.source_key] : []));
    const [items, sources] = await Promise.all([timelineRepo.orderItems(this.store, ws, orderIds), describeSources(this.store, ws, sendKeys)]);
    const itemsByOrder = new Map<string, unknown[]>();
    for (const { order_id, ...item } of items) {
      const list = itemsByOrder.get(order_id) ?? [];
      list.push(item);
      itemsByOrder.set(order_id, list);
    }
    const last = page[page.length - 1];
    return {
      member_id: id,
      data: page.map((r) => toEntry(r, itemsByOrder, sources)),
      next_cursor: rows.length > opts.limit && last ? encodeTimelineCursor({ ts: last.ts_key, kind: last.kind, id: last.id }) : null,
    };
  }

  /**
   * Searches surviving members by phone, email, name, member id, any identifier value (user_id, card number…) or a
   * `type:value` ref, exactly (personal data is sealed: it is found through its lookup hash, never by substring); optionally only members with a tag. Newest first, keyset paged.
   */
  async list(ws: string, opts: { q?: string; tag?: string; limit: number; cursor?: string }, now = new Date()): Promise<{ data: MemberListItem[]; next_cursor: string | null }> {
    const before = opts.cursor ? decodeIdCursor(opts.cursor) : undefined;
    const exact = new Set<string>();
    let hashes: { phone?: string | null; email?: string | null; name?: string | null } | undefined;
    if (opts.q) {
      const q = opts.q.trim();
      exact.add(q);
      // Phone and email identities are keyed by their lookup hash; the profile's sealed columns by theirs.
      for (const t of ['phone', 'email'] as const) {
        const v = normaliseValue(t, q);
        if (v) exact.add(identityLookupValue(t, v));
      }
      hashes = { phone: lookupHashOf('phone', q), email: lookupHashOf('email', q), name: lookupHashOf('name', q) };
      const parsed = parseMemberRef(q);
      if (parsed) {
        const found = await this.identity.findMember(this.store, ws, q);
        if (found) exact.add(found);
      }
    }
    const tagId = opts.tag ? await this.tags.tagId(ws, opts.tag) : undefined;
    const rows = await this.repo.search(this.store, ws, { exact: [...exact], hashes, tagId, before, limit: opts.limit });
    const page = rows.slice(0, opts.limit).map((r) => openPii(r));
    const data = await this.shape(ws, page, now);
    const last = page[page.length - 1];
    return { data, next_cursor: rows.length > opts.limit && last ? encodeIdCursor(last.id) : null };
  }

  /**
   * List items (the shape of GET /api/members) of these member ids, in the order given; ids without a member row
   * are left out. For lists other modules keep (segment members).
   */
  async summaries(ws: string, memberIds: string[], now = new Date()): Promise<MemberListItem[]> {
    const rows = new Map((await this.repo.byIds(this.store, ws, memberIds)).map((r) => [r.id, openPii(r)]));
    return this.shape(ws, memberIds.flatMap((id) => rows.get(id) ?? []), now);
  }

  /** Identifiers, traits, recent activity and tags of a page of member rows, shaped as list items. */
  private async shape(ws: string, page: MemberRow[], now: Date): Promise<MemberListItem[]> {
    const ids = page.map((r) => r.id);
    const since = new Date(now.getTime() - RECENT_DAYS * DAY_MS).toISOString();
    const [idents, traits, activity, tags] = await Promise.all([
      this.repo.identitySummary(this.store, ws, ids),
      this.repo.traits(this.store, ws, ids),
      this.repo.activityMany(this.store, ws, ids, since),
      this.tags.tagsOf(this.store, ws, ids),
    ]);
    return page.map((m) => {
      const a = activity.get(m.id);
      const i = idents.get(m.id);
      return {
        id: m.id,
        user_id: i?.user_id ?? null,
        name: m.name,
        phone: m.phone,
        email: m.email,
        gender: m.gender,
        birthday: m.birthday,
        city: m.city,
        region: m.region,
        source_channel: m.source_channel,
        created_at: m.created_at,
        traits: shapeTraits(traits.get(m.id), { activeDays30: Number(a?.active_days ?? 0), seen: [a?.last_ts, i?.last_seen_at] }, now),
        tags: (tags.get(m.id) ?? []).map((t) => t.name),
      };
    });
  }

  /**
   * Creates or updates members by their identifiers in one transaction (identity resolution applies the traits).
   * Returns the member id of each input, in order.
   */
  async upsert(ws: string, body: UpsertBody, defaultChannel: string | null = null) {
    const { members, batch } = upsertList(body);
    const inputs = toIdentityInputs(members, batch, defaultChannel, new Date().toISOString());
    const result = await this.store.transaction(async (tx) => {
      const r = await this.identity.resolve(tx, ws, inputs);
      const bad = r.memberIds.findIndex((id) => id === null);
      // Only blocked placeholder values ("0", "null", …) get here: they must not create a member nor pass silently.
      if (bad >= 0) throw invalid('member.no_identifier', 'This member has no usable identifier (placeholder values such as "0" or "null" never identify anyone)', batch ? `members.${bad}` : 'body');
      return r;
    });
    this.changes?.publish({ workspaceId: ws, memberIds: [...new Set(result.memberIds as string[])], events: [], created: result.created, attributes: true, identities: true, committedAt: Date.now() });
    const created = new Set(result.created);
    const out = result.memberIds.map((id) => ({ id: id!, created: created.has(id!) }));
    return batch
      ? { members: out, created: out.filter((m) => m.created).length, updated: out.filter((m) => !m.created).length, merges: result.merges }
      : { ...out[0], merges: result.merges };
  }
}

function toEntry(r: TimelineRow, items: Map<string, unknown[]>, sources: Map<string, SourceInfo>): TimelineEntry {
  const base = { kind: r.kind, id: r.id, ts: r.ts, name: r.name, type: r.type, channel: r.channel, amount: r.amount === null ? null : Number(r.amount) };
  if (r.kind === 'event') return { ...base, properties: openTraits(r.properties ?? {}) }; // identify traits are sealed at rest
  if (r.kind === 'order') {
    return {
      ...base,
      properties: {
        status: r.order_status,
        discount: Number(r.discount ?? 0),
        refunded_amount: Number(r.refunded_amount ?? 0),
        currency: r.currency,
        coupon_code: r.coupon_code,
        points_used: Number(r.points_used ?? 0),
        store_id: r.store_id,
        item_count: Number(r.item_count ?? 0),
      },
      items: items.get(r.id) ?? [],
    };
  }
  if (r.kind === 'message') {
    const src = r.source_key ? sources.get(r.source_key) : undefined;
    return {
      ...base,
      properties: {
        state: r.state,
        channel_id: r.channel_id,
        channel_name: r.channel_name,
        channel_type: r.channel,
        template: src?.template ?? null,
        source_key: r.source_key,
        source: src?.source ?? null,
        source_id: src?.source_id ?? null,
        source_name: src?.source_name ?? null,
        step_id: src?.step_id ?? null,
        error_code: r.error_code,
      },
    };
  }
  if (r.kind === 'points') return { ...base, properties: { points: Number(r.points ?? 0), reason: r.reason, order_id: r.order_id, operator: r.operator } };
  return { ...base, properties: { order_id: r.order_id, reason: r.reason, items: r.items ?? null } };
}
