// Consent history across members, filtered by member, purpose and channel, for exports (CSV or JSON): the evidence
// of what each person agreed to, when and through which source.
import type { SqlExecutor } from '../../store/port.ts';
import type { StatementRow } from '../consent/repo.ts';
import { MEMBER_SET } from './export-repo.ts';

export interface ConsentHistoryFilter {
  memberId?: string;
  purpose?: string;
  channel?: string;
  since?: string;
  until?: string;
}

const COLS = 'id, member_id, channel, purpose, status, source, source_detail, operator, ip, user_agent, occurred_at, recorded_at';

/** One page of statements in id order after `afterId` (occurred within [since, until)). */
export function consentHistoryPage(db: SqlExecutor, ws: string, f: ConsentHistoryFilter, afterId: string | null, limit: number): Promise<StatementRow[]> {
  // $2 is the member id for MEMBER_SET (the member and those merged into it); NULL means every member.
  return db.query<StatementRow>(
    `SELECT ${COLS} FROM consent_history
     WHERE workspace_id = $1 AND ($2::VARCHAR IS NULL OR member_id IN ${MEMBER_SET})
       AND ($3::VARCHAR IS NULL OR purpose = $3) AND ($4::VARCHAR IS NULL OR channel = $4)
       AND ($5::TIMESTAMPTZ IS NULL OR occurred_at >= $5::TIMESTAMPTZ) AND ($6::TIMESTAMPTZ IS NULL OR occurred_at < $6::TIMESTAMPTZ)
       AND ($7::VARCHAR IS NULL OR id > $7)
     ORDER BY id LIMIT $8`,
    [ws, f.memberId ?? null, f.purpose ?? null, f.channel ?? null, f.since ?? null, f.until ?? null, afterId, limit],
  );
}
