// What journeys read of member data (and the one attribute write of set_attribute): tracked events for triggers,
// waits and goals; segment members for scheduled entries; members whose birthday or membership anniversary falls on
// a date. Reads go to the stored tables directly, like loyalty's event earning, so they are set-based and batched.
import type { SqlExecutor, Store } from '../../store/port.ts';
import { byKeys } from './instance-repo.ts';
import { isLeapYear } from './time.ts';

export interface EventRow {
  message_id: string;
  member_id: string;
  name: string;
  properties: Record<string, unknown>;
  ts: string;
  received_at: string;
}

const NAME_COLS = [{ name: 'n', type: 'text' as const }];
const toEvent = (r: Record<string, any>): EventRow => ({
  message_id: r.message_id,
  member_id: r.member_id,
  name: r.name,
  properties: (typeof r.properties === 'string' ? JSON.parse(r.properties) : r.properties) ?? {},
  ts: new Date(r.ts).toISOString(),
  received_at: new Date(r.received_at).toISOString(),
});

export const memberData = {
  /**
   * Track events of these members with one of `names`, received since `since` (the received_at bound lets both
   * engines skip old data: DuckDB by zone maps over the append order, PostgreSQL by the scan of recent rows).
   */
  async eventsOf(store: Store, db: SqlExecutor, ws: string, memberIds: string[], names: string[], since: string): Promise<EventRow[]> {
    if (memberIds.length === 0 || names.length === 0) return [];
    const rows = await byKeys(
      store, db, ws, memberIds,
      (list) => `SELECT e.message_id, e.member_id, e.name, e.properties, e.ts, e.received_at FROM events e
        WHERE e.workspace_id = $1 AND e.type = 'track' AND e.received_at >= CAST($2 AS TIMESTAMPTZ)
          AND e.name IN (SELECT n.n FROM ${store.jsonRows(3, NAME_COLS, 'n')}) AND e.member_id IN (${list})`,
      [since, JSON.stringify(names.map((n) => ({ n })))],
    );
    return rows.map(toEvent);
  },

  /** A page of track events of `names` received since `since`, after the keyset (received_at, message_id): the sweep. */
  async eventPage(store: Store, db: SqlExecutor, ws: string, names: string[], since: string, after: { at: string; id: string }, limit: number): Promise<EventRow[]> {
    if (names.length === 0) return [];
    const rows = await db.query(
      `SELECT e.message_id, e.member_id, e.name, e.properties, e.ts, e.received_at FROM events e
       WHERE e.workspace_id = $1 AND e.type = 'track' AND e.member_id IS NOT NULL AND e.received_at >= CAST($2 AS TIMESTAMPTZ)
         AND e.name IN (SELECT n.n FROM ${store.jsonRows(3, NAME_COLS, 'n')})
         AND (e.received_at > CAST($4 AS TIMESTAMPTZ) OR (e.received_at = CAST($4 AS TIMESTAMPTZ) AND e.message_id > $5))
       ORDER BY e.received_at, e.message_id LIMIT $6`,
      [ws, since, JSON.stringify(names.map((n) => ({ n }))), after.at, after.id, limit],
    );
    return rows.map(toEvent);
  },

  /** A page of segment membership changes (entries or exits) since `since`, after the keyset: the segment sweep. */
  async segmentChanges(db: SqlExecutor, ws: string, segmentId: string, change: 'entered' | 'exited', since: string, after: { at: string; id: string }, limit: number) {
    const rows = await db.query<{ member_id: string; changed_at: string }>(
      `SELECT member_id, changed_at FROM segment_membership_log
       WHERE workspace_id = $1 AND segment_id = $2 AND change = $3 AND changed_at >= CAST($4 AS TIMESTAMPTZ)
         AND (changed_at > CAST($5 AS TIMESTAMPTZ) OR (changed_at = CAST($5 AS TIMESTAMPTZ) AND member_id > $6))
       ORDER BY changed_at, member_id LIMIT $7`,
      [ws, segmentId, change, since, after.at, after.id, limit],
    );
    return rows.map((r) => ({ member_id: r.member_id, changed_at: new Date(r.changed_at).toISOString() }));
  },

  /** A page of a segment's current members (ids), after `after`. */
  async segmentMembers(db: SqlExecutor, ws: string, segmentId: string, after: string, limit: number): Promise<string[]> {
    const rows = await db.query<{ member_id: string }>(
      `SELECT sm.member_id FROM segment_members sm JOIN members m ON m.workspace_id = sm.workspace_id AND m.id = sm.member_id
       WHERE sm.workspace_id = $1 AND sm.segment_id = $2 AND sm.member_id > $3 AND m.merged_into IS NULL
       ORDER BY sm.member_id LIMIT $4`,
      [ws, segmentId, after, limit],
    );
    return rows.map((r) => r.member_id);
  },

  /**
   * Live members whose birthday (or membership anniversary, in whole years ≥ 1) falls on the local date `date`,
   * optionally only members of a segment; a page after `after`. 29 February counts on 28 February in common years.
   */
  async datedMembers(db: SqlExecutor, ws: string, o: { field: 'birthday' | 'membership_anniversary'; date: string; tz: string; segmentId: string | null; after: string; limit: number }): Promise<string[]> {
    const [y, mo, d] = o.date.split('-').map(Number);
    const leapDay = mo === 2 && d === 28 && !isLeapYear(y);
    const params: (string | number)[] = [ws, mo, d, leapDay ? 29 : d, o.after, o.limit, o.date];
    const p = (v: string) => (params.push(v), `$${params.length}`);
    const day = o.field === 'birthday' ? 'm.birthday' : `CAST((m.created_at AT TIME ZONE ${p(o.tz)}) AS DATE)`;
    const segment = o.segmentId ? `AND m.id IN (SELECT sm.member_id FROM segment_members sm WHERE sm.workspace_id = $1 AND sm.segment_id = ${p(o.segmentId)})` : '';
    const rows = await db.query<{ id: string }>(
      `SELECT m.id FROM members m
       WHERE m.workspace_id = $1 AND m.merged_into IS NULL AND m.id > $5
         AND ${day} IS NOT NULL AND EXTRACT(MONTH FROM ${day}) = $2 AND EXTRACT(DAY FROM ${day}) IN ($3, $4) AND ${day} < CAST($7 AS DATE)
         ${segment}
       ORDER BY m.id LIMIT $6`,
      params,
    );
    return rows.map((r) => r.id);
  },

  /** Sets one custom attribute on members (read, merge, write in the caller's transaction): set_attribute steps. */
  async setAttribute(store: Store, tx: SqlExecutor, ws: string, memberIds: string[], key: string, value: unknown, now: string): Promise<string[]> {
    const rows = await byKeys<{ id: string; attributes: unknown }>(store, tx, ws, memberIds, (list) => `SELECT id, attributes FROM members WHERE workspace_id = $1 AND merged_into IS NULL AND id IN (${list})`);
    const changed: { id: string; attributes: Record<string, unknown> }[] = [];
    for (const r of rows) {
      const attrs = ((typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes) ?? {}) as Record<string, unknown>;
      if (value === null ? !(key in attrs) : JSON.stringify(attrs[key]) === JSON.stringify(value)) continue;
      const next = { ...attrs };
      if (value === null) delete next[key];
      else next[key] = value;
      changed.push({ id: r.id, attributes: next });
    }
    if (changed.length > 0) {
      await tx.exec(
        `UPDATE members SET attributes = r.attributes, updated_at = CAST($3 AS TIMESTAMPTZ)
         FROM ${store.jsonRows(1, [{ name: 'id', type: 'text' }, { name: 'attributes', type: 'json' }], 'r')}
         WHERE members.workspace_id = $2 AND members.id = r.id`,
        [JSON.stringify(changed), ws, now],
      );
    }
    return changed.map((c) => c.id);
  },
};
