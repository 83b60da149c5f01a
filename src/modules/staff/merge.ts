// When identity resolution merges two members (inside its transaction): the member kept takes over the merged one's
// staff assignment (if it has none), assignment history, WeCom contacts and order attributions. Tasks and QR code
// arrivals stay with the merged-away id (their keys include the member; they remain readable by that id).
import type { SqlExecutor } from '../../store/port.ts';

export async function mergeStaffData(tx: SqlExecutor, ws: string, fromId: string, intoId: string): Promise<number> {
  // A key column: insert a copy under the kept member, then delete; never UPDATE a primary-key column.
  const moved = await tx.execCount(
    `INSERT INTO staff_assignments (workspace_id, member_id, staff_id, store_id, source, assigned_at)
     SELECT workspace_id, $3::VARCHAR, staff_id, store_id, source, assigned_at FROM staff_assignments
     WHERE workspace_id = $1::VARCHAR AND member_id = $2::VARCHAR
       AND NOT EXISTS (SELECT 1 FROM staff_assignments WHERE workspace_id = $1::VARCHAR AND member_id = $3::VARCHAR)`,
    [ws, fromId, intoId],
  );
  await tx.exec('DELETE FROM staff_assignments WHERE workspace_id = $1 AND member_id = $2', [ws, fromId]);
  let n = moved;
  for (const table of ['staff_assignment_history', 'staff_contacts', 'staff_order_attributions']) {
    n += await tx.execCount(`UPDATE ${table} SET member_id = $3 WHERE workspace_id = $1 AND member_id = $2`, [ws, fromId, intoId]);
  }
  return n;
}

