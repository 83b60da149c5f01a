// What the demo workspace holds, for the banner `siyu demo` prints: counts and a well-filled member to try the API on.
import { openOrNull } from '../../core/pii/index.ts';
import type { Store } from '../../store/port.ts';

export interface DemoSummary {
  members: number;
  orders: number;
  events: number;
  /** A loyal member (most orders), for the example calls. */
  sample: { id: string; name: string | null; phone: string | null; userId: string | null; orders: number } | null;
}

/** Counts and a sample member of the workspace. */
export async function demoSummary(store: Store, workspaceId: string): Promise<DemoSummary> {
  const count = async (sql: string) => Number((await store.query<{ n: number }>(sql, [workspaceId]))[0]?.n ?? 0);
  const members = await count('SELECT count(*) AS n FROM members WHERE workspace_id = $1 AND merged_into IS NULL');
  const orders = await count('SELECT count(*) AS n FROM orders WHERE workspace_id = $1');
  const events = await count('SELECT count(*) AS n FROM events WHERE workspace_id = $1');
  const rows = await store.query<{ id: string; name: string | null; phone: string | null; user_id: string | null; order_count: number }>(
    `SELECT m.id, m.name, m.phone, i.value AS user_id, t.order_count
     FROM member_traits t
     JOIN members m ON m.workspace_id = t.workspace_id AND m.id = t.member_id
     LEFT JOIN identities i ON i.workspace_id = t.workspace_id AND i.member_id = t.member_id AND i.type = 'user_id'
     WHERE t.workspace_id = $1 AND m.phone IS NOT NULL
     ORDER BY t.order_count DESC, m.id LIMIT 1`,
    [workspaceId],
  );
  const s = rows[0];
  return { members, orders, events, sample: s ? { id: s.id, name: openOrNull(s.name), phone: openOrNull(s.phone), userId: s.user_id, orders: s.order_count } : null };
}
