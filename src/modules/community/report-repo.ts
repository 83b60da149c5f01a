// The community report per group: activity in a period (customers who joined and left, SOP posts sent), the value of
// the customers in it now (their spend from member_traits, buyers, RFM segment mix) and conversions (customers who
// joined in the period and ordered within the window after joining; cancelled orders excluded).
import type { Store } from '../../store/port.ts';
import type { Table } from '../analytics/report-csv.ts';

export interface GroupReportRow {
  group_id: string;
  chat_id: string;
  name: string | null;
  positioning: string | null;
  value_tier: string | null;
  owner_userid: string | null;
  status: string;
  joins: number;
  leaves: number;
  net_joins: number;
  sop_messages: number;
  members_now: number;
  linked_members: number;
  buyers: number;
  member_spend: number;
  avg_spend: number | null;
  converted: number;
  conversion_orders: number;
  conversion_gmv: number;
  conversion_rate: number | null;
  rfm_mix: Record<string, number>;
}

const inPeriod = (col: string) => `(${col} AT TIME ZONE $4)::DATE >= $2::DATE AND (${col} AT TIME ZONE $4)::DATE <= $3::DATE`;
const n = (v: unknown) => Number(v ?? 0);
const money = (v: unknown) => Math.round(Number(v ?? 0) * 100) / 100;

export async function groupReport(store: Store, ws: string, q: { from: string; to: string; timezone: string; windowDays: number; groupId: string | null }): Promise<GroupReportRow[]> {
  const args = [ws, q.from, q.to, q.timezone, q.windowDays, q.groupId];
  const rows = await store.query(
    `WITH g AS (SELECT id, chat_id, name, positioning, value_tier, owner_userid, status FROM community_groups WHERE workspace_id = $1 AND ($6::VARCHAR IS NULL OR id = $6)),
     m AS (SELECT group_id, userid, member_id, joined_at, left_at FROM community_group_members WHERE workspace_id = $1 AND member_type = 2 AND group_id IN (SELECT id FROM g)),
     joins AS (SELECT group_id, COUNT(*) AS n FROM m WHERE ${inPeriod('joined_at')} GROUP BY group_id),
     leaves AS (SELECT group_id, COUNT(*) AS n FROM m WHERE left_at IS NOT NULL AND ${inPeriod('left_at')} GROUP BY group_id),
     now_in AS (SELECT group_id, COUNT(DISTINCT userid) AS n FROM m WHERE left_at IS NULL GROUP BY group_id),
     cur AS (SELECT DISTINCT group_id, member_id FROM m WHERE left_at IS NULL AND member_id IS NOT NULL),
     val AS (
       SELECT c.group_id, COUNT(*) AS linked, SUM(CASE WHEN t.order_count > 0 THEN 1 ELSE 0 END) AS buyers, SUM(COALESCE(t.total_spend, 0)) AS spend
       FROM cur c LEFT JOIN member_traits t ON t.workspace_id = $1 AND t.member_id = c.member_id GROUP BY c.group_id
     ),
     conv AS (
       SELECT j.group_id, COUNT(DISTINCT j.member_id) AS converted, COUNT(o.id) AS orders, SUM(o.amount) AS gmv
       FROM m j JOIN orders o ON o.workspace_id = $1 AND o.member_id = j.member_id AND o.status <> 'cancelled'
         AND o.paid_at >= j.joined_at AND o.paid_at < j.joined_at + CAST($5 AS INTEGER) * INTERVAL '1 day'
       WHERE ${inPeriod('j.joined_at')} GROUP BY j.group_id
     ),
     msgs AS (
       SELECT member_id AS group_id, COUNT(*) AS n FROM message_sends
       WHERE workspace_id = $1 AND source_key LIKE 'sop:%' AND state IN ('sent', 'delivered', 'opened', 'clicked') AND ${inPeriod('created_at')} GROUP BY member_id
     )
     SELECT g.id AS group_id, g.chat_id, g.name, g.positioning, g.value_tier, g.owner_userid, g.status,
            joins.n AS joins, leaves.n AS leaves, msgs.n AS sop_messages, now_in.n AS members_now, val.linked, val.buyers, val.spend,
            conv.converted, conv.orders AS conversion_orders, conv.gmv AS conversion_gmv
     FROM g LEFT JOIN joins ON joins.group_id = g.id LEFT JOIN leaves ON leaves.group_id = g.id LEFT JOIN now_in ON now_in.group_id = g.id
       LEFT JOIN val ON val.group_id = g.id LEFT JOIN conv ON conv.group_id = g.id LEFT JOIN msgs ON msgs.group_id = g.id
     ORDER BY g.name, g.id`,
    args,
  );
  const mix = await store.query<{ group_id: string; segment: string; n: number }>(
    `WITH cur AS (
       SELECT DISTINCT group_id, member_id FROM community_group_members
       WHERE workspace_id = $1 AND member_type = 2 AND left_at IS NULL AND member_id IS NOT NULL AND ($2::VARCHAR IS NULL OR group_id = $2)
     )
     SELECT c.group_id, r.segment, COUNT(*) AS n FROM cur c JOIN member_rfm r ON r.workspace_id = $1 AND r.member_id = c.member_id GROUP BY c.group_id, r.segment`,
    [ws, q.groupId],
  );
  const mixOf = new Map<string, Record<string, number>>();
  for (const r of mix) mixOf.set(r.group_id, { ...(mixOf.get(r.group_id) ?? {}), [r.segment]: n(r.n) });
  return rows.map((r) => {
    const joins = n(r.joins);
    const linked = n(r.linked);
    const spend = money(r.spend);
    const converted = n(r.converted);
    return {
      group_id: r.group_id, chat_id: r.chat_id, name: r.name, positioning: r.positioning, value_tier: r.value_tier, owner_userid: r.owner_userid, status: r.status,
      joins, leaves: n(r.leaves), net_joins: joins - n(r.leaves), sop_messages: n(r.sop_messages), members_now: n(r.members_now), linked_members: linked,
      buyers: n(r.buyers), member_spend: spend, avg_spend: linked > 0 ? Math.round((spend / linked) * 100) / 100 : null,
      converted, conversion_orders: n(r.conversion_orders), conversion_gmv: money(r.conversion_gmv),
      conversion_rate: joins > 0 ? Math.round((converted / joins) * 1e6) / 1e6 : null, rfm_mix: mixOf.get(r.group_id) ?? {},
    };
  });
}

const COLUMNS = ['group_id', 'chat_id', 'name', 'positioning', 'value_tier', 'owner_userid', 'status', 'joins', 'leaves', 'net_joins', 'sop_messages', 'members_now',
  'linked_members', 'buyers', 'member_spend', 'avg_spend', 'converted', 'conversion_orders', 'conversion_gmv', 'conversion_rate'] as const;

/** One row per group for CSV; the RFM mix as `segment:n;segment:n`. */
export function groupTable(rows: GroupReportRow[]): Table {
  return {
    columns: [...COLUMNS, 'rfm_mix'],
    rows: rows.map((r) => [...COLUMNS.map((c) => r[c]), Object.entries(r.rfm_mix).map(([k, v]) => `${k}:${v}`).join(';')]),
  };
}
