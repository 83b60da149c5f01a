// Events Siyu itself records about a member (a tier change, later a journey step): stored in the events table like
// tracked ones, so segment rules ("Tier Changed in the last 30 days") and journey triggers see them, with channel
// `system` so that analytics can tell them from what the member did. They do not mark the member active.
import type { SqlExecutor, Store } from '../../store/port.ts';
import { type EventRow, ingestRepo } from './repo.ts';
// The channel is defined with what counts as activity (src/modules/activity/member-activity.ts).
import { SYSTEM_CHANNEL } from '../activity/member-activity.ts';

export interface SystemEvent {
  /** Stable id: recording the same event twice stores it once. */
  messageId: string;
  memberId: string;
  name: string;
  properties: Record<string, unknown>;
  /** ISO instant the event happened. */
  at: string;
}

/**
 * Stores `events` inside the caller's transaction, skipping message ids already stored. Returns the names of the
 * events newly stored, for the caller's change-feed publish after commit.
 */
export async function recordSystemEvents(store: Store, tx: SqlExecutor, ws: string, events: readonly SystemEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const received = new Date().toISOString();
  const rows: EventRow[] = events.map((e) => ({
    i: e.messageId, m: e.memberId, u: null, a: null, y: 'track', n: e.name, c: SYSTEM_CHANNEL, p: e.properties, x: null, t: e.at, r: received,
  }));
  const fresh = await ingestRepo.insertEventsIdempotent(store, tx, ws, rows);
  return [...new Set(rows.filter((r) => fresh.has(r.i)).map((r) => r.n!))];
}
