// SQL of the privacy export: every row held on one person across the modules' tables, by member id (the member and
// the members merged into it). The profile itself (decrypted names, phones, addresses) comes from the members service.
import type { SqlExecutor } from '../../store/port.ts';
import { openTraits } from '../pii/member-fields.ts';

/**
 * The member and everyone merged into it (merged_into always points at the final survivor). `$1` is the
 * workspace, `$2` the member id.
 */
export const MEMBER_SET = '(SELECT id FROM members WHERE workspace_id = $1 AND (id = $2 OR merged_into = $2))';

/** One section of the export: rows of a table whose `column` is one of the member's ids. */
interface Section {
  name: string;
  sql: string;
}

const rowsOf = (table: string, order: string, column = 'member_id', select = 't.*') =>
  `SELECT ${select} FROM ${table} t WHERE t.workspace_id = $1 AND t.${column} IN ${MEMBER_SET} ORDER BY ${order}`;

/** The sections beyond the profile, in the order they appear in the export. */
export const EXPORT_SECTIONS: Section[] = [
  { name: 'merges', sql: `SELECT t.* FROM member_merges t WHERE t.workspace_id = $1 AND (t.from_member_id IN ${MEMBER_SET} OR t.into_member_id IN ${MEMBER_SET}) ORDER BY t.merged_at` },
  { name: 'segments', sql: `SELECT sm.segment_id, s.name AS segment_name, sm.entered_at FROM segment_members sm LEFT JOIN segments s ON s.workspace_id = sm.workspace_id AND s.id = sm.segment_id WHERE sm.workspace_id = $1 AND sm.member_id IN ${MEMBER_SET} ORDER BY sm.entered_at` },
  { name: 'segment_history', sql: rowsOf('segment_membership_log', 't.changed_at') },
  { name: 'scores_rfm', sql: rowsOf('member_rfm', 't.as_of') },
  { name: 'scores_lifecycle', sql: rowsOf('member_lifecycle', 't.as_of') },
  { name: 'scores_value_tier', sql: rowsOf('member_value_tier', 't.as_of') },
  { name: 'scores_history', sql: rowsOf('member_score_history', 't.as_of, t.kind') },
  { name: 'clv', sql: rowsOf('member_clv', 't.fit_id') },
  { name: 'events', sql: rowsOf('events', 't.ts, t.message_id') },
  { name: 'orders', sql: rowsOf('orders', 't.paid_at, t.id') },
  { name: 'order_items', sql: rowsOf('order_items', 't.order_id, t.line_no') },
  { name: 'refunds', sql: rowsOf('refunds', 't.refunded_at, t.id') },
  { name: 'loyalty_tier', sql: rowsOf('loyalty_member_tiers', 't.member_id') },
  { name: 'loyalty_tier_history', sql: rowsOf('loyalty_tier_history', 't.changed_at, t.id') },
  { name: 'points_accounts', sql: rowsOf('points_accounts', 't.member_id') },
  { name: 'points_ledger', sql: rowsOf('points_entries', 't.created_at, t.id') },
  { name: 'points_lots', sql: rowsOf('points_lots', 't.earned_at, t.id') },
  { name: 'reward_redemptions', sql: rowsOf('loyalty_reward_redemptions', 't.created_at, t.id') },
  { name: 'coupons', sql: rowsOf('member_coupons', 't.issued_at, t.id') },
  { name: 'coupon_redemptions', sql: rowsOf('coupon_redemptions', 't.created_at, t.id') },
  { name: 'referral_codes', sql: rowsOf('referral_codes', 't.created_at') },
  { name: 'referrals', sql: `SELECT t.* FROM referral_attributions t WHERE t.workspace_id = $1 AND (t.invitee_id IN ${MEMBER_SET} OR t.inviter_id IN ${MEMBER_SET}) ORDER BY t.updated_at` },
  { name: 'group_buys', sql: rowsOf('group_buy_members', 't.joined_at') },
  { name: 'messages', sql: rowsOf('message_sends', 't.created_at, t.id') },
  { name: 'message_events', sql: rowsOf('message_events', 't.occurred_at, t.id') },
  { name: 'consents', sql: rowsOf('consents', 't.purpose, t.channel') },
  { name: 'consent_history', sql: rowsOf('consent_history', 't.occurred_at, t.id') },
  { name: 'broadcasts', sql: rowsOf('broadcast_members', 't.broadcast_id') },
  { name: 'journeys', sql: `SELECT t.*, j.name AS journey_name FROM journey_instances t LEFT JOIN journeys j ON j.workspace_id = t.workspace_id AND j.id = t.journey_id WHERE t.workspace_id = $1 AND t.member_id IN ${MEMBER_SET} ORDER BY t.entered_at, t.id` },
  { name: 'journey_steps', sql: rowsOf('journey_step_log', 't.logged_at, t.seq') },
  { name: 'group_memberships', sql: `SELECT t.*, g.name AS group_name, g.chat_id FROM community_group_members t LEFT JOIN community_groups g ON g.workspace_id = t.workspace_id AND g.id = t.group_id WHERE t.workspace_id = $1 AND t.member_id IN ${MEMBER_SET} ORDER BY t.joined_at` },
  { name: 'staff_assignments', sql: rowsOf('staff_assignments', 't.assigned_at') },
  { name: 'staff_assignment_history', sql: rowsOf('staff_assignment_history', 't.effective_at, t.id') },
  { name: 'staff_contacts', sql: rowsOf('staff_contacts', 't.added_at') },
  { name: 'staff_tasks', sql: rowsOf('staff_tasks', 't.created_at, t.id') },
  { name: 'qrcode_arrivals', sql: rowsOf('qrcode_arrivals', 't.arrived_at') },
  { name: 'holdouts', sql: rowsOf('measurement_holdouts', 't.assigned_at') },
];

/** Every section's rows (without the workspace id column), keyed by section name. */
export async function exportSections(db: SqlExecutor, ws: string, memberId: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const s of EXPORT_SECTIONS) {
    const rows = await db.query(s.sql, [ws, memberId]);
    out[s.name] = rows.map(({ workspace_id: _w, ...r }) =>
      // identify traits are sealed at rest; the person is owed them in the clear
      s.name === 'events' && r.properties && typeof r.properties === 'object' ? { ...r, properties: openTraits(r.properties as Record<string, unknown>) } : r);
  }
  return out;
}
