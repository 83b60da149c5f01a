// SQL of the identity module: members, identities and merge history (set-based, one statement per batch).
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';
import type { IdentityKey } from './types.ts';
import { STRONG_TYPES } from './types.ts';
import { moveEventMonths } from '../activity/event-months.ts';

const STRONG_LIST = [...STRONG_TYPES].map((t) => `'${t}'`).join(', ');
const col = (name: string, type: JsonColumn['type']): JsonColumn => ({ name, type });

export interface OwnerRow {
  type: string;
  value: string;
  member_id: string;
  last_seen_at: string;
}

export interface MemberAttrRow {
  id: string;
  name: string | null;
  gender: string | null;
  birthday: string | null;
  city: string | null;
  region: string | null;
  /** Sealed (see src/core/pii): name, phone, email and address are ciphertext beside their lookup hashes. */
  phone: string | null;
  email: string | null;
  address: string | null;
  name_hash: string | null;
  phone_hash: string | null;
  email_hash: string | null;
  attributes: Record<string, unknown> | null;
}

export function identityRepo(store: Store) {
  return {
    /** Current owners of the given keys. */
    async owners(tx: SqlExecutor, ws: string, keys: IdentityKey[]): Promise<OwnerRow[]> {
      if (keys.length === 0) return [];
      const src = store.jsonRows(2, [col('type', 'text'), col('value', 'text')], 'k');
      return tx.query<OwnerRow>(
        `SELECT i.type, i.value, i.member_id, i.last_seen_at FROM identities i JOIN ${src} ON i.type = k.type AND i.value = k.value WHERE i.workspace_id = $1`,
        [ws, JSON.stringify(keys.map((k) => ({ type: k.type, value: k.value })))],
      );
    },

    /** Which of these members hold at least one strong identifier. */
    async strongMembers(tx: SqlExecutor, ws: string, memberIds: string[]): Promise<Set<string>> {
      if (memberIds.length === 0) return new Set();
      const src = store.jsonRows(2, [col('id', 'text')], 'm');
      const rows = await tx.query<{ member_id: string }>(
        `SELECT DISTINCT i.member_id FROM identities i JOIN ${src} ON i.member_id = m.id WHERE i.workspace_id = $1 AND i.type IN (${STRONG_LIST})`,
        [ws, JSON.stringify(memberIds.map((id) => ({ id })))],
      );
      return new Set(rows.map((r) => r.member_id));
    },

    async insertMembers(tx: SqlExecutor, ws: string, rows: { id: string; source_channel: string | null; ts: string }[]) {
      if (rows.length === 0) return;
      const src = store.jsonRows(2, [col('id', 'text'), col('source_channel', 'text'), col('ts', 'timestamptz')], 'r');
      await tx.exec(
        `INSERT INTO members (workspace_id, id, source_channel, created_at, updated_at) SELECT $1, r.id, r.source_channel, r.ts, r.ts FROM ${src}`,
        [ws, JSON.stringify(rows)],
      );
    },

    /** Inserts identities; returns the keys actually inserted (a concurrent writer may have taken others). */
    async insertIdentities(
      tx: SqlExecutor,
      ws: string,
      rows: { type: string; value: string; member_id: string; source_channel: string | null; app_id: string | null; ts: string; value_enc?: string | null }[],
    ): Promise<Set<string>> {
      if (rows.length === 0) return new Set();
      const src = store.jsonRows(
        2,
        [col('type', 'text'), col('value', 'text'), col('member_id', 'text'), col('source_channel', 'text'), col('app_id', 'text'), col('ts', 'timestamptz'), col('value_enc', 'text')],
        'r',
      );
      const inserted = await tx.query<{ type: string; value: string }>(
        `INSERT INTO identities (workspace_id, type, value, member_id, source_channel, app_id, first_seen_at, last_seen_at, value_enc)
         SELECT $1, r.type, r.value, r.member_id, r.source_channel, r.app_id, r.ts, r.ts, r.value_enc FROM ${src}
         ON CONFLICT (workspace_id, type, value) DO NOTHING RETURNING type, value`,
        [ws, JSON.stringify(rows)],
      );
      return new Set(inserted.map((r) => `${r.type}\u0000${r.value}`));
    },

    /** Moves last_seen_at forward for identifiers seen again. */
    async touchIdentities(tx: SqlExecutor, ws: string, rows: { type: string; value: string; ts: string }[]) {
      if (rows.length === 0) return;
      const src = store.jsonRows(2, [col('type', 'text'), col('value', 'text'), col('ts', 'timestamptz')], 'r');
      await tx.exec(
        `UPDATE identities SET last_seen_at = r.ts FROM ${src}
         WHERE identities.workspace_id = $1 AND identities.type = r.type AND identities.value = r.value AND identities.last_seen_at < r.ts`,
        [ws, JSON.stringify(rows)],
      );
    },

    async memberAttrs(tx: SqlExecutor, ws: string, ids: string[]): Promise<MemberAttrRow[]> {
      if (ids.length === 0) return [];
      const src = store.jsonRows(2, [col('id', 'text')], 'r');
      return tx.query<MemberAttrRow>(
        `SELECT m.id, m.name, m.gender, m.birthday, m.city, m.region, m.phone, m.email, m.address, m.name_hash, m.phone_hash, m.email_hash, m.attributes FROM members m JOIN ${src} ON m.id = r.id WHERE m.workspace_id = $1`,
        [ws, JSON.stringify(ids.map((id) => ({ id })))],
      );
    },

    async writeMemberAttrs(tx: SqlExecutor, ws: string, rows: (MemberAttrRow & { ts: string })[]) {
      if (rows.length === 0) return;
      const src = store.jsonRows(
        2,
        [
          col('id', 'text'), col('name', 'text'), col('gender', 'text'), col('birthday', 'date'), col('city', 'text'),
          col('region', 'text'), col('phone', 'text'), col('email', 'text'), col('attributes', 'json'), col('ts', 'timestamptz'),
          col('address', 'text'), col('name_hash', 'text'), col('phone_hash', 'text'), col('email_hash', 'text'),
        ],
        'r',
      );
      await tx.exec(
        `UPDATE members SET name = r.name, gender = r.gender, birthday = r.birthday, city = r.city, region = r.region,
           phone = r.phone, email = r.email, address = r.address, name_hash = r.name_hash, phone_hash = r.phone_hash,
           email_hash = r.email_hash, attributes = r.attributes, updated_at = r.ts
         FROM ${src} WHERE members.workspace_id = $1 AND members.id = r.id`,
        [ws, JSON.stringify(rows)],
      );
    },

    /** Re-points the loser's identities and events; marks it merged. Returns rows moved per table. */
    async mergeCore(tx: SqlExecutor, ws: string, from: string, into: string): Promise<Record<string, number>> {
      // Count, then move: DuckDB has no data-modifying CTEs, and the transaction keeps the two consistent.
      const moved = async (table: string) => {
        const r = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = $1 AND member_id = $2`, [ws, from]);
        await tx.exec(`UPDATE ${table} SET member_id = $3 WHERE workspace_id = $1 AND member_id = $2`, [ws, from, into]);
        return Number(r[0]?.n ?? 0);
      };
      const counts = { identities: await moved('identities'), events: await moved('events') };
      await moveEventMonths(store, tx, ws, from, into); // the events' month index moves with them
      await tx.exec('UPDATE members SET merged_into = $3, updated_at = now() WHERE workspace_id = $1 AND id = $2', [ws, from, into]);
      await tx.exec('UPDATE members SET merged_into = $3 WHERE workspace_id = $1 AND merged_into = $2', [ws, from, into]);
      return counts;
    },

    async recordMerge(
      tx: SqlExecutor,
      ws: string,
      m: { id: string; from: string; into: string; reason: string; type: string | null; value: string | null; moved: Record<string, number>; ts: string },
    ) {
      await tx.exec(
        `INSERT INTO member_merges (workspace_id, id, from_member_id, into_member_id, reason, identity_type, identity_value, moved, merged_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8 AS JSON), CAST($9 AS TIMESTAMPTZ))`,
        [ws, m.id, m.from, m.into, m.reason, m.type, m.value, JSON.stringify(m.moved), m.ts],
      );
    },

    async memberById(db: SqlExecutor, ws: string, id: string): Promise<{ id: string; merged_into: string | null } | undefined> {
      return (await db.query<{ id: string; merged_into: string | null }>('SELECT id, merged_into FROM members WHERE workspace_id = $1 AND id = $2', [ws, id]))[0];
    },

    async ownerOf(db: SqlExecutor, ws: string, type: string, value: string): Promise<string | undefined> {
      const r = await db.query<{ member_id: string }>('SELECT member_id FROM identities WHERE workspace_id = $1 AND type = $2 AND value = $3', [ws, type, value]);
      return r[0]?.member_id;
    },

    async mergeHistory(db: SqlExecutor, ws: string, memberId: string) {
      return db.query(
        'SELECT id, from_member_id, into_member_id, reason, identity_type, identity_value, moved, merged_at FROM member_merges WHERE workspace_id = $1 AND (into_member_id = $2 OR from_member_id = $2) ORDER BY merged_at, id',
        [ws, memberId],
      );
    },
  };
}
