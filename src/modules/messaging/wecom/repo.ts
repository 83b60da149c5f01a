// SQL of the WeCom module: which mass-send tasks still have sends waiting for their results (message_sends is the
// messaging ledger; this only reads it).
import type { SqlExecutor } from '../../../store/port.ts';

export const wecomRepo = {
  /**
   * Distinct task msgids of a channel's sends still `sent` (no receipt yet) since `since`: provider message ids are
   * `<msgid>:<external_userid or chat_id>`; welcome messages (`welcome:…`) have no task.
   */
  async pendingTaskIds(db: SqlExecutor, ws: string, channelId: string, since: string, limit: number): Promise<string[]> {
    const rows = await db.query<{ msgid: string }>(
      `SELECT DISTINCT split_part(provider_message_id, ':', 1) AS msgid FROM message_sends
       WHERE workspace_id = $1 AND channel_id = $2 AND state = 'sent' AND provider_message_id IS NOT NULL
         AND provider_message_id NOT LIKE 'welcome:%' AND sent_at >= $3::TIMESTAMPTZ
       ORDER BY msgid LIMIT $4`,
      [ws, channelId, since, limit],
    );
    return rows.map((r) => r.msgid);
  },
};
