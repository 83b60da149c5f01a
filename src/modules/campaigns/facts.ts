// What campaigns know about a person for abuse checks: identifiers from the identity module's table and the
// member's phone, plus what the requesting device reported (a device id or phone that may belong to nobody yet).
import type { IdentityFacts } from '../../core/loyalty/index.ts';
import { newId } from '../../core/ids.ts';
import type { SqlExecutor } from '../../store/port.ts';
import type { ClientFactsInput } from './schema.ts';
import { isBlindIndex } from '../../core/pii/index.ts';
import { lookupHashOf } from '../pii/member-fields.ts';

/** Phones are compared as lookup hashes (identities and profiles hold nothing else); a raw one is hashed first. */
const phoneKey = (v: string) => (isBlindIndex(v) ? v : lookupHashOf('phone', v) ?? v);

/** Only the facts fields the client sent, for storing with an attribution, seat or session. */
export function clientFacts(b: ClientFactsInput): ClientFactsInput | null {
  const out: ClientFactsInput = {};
  if (b.phone) out.phone = phoneKey(b.phone); // kept as its lookup hash: comparable, not readable
  if (b.unionid) out.unionid = b.unionid;
  if (b.device_id) out.device_id = b.device_id;
  return Object.keys(out).length > 0 ? out : null;
}

/**
 * Identity facts of members: phones, unionids and device ids they own, the phone on their profile, and the
 * client facts given per member. One query for all members.
 */
export async function identityFacts(db: SqlExecutor, ws: string, memberIds: string[], client: Record<string, ClientFactsInput | null | undefined> = {}): Promise<Map<string, IdentityFacts>> {
  const out = new Map<string, IdentityFacts>();
  const ids = [...new Set(memberIds)];
  for (const id of ids) out.set(id, { memberId: id, phones: [], unionids: [], deviceIds: [] });
  if (ids.length === 0) return out;
  // A handful of members per check (an inviter and an invitee, a group): plain placeholders suffice.
  const list = ids.map((_, i) => `$${i + 2}`).join(', ');
  const rows = await db.query<{ member_id: string; type: string; value: string }>(
    `SELECT member_id, type, value FROM identities
      WHERE workspace_id = $1 AND type IN ('phone', 'unionid', 'device_id') AND member_id IN (${list})
     UNION ALL
     SELECT id AS member_id, 'phone' AS type, phone_hash AS value FROM members
      WHERE workspace_id = $1 AND phone_hash IS NOT NULL AND id IN (${list})`,
    [ws, ...ids],
  );
  for (const r of rows) push(out.get(r.member_id)!, r.type, r.value);
  for (const [id, c] of Object.entries(client)) {
    const f = out.get(id);
    if (!f || !c) continue;
    if (c.phone) push(f, 'phone', phoneKey(c.phone));
    if (c.unionid) push(f, 'unionid', c.unionid);
    if (c.device_id) push(f, 'device_id', c.device_id);
  }
  return out;
}

function push(f: IdentityFacts, type: string, value: string) {
  const list = (type === 'phone' ? f.phones : type === 'unionid' ? f.unionids : f.deviceIds) as string[];
  if (!list.includes(value)) list.push(value);
}

/** Records a refused attempt with every reason, for the reports (outside the refused transaction). */
export async function recordRefusal(
  db: SqlExecutor, ws: string,
  r: { kind: string; campaignId?: string | null; subjectId?: string | null; otherId?: string | null; reasons: string[]; at?: string },
): Promise<void> {
  await db.exec(
    `INSERT INTO campaign_refusals (workspace_id, id, kind, campaign_id, subject_id, other_id, reasons, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8 AS TIMESTAMPTZ))`,
    [ws, newId('crf'), r.kind, r.campaignId ?? null, r.subjectId ?? null, r.otherId ?? null, JSON.stringify(r.reasons), r.at ?? new Date().toISOString()],
  );
}

/** Refusal counts by reason for one kind (and campaign), each attempt counted once per reason. */
export async function refusalsByReason(db: SqlExecutor, ws: string, kind: string, campaignId: string | null): Promise<Record<string, number>> {
  const rows = await db.query<{ reasons: unknown }>(
    `SELECT reasons FROM campaign_refusals WHERE workspace_id = $1 AND kind = $2 AND ($3::VARCHAR IS NULL OR campaign_id = $3)`,
    [ws, kind, campaignId],
  );
  const out: Record<string, number> = {};
  for (const r of rows) {
    const reasons = (typeof r.reasons === 'string' ? JSON.parse(r.reasons) : r.reasons) as string[];
    for (const x of reasons) out[x] = (out[x] ?? 0) + 1;
  }
  return out;
}
