// SQL of the guard rails: one read per batch of everything a decision needs (member, time zone, consent for the
// channel and for `all`, an address, the guard state), and compare-and-set writes of the new states — an UPDATE on
// `ver` for members with a state row, an INSERT … ON CONFLICT DO NOTHING for the rest. A row another writer changed
// first is not written (PostgreSQL re-checks `ver` after the other commit; DuckDB aborts the transaction on the
// conflict and it is retried), so counters never move past a cap, whichever process admits.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';
import type { ChannelType, ConsentStatus } from './schema.ts';

/** Where a channel type finds a member's address: a members column and/or an identity type (none: always reachable). */
const ADDRESS: Record<ChannelType, { column: 'phone' | 'email' | null; identity: string | null } | null> = {
  sms: { column: 'phone', identity: 'phone' },
  email: { column: 'email', identity: 'email' },
  wecom: { column: null, identity: 'wecom_external_userid' },
  wechat_oa: { column: null, identity: 'openid' },
  miniprogram: { column: null, identity: 'openid' },
  // Push tokens and webhook targets are per integration, not member data the store knows: not checked here.
  app_push: null,
  webhook: null,
};

/** One member's facts as read for a decision (statement times in epoch milliseconds). */
export interface FactRow {
  member_id: string;
  found: boolean;
  tz: string | null;
  s_status: ConsentStatus | null;
  s_at: number | null;
  a_status: ConsentStatus | null;
  a_at: number | null;
  has_address: boolean;
  ver: number | null;
  state: string | null;
}

/** Parses the facts text: a line per member, ten tab-separated fields (the state JSON never holds a raw tab). */
export function parseFacts(text: string | null): FactRow[] {
  if (!text) return [];
  const out: FactRow[] = [];
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    if (f.length < 10) continue;
    const state = f.length === 10 ? f[9] : f.slice(9).join('\t');
    out.push({
      member_id: f[0],
      found: f[1] === '1',
      tz: f[2] || null,
      s_status: (f[3] || null) as ConsentStatus | null,
      s_at: f[4] ? Number(f[4]) : null,
      a_status: (f[5] || null) as ConsentStatus | null,
      a_at: f[6] ? Number(f[6]) : null,
      has_address: f[7] === '1',
      ver: f[8] ? Number(f[8]) : null,
      state: state || null,
    });
  }
  return out;
}

/** A state to write: `ver` is the version read (null: no row was read, insert one). */
export interface StateWrite {
  member_id: string;
  ver: number | null;
  /** The new state (an object: it travels nested in the batch's JSON, not as an escaped string). */
  state: unknown;
}

const ID_COLUMNS: JsonColumn[] = [{ name: 'member_id', type: 'text' }];
const UPDATE_COLUMNS: JsonColumn[] = [
  { name: 'member_id', type: 'text' },
  { name: 'ver', type: 'bigint' },
  { name: 'state', type: 'json' },
];
const INSERT_COLUMNS: JsonColumn[] = [
  { name: 'member_id', type: 'text' },
  { name: 'state', type: 'json' },
];

