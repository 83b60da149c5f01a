// member_event_months: the local months in which each member had an event, kept as events are written.
import { isTx, type SqlExecutor, type Store } from '../../store/port.ts';
import { LocalMonths, splitMonth, type MonthIndex } from './month-index.ts';
import { isMemberActivity, memberActivitySql, SYSTEM_CHANNEL } from './member-activity.ts';

/**
 * An event as the month index needs it: its member (null for anonymous events), time (ISO instant) and channel
 * (system events are not activity and set no month).
 */
export interface EventStamp {
  member_id: string | null;
  ts: string;
  channel?: string | null;
}

/** Members remembered per store before the cache starts over (a few tens of MB at most). */
const MAX_MEMBERS = 300_000;

/**
 * Per store: the (member, month) pairs known to be committed in member_event_months, so that the ingest path
 * writes a row only for a member's first event of a month (in steady state a commit writes nothing). Entries
 * are added after COMMIT and only removed (merges, size limit): a missing entry costs one more row, never a
 * wrong answer, because readers OR the rows of a member together. Also the workspaces' time zones (immutable).
 */
interface StoreState {
  /** workspace → member → months known to be stored. */
  months: Map<string, Map<string, Set<MonthIndex>>>;
  members: number;
  zones: Map<string, LocalMonths>;
}
const states = new WeakMap<SqlExecutor, StoreState>();

function stateOf(store: Store): StoreState {
  let s = states.get(store);
  if (!s) states.set(store, (s = { months: new Map(), members: 0, zones: new Map() }));
  return s;
}

async function monthsOf(state: StoreState, db: SqlExecutor, ws: string): Promise<LocalMonths> {
  let z = state.zones.get(ws);
  if (!z) {
    const [row] = await db.query<{ timezone: string }>('SELECT timezone FROM workspaces WHERE id = $1', [ws]);
    z = new LocalMonths(row?.timezone ?? 'UTC');
    state.zones.set(ws, z);
  }
  return z;
}

/**
 * Records the months of newly stored events inside the writer's transaction `tx`: one INSERT of the
 * (member, year, months) rows this batch adds, none when every pair is already known. Rows are appended, never
 * upserted: DuckDB's ON CONFLICT costs ~20 ms per statement on a large key, more than the whole row set here,
 * and the rare duplicate (a restart, two concurrent batches) is harmless to `bit_or` readers.
 * @example await recordEventMonths(store, tx, ws, rows.map((r) => ({ member_id: r.m, ts: r.t })))
 */
export async function recordEventMonths(store: Store, tx: SqlExecutor, ws: string, events: Iterable<EventStamp>): Promise<void> {
  const state = stateOf(store);
  let months: LocalMonths | null = null;
  // member → year → bits this batch adds
  const add = new Map<string, Map<number, number>>();
  const known = state.months.get(ws);
  for (const e of events) {
    if (!e.member_id || !isMemberActivity(e.channel)) continue;
    months ??= await monthsOf(state, tx, ws);
    const m = months.ofIso(e.ts);
    if (known?.get(e.member_id)?.has(m)) continue;
    const { year, month } = splitMonth(m);
    let years = add.get(e.member_id);
    if (!years) add.set(e.member_id, (years = new Map()));
    years.set(year, (years.get(year) ?? 0) | (1 << month));
  }
  if (add.size === 0) return;
  const rows: { m: string; y: number; b: number }[] = [];
  for (const [member, years] of add) for (const [y, b] of years) rows.push({ m: member, y, b });
  await tx.exec(
    `INSERT INTO member_event_months (workspace_id, member_id, year, months)
     SELECT $2, r.m, CAST(r.y AS INTEGER), CAST(r.b AS INTEGER)
     FROM ${store.jsonRows(1, [{ name: 'm', type: 'text' }, { name: 'y', type: 'bigint' }, { name: 'b', type: 'bigint' }], 'r')}`,
    [JSON.stringify(rows), ws],
  );
  const remember = () => {
    if (state.members > MAX_MEMBERS) {
      state.months.clear();
      state.members = 0;
    }
    let byMember = state.months.get(ws);
    if (!byMember) state.months.set(ws, (byMember = new Map()));
    for (const { m, y, b } of rows) {
      let set = byMember.get(m);
      if (!set) {
        byMember.set(m, (set = new Set()));
        state.members++;
      }
      for (let k = 0; k < 12; k++) if (b & (1 << k)) set.add(y * 12 + k);
    }
  };
  if (isTx(tx)) tx.afterEnd((committed) => committed && remember());
  else remember();
}

