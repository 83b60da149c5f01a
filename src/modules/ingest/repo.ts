// SQL of the ingest pipeline: one multi-row insert of events per group commit, idempotent on message id.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';
import type { IngestMessage } from './schema.ts';
import { recordEventMonths } from '../activity/event-months.ts';

/**
 * One events row as sent to the store, with one-letter keys: the JSON of a whole group is parsed by the database,
 * and on a hot path every byte per row counts. The workspace goes as its own parameter.
 */
export interface EventRow {
  /** message_id */ i: string;
  /** member_id */ m: string | null;
  /** user_id */ u: string | null;
  /** anonymous_id */ a: string | null;
  /** type */ y: string;
  /** name */ n: string | null;
  /** channel */ c: string | null;
  /** properties */ p: Record<string, unknown> | null;
  /** context */ x: Record<string, unknown> | null;
  /** ts */ t: string;
  /** received_at */ r: string;
}

const EVENT_COLUMNS: Array<JsonColumn & { column: string }> = [
  { name: 'i', column: 'message_id', type: 'text' },
  { name: 'm', column: 'member_id', type: 'text' },
  { name: 'u', column: 'user_id', type: 'text' },
  { name: 'a', column: 'anonymous_id', type: 'text' },
  { name: 'y', column: 'type', type: 'text' },
  { name: 'n', column: 'name', type: 'text' },
  { name: 'c', column: 'channel', type: 'text' },
  { name: 'p', column: 'properties', type: 'json' },
  { name: 'x', column: 'context', type: 'json' },
  { name: 't', column: 'ts', type: 'timestamptz' },
  { name: 'r', column: 'received_at', type: 'timestamptz' },
];

/** The events row for a message resolved to `memberId`. */
export function toEventRow(memberId: string | null, msg: IngestMessage): EventRow {
  return {
    i: msg.messageId,
    m: memberId,
    u: msg.userId,
    a: msg.anonymousId,
    y: msg.type,
    n: msg.name,
    c: msg.channel,
    p: msg.properties,
    x: msg.context,
    t: msg.timestamp,
    r: msg.receivedAt,
  };
}

const sqlCache = new WeakMap<Store, { fresh: string; idempotent: string }>();

function statements(store: Store) {
  let s = sqlCache.get(store);
  if (!s) {
    const target = ['workspace_id', ...EVENT_COLUMNS.map((c) => c.column)].join(', ');
    const source = ['$2', ...EVENT_COLUMNS.map((c) => `e.${c.name}`)].join(', ');
    const insert = `INSERT INTO events (${target}) SELECT ${source} FROM ${store.jsonRows(1, EVENT_COLUMNS, 'e')}`;
    s = { fresh: insert, idempotent: `${insert} ON CONFLICT (workspace_id, message_id) DO NOTHING RETURNING message_id` };
    sqlCache.set(store, s);
  }
  return s;
}

export const ingestRepo = {
  /**
   * Inserts one workspace's rows, expected to be new, in one statement. Fails (the whole statement) when any
   * message_id is already stored; then use {@link ingestRepo.insertEventsIdempotent}. Conflict handling costs
   * DuckDB about three times the insert itself, and retried messages are rare.
   */
  async insertEventsFresh(store: Store, tx: SqlExecutor, workspaceId: string, rows: EventRow[]): Promise<void> {
    if (rows.length > 0) await tx.exec(statements(store).fresh, [JSON.stringify(rows), workspaceId]);
  },

  /**
   * Inserts one workspace's rows in one statement, skipping message_ids already stored.
   * Returns the message ids that were newly inserted.
   */
  async insertEventsIdempotent(store: Store, tx: SqlExecutor, workspaceId: string, rows: EventRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted = await tx.query<{ message_id: string }>(statements(store).idempotent, [JSON.stringify(rows), workspaceId]);
    return new Set(inserted.map((r) => r.message_id));
  },

  /** Keeps member_event_months (cohort activity) in step with the newly stored rows, in the same transaction. */
  async recordMonths(store: Store, tx: SqlExecutor, workspaceId: string, rows: EventRow[], fresh: Set<string> | 'all'): Promise<void> {
    const stamps = [];
    for (const r of rows) if (r.m && (fresh === 'all' || fresh.has(r.i))) stamps.push({ member_id: r.m, ts: r.t, channel: r.c });
    await recordEventMonths(store, tx, workspaceId, stamps);
  },
};

/** Identity of one message across workspaces. */
export const eventKey = (workspaceId: string, messageId: string) => `${workspaceId}\u0000${messageId}`;
