// WeCom contact events → staff data, inside the ingest transaction that stores the event (so each event acts once,
// whichever way it arrived: the WeCom callback, a relay through the track API, an import): the employee becomes a
// staff member if new, the contact is recorded, an unassigned member is assigned to them (and to the QR code's
// store), and an arrival through a channel QR code is attributed to the code by the event's `state`.
import { newId } from '../../core/ids.ts';
import { isTx, type SqlExecutor, type Store } from '../../store/port.ts';
import { assignmentRepo } from './assignment-repo.ts';
import { directoryRepo } from './directory-repo.ts';
import { qrcodeRepo } from './qrcode-repo.ts';

/** Track events the WeCom callback ingests (its channels' defaults). */
export const CONTACT_ADDED = 'WeCom Contact Added';
export const CONTACT_DELETED = 'WeCom Contact Deleted';

export interface ContactItem {
  memberId: string | null;
  message: { messageId: string; properties: Record<string, unknown> | null; timestamp: string };
}

/** What to do once the transaction has committed. */
export interface ContactFollowUp {
  arrivals: { qrcodeId: string; memberId: string; externalUserid: string; fresh: boolean }[];
  members: string[];
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** Runs `fn` after `tx` commits (or now, outside a transaction). */
export function afterCommit(tx: SqlExecutor, fn: () => void): void {
  if (isTx(tx)) tx.afterEnd((committed) => committed && fn());
  else fn();
}

/**
 * Applies contact-added events. Lenient like the order handlers: an event without userid / external_userid / member
 * is kept as an event and skipped here, so a batch with other clients' messages never fails on it.
 */
export async function contactsAdded(store: Store, tx: SqlExecutor, ws: string, items: ContactItem[]): Promise<ContactFollowUp> {
  const dir = directoryRepo(store);
  const assign = assignmentRepo(store);
  const out: ContactFollowUp = { arrivals: [], members: [] };
  const now = new Date().toISOString();
  for (const { memberId, message } of items) {
    const p = message.properties ?? {};
    const userid = str(p.userid);
    const ext = str(p.external_userid);
    if (!memberId || !userid || !ext) continue;
    const state = str(p.state);
    await dir.ensureWecomStaff(tx, ws, userid, newId('stf'), now);
    const staff = (await dir.staff(tx, ws, `userid:${userid}`))!;
    const code = state ? await qrcodeRepo.byState(tx, ws, state) : null;
    const qrcodeId = code?.kind === 'contact' ? code.id : null;
    await tx.exec(
      `INSERT INTO staff_contacts (workspace_id, staff_userid, external_userid, member_id, staff_id, state, qrcode_id, added_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::TIMESTAMPTZ)
       ON CONFLICT (workspace_id, staff_userid, external_userid) DO UPDATE SET deleted_at = NULL, member_id = excluded.member_id`,
      [ws, userid, ext, memberId, staff.id, state, qrcodeId, message.timestamp],
    );
    // A member keeps their first staff member unless that one has left (then the new contact takes over).
    const [current] = await assign.current(tx, ws, [memberId]);
    const owner = current?.staff_id ? (await dir.staffByIds(tx, ws, [current.staff_id]))[0] : null;
    if (!current || !owner || !owner.active) {
      const storeId = code?.store_id ?? staff.store_id;
      await assign.assign(tx, ws, [{ member_id: memberId, staff_id: staff.id, store_id: storeId }], {
        reason: qrcodeId ? 'qrcode' : 'contact', effectiveAt: message.timestamp, reassign: true,
      });
    }
    if (qrcodeId) {
      const fresh = await qrcodeRepo.arrive(tx, ws, { qrcode_id: qrcodeId, member_id: memberId, external_userid: ext, staff_userid: userid, chat_id: null, arrived_at: message.timestamp });
      out.arrivals.push({ qrcodeId, memberId, externalUserid: ext, fresh });
    }
    out.members.push(memberId);
  }
  return out;
}

/** Applies contact-deleted events: the contact and any code arrival of that pair end. */
export async function contactsDeleted(tx: SqlExecutor, ws: string, items: ContactItem[]): Promise<void> {
  for (const { message } of items) {
    const p = message.properties ?? {};
    const userid = str(p.userid);
    const ext = str(p.external_userid);
    if (!userid || !ext) continue;
    await tx.exec(
      `UPDATE staff_contacts SET deleted_at = $4::TIMESTAMPTZ WHERE workspace_id = $1 AND staff_userid = $2 AND external_userid = $3 AND deleted_at IS NULL`,
      [ws, userid, ext, message.timestamp],
    );
    await qrcodeRepo.contactLeft(tx, ws, ext, userid, message.timestamp);
  }
}
