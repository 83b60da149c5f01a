// SQL of customer groups and their members: group upserts from WeCom details (Siyu's own fields kept), member stints
// (joins inserted once, leaves closed once), target selection for SOPs and audiences.
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { Targets } from './schema.ts';

export interface GroupRow {
  id: string;
  chat_id: string;
  channel_id: string | null;
  name: string | null;
  owner_userid: string | null;
  positioning: string | null;
  value_tier: string | null;
  tags: string[];
  notice: string | null;
  status: 'active' | 'dismissed';
  member_count: number;
  member_version: string | null;
  wecom_created_at: string | null;
  synced_at: string | null;
  dismissed_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface GroupMemberRow {
  group_id: string;
  userid: string;
  joined_at: string;
  member_type: number;
  member_id: string | null;
  unionid: string | null;
  name: string | null;
  join_scene: number | null;
  invitor: string | null;
  state: string | null;
  left_at: string | null;
  quit_scene: number | null;
}

const COLS = 'id, chat_id, channel_id, name, owner_userid, positioning, value_tier, tags, notice, status, member_count, member_version, wecom_created_at, synced_at, dismissed_at, created_at, updated_at';
const MCOLS = 'group_id, userid, joined_at, member_type, member_id, unionid, name, join_scene, invitor, state, left_at, quit_scene';
const row = (r: any): GroupRow => ({ ...r, tags: typeof r.tags === 'string' ? JSON.parse(r.tags) : (r.tags ?? []), member_count: Number(r.member_count) });

export const communityRepo = (store: Store) => ({
  async group(db: SqlExecutor, ws: string, ref: string): Promise<GroupRow | null> {
    const [r] = await db.query(`SELECT ${COLS} FROM community_groups WHERE workspace_id = $1 AND (id = $2 OR chat_id = $2) LIMIT 1`, [ws, ref]);
    return r ? row(r) : null;
  },

  async list(db: SqlExecutor, ws: string, t: Targets & { status?: string }): Promise<GroupRow[]> {
    const params: (string | null)[] = [ws];
    const where = ['workspace_id = $1'];
    const eq = (col: string, v: string | undefined) => {
      if (v === undefined) return;
      params.push(v);
      where.push(`${col} = $${params.length}`);
    };
    eq('status', t.status);
    eq('positioning', t.positioning);
    eq('value_tier', t.value_tier);
    eq('owner_userid', t.owner);
    if (t.groups?.length) {
      params.push(JSON.stringify(t.groups.map((g) => ({ g }))));
      const n = params.length;
      where.push(`(id IN (SELECT l.g FROM ${store.jsonRows(n, [{ name: 'g', type: 'text' }], 'l')}) OR chat_id IN (SELECT l2.g FROM ${store.jsonRows(n, [{ name: 'g', type: 'text' }], 'l2')}))`);
    }
    const rows = await db.query(`SELECT ${COLS} FROM community_groups WHERE ${where.join(' AND ')} ORDER BY name, id`, params);
    const groups = rows.map(row);
    return t.tag ? groups.filter((g) => g.tags.includes(t.tag!)) : groups;
  },

  /** Inserts a group seen for the first time, or refreshes WeCom's fields of a known one. Returns its id. */
  async upsertFromWecom(
    db: SqlExecutor,
    ws: string,
    g: { id: string; chat_id: string; channel_id: string; name: string; owner_userid: string; notice: string; member_count: number; member_version: string | null; wecom_created_at: string | null },
    now: string,
  ): Promise<string> {
    await db.exec(
      `INSERT INTO community_groups (workspace_id, id, chat_id, channel_id, name, owner_userid, tags, notice, status, member_count, member_version, wecom_created_at, synced_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, CAST('[]' AS JSON), $7, 'active', $8, $9, $10::TIMESTAMPTZ, $11::TIMESTAMPTZ, $11::TIMESTAMPTZ, $11::TIMESTAMPTZ)
       ON CONFLICT (workspace_id, chat_id) DO UPDATE SET channel_id = excluded.channel_id, name = excluded.name, owner_userid = excluded.owner_userid, notice = excluded.notice,
         status = 'active', dismissed_at = NULL, member_count = excluded.member_count, member_version = excluded.member_version,
         wecom_created_at = excluded.wecom_created_at, synced_at = excluded.synced_at, updated_at = excluded.updated_at`,
      [ws, g.id, g.chat_id, g.channel_id, g.name, g.owner_userid, g.notice, g.member_count, g.member_version, g.wecom_created_at, now],
    );
    const [r] = await db.query<{ id: string }>('SELECT id FROM community_groups WHERE workspace_id = $1 AND chat_id = $2', [ws, g.chat_id]);
    return r.id;
  },

  async setFields(db: SqlExecutor, ws: string, id: string, f: { positioning: string | null; value_tier: string | null; tags: string[] }, now: string): Promise<void> {
    await db.exec(`UPDATE community_groups SET positioning = $3, value_tier = $4, tags = $5::JSON, updated_at = $6::TIMESTAMPTZ WHERE workspace_id = $1 AND id = $2`, [
      ws, id, f.positioning, f.value_tier, JSON.stringify(f.tags), now,
    ]);
  },

  async dismiss(db: SqlExecutor, ws: string, id: string, at: string): Promise<void> {
    await db.exec(`UPDATE community_groups SET status = 'dismissed', dismissed_at = $3::TIMESTAMPTZ, member_count = 0, updated_at = $3::TIMESTAMPTZ WHERE workspace_id = $1 AND id = $2`, [ws, id, at]);
  },

  async setOwner(db: SqlExecutor, ws: string, chatIds: string[], owner: string, now: string): Promise<void> {
    if (chatIds.length === 0) return;
    await db.exec(`UPDATE community_groups SET owner_userid = $3, updated_at = $4::TIMESTAMPTZ WHERE workspace_id = $1 AND chat_id IN (SELECT l.c FROM ${store.jsonRows(2, [{ name: 'c', type: 'text' }], 'l')})`, [
      ws, JSON.stringify(chatIds.map((c) => ({ c }))), owner, now,
    ]);
  },

  async activeMembers(db: SqlExecutor, ws: string, groupId: string): Promise<GroupMemberRow[]> {
    return db.query<GroupMemberRow>(`SELECT ${MCOLS} FROM community_group_members WHERE workspace_id = $1 AND group_id = $2 AND left_at IS NULL`, [ws, groupId]);
  },

  async members(db: SqlExecutor, ws: string, groupId: string, active: boolean, limit: number, after: string | null): Promise<GroupMemberRow[]> {
    return db.query<GroupMemberRow>(
      `SELECT ${MCOLS} FROM community_group_members WHERE workspace_id = $1 AND group_id = $2 AND ($3 = false OR left_at IS NULL) AND ($4::VARCHAR IS NULL OR userid > $4)
       ORDER BY userid, joined_at LIMIT $5`,
      [ws, groupId, active, after, limit],
    );
  },

  /** Inserts new stints (a stint already stored is left alone). */
  async insertJoins(db: SqlExecutor, ws: string, rows: Omit<GroupMemberRow, 'left_at' | 'quit_scene'>[]): Promise<void> {
    if (rows.length === 0) return;
    const src = store.jsonRows(2, [
      { name: 'group_id', type: 'text' }, { name: 'userid', type: 'text' }, { name: 'joined_at', type: 'timestamptz' }, { name: 'member_type', type: 'bigint' },
      { name: 'member_id', type: 'text' }, { name: 'unionid', type: 'text' }, { name: 'name', type: 'text' }, { name: 'join_scene', type: 'bigint' },
      { name: 'invitor', type: 'text' }, { name: 'state', type: 'text' },
    ], 'r');
    await db.exec(
      `INSERT INTO community_group_members (workspace_id, group_id, userid, joined_at, member_type, member_id, unionid, name, join_scene, invitor, state)
       SELECT $1::VARCHAR, r.group_id, r.userid, r.joined_at, r.member_type, r.member_id, r.unionid, r.name, r.join_scene, r.invitor, r.state FROM ${src}
       ON CONFLICT (workspace_id, group_id, userid, joined_at) DO NOTHING`,
      [ws, JSON.stringify(rows)],
    );
  },

  /** Closes the open stints of these userids; returns how many were open. */
  async closeStints(db: SqlExecutor, ws: string, groupId: string, userids: string[], at: string, quitScene: number | null): Promise<number> {
    if (userids.length === 0) return 0;
    return db.execCount(
      `UPDATE community_group_members SET left_at = $4::TIMESTAMPTZ, quit_scene = $5
       WHERE workspace_id = $1 AND group_id = $2 AND left_at IS NULL AND userid IN (SELECT l.u FROM ${store.jsonRows(3, [{ name: 'u', type: 'text' }], 'l')})`,
      [ws, groupId, JSON.stringify(userids.map((u) => ({ u }))), at, quitScene],
    );
  },

  /** Links stints of customers to their member profiles (after ingest made or found them). */
  async linkMembers(db: SqlExecutor, ws: string, groupId: string, links: { userid: string; member_id: string }[]): Promise<void> {
    if (links.length === 0) return;
    await db.exec(
      `UPDATE community_group_members SET member_id = l.member_id FROM ${store.jsonRows(3, [{ name: 'userid', type: 'text' }, { name: 'member_id', type: 'text' }], 'l')}
       WHERE community_group_members.workspace_id = $1 AND community_group_members.group_id = $2 AND community_group_members.userid = l.userid
         AND community_group_members.member_id IS DISTINCT FROM l.member_id`,
      [ws, groupId, JSON.stringify(links)],
    );
  },

  /** Distinct member ids in these groups now (customers linked to a profile). */
  async memberIdsOf(db: SqlExecutor, ws: string, groupIds: string[]): Promise<string[]> {
    if (groupIds.length === 0) return [];
    const rows = await db.query<{ member_id: string }>(
      `SELECT DISTINCT member_id FROM community_group_members
       WHERE workspace_id = $1 AND left_at IS NULL AND member_id IS NOT NULL AND group_id IN (SELECT l.g FROM ${store.jsonRows(2, [{ name: 'g', type: 'text' }], 'l')})
       ORDER BY member_id`,
      [ws, JSON.stringify(groupIds.map((g) => ({ g })))],
    );
    return rows.map((r) => r.member_id);
  },
});
