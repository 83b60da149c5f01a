// SQL for the channel comparison: members by source channel (members.source_channel) and orders by order channel.
import type { Store } from '../../store/port.ts';
import { COUNTED_ORDER, num, Params } from './sql.ts';

/** Raw figures of one channel in a period; members and new_members only for the source-channel view. */
export interface ChannelFigures {
  channel: string | null;
  members: number | null;
  new_members: number | null;
  buyers: number;
  orders: number;
  gmv: number;
  repeat_buyers: number;
}

/**
 * By the member's source channel: members at the end of [start, end), those created in it, and their buyers,
 * orders and GMV in it (whatever channel they ordered through).
 */
export async function bySourceChannel(store: Store, ws: string, start: string, end: string): Promise<ChannelFigures[]> {
  const p = new Params();
  const w = p.text(ws);
  const s = p.ts(start);
  const e = p.ts(end);
  const rows = await store.query(
    `WITH o AS (
       SELECT member_id, COUNT(*) AS n, SUM(amount) AS gmv FROM orders
       WHERE workspace_id = ${w} AND member_id IS NOT NULL AND ${COUNTED_ORDER} AND paid_at >= ${s} AND paid_at < ${e}
       GROUP BY member_id
     )
     SELECT m.source_channel AS channel, COUNT(*) AS members, SUM(CASE WHEN m.created_at >= ${s} THEN 1 ELSE 0 END) AS new_members,
            COUNT(o.member_id) AS buyers, COALESCE(SUM(o.n), 0) AS orders, COALESCE(SUM(o.gmv), 0) AS gmv,
            SUM(CASE WHEN o.n >= 2 THEN 1 ELSE 0 END) AS repeat_buyers
     FROM members m LEFT JOIN o ON o.member_id = m.id
     WHERE m.workspace_id = ${w} AND m.merged_into IS NULL AND m.created_at < ${e}
     GROUP BY m.source_channel`,
    p.values,
  );
  return rows.map((r) => ({
    channel: r.channel ?? null, members: num(r.members), new_members: num(r.new_members), buyers: num(r.buyers),
    orders: num(r.orders), gmv: num(r.gmv), repeat_buyers: num(r.repeat_buyers),
  }));
}

/** By the channel each order came through: buyers (members with an order there), orders, GMV, repeat buyers there. */
export async function byOrderChannel(store: Store, ws: string, start: string, end: string): Promise<ChannelFigures[]> {
  const p = new Params();
  const rows = await store.query(
    `SELECT channel, COUNT(*) AS buyers, SUM(n) AS orders, SUM(gmv) AS gmv, SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS repeat_buyers
     FROM (
       SELECT channel, member_id, COUNT(*) AS n, SUM(amount) AS gmv FROM orders
       WHERE workspace_id = ${p.text(ws)} AND member_id IS NOT NULL AND ${COUNTED_ORDER} AND paid_at >= ${p.ts(start)} AND paid_at < ${p.ts(end)}
       GROUP BY channel, member_id
     ) x GROUP BY channel`,
    p.values,
  );
  return rows.map((r) => ({
    channel: r.channel ?? null, members: null, new_members: null, buyers: num(r.buyers), orders: num(r.orders), gmv: num(r.gmv),
    repeat_buyers: num(r.repeat_buyers),
  }));
}
