// Migration 20: system events (channel `system`: tier changes, journey entries) are not member activity. Months
// that migration 12's backfill or an earlier rebuild set from them are recomputed, only for the members with such
// events (everyone else's rows are already the same).
import { eventMonthsSql } from '../../modules/activity/event-months.ts';
import { SYSTEM_CHANNEL } from '../../modules/activity/member-activity.ts';

export const version = 20;
export const name = 'activity-system-events';

export function up(): string[] {
  return [
    `DELETE FROM member_event_months WHERE EXISTS (
       SELECT 1 FROM events s WHERE s.workspace_id = member_event_months.workspace_id AND s.member_id = member_event_months.member_id
         AND s.channel = '${SYSTEM_CHANNEL}')`,
    eventMonthsSql('with-system-events'),
  ];
}
