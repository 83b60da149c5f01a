// 继承: a leaving (or moving) staff member's members are shared among the staff who take over — each move recorded
// in the assignment history — their open tasks follow the members, channel QR codes stop rotating to them, and with a
// WeCom channel the customers themselves are transferred (resigned/transfer_customer when leaving, else the on-job
// transfer_customer), 100 per call as WeCom allows. Hooks add more (the community module moves their groups).
import type { Store } from '../../store/port.ts';
import type { WecomApi, WecomService } from '../messaging/wecom/service.ts';
import { assignmentRepo } from './assignment-repo.ts';
import { directoryRepo, type StaffRow } from './directory-repo.ts';
import type { QrCodeService } from './qrcode-service.ts';
import { distribute } from './rotation.ts';
import type { HandoverBody } from './schema.ts';
import { tasksRepo } from './tasks-repo.ts';

export interface HandoverContext {
  workspaceId: string;
  from: StaffRow;
  takers: StaffRow[];
  /** The WeCom API of the channel given, if any. */
  api: WecomApi | null;
  deactivate: boolean;
}

/** Extra handover work; what it returns is reported under its name. */
export type HandoverHook = { name: string; run(ctx: HandoverContext): Promise<unknown> };

export interface HandoverResult {
  from: string;
  moved: number;
  member_ids: string[];
  by_staff: Record<string, number>;
  tasks_moved: number;
  qrcodes_updated: string[];
  deactivated: boolean;
  wecom: { transferred: number; failed: { external_userid: string; errcode: number }[]; errors: string[] } | null;
  hooks: Record<string, unknown>;
}

interface Deps {
  store: Store;
  wecom: WecomService;
  qrcodes: QrCodeService;
  hooks: HandoverHook[];
  log: (err: unknown, msg: string) => void;
}

export async function handover(d: Deps, ws: string, from: StaffRow, takers: StaffRow[], b: HandoverBody): Promise<HandoverResult> {
  const assignments = assignmentRepo(d.store);
  const tasks = tasksRepo(d.store);
  const dir = directoryRepo(d.store);
  const members = await assignments.allMembersOf(d.store, ws, from.id);
  const ids = takers.map((t) => t.id);
  const plan = distribute(members, ids, b.mode, await assignments.loads(d.store, ws, ids));
  const byId = new Map(takers.map((t) => [t.id, t]));
  const rows = members.map((m) => ({ member_id: m, staff_id: plan.get(m)!, store_id: byId.get(plan.get(m)!)!.store_id }));
  const now = new Date().toISOString();
  let tasksMoved = 0;
  const moved = await d.store.transaction(async (tx) => {
    const n = await assignments.assign(tx, ws, rows, { reason: 'handover', effectiveAt: now, reassign: true });
    if (b.tasks) tasksMoved = await tasks.moveOpen(tx, ws, from.id, rows, now);
    if (b.deactivate) await dir.updateStaff(tx, ws, { ...from, active: false, left_at: from.left_at ?? now }, now);
    return n;
  });
  const byStaff: Record<string, number> = {};
  for (const r of rows) byStaff[r.staff_id] = (byStaff[r.staff_id] ?? 0) + 1;

  // Channel QR codes: drop the leaver from rotations (a code left with nobody goes to the takers).
  const codes: string[] = [];
  for (const q of (await d.qrcodes.list(ws, { active: true, kind: 'contact' })).filter((q) => q.staff_ids.includes(from.id))) {
    let list = q.staff_ids.filter((s) => s !== from.id);
    if (list.length === 0) list = takers.filter((t) => t.userid).map((t) => t.id);
    if (list.length === 0) continue;
    try {
      await d.qrcodes.update(ws, q.id, { staff: list });
      codes.push(q.id);
    } catch (err) {
      d.log(err, `handover: QR code ${q.name} not updated`);
    }
  }

  const api = b.wecom_channel ? await d.wecom.apiFor(ws, b.wecom_channel) : null;
  const wecom = api ? await transferCustomers(d.store, api, ws, from, rows, byId, b.deactivate) : null;
  const ctx: HandoverContext = { workspaceId: ws, from, takers, api, deactivate: b.deactivate };
  const hooks: Record<string, unknown> = {};
  for (const h of d.hooks) hooks[h.name] = await h.run(ctx).catch((err) => (d.log(err, `handover hook ${h.name} failed`), { error: String((err as Error)?.message ?? err) }));
  return { from: from.id, moved, member_ids: members, by_staff: byStaff, tasks_moved: tasksMoved, qrcodes_updated: codes, deactivated: b.deactivate, wecom, hooks };
}

/** Transfers the leaver's WeCom customers to the staff each member went to, 100 external_userids per call. */
async function transferCustomers(store: Store, api: WecomApi, ws: string, from: StaffRow, rows: { member_id: string; staff_id: string }[], takers: Map<string, StaffRow>, leaving: boolean) {
  const out = { transferred: 0, failed: [] as { external_userid: string; errcode: number }[], errors: [] as string[] };
  if (!from.userid) return out;
  const contacts = await store.query<{ member_id: string; external_userid: string }>(
    `SELECT member_id, external_userid FROM staff_contacts WHERE workspace_id = $1 AND staff_userid = $2 AND deleted_at IS NULL AND member_id IS NOT NULL`,
    [ws, from.userid],
  );
  const extOf = new Map<string, string[]>();
  for (const c of contacts) extOf.set(c.member_id, [...(extOf.get(c.member_id) ?? []), c.external_userid]);
  const perTaker = new Map<string, string[]>();
  for (const r of rows) {
    const taker = takers.get(r.staff_id)!;
    if (!taker.userid) continue;
    perTaker.set(taker.userid, [...(perTaker.get(taker.userid) ?? []), ...(extOf.get(r.member_id) ?? [])]);
  }
  const path = leaving ? '/cgi-bin/externalcontact/resigned/transfer_customer' : '/cgi-bin/externalcontact/transfer_customer';
  for (const [takeover, exts] of perTaker) {
    for (let i = 0; i < exts.length; i += 100) {
      const batch = exts.slice(i, i + 100);
      const r = await api.call(path, { handover_userid: from.userid, takeover_userid: takeover, external_userid: batch });
      if (!r.ok) {
        out.errors.push(`${r.error.code}: ${r.error.message}`);
        continue;
      }
      for (const c of (r.json.customer ?? []) as { external_userid: string; errcode: number }[]) {
        if (Number(c.errcode) === 0) out.transferred++;
        else out.failed.push({ external_userid: c.external_userid, errcode: Number(c.errcode) });
      }
    }
  }
  return out;
}
