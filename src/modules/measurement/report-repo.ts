// SQL of campaign reports: per group (treatment / holdout) the audience, the message funnel (unique members) and the
// conversions attributed last-touch within the window — one statement over message_sends, measurement_holdouts
// and orders on both engines, grouped in the database (no per-member loop in JavaScript).
import type { SqlExecutor } from '../../store/port.ts';
import type { Group } from './holdout-repo.ts';

/** One group's figures as the database sums them. */
export interface GroupAggregate {
  grp: Group;
  members: number;
  /** Messages of the source to these members (a journey sends several). */
  messages: number;
  sent: number;
  delivered: number;
  failed: number;
  opened: number;
  clicked: number;
  converted: number;
  orders: number;
  revenue: number;
  /** Σ (revenue per member)², for the variance of revenue per member. */
  revenue_sq: number;
  /** Latest touch (send, or assignment without one) of the group: the window closes `window` after it. */
  last_touch_at: string | null;
  first_touch_at: string | null;
}

/**
 * Figures of campaign `$2` (its sends are those with source_key `$2` or starting with `$2:`, e.g. a journey's steps).
 *
 * Audience: members recorded in its holdout table (either group) plus members it messaged without an assignment
 * (treatment). Touches of the campaign: each send that reached the provider (sent_at) for treatment members;
 * the assignment time for holdout members and for treatment members never reached (so the groups compare as
 * assigned — intention to treat). An order (not cancelled) of an audience member is a conversion of the campaign
 * when it falls at or after the campaign's latest touch before it and within the window of that touch, and no
 * other source touched the member in between (last touch wins; another source's touches are its sends that reached
 * the provider and its holdout assignments; equal times go to the greater source key).
 *
 * How: the campaign's touches, other sources' touches and the orders of the audience (only those between the
 * campaign's first touch and its last touch + window) form one stream per member, ordered by time (touches before
 * orders at the same instant); running maxima give each order the campaign's latest touch and the latest competing
 * touch before it — one sort, no join of every order with every touch, and no plan that hinges on row estimates.
 *
 * Parameters: $1 workspace, $2 campaign key, $3 `$2 || ':'`, $4 the window as an interval literal ('7 days').
 */
export const REPORT_SQL = `
WITH ksend AS (
  SELECT member_id, state, sent_at, delivered_at, opened_at, clicked_at
  FROM message_sends WHERE workspace_id = $1 AND (source_key = $2 OR starts_with(source_key, $3))
),
funnel AS (
  SELECT member_id,
    count(*) AS messages,
    max(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END) AS sent,
    max(CASE WHEN delivered_at IS NOT NULL OR state IN ('delivered', 'opened', 'clicked') THEN 1 ELSE 0 END) AS delivered,
    max(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS failed,
    max(CASE WHEN opened_at IS NOT NULL OR state IN ('opened', 'clicked') THEN 1 ELSE 0 END) AS opened,
    max(CASE WHEN clicked_at IS NOT NULL OR state = 'clicked' THEN 1 ELSE 0 END) AS clicked,
    min(sent_at) AS first_sent_at,
    max(sent_at) AS last_sent_at
  FROM ksend GROUP BY member_id
),
assigned AS (
  SELECT member_id, group_name, assigned_at FROM measurement_holdouts WHERE workspace_id = $1 AND source_key = $2
),
aud AS (
  SELECT COALESCE(a.member_id, f.member_id) AS member_id,
    COALESCE(a.group_name, 'treatment') AS grp,
    a.assigned_at,
    f.first_sent_at, f.last_sent_at,
    COALESCE(f.messages, 0) AS messages, COALESCE(f.sent, 0) AS sent, COALESCE(f.delivered, 0) AS delivered,
    COALESCE(f.failed, 0) AS failed, COALESCE(f.opened, 0) AS opened, COALESCE(f.clicked, 0) AS clicked,
    CASE WHEN COALESCE(a.group_name, 'treatment') = 'treatment' AND f.first_sent_at IS NOT NULL THEN f.first_sent_at ELSE a.assigned_at END AS first_touch,
    CASE WHEN COALESCE(a.group_name, 'treatment') = 'treatment' AND f.last_sent_at IS NOT NULL THEN f.last_sent_at ELSE a.assigned_at END AS last_touch
  FROM assigned a FULL OUTER JOIN funnel f ON f.member_id = a.member_id
),
span AS (
  SELECT min(first_touch) AS lo, max(last_touch) + CAST($4 AS INTERVAL) AS hi FROM aud
),
touch AS (
  SELECT s.member_id, s.sent_at AS ts, 1 AS mine, 0 AS gt FROM ksend s JOIN aud a ON a.member_id = s.member_id
  WHERE s.sent_at IS NOT NULL AND a.grp = 'treatment'
  UNION ALL
  SELECT member_id, assigned_at AS ts, 1 AS mine, 0 AS gt FROM aud
  WHERE assigned_at IS NOT NULL AND (grp = 'holdout' OR first_sent_at IS NULL)
  UNION ALL
  SELECT s.member_id, s.sent_at AS ts, 0 AS mine, CASE WHEN s.source_key > $2 THEN 1 ELSE 0 END AS gt
  FROM message_sends s JOIN aud a ON a.member_id = s.member_id
  WHERE s.workspace_id = $1 AND s.sent_at >= (SELECT lo FROM span) AND s.sent_at < (SELECT hi FROM span)
    AND s.source_key <> $2 AND NOT starts_with(s.source_key, $3)
  UNION ALL
  SELECT h.member_id, h.assigned_at AS ts, 0 AS mine, CASE WHEN h.source_key > $2 THEN 1 ELSE 0 END AS gt
  FROM measurement_holdouts h JOIN aud a ON a.member_id = h.member_id
  WHERE h.workspace_id = $1 AND h.group_name = 'holdout' AND h.assigned_at >= (SELECT lo FROM span) AND h.assigned_at < (SELECT hi FROM span)
    AND h.source_key <> $2 AND NOT starts_with(h.source_key, $3)
),
stream AS (
  SELECT member_id, ts, 0 AS is_order, mine, gt, CAST(NULL AS DECIMAL(14,2)) AS amount FROM touch
  UNION ALL
  SELECT o.member_id, o.paid_at AS ts, 1 AS is_order, CAST(NULL AS INTEGER) AS mine, 0 AS gt, o.amount
  FROM orders o JOIN aud a ON a.member_id = o.member_id
  WHERE o.workspace_id = $1 AND o.status <> 'cancelled' AND o.paid_at >= (SELECT lo FROM span) AND o.paid_at < (SELECT hi FROM span)
),
marked AS (
  SELECT member_id, ts, is_order, amount,
    max(CASE WHEN mine = 1 THEN ts END) OVER w AS k_last,
    max(CASE WHEN mine = 0 THEN ts END) OVER w AS c_last,
    max(CASE WHEN mine = 0 AND gt = 1 THEN ts END) OVER w AS c_gt_last
  FROM stream
  WINDOW w AS (PARTITION BY member_id ORDER BY ts, is_order ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
conv AS (
  SELECT member_id, count(*) AS orders, sum(amount) AS revenue FROM marked
  WHERE is_order = 1 AND k_last IS NOT NULL AND ts < k_last + CAST($4 AS INTERVAL)
    AND (c_last IS NULL OR c_last < k_last OR (c_last = k_last AND (c_gt_last IS NULL OR c_gt_last < k_last)))
  GROUP BY member_id
),
per AS (
  SELECT a.grp, a.messages, a.sent, a.delivered, a.failed, a.opened, a.clicked, a.first_touch, a.last_touch,
    COALESCE(c.orders, 0) AS orders,
    CAST(COALESCE(c.revenue, 0) AS DOUBLE PRECISION) AS revenue
  FROM aud a LEFT JOIN conv c ON c.member_id = a.member_id
)
SELECT grp, count(*) AS members, sum(messages) AS messages, sum(sent) AS sent, sum(delivered) AS delivered,
  sum(failed) AS failed, sum(opened) AS opened, sum(clicked) AS clicked,
  sum(CASE WHEN orders > 0 THEN 1 ELSE 0 END) AS converted, sum(orders) AS orders,
  sum(revenue) AS revenue, sum(revenue * revenue) AS revenue_sq,
  min(first_touch) AS first_touch_at, max(last_touch) AS last_touch_at
FROM per GROUP BY grp`;