/** Merge: the merged member's months now belong to the survivor (its events moved with them). */
export async function moveEventMonths(store: Store, tx: SqlExecutor, ws: string, fromId: string, intoId: string): Promise<void> {
  stateOf(store).months.get(ws)?.delete(fromId);
  await tx.exec('UPDATE member_event_months SET member_id = $3 WHERE workspace_id = $1 AND member_id = $2', [ws, fromId, intoId]);
}

/**
 * Whose member_event_months a rebuild writes: one workspace's (`$1`), every workspace's, or every member with a
 * system event (migration 20 redoes those, written before system events were left out).
 */
export type EventMonthsScope = 'workspace' | 'all' | 'with-system-events';

const SCOPE_WHERE: Record<EventMonthsScope, string> = {
  workspace: 'e.workspace_id = $1',
  all: 'TRUE',
  'with-system-events': `EXISTS (SELECT 1 FROM events s WHERE s.workspace_id = e.workspace_id AND s.member_id = e.member_id AND s.channel = '${SYSTEM_CHANNEL}')`,
};

/**
 * member_event_months of `scope` recomputed from the events table, one row per member and local year: for
 * migrations and bulk loads that write events around the ingest path. System events are left out (not activity).
 * Events are first grouped per member into 25-day spans of epoch time, keeping the first and last instant: a span
 * is shorter than any local month (even one shortened by a clock change), so it touches at most two local months
 * and those two instants name them. That
 * converts two instants per span to local time instead of every event (the zone conversion is the costly part).
 */
export function eventMonthsSql(scope: EventMonthsScope): string {
  const ym = (col: string) =>
    `CAST(EXTRACT(YEAR FROM ${col}) AS INTEGER) AS y, CAST(1 AS INTEGER) << CAST(EXTRACT(MONTH FROM ${col}) - 1 AS INTEGER) AS b`;
  return `
    INSERT INTO member_event_months (workspace_id, member_id, year, months)
    WITH spans AS (
      SELECT e.workspace_id, e.member_id, MIN(e.ts) AS lo, MAX(e.ts) AS hi
      FROM events e
      WHERE ${SCOPE_WHERE[scope]} AND e.member_id IS NOT NULL AND ${memberActivitySql('e')}
      GROUP BY e.workspace_id, e.member_id, FLOOR(EXTRACT(EPOCH FROM e.ts) / 2160000)
    ),
    local AS (
      SELECT s.workspace_id, s.member_id, s.lo AT TIME ZONE w.timezone AS lo, s.hi AT TIME ZONE w.timezone AS hi
      FROM spans s JOIN workspaces w ON w.id = s.workspace_id
    ),
    months AS (
      SELECT workspace_id, member_id, ${ym('lo')} FROM local
      UNION
      SELECT workspace_id, member_id, ${ym('hi')} FROM local
    )
    SELECT workspace_id, member_id, y, CAST(bit_or(b) AS INTEGER) FROM months GROUP BY workspace_id, member_id, y`;
}

/** Rebuilds one workspace's member_event_months from its events (after a bulk load of events). */
export async function rebuildEventMonths(tx: SqlExecutor, ws: string): Promise<void> {
  await tx.exec('DELETE FROM member_event_months WHERE workspace_id = $1', [ws]);
  await tx.exec(eventMonthsSql('workspace'), [ws]);
}
