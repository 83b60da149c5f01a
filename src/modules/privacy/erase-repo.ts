// SQL of an erase, run in one transaction: personal columns and identities removed, events and orders anonymised
// (member_id, amounts and dates kept so aggregates stay right), pending sends, journeys and jobs cancelled, and the
// member row turned into a tombstone (erased_at). Each step returns how many rows it changed.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';
import { MEMBER_SET } from './export-repo.ts';
import { stripPersonal } from './personal.ts';

const STRIPPED: JsonColumn[] = [
  { name: 'k', type: 'text' },
  { name: 'v', type: 'json' },
];

/** Rows per statement when writing stripped JSON back. */
const CHUNK = 2_000;

/** What an erase changed, per kind of data (stored with the request). */
export type EraseCounts = Record<string, number>;

/** Rewrites a JSON column of the member's rows without personal keys; returns how many rows changed. */
async function stripJson(store: Store, tx: SqlExecutor, ws: string, memberId: string, table: 'events' | 'orders', key: 'message_id' | 'id', column: 'properties' | 'attributes'): Promise<number> {
  const rows = await tx.query<{ k: string; v: unknown }>(
    `SELECT ${key} AS k, ${column} AS v FROM ${table} WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET} AND ${column} IS NOT NULL`,
    [ws, memberId],
  );
  const changed: { k: string; v: unknown }[] = [];
  for (const r of rows) {
    const v = typeof r.v === 'string' ? safeJson(r.v) : r.v;
    const s = stripPersonal(v);
    if (s.removed > 0) changed.push({ k: r.k, v: s.value });
  }
  for (let i = 0; i < changed.length; i += CHUNK) {
    await tx.exec(
      `UPDATE ${table} SET ${column} = r.v FROM ${store.jsonRows(2, STRIPPED, 'r')} WHERE ${table}.workspace_id = $1 AND ${table}.${key} = r.k`,
      [ws, JSON.stringify(changed.slice(i, i + CHUNK))],
    );
  }
  return changed.length;
}

function safeJson(t: string): unknown {
  try {
    return JSON.parse(t);
  } catch {
    return null;
  }
}