const NUMERIC: (keyof GroupAggregate)[] = ['members', 'messages', 'sent', 'delivered', 'failed', 'opened', 'clicked', 'converted', 'orders', 'revenue', 'revenue_sq'];

/** The two groups' aggregates of one campaign (a group without members is absent). */
export async function campaignAggregates(db: SqlExecutor, ws: string, sourceKey: string, windowDays: number): Promise<GroupAggregate[]> {
  const rows = await db.query<GroupAggregate>(REPORT_SQL, [ws, sourceKey, `${sourceKey}:`, `${windowDays} days`]);
  return rows.map((r) => {
    const out = { ...r } as Record<string, unknown>;
    for (const k of NUMERIC) out[k] = Number(r[k] ?? 0);
    return out as unknown as GroupAggregate;
  });
}

/**
 * Campaign keys with activity, newest first: holdout sources and the `kind:id` part of send source keys (a journey
 * step's `journey:<id>:step:<step>` belongs to `journey:<id>`); one-off sends are not campaigns.
 */
export async function campaignKeys(
  db: SqlExecutor,
  ws: string,
  f: { prefix?: string; after?: { at: string; key: string }; limit: number },
): Promise<{ source_key: string; last_activity_at: string }[]> {
  const params: (string | number)[] = [ws];
  const where: string[] = [];
  if (f.prefix) {
    params.push(f.prefix);
    where.push(`starts_with(k, $${params.length})`);
  }
  if (f.after) {
    params.push(f.after.at, f.after.key);
    where.push(`(last_at < $${params.length - 1}::TIMESTAMPTZ OR (last_at = $${params.length - 1}::TIMESTAMPTZ AND k > $${params.length}))`);
  }
  params.push(f.limit);
  return db.query(
    `WITH keys AS (
       SELECT source_key AS k, max(updated_at) AS last_at FROM measurement_sources WHERE workspace_id = $1 GROUP BY source_key
       UNION ALL
       SELECT k, max(created_at) AS last_at FROM (
         SELECT CASE WHEN strpos(source_key, ':') = 0 THEN source_key
                     ELSE split_part(source_key, ':', 1) || ':' || split_part(source_key, ':', 2) END AS k, created_at
         FROM message_sends WHERE workspace_id = $1 AND NOT starts_with(source_key, 'oneoff:')
       ) s GROUP BY k
     ),
     merged AS (SELECT k, max(last_at) AS last_at FROM keys GROUP BY k)
     SELECT k AS source_key, last_at AS last_activity_at FROM merged
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY last_at DESC, k LIMIT $${params.length}`,
    params,
  );
}
