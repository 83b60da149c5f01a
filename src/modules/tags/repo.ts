// SQL of the tags module: tag groups, tags and member_tags, set-based (a batch of members is one JSON parameter).
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';

export interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  exclusive: boolean;
  created_at: string;
  tag_count?: number;
}

export interface TagRow {
  id: string;
  name: string;
  group_id: string | null;
  group_name: string | null;
  exclusive: boolean | null;
  kind: string;
  description: string | null;
  created_at: string;
  member_count?: number;
}

export interface MemberTag {
  id: string;
  name: string;
  group: string | null;
  group_id: string | null;
}

const ID_COLUMNS: JsonColumn[] = [{ name: 'id', type: 'text' }];
const TAG_SELECT = `SELECT t.id, t.name, t.group_id, g.name AS group_name, g.exclusive, t.kind, t.description, t.created_at
  FROM tags t LEFT JOIN tag_groups g ON g.workspace_id = t.workspace_id AND g.id = t.group_id`;

export function tagsRepo(store: Store) {
  const ids = (paramIndex: number) => store.jsonRows(paramIndex, ID_COLUMNS, 'p');
  const idsParam = (list: string[]) => JSON.stringify(list.map((id) => ({ id })));

  return {
    async groups(db: SqlExecutor, ws: string): Promise<GroupRow[]> {
      return db.query<GroupRow>(
        `SELECT g.id, g.name, g.description, g.exclusive, g.created_at, COALESCE(c.n, 0) AS tag_count
         FROM tag_groups g LEFT JOIN (SELECT group_id, count(*) AS n FROM tags WHERE workspace_id = $1 GROUP BY group_id) c ON c.group_id = g.id
         WHERE g.workspace_id = $1 ORDER BY g.name`,
        [ws],
      );
    },

    /** A group by id or by name (id wins). */
    async group(db: SqlExecutor, ws: string, ref: string): Promise<GroupRow | undefined> {
      const rows = await db.query<GroupRow>(
        `SELECT id, name, description, exclusive, created_at FROM tag_groups WHERE workspace_id = $1 AND (id = $2 OR name = $2)
         ORDER BY CASE WHEN id = $2 THEN 0 ELSE 1 END`,
        [ws, ref],
      );
      return rows[0];
    },

    async insertGroup(db: SqlExecutor, ws: string, g: { id: string; name: string; description: string | null; exclusive: boolean; ts: string }) {
      await db.exec(
        'INSERT INTO tag_groups (workspace_id, id, name, description, exclusive, created_at) VALUES ($1, $2, $3, $4, $5, CAST($6 AS TIMESTAMPTZ))',
        [ws, g.id, g.name, g.description, g.exclusive, g.ts],
      );
    },

    async updateGroup(db: SqlExecutor, ws: string, g: { id: string; name: string; description: string | null; exclusive: boolean }) {
      await db.exec('UPDATE tag_groups SET name = $3, description = $4, exclusive = $5 WHERE workspace_id = $1 AND id = $2', [ws, g.id, g.name, g.description, g.exclusive]);
    },

    /** Deletes a group; its tags stay, ungrouped. */
    async deleteGroup(db: SqlExecutor, ws: string, id: string) {
      await db.exec('UPDATE tags SET group_id = NULL WHERE workspace_id = $1 AND group_id = $2', [ws, id]);
      await db.exec('DELETE FROM tag_groups WHERE workspace_id = $1 AND id = $2', [ws, id]);
    },

    /** Members that hold more than one tag of the group (what making it exclusive would break). */
    async groupViolations(db: SqlExecutor, ws: string, groupId: string): Promise<number> {
      const r = await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM (
           SELECT mt.member_id FROM member_tags mt JOIN tags t ON t.workspace_id = mt.workspace_id AND t.id = mt.tag_id
           WHERE mt.workspace_id = $1 AND t.group_id = $2 GROUP BY mt.member_id HAVING count(*) > 1) x`,
        [ws, groupId],
      );
      return Number(r[0]?.n ?? 0);
    },

    /** Members holding `tagId` and another tag of the group (what moving the tag into an exclusive group would break). */
    async moveViolations(db: SqlExecutor, ws: string, tagId: string, groupId: string): Promise<number> {
      const r = await db.query<{ n: number }>(
        `SELECT count(DISTINCT a.member_id) AS n FROM member_tags a
         JOIN member_tags b ON b.workspace_id = a.workspace_id AND b.member_id = a.member_id AND b.tag_id <> a.tag_id
         JOIN tags t ON t.workspace_id = b.workspace_id AND t.id = b.tag_id
         WHERE a.workspace_id = $1 AND a.tag_id = $2 AND t.group_id = $3`,
        [ws, tagId, groupId],
      );
      return Number(r[0]?.n ?? 0);
    },

    async tags(db: SqlExecutor, ws: string, groupId?: string): Promise<TagRow[]> {
      return db.query<TagRow>(
        `SELECT x.*, COALESCE(c.n, 0) AS member_count FROM (${TAG_SELECT} WHERE t.workspace_id = $1 ${groupId ? 'AND t.group_id = $2' : ''}) x
         LEFT JOIN (SELECT tag_id, count(*) AS n FROM member_tags WHERE workspace_id = $1 GROUP BY tag_id) c ON c.tag_id = x.id
         ORDER BY x.name`,
        groupId ? [ws, groupId] : [ws],
      );
    },

    /** A tag by id or by name (id wins). */
    async tag(db: SqlExecutor, ws: string, ref: string): Promise<TagRow | undefined> {
      const rows = await db.query<TagRow>(
        `${TAG_SELECT} WHERE t.workspace_id = $1 AND (t.id = $2 OR t.name = $2) ORDER BY CASE WHEN t.id = $2 THEN 0 ELSE 1 END`,
        [ws, ref],
      );
      return rows[0];
    },

    async memberCount(db: SqlExecutor, ws: string, tagId: string): Promise<number> {
      const r = await db.query<{ n: number }>('SELECT count(*) AS n FROM member_tags WHERE workspace_id = $1 AND tag_id = $2', [ws, tagId]);
      return Number(r[0]?.n ?? 0);
    },

    /** Inserts a tag unless the name is taken; true when inserted. */
    async insertTag(
      db: SqlExecutor,
      ws: string,
      t: { id: string; name: string; group_id: string | null; kind: string; description: string | null; ts: string },
    ): Promise<boolean> {
      const r = await db.query(
        `INSERT INTO tags (workspace_id, id, name, group_id, kind, description, created_at) VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS TIMESTAMPTZ))
         ON CONFLICT DO NOTHING RETURNING id`,
        [ws, t.id, t.name, t.group_id, t.kind, t.description, t.ts],
      );
      return r.length === 1;
    },

    async updateTag(db: SqlExecutor, ws: string, t: { id: string; name: string; group_id: string | null; description: string | null }, rename: boolean) {
      // DuckDB rewrites an update of an indexed column (name is UNIQUE) as delete+insert: only touch it on rename.
      if (rename) await db.exec('UPDATE tags SET name = $3 WHERE workspace_id = $1 AND id = $2', [ws, t.id, t.name]);
      await db.exec('UPDATE tags SET group_id = $3, description = $4 WHERE workspace_id = $1 AND id = $2', [ws, t.id, t.group_id, t.description]);
    },

    /** Deletes a tag; returns the members that lost it. */
    async deleteTag(db: SqlExecutor, ws: string, id: string): Promise<string[]> {
      const removed = await db.query<{ member_id: string }>('DELETE FROM member_tags WHERE workspace_id = $1 AND tag_id = $2 RETURNING member_id', [ws, id]);
      await db.exec('DELETE FROM tags WHERE workspace_id = $1 AND id = $2', [ws, id]);
      return removed.map((r) => r.member_id);
    },

    /** Removes the members' other tags of an exclusive group; returns how many memberships went. */
    async clearGroup(db: SqlExecutor, ws: string, groupId: string, keepTagId: string, memberIds: string[]): Promise<number> {
      if (memberIds.length === 0) return 0;
      const removed = await db.query(
        `DELETE FROM member_tags WHERE workspace_id = $1
           AND tag_id IN (SELECT id FROM tags WHERE workspace_id = $1 AND group_id = $3 AND id <> $4)
           AND member_id IN (SELECT id FROM ${ids(2)})
         RETURNING member_id`,
        [ws, idsParam(memberIds), groupId, keepTagId],
      );
      return removed.length;
    },

    /** Tags the members (already tagged ones are left as they were); returns how many were newly tagged. */
    async addMembers(db: SqlExecutor, ws: string, tagId: string, memberIds: string[], source: string, ts: string): Promise<number> {
      if (memberIds.length === 0) return 0;
      const added = await db.query(
        `INSERT INTO member_tags (workspace_id, member_id, tag_id, source, added_at)
         SELECT $1, p.id, $3, $4, CAST($5 AS TIMESTAMPTZ) FROM ${ids(2)}
         ON CONFLICT (workspace_id, member_id, tag_id) DO NOTHING RETURNING member_id`,
        [ws, idsParam(memberIds), tagId, source, ts],
      );
      return added.length;
    },

    async removeMembers(db: SqlExecutor, ws: string, tagId: string, memberIds: string[]): Promise<number> {
      if (memberIds.length === 0) return 0;
      const removed = await db.query(
        `DELETE FROM member_tags WHERE workspace_id = $1 AND tag_id = $3 AND member_id IN (SELECT id FROM ${ids(2)}) RETURNING member_id`,
        [ws, idsParam(memberIds), tagId],
      );
      return removed.length;
    },

    /** Tags of each member, by name. */
    async tagsOf(db: SqlExecutor, ws: string, memberIds: string[]): Promise<Map<string, MemberTag[]>> {
      const out = new Map<string, MemberTag[]>();
      if (memberIds.length === 0) return out;
      const rows = await db.query<MemberTag & { member_id: string }>(
        `SELECT mt.member_id, t.id, t.name, g.name AS "group", t.group_id
         FROM member_tags mt JOIN ${ids(2)} ON mt.member_id = p.id
         JOIN tags t ON t.workspace_id = mt.workspace_id AND t.id = mt.tag_id
         LEFT JOIN tag_groups g ON g.workspace_id = t.workspace_id AND g.id = t.group_id
         WHERE mt.workspace_id = $1 ORDER BY mt.member_id, t.name`,
        [ws, idsParam(memberIds)],
      );
      for (const { member_id, ...tag } of rows) {
        const list = out.get(member_id) ?? [];
        list.push(tag);
        out.set(member_id, list);
      }
      return out;
    },

    /**
     * Merge hook: moves the merged member's tags to the survivor without duplicates. For an exclusive group the
     * survivor's own tag wins; the merged member's other tag of that group is dropped. Returns the tags moved.
     */
    async moveOnMerge(tx: SqlExecutor, ws: string, from: string, into: string): Promise<number> {
      const moved = await tx.query(
        `INSERT INTO member_tags (workspace_id, member_id, tag_id, source, added_at)
         SELECT mt.workspace_id, CAST($3 AS VARCHAR), mt.tag_id, mt.source, mt.added_at FROM member_tags mt
         LEFT JOIN tags t ON t.workspace_id = mt.workspace_id AND t.id = mt.tag_id
         LEFT JOIN tag_groups g ON g.workspace_id = t.workspace_id AND g.id = t.group_id
         WHERE mt.workspace_id = $1 AND mt.member_id = $2
           AND NOT (COALESCE(g.exclusive, false) AND EXISTS (
             SELECT 1 FROM member_tags s JOIN tags st ON st.workspace_id = s.workspace_id AND st.id = s.tag_id
             WHERE s.workspace_id = $1 AND s.member_id = CAST($3 AS VARCHAR) AND st.group_id = t.group_id AND s.tag_id <> mt.tag_id))
         ON CONFLICT (workspace_id, member_id, tag_id) DO NOTHING RETURNING tag_id`,
        [ws, from, into],
      );
      await tx.exec('DELETE FROM member_tags WHERE workspace_id = $1 AND member_id = $2', [ws, from]);
      return moved.length;
    },
  };
}

export type TagsRepo = ReturnType<typeof tagsRepo>;
