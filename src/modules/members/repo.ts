// SQL of the member read side: profile rows, identities, traits, activity, merge sources and member search.
// Point lookups filter in a MATERIALIZED CTE first and sort outside (see ENGINES.md: DuckDB skips its index otherwise).
import type { JsonColumn, SqlExecutor, SqlParam, Store } from '../../store/port.ts';
import type { MemberRow, TraitsRow } from './profile.ts';
import { IDENTITY_TYPES } from '../identity/types.ts';
import { memberActivitySql } from '../activity/member-activity.ts';

export interface IdentityRow {
  type: string;
  /** The lookup hash for phone and email (their sealed value is `value_enc`). */
  value: string;
  value_enc?: string | null;
  app_id: string | null;
  source_channel: string | null;
  first_seen_at: string;
  last_seen_at: string;
}

export interface ActivityRow {
  member_id: string;
  active_days: number;
  last_ts: string | null;
}

export interface SearchFilter {
  /** Exact matches: member ids and identifier values (phone and email ones as lookup hashes). */
  exact: string[];
  /** Lookup hashes of the profile's phone, email and name (exact matches through the blind index). */
  hashes?: { phone?: string | null; email?: string | null; name?: string | null };
  tagId?: string;
  /** Only ids below this one (keyset paging, newest first). */
  before?: string;
  limit: number;
}

const MEMBER_COLUMNS = 'm.id, m.created_at, m.updated_at, m.source_channel, m.name, m.gender, m.birthday, m.city, m.region, m.phone, m.email, m.address, m.attributes';
const TRAIT_COLUMNS =
  't.first_order_at, t.last_order_at, t.order_count, t.total_spend, t.avg_spend, t.refund_total, t.favourite_category, t.favourite_product, t.preferred_channel, t.last_seen_at';
const ID_COLUMNS: JsonColumn[] = [{ name: 'id', type: 'text' }];
const TYPE_LIST = IDENTITY_TYPES.map((t) => `'${t}'`).join(', ');

/** Escapes LIKE wildcards so user input matches literally (`\` is the ESCAPE character). */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