export function guardRepo(store: Store) {
  return {
    /**
     * Facts of a batch of members for one channel type and purpose, in one statement. Each table is joined to the
     * batch in its own subquery (an inner join built on the small batch side), and the rows come back as one text
     * (tab-separated fields, a line per member): turning 10,000 rows of ten columns into JS values cost more than the
     * query itself.
     */
    async facts(db: SqlExecutor, ws: string, memberIds: string[], channelType: ChannelType, purpose: string): Promise<FactRow[]> {
      const addr = ADDRESS[channelType];
      const params: (string | null)[] = [ws, JSON.stringify(memberIds.map((member_id) => ({ member_id }))), purpose, channelType, 'timezone'];
      // Two shapes of the same joins. DuckDB: each table joined to the batch in its own subquery (a hash join built
      // on the small batch side, one scan per table). PostgreSQL: the batch's size is unknown to its planner (it
      // guesses 100 rows), and those subqueries became nested loops re-scanning the whole batch for every member —
      // 45 s for 20,000 members; there each member's rows are looked up through the tables' keys instead.
      const hashJoins = store.capabilities.subqueryJoins;
      let hasAddress = 'true';
      let identityJoin = '';
      if (addr) {
        const parts: string[] = [];
        if (addr.column) parts.push('m.has_column');
        if (addr.identity) {
          params.push(addr.identity);
          identityJoin = hashJoins
            ? `LEFT JOIN (SELECT DISTINCT i.member_id FROM identities i JOIN b ON i.member_id = b.member_id
                          WHERE i.workspace_id = $1 AND i.type = $6) ai ON ai.member_id = b.member_id`
            : `LEFT JOIN LATERAL (SELECT i.member_id FROM identities i WHERE i.workspace_id = $1 AND i.member_id = b.member_id AND i.type = $6 LIMIT 1) ai ON true`;
          parts.push('ai.member_id IS NOT NULL');
        }
        hasAddress = `(${parts.join(' OR ')})`;
      }
      const member = `x.merged_into IS NULL AS live, ${store.jsonText('x.attributes', '$5')} AS tz, ${addr?.column ? `x.${addr.column} IS NOT NULL` : 'false'} AS has_column`;
      const consent = `max(CASE WHEN x.channel = $4 THEN x.status END) AS s_status, max(CASE WHEN x.channel = $4 THEN x.changed_at END) AS s_at,
                       max(CASE WHEN x.channel = 'all' THEN x.status END) AS a_status, max(CASE WHEN x.channel = 'all' THEN x.changed_at END) AS a_at`;
      const joins = hashJoins
        ? `LEFT JOIN (SELECT x.id, ${member} FROM members x JOIN b ON x.id = b.member_id WHERE x.workspace_id = $1) m ON m.id = b.member_id
           LEFT JOIN (SELECT x.member_id, ${consent}
                      FROM consents x JOIN b ON x.member_id = b.member_id
                      WHERE x.workspace_id = $1 AND x.purpose = $3 AND (x.channel = $4 OR x.channel = 'all')
                      GROUP BY x.member_id) c ON c.member_id = b.member_id
           LEFT JOIN (SELECT x.member_id, x.ver, x.state FROM guard_state x JOIN b ON x.member_id = b.member_id WHERE x.workspace_id = $1) g ON g.member_id = b.member_id`
        : `LEFT JOIN LATERAL (SELECT ${member} FROM members x WHERE x.workspace_id = $1 AND x.id = b.member_id) m ON true
           LEFT JOIN LATERAL (SELECT ${consent} FROM consents x
                              WHERE x.workspace_id = $1 AND x.member_id = b.member_id AND x.purpose = $3 AND (x.channel = $4 OR x.channel = 'all')) c ON true
           LEFT JOIN guard_state g ON g.workspace_id = $1 AND g.member_id = b.member_id`;
      const text = (e: string) => `COALESCE(CAST(${e} AS VARCHAR), '')`;
      const epochMs = (e: string) => text(`CAST(EXTRACT(EPOCH FROM ${e}) * 1000 AS BIGINT)`);
      const line = [
        'b.member_id',
        `CASE WHEN m.live THEN '1' ELSE '0' END`,
        `replace(replace(${text('m.tz')}, chr(9), ' '), chr(10), ' ')`,
        text('c.s_status'),
        epochMs('c.s_at'),
        text('c.a_status'),
        epochMs('c.a_at'),
        `CASE WHEN ${hasAddress} THEN '1' ELSE '0' END`,
        text('g.ver'),
        text('g.state'),
      ].join(` || chr(9) || `);
      const [row] = await db.query<{ facts: string | null }>(
        `WITH b AS MATERIALIZED (SELECT DISTINCT r.member_id FROM ${store.jsonRows(2, ID_COLUMNS, 'r')})
         SELECT string_agg(${line}, chr(10)) AS facts
         FROM b
         ${joins}
         ${identityJoin}`,
        params,
      );
      return parseFacts(row?.facts ?? null);
    },

    /** The guard states of members (for release, and for re-reading the rows a concurrent writer changed). */
    states(db: SqlExecutor, ws: string, memberIds: string[]): Promise<{ member_id: string; ver: number; state: string; tok: string | null }[]> {
      return db.query(
        `SELECT g.member_id, g.ver, g.state, g.tok FROM guard_state g JOIN ${store.jsonRows(2, ID_COLUMNS, 'r')} ON g.member_id = r.member_id WHERE g.workspace_id = $1`,
        [ws, JSON.stringify(memberIds.map((member_id) => ({ member_id })))],
      );
    },

    /**
     * Compare-and-set of new states, marked with `tok`: returns how many were written. Fewer than asked means another
     * writer changed some rows first; `lost` finds them.
     */
    async write(db: SqlExecutor, ws: string, writes: StateWrite[], tok: string, now: string): Promise<number> {
      const updates = writes.filter((w) => w.ver !== null);
      const inserts = writes.filter((w) => w.ver === null);
      let n = 0;
      if (updates.length > 0) {
        n += await db.execCount(
          `UPDATE guard_state SET ver = guard_state.ver + 1, state = CAST(r.state AS VARCHAR), tok = $3, updated_at = $4::TIMESTAMPTZ
           FROM ${store.jsonRows(2, UPDATE_COLUMNS, 'r')}
           WHERE guard_state.workspace_id = $1 AND guard_state.member_id = r.member_id AND guard_state.ver = r.ver`,
          [ws, JSON.stringify(updates), tok, now],
        );
      }
      if (inserts.length > 0) {
        n += await db.execCount(
          `INSERT INTO guard_state (workspace_id, member_id, ver, state, tok, updated_at)
           SELECT $1, r.member_id, 1, CAST(r.state AS VARCHAR), $3, $4::TIMESTAMPTZ FROM ${store.jsonRows(2, INSERT_COLUMNS, 'r')}
           ON CONFLICT (workspace_id, member_id) DO NOTHING`,
          // `ver` (null) travels along and is not read: no second copy of every write just to drop it.
          [ws, JSON.stringify(inserts), tok, now],
        );
      }
      return n;
    },

    /** Of `memberIds`, those whose state row is not the one this writer (`tok`) just wrote, with their current state. */
    lost(db: SqlExecutor, ws: string, memberIds: string[], tok: string): Promise<{ member_id: string; ver: number; state: string }[]> {
      return db.query(
        `SELECT g.member_id, g.ver, g.state FROM guard_state g JOIN ${store.jsonRows(2, ID_COLUMNS, 'r')} ON g.member_id = r.member_id
         WHERE g.workspace_id = $1 AND (g.tok IS NULL OR g.tok <> $3)`,
        [ws, JSON.stringify(memberIds.map((member_id) => ({ member_id }))), tok],
      );
    },
  };
}

export type GuardRepo = ReturnType<typeof guardRepo>;
