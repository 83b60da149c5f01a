// The acquisition report per channel QR code: arrivals in a period (new contacts or group joins), how many are still
// there, first orders and GMV within a window after arrival — one set-based query over arrivals and orders.
import type { Store } from '../../store/port.ts';
import type { Table } from '../analytics/report-csv.ts';

export interface QrReportRow {
  qrcode_id: string;
  name: string;
  kind: string;
  state: string;
  acquisition_channel: string | null;
  store_id: string | null;
  campaign: string | null;
  /** Arrivals in the period (new contacts; group joins for group codes). */
  new_contacts: number;
  /** Of those, still contacts (not deleted) / still in the group now. */
  still_contacts: number;
  /** Of those, members whose first-ever order came within the window after arriving. */
  first_orders: number;
  /** Of those, members with any order within the window. */
  buyers: number;
  orders: number;
  /** Order amounts (not cancelled) within the window after each arrival. */
  gmv: number;
  retention_rate: number | null;
  conversion_rate: number | null;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1e6) / 1e6 : null);

/**
 * Figures per code for arrivals whose local date (workspace time zone) is within [from, to], orders within
 * `windowDays` days after each arrival (cancelled orders excluded, as in analytics GMV).
 */
export async function qrcodeReport(store: Store, ws: string, q: { from: string; to: string; windowDays: number; timezone: string }): Promise<QrReportRow[]> {
  const rows = await store.query(
    `WITH a AS (
       SELECT qrcode_id, member_id, arrived_at, left_at, arrived_at + CAST($5 AS INTEGER) * INTERVAL '1 day' AS window_end FROM qrcode_arrivals
       WHERE workspace_id = $1 AND (arrived_at AT TIME ZONE $4)::DATE >= $2::DATE AND (arrived_at AT TIME ZONE $4)::DATE <= $3::DATE
     ),
     first_order AS (
       SELECT member_id, MIN(paid_at) AS first_at FROM orders
       WHERE workspace_id = $1 AND status <> 'cancelled' AND member_id IN (SELECT member_id FROM a) GROUP BY member_id
     ),
     win AS (
       SELECT a.qrcode_id, a.member_id, COUNT(*) AS n, SUM(o.amount) AS gmv
       FROM a JOIN orders o ON o.workspace_id = $1 AND o.member_id = a.member_id AND o.status <> 'cancelled' AND o.paid_at >= a.arrived_at AND o.paid_at < a.window_end
       GROUP BY a.qrcode_id, a.member_id
     ),
     per AS (
       SELECT a.qrcode_id, COUNT(*) AS new_contacts,
              SUM(CASE WHEN a.left_at IS NULL THEN 1 ELSE 0 END) AS still_contacts,
              SUM(CASE WHEN f.first_at >= a.arrived_at AND f.first_at < a.window_end THEN 1 ELSE 0 END) AS first_orders,
              SUM(CASE WHEN w.n > 0 THEN 1 ELSE 0 END) AS buyers,
              COALESCE(SUM(w.n), 0) AS orders, COALESCE(SUM(w.gmv), 0) AS gmv
       FROM a LEFT JOIN first_order f ON f.member_id = a.member_id LEFT JOIN win w ON w.qrcode_id = a.qrcode_id AND w.member_id = a.member_id
       GROUP BY a.qrcode_id
     )
     SELECT q.id AS qrcode_id, q.name, q.kind, q.state, q.acquisition_channel, q.store_id, q.campaign,
            COALESCE(p.new_contacts, 0) AS new_contacts, COALESCE(p.still_contacts, 0) AS still_contacts, COALESCE(p.first_orders, 0) AS first_orders,
            COALESCE(p.buyers, 0) AS buyers, COALESCE(p.orders, 0) AS orders, COALESCE(p.gmv, 0) AS gmv
     FROM qrcodes q LEFT JOIN per p ON p.qrcode_id = q.id
     WHERE q.workspace_id = $1
     ORDER BY q.created_at, q.id`,
    [ws, q.from, q.to, q.timezone, q.windowDays],
  );
  return rows.map((r) => {
    const n = Number(r.new_contacts);
    const still = Number(r.still_contacts);
    const first = Number(r.first_orders);
    return {
      qrcode_id: r.qrcode_id,
      name: r.name,
      kind: r.kind,
      state: r.state,
      acquisition_channel: r.acquisition_channel,
      store_id: r.store_id,
      campaign: r.campaign,
      new_contacts: n,
      still_contacts: still,
      first_orders: first,
      buyers: Number(r.buyers),
      orders: Number(r.orders),
      gmv: Math.round(Number(r.gmv) * 100) / 100,
      retention_rate: ratio(still, n),
      conversion_rate: ratio(first, n),
    };
  });
}

const QR_COLUMNS = ['qrcode_id', 'name', 'kind', 'state', 'acquisition_channel', 'store_id', 'campaign', 'new_contacts', 'still_contacts', 'first_orders', 'buyers', 'orders', 'gmv', 'retention_rate', 'conversion_rate'] as const;

/** The report as a flat table for CSV. */
export function qrcodeTable(rows: QrReportRow[]): Table {
  return { columns: [...QR_COLUMNS], rows: rows.map((r) => QR_COLUMNS.map((c) => r[c])) };
}
