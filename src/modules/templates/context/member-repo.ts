// SQL of the `member` context: profile columns, order traits and user_id of a batch of members in one query
// (the member core tables every module reads); the ids travel as one JSON parameter.
import type { JsonColumn, Store } from '../../../store/port.ts';
import { openOrNull } from '../../../core/pii/index.ts';

const ID_COLUMNS: JsonColumn[] = [{ name: 'id', type: 'text' }];
/** Ids with their position in the batch: rows come back numbered by it (see memberContextRows). */
const ORDINAL_COLUMNS: JsonColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'k', type: 'bigint' },
];

export interface MemberContextRow {
  id: string;
  name: string | null;
  gender: string | null;
  birthday: string | null;
  city: string | null;
  region: string | null;
  phone: string | null;
  email: string | null;
  source_channel: string | null;
  created_at: string;
  attributes: Record<string, unknown> | null;
  user_id: string | null;
  order_count: number | null;
  total_spend: number | null;
  avg_spend: number | null;
  refund_total: number | null;
  first_order_at: string | null;
  last_order_at: string | null;
  favourite_category: string | null;
  favourite_product: string | null;
  preferred_channel: string | null;
  last_seen_at: string | null;
}

/** Profile columns of `members` a template can read (constants: the only names that reach the SQL text). */
export const PROFILE_COLUMNS = ['name', 'gender', 'birthday', 'city', 'region', 'phone', 'email', 'source_channel', 'created_at', 'attributes'] as const;
export type ProfileColumn = (typeof PROFILE_COLUMNS)[number];
/** Columns of `member_traits` (constants, like PROFILE_COLUMNS). */
export const TRAIT_COLUMNS = ['order_count', 'total_spend', 'avg_spend', 'refund_total', 'first_order_at', 'last_order_at', 'favourite_category', 'favourite_product', 'preferred_channel', 'last_seen_at'] as const;
export type TraitColumn = (typeof TRAIT_COLUMNS)[number];

/** What of a member to read: a template reading only the name does not pay for traits or identities. */
export interface MemberNeed {
  columns: ProfileColumn[];
  /** Trait columns to read (none: no join with member_traits). */
  traits: TraitColumn[];
  userId: boolean;
}

export const ALL_MEMBER: MemberNeed = { columns: [...PROFILE_COLUMNS], traits: [...TRAIT_COLUMNS], userId: true };

/** Surviving members of these ids with the asked columns, traits and user_id; merged-away and unknown ids are absent. */
export async function memberContextRows(store: Store, ws: string, memberIds: string[], need: MemberNeed = ALL_MEMBER): Promise<Partial<MemberContextRow>[]> {
  if (memberIds.length === 0) return [];
  // Rows name their member by position in the batch (a small integer), not by id: reading back a long text per row
  // cost the embedded store's client about a microsecond each, a good part of rendering a broadcast.
  const cols = ['CAST(p.k AS INTEGER) AS k', ...need.columns.filter((c) => (PROFILE_COLUMNS as readonly string[]).includes(c)).map((c) => `m.${c}`)];
  const traits = need.traits.filter((c) => (TRAIT_COLUMNS as readonly string[]).includes(c));
  for (const c of traits) cols.push(`t.${c}`);
  if (need.userId) cols.push('u.user_id');
  const rows = await store.query<Partial<MemberContextRow> & { k?: number }>(
    `SELECT ${cols.join(', ')}
     FROM members m
     JOIN ${store.jsonRows(2, ORDINAL_COLUMNS, 'p')} ON m.id = p.id
     ${traits.length ? 'LEFT JOIN member_traits t ON t.workspace_id = m.workspace_id AND t.member_id = m.id' : ''}
     ${need.userId ? `LEFT JOIN (
       SELECT i.member_id, min(i.value) AS user_id FROM identities i JOIN ${store.jsonRows(2, ID_COLUMNS, 'q')} ON i.member_id = q.id
       WHERE i.workspace_id = $1 AND i.type = 'user_id' GROUP BY i.member_id
     ) u ON u.member_id = m.id` : ''}
     WHERE m.workspace_id = $1 AND m.merged_into IS NULL`,
    [ws, JSON.stringify(memberIds.map((id, k) => ({ id, k })))],
  );
  for (const r of rows) {
    r.id = memberIds[Number(r.k)];
    // name, phone and email are sealed at rest: opened for the batch being rendered only
    if (r.name) r.name = openOrNull(r.name);
    if (r.phone) r.phone = openOrNull(r.phone);
    if (r.email) r.email = openOrNull(r.email);
  }
  return rows;
}

/**
 * Best sellers of the workspace over the last `days` days (quantity of paid order lines), with product details
 * when the catalogue has them: the default recommendations.
 */
export async function topSellers(store: Store, ws: string, since: string, limit: number) {
  return store.query<{ id: string; name: string | null; category: string | null; price: number | null; attributes: Record<string, unknown> | null; quantity: number }>(
    `WITH s AS (
       SELECT i.product_id, max(i.name) AS name, max(i.category) AS category, sum(i.quantity) AS quantity
       FROM order_items i JOIN orders o ON o.workspace_id = i.workspace_id AND o.id = i.order_id
       WHERE i.workspace_id = $1 AND i.product_id IS NOT NULL AND o.paid_at >= CAST($2 AS TIMESTAMPTZ) AND o.status IN ('paid', 'partially_refunded')
       GROUP BY i.product_id
     )
     SELECT s.product_id AS id, COALESCE(p.name, s.name) AS name, COALESCE(p.category, s.category) AS category, p.price, p.attributes,
            CAST(s.quantity AS DOUBLE PRECISION) AS quantity
     FROM s LEFT JOIN products p ON p.workspace_id = $1 AND p.id = s.product_id
     ORDER BY s.quantity DESC, s.product_id
     LIMIT $3`,
    [ws, since, limit],
  );
}
