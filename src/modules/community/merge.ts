// When identity resolution merges two members: group stints of the merged member point to the kept one.
import type { SqlExecutor } from '../../store/port.ts';

export async function mergeCommunityData(tx: SqlExecutor, ws: string, fromId: string, intoId: string): Promise<number> {
  return tx.execCount('UPDATE community_group_members SET member_id = $3 WHERE workspace_id = $1 AND member_id = $2', [ws, fromId, intoId]);
}
