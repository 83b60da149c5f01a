// Which events are the member's own activity: all but those Siyu records itself (channel `system`: a tier change,
// a journey entry). Those are stored as events so segment rules and journey triggers see them, but a member whose
// tier was reviewed did nothing: KPIs, trends, cohorts, value tiers, activity months and profiles leave them out.

/** Channel of every event Siyu records itself (src/modules/ingest/system-events.ts). */
export const SYSTEM_CHANNEL = 'system';

/**
 * SQL condition true for events (of table alias `alias`, or unqualified columns) that are the member's own
 * activity. A constant, no parameter; events without a channel count.
 * @example `SELECT member_id FROM events e WHERE e.workspace_id = $1 AND ${memberActivitySql('e')}`
 */
export function memberActivitySql(alias?: string): string {
  return `${alias ? `${alias}.` : ''}channel IS DISTINCT FROM '${SYSTEM_CHANNEL}'`;
}

/** The same test on an event about to be written. @example isMemberActivity('system') // false */
export const isMemberActivity = (channel: string | null | undefined): boolean => channel !== SYSTEM_CHANNEL;