/** Runs every erase step for the member (and the members merged into it); returns the counts. */
export async function eraseMember(store: Store, tx: SqlExecutor, ws: string, memberId: string, now: string): Promise<EraseCounts> {
  const p = [ws, memberId];
  const pn = [ws, memberId, now];
  const n = (sql: string, params = p) => tx.execCount(sql, params);
  const c: EraseCounts = {};

  // Identities first: from now on no phone, openid or user id leads to this person (a new one creates a new member).
  c.identities = await n(`DELETE FROM identities WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET}`);
  c.merge_identifiers = await n(
    `UPDATE member_merges SET identity_value = NULL WHERE workspace_id = $1 AND identity_value IS NOT NULL AND (from_member_id IN ${MEMBER_SET} OR into_member_id IN ${MEMBER_SET})`,
  );

  // Events: no user/anonymous id, no context (ip, user agent, device, traits), no personal properties.
  c.event_properties = await stripJson(store, tx, ws, memberId, 'events', 'message_id', 'properties');
  c.events = await n(
    `UPDATE events SET user_id = NULL, anonymous_id = NULL, context = NULL
     WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET} AND (user_id IS NOT NULL OR anonymous_id IS NOT NULL OR context IS NOT NULL)`,
  );
  // Orders keep member, amounts, items and dates; addresses, phones and remarks in their attributes go.
  c.orders = await stripJson(store, tx, ws, memberId, 'orders', 'id', 'attributes');
  c.refunds = await n(`UPDATE refunds SET reason = NULL WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET} AND reason IS NOT NULL`);

  // Where the person's identifiers or words were copied: consent evidence (ip, user agent), provider callbacks,
  // community rosters, WeCom arrivals.
  c.consent_history = await n(`UPDATE consent_history SET ip = NULL, user_agent = NULL WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET} AND (ip IS NOT NULL OR user_agent IS NOT NULL)`);
  c.message_events = await n(`UPDATE message_events SET raw = NULL WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET} AND raw IS NOT NULL`);
  c.group_memberships = await n(`UPDATE community_group_members SET unionid = NULL, name = NULL WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET} AND (unionid IS NOT NULL OR name IS NOT NULL)`);
  c.tags = await n(`DELETE FROM member_tags WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET}`);
  c.segments = await n(`DELETE FROM segment_members WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET}`);
  c.guard_state = await n(`DELETE FROM guard_state WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET}`);

  // Pending work: sends not yet made, broadcasts not yet run, journeys in flight, queued jobs about the member.
  c.messages_cancelled = await n(
    `UPDATE message_sends SET state = 'failed', error_code = 'member_erased', error_message = 'member erased (privacy request)', error_retryable = false,
       failed_at = $3::TIMESTAMPTZ, updated_at = $3::TIMESTAMPTZ, claim_token = NULL, lease_until = NULL
     WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET} AND state = 'pending'`,
    pn,
  );
  c.broadcasts_skipped = await n(
    `UPDATE broadcast_members SET skip_reason = 'erased'
     WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET} AND skip_reason IS NULL
       AND broadcast_id IN (SELECT id FROM broadcasts WHERE workspace_id = $1 AND status IN ('draft', 'scheduled', 'running'))`,
  );
  c.journeys_exited = await n(
    `UPDATE journey_instances SET state = 'exited', ended_at = $3::TIMESTAMPTZ, updated_at = $3::TIMESTAMPTZ, wake_at = NULL, last_error = 'member erased'
     WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET} AND state = 'active'`,
    pn,
  );
  c.jobs_cancelled = await n(
    `UPDATE jobs SET state = 'cancelled', live_key = NULL, locked_by = NULL, lease_until = NULL, finished_at = $3::TIMESTAMPTZ, updated_at = $3::TIMESTAMPTZ
     WHERE workspace_id = $1 AND state = 'queued'
       AND (${store.jsonText('payload', "'member_id'")} IN ${MEMBER_SET} OR ${store.jsonText('payload', "'memberId'")} IN ${MEMBER_SET})`,
    pn,
  );
  // Unused coupons are voided and the tier row goes, so member-day and tier campaigns no longer reach the tombstone
  // (the points ledger and tier history stay: they are the books, not personal data).
  c.coupons_voided = await n(
    `UPDATE member_coupons SET status = 'voided', voided_at = $3::TIMESTAMPTZ, void_reason = 'member erased', updated_at = $3::TIMESTAMPTZ
     WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET} AND status IN ('issued', 'claimed')`,
    pn,
  );
  c.loyalty_tier = await n(`DELETE FROM loyalty_member_tiers WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET}`);
  c.staff_tasks_cancelled = await n(
    `UPDATE staff_tasks SET status = 'cancelled', updated_at = $3::TIMESTAMPTZ WHERE workspace_id = $1 AND member_id IN ${MEMBER_SET} AND status = 'open'`,
    pn,
  );

  // The member rows become tombstones: ids, source channel and dates stay (cohorts, GMV by channel); nothing personal.
  c.members = await n(
    `UPDATE members SET name = NULL, gender = NULL, birthday = NULL, city = NULL, region = NULL, phone = NULL, email = NULL, attributes = NULL,
       name_hash = NULL, phone_hash = NULL, email_hash = NULL, address = NULL,
       erased_at = $3::TIMESTAMPTZ, updated_at = $3::TIMESTAMPTZ
     WHERE workspace_id = $1 AND id IN ${MEMBER_SET}`,
    pn,
  );
  return c;
}

/** When the member was erased, or null. */
export async function erasedAt(db: SqlExecutor, ws: string, memberId: string): Promise<string | null> {
  const [r] = await db.query<{ erased_at: string | null }>('SELECT erased_at FROM members WHERE workspace_id = $1 AND id = $2', [ws, memberId]);
  return r?.erased_at ?? null;
}