export function membersRepo(store: Store) {
  const ids = (paramIndex: number) => store.jsonRows(paramIndex, ID_COLUMNS, 'p');
  const idsParam = (list: string[]) => JSON.stringify(list.map((id) => ({ id })));

  return {
    async member(db: SqlExecutor, ws: string, id: string): Promise<MemberRow | undefined> {
      const rows = await db.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM members m WHERE m.workspace_id = $1 AND m.id = $2`, [ws, id]);
      return rows[0];
    },

    async identities(db: SqlExecutor, ws: string, memberId: string): Promise<IdentityRow[]> {
      return db.query<IdentityRow>(
        `WITH i AS MATERIALIZED (
           SELECT type, value, value_enc, app_id, source_channel, first_seen_at, last_seen_at FROM identities WHERE workspace_id = $1 AND member_id = $2)
         SELECT * FROM i ORDER BY type, value`,
        [ws, memberId],
      );
    },

    async traits(db: SqlExecutor, ws: string, memberIds: string[]): Promise<Map<string, TraitsRow>> {
      if (memberIds.length === 0) return new Map();
      const rows = await db.query<TraitsRow & { member_id: string }>(
        `SELECT t.member_id, ${TRAIT_COLUMNS} FROM member_traits t JOIN ${ids(2)} ON t.member_id = p.id WHERE t.workspace_id = $1`,
        [ws, idsParam(memberIds)],
      );
      return new Map(rows.map((r) => [r.member_id, r]));
    },

    /**
     * One member's distinct active days and newest event/order since `since` (a recent cut-off: DuckDB reads only
     * the newest row groups, PostgreSQL a short index range).
     */
    async activity(db: SqlExecutor, ws: string, memberId: string, since: string): Promise<ActivityRow> {
      const rows = await db.query<Omit<ActivityRow, 'member_id'>>(
        `WITH a AS MATERIALIZED (
           SELECT ts FROM events WHERE workspace_id = $1 AND member_id = $2 AND ts >= CAST($3 AS TIMESTAMPTZ) AND ${memberActivitySql()}
           UNION ALL
           SELECT paid_at AS ts FROM orders WHERE workspace_id = $1 AND member_id = $2 AND paid_at >= CAST($3 AS TIMESTAMPTZ))
         SELECT count(DISTINCT CAST(ts AS DATE)) AS active_days, max(ts) AS last_ts FROM a`,
        [ws, memberId, since],
      );
      return { member_id: memberId, active_days: Number(rows[0]?.active_days ?? 0), last_ts: rows[0]?.last_ts ?? null };
    },

    /** {@link activity} for a page of members in one query. */
    async activityMany(db: SqlExecutor, ws: string, memberIds: string[], since: string): Promise<Map<string, ActivityRow>> {
      if (memberIds.length === 0) return new Map();
      const rows = await db.query<ActivityRow>(
        `WITH a AS MATERIALIZED (
           SELECT e.member_id, e.ts FROM events e JOIN ${ids(2)} ON e.member_id = p.id
           WHERE e.workspace_id = $1 AND e.ts >= CAST($3 AS TIMESTAMPTZ) AND ${memberActivitySql('e')}
           UNION ALL
           SELECT o.member_id, o.paid_at AS ts FROM orders o JOIN ${ids(2)} ON o.member_id = p.id
           WHERE o.workspace_id = $1 AND o.paid_at >= CAST($3 AS TIMESTAMPTZ))
         SELECT member_id, count(DISTINCT CAST(ts AS DATE)) AS active_days, max(ts) AS last_ts FROM a GROUP BY member_id`,
        [ws, idsParam(memberIds), since],
      );
      return new Map(rows.map((r) => [r.member_id, r]));
    },

    /** Members merged into this one (merged_into always names the final survivor). */
    async mergedFrom(db: SqlExecutor, ws: string, memberId: string): Promise<string[]> {
      const rows = await db.query<{ id: string }>('SELECT id FROM members WHERE workspace_id = $1 AND merged_into = $2 ORDER BY id', [ws, memberId]);
      return rows.map((r) => r.id);
    },

    /**
     * Per member: its user_id (the smallest, when merges left several) and when any of its identifiers was last
     * seen (identity keeps that current as messages arrive, to the hour).
     */
    async identitySummary(db: SqlExecutor, ws: string, memberIds: string[]): Promise<Map<string, { user_id: string | null; last_seen_at: string | null }>> {
      if (memberIds.length === 0) return new Map();
      const rows = await db.query<{ member_id: string; user_id: string | null; last_seen_at: string | null }>(
        `SELECT i.member_id, min(CASE WHEN i.type = 'user_id' THEN i.value END) AS user_id, max(i.last_seen_at) AS last_seen_at
         FROM identities i JOIN ${ids(2)} ON i.member_id = p.id WHERE i.workspace_id = $1 GROUP BY i.member_id`,
        [ws, idsParam(memberIds)],
      );
      return new Map(rows.map(({ member_id, ...r }) => [member_id, r]));
    },

    /** Member rows of these ids (merged-away ones too), in no particular order. */
    async byIds(db: SqlExecutor, ws: string, memberIds: string[]): Promise<MemberRow[]> {
      if (memberIds.length === 0) return [];
      return db.query<MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM members m JOIN ${ids(2)} ON m.id = p.id WHERE m.workspace_id = $1`, [ws, idsParam(memberIds)]);
    },

    /** Surviving members matching the filter, newest id first, at most `limit + 1` rows (the extra one means "more"). */
    async search(db: SqlExecutor, ws: string, f: SearchFilter): Promise<MemberRow[]> {
      const params: SqlParam[] = [ws];
      const p = (v: SqlParam) => {
        params.push(v);
        return `$${params.length}`;
      };
      const where = ['m.workspace_id = $1', 'm.merged_into IS NULL', 'm.erased_at IS NULL']; // erased: privacy tombstones
      const any: string[] = [];
      if (f.exact.length > 0) {
        const list = f.exact.map(p).join(', ');
        any.push(`m.id IN (${list})`);
        // Naming every type lets PostgreSQL probe the (workspace_id, type, value) primary key instead of scanning.
        any.push(`m.id IN (SELECT member_id FROM identities WHERE workspace_id = $1 AND type IN (${TYPE_LIST}) AND value IN (${list}))`);
      }
      // Sealed columns are searched through their lookup hashes only: exact phone, email or name.
      for (const k of ['phone', 'email', 'name'] as const) {
        const h = f.hashes?.[k];
        if (h) any.push(`m.${k}_hash = ${p(h)}`);
      }
      if (any.length > 0) where.push(`(${any.join(' OR ')})`);
      if (f.tagId) where.push(`m.id IN (SELECT member_id FROM member_tags WHERE workspace_id = $1 AND tag_id = ${p(f.tagId)})`);
      if (f.before) where.push(`m.id < ${p(f.before)}`);
      return db.query<MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM members m WHERE ${where.join(' AND ')} ORDER BY m.id DESC LIMIT ${p(f.limit + 1)}`,
        params,
      );
    },
  };
}

export type MembersRepo = ReturnType<typeof membersRepo>;
