// Test fixtures of the alerts module: track events written straight into the store, the raw material of every
// metric series, and the usual daily history with a spike on its last day.
import type { Store } from '../../store/port.ts';
import { shiftDate } from '../../core/alerts/evaluate.ts';

export interface EventRow {
  id: string;
  ts: string;
  properties?: Record<string, unknown>;
}

/** Inserts track events named `name` (message ids = row ids) into workspace `ws` in one statement. */
export async function insertTrackEvents(store: Store, ws: string, name: string, rows: EventRow[]): Promise<void> {
  if (rows.length === 0) return;
  await store.exec(
    `INSERT INTO events (workspace_id, message_id, type, name, properties, ts, received_at)
     SELECT $2, id, 'track', $3, properties, ts, ts
     FROM ${store.jsonRows(1, [{ name: 'id', type: 'text' }, { name: 'properties', type: 'json' }, { name: 'ts', type: 'timestamptz' }], 'r')}`,
    [JSON.stringify(rows.map((r) => ({ ...r, properties: r.properties ?? {} }))), ws, name],
  );
}

/**
 * `normal` events a day at local noon in Asia/Shanghai (04:00 UTC) for `days` days before `last`, and `spike` on
 * `last` itself; ids `<prefix>-<date>-<k>`.
 */
export function dailyWithSpike(last: string, days: number, normal: number, spike: number, prefix: string): EventRow[] {
  const rows: EventRow[] = [];
  for (let i = days; i >= 0; i--) {
    const date = shiftDate(last, -i);
    for (let k = 0; k < (i === 0 ? spike : normal); k++) rows.push({ id: `${prefix}-${date}-${k}`, ts: `${date}T04:00:00.000Z` });
  }
  return rows;
}
