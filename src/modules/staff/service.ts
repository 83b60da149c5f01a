// Staff-assisted operations (导购): stores and staff, members assigned to staff (from WeCom contacts, by hand, in
// bulk) and handed over when someone leaves (继承), orders attributed to staff and store, tasks for staff (from the
// API and journeys) with overdue reminders, and the performance report. Channel QR codes live in qrcode-service.ts.
import type { ChangeFeed } from '../../core/change-feed.ts';
import { SiyuError, invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Store } from '../../store/port.ts';
import type { JobService } from '../jobs/service.ts';
import type { MessagingService } from '../messaging/service.ts';
import type { WecomService } from '../messaging/wecom/service.ts';
import { assignmentRepo } from './assignment-repo.ts';
import { attributeOrders, attributionOf } from './attribution-repo.ts';
import { Background } from './background.ts';
import { afterCommit, contactsAdded, contactsDeleted, CONTACT_ADDED, CONTACT_DELETED, type ContactItem } from './contacts.ts';
import { directoryRepo, type StaffRow, type StoreRow } from './directory-repo.ts';
import { handover, type HandoverHook, type HandoverResult } from './handover.ts';
import { mergeStaffData } from './merge.ts';
import type { QrCodeService } from './qrcode-service.ts';
import { staffReport, storeReport } from './report-repo.ts';
import type { AssignBody, HandoverBody, ReportQuery, SettingsBody, StaffCreate, StaffPatch, StoreCreate, StorePatch, TaskListQuery } from './schema.ts';
import { StaffTasks, type TaskSpec } from './tasks.ts';

export interface StaffDeps {
  store: Store;
  jobs: JobService;
  ingest: { onTrack(name: string, handler: (tx: any, ws: string, items: ContactItem[]) => Promise<void>): void };
  changes: ChangeFeed;
  refs: { resolveOne(db: any, ws: string, ref: string): Promise<string>; resolveMany(db: any, ws: string, refs: string[]): Promise<(string | null)[]> };
  messaging: MessagingService;
  wecom: WecomService;
  qrcodes: QrCodeService;
  timezoneOf(ws: string): Promise<string>;
  /** Identity resolution: merged members' staff data follows them. */
  identity?: { onMerge(name: string, hook: (tx: any, ws: string, fromId: string, intoId: string) => Promise<number>): void };
  log?: (err: unknown, msg: string) => void;
}

/** Job kinds: overdue reminders (schedule `staff-task-reminders`) and the catch-up sweep (attribution, QR effects). */
export const REMIND_JOB = 'staff.remind_overdue';
export const SYNC_JOB = 'staff.sync';

export type { TaskSpec };

export class StaffService {
  private readonly dir;
  private readonly assignments;
  private readonly bg: Background;
  private readonly log: (err: unknown, msg: string) => void;
  private readonly handoverHooks: HandoverHook[] = [];
  readonly tasks: StaffTasks;

  constructor(private readonly deps: StaffDeps) {
    this.dir = directoryRepo(deps.store);
    this.assignments = assignmentRepo(deps.store);
    this.log = deps.log ?? ((err, msg) => console.error(msg, err));
    this.bg = new Background(this.log);
    this.tasks = new StaffTasks({ store: deps.store, refs: deps.refs, messaging: deps.messaging, jobs: deps.jobs, staff: (ws, ref) => this.staffRow(ws, ref) });

    deps.ingest.onTrack(CONTACT_ADDED, async (tx, ws, items) => {
      const follow = await contactsAdded(deps.store, tx, ws, items);
      afterCommit(tx, () => {
        for (const a of follow.arrivals) this.bg.run('qrcode arrival', () => deps.qrcodes.afterArrival(ws, { qrcode_id: a.qrcodeId, member_id: a.memberId, external_userid: a.externalUserid }, true));
        // Orders placed after the contact but stored before it follow the new assignment.
        if (follow.members.length) this.queueAttribution(ws, follow.members);
      });
    });
    deps.ingest.onTrack(CONTACT_DELETED, (tx, ws, items) => contactsDeleted(tx, ws, items));
    deps.identity?.onMerge('staff', (tx, ws, from, into) => mergeStaffData(tx, ws, from, into));
    deps.changes.subscribe((c) => {
      if (c.orders) this.queueAttribution(c.workspaceId, c.memberIds);
    });
    deps.jobs.register(REMIND_JOB, async (job) => void (await this.tasks.remindOverdue(job.workspaceId)), { concurrency: 1 });
    deps.jobs.register(SYNC_JOB, async (job) => void (await this.sync(job.workspaceId)), { concurrency: 1, leaseMs: 300_000 });
  }

  private queueAttribution(ws: string, memberIds: string[]): void {
    this.bg.batch(`attribution:${ws}`, memberIds, (ids) => this.deps.store.transaction((tx) => attributeOrders(this.deps.store, tx, ws, ids)));
  }

  /** Resolves when background work (attribution, QR code effects) is done: for tests and shutdown. */
  idle(): Promise<void> {
    return this.bg.idle();
  }

  close(): Promise<void> {
    return this.bg.close();
  }

  /** Adds work to a handover (the community module moves the leaving owner's customer groups). */
  onHandover(hook: HandoverHook): void {
    this.handoverHooks.push(hook);
  }

  // ---- stores ----------------------------------------------------------------------------------------------

  private async storeRow(ws: string, ref: string): Promise<StoreRow> {
    const s = await this.dir.store(this.deps.store, ws, ref);
    if (!s) throw notFound('store.not_found', `No store ${ref}`, 'store');
    return s;
  }

  async createStore(ws: string, b: StoreCreate): Promise<StoreRow> {
    if (await this.dir.store(this.deps.store, ws, b.code)) throw new SiyuError('duplicate', 'store.code_taken', `Store code ${b.code} exists`, { field: 'code' });
    const id = newId('sto');
    await this.deps.store.transaction((tx) =>
      this.dir.insertStore(tx, ws, { id, code: b.code, name: b.name, city: b.city ?? null, region: b.region ?? null, active: b.active ?? true }, new Date().toISOString()),
    );
    return this.storeRow(ws, id);
  }

  async updateStore(ws: string, ref: string, p: StorePatch): Promise<StoreRow> {
    const s = await this.storeRow(ws, ref);
    const next = { ...s, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) } as StoreRow;
    await this.deps.store.transaction((tx) => this.dir.updateStore(tx, ws, next, new Date().toISOString()));
    return this.storeRow(ws, s.id);
  }

  getStore(ws: string, ref: string): Promise<StoreRow> {
    return this.storeRow(ws, ref);
  }

  listStores(ws: string): Promise<StoreRow[]> {
    return this.dir.stores(this.deps.store, ws);
  }

  // ---- staff -----------------------------------------------------------------------------------------------

  async staffRow(ws: string, ref: string): Promise<StaffRow> {
    const s = await this.dir.staff(this.deps.store, ws, ref);
    if (!s) throw notFound('staff.not_found', `No staff member ${ref}`, 'staff');
    return s;
  }

  async createStaff(ws: string, b: StaffCreate): Promise<StaffRow> {
    if (b.userid && (await this.dir.staff(this.deps.store, ws, `userid:${b.userid}`))) {
      throw new SiyuError('duplicate', 'staff.userid_taken', `A staff member with WeCom userid ${b.userid} exists`, { field: 'userid' });
    }
    const storeId = b.store ? (await this.storeRow(ws, b.store)).id : null;
    const id = newId('stf');
    await this.deps.store.transaction((tx) =>
      this.dir.insertStaff(tx, ws, { id, userid: b.userid ?? null, name: b.name, store_id: storeId, role: b.role ?? null, phone: b.phone ?? null, email: b.email ?? null, active: b.active ?? true }, new Date().toISOString()),
    );
    return this.staffRow(ws, id);
  }

  async updateStaff(ws: string, ref: string, p: StaffPatch): Promise<StaffRow> {
    const s = await this.staffRow(ws, ref);
    const next: StaffRow = { ...s };
    if (p.name !== undefined) next.name = p.name;
    if (p.store !== undefined) next.store_id = p.store === null ? null : (await this.storeRow(ws, p.store)).id;
    if (p.role !== undefined) next.role = p.role;
    if (p.phone !== undefined) next.phone = p.phone;
    if (p.email !== undefined) next.email = p.email;
    if (p.active !== undefined) {
      next.active = p.active;
      next.left_at = p.active ? null : (s.left_at ?? new Date().toISOString());
    }
    await this.deps.store.transaction((tx) => this.dir.updateStaff(tx, ws, next, new Date().toISOString()));
    return this.staffRow(ws, s.id);
  }

  async listStaff(ws: string, q: { store?: string; active?: boolean }) {
    const storeId = q.store ? (await this.storeRow(ws, q.store)).id : undefined;
    return (await this.dir.staffList(this.deps.store, ws, { storeId, active: q.active })).map((r) => ({ ...r, members: Number(r.members) }));
  }

  async getStaff(ws: string, ref: string) {
    const s = await this.staffRow(ws, ref);
    const loads = await this.assignments.loads(this.deps.store, ws, [s.id]);
    return { ...s, members: loads.get(s.id) ?? 0 };
  }

  /** Members assigned to a staff member, by member id. */
  async members(ws: string, ref: string, q: { limit: number; cursor?: string }) {
    const s = await this.staffRow(ws, ref);
    const rows = await this.assignments.membersOf(this.deps.store, ws, s.id, q.limit + 1, q.cursor ?? null);
    const page = rows.slice(0, q.limit);
    return { staff_id: s.id, data: page, next_cursor: rows.length > q.limit ? page[page.length - 1].member_id : null };
  }

  // ---- assignments -----------------------------------------------------------------------------------------

  /** Assigns members (refs) to a staff member and store by hand or in bulk; unknown refs come back in not_found. */
  async assign(ws: string, b: AssignBody) {
    const staff = await this.staffRow(ws, b.staff);
    if (!staff.active) throw invalid('staff.inactive', `Staff member ${staff.name} is inactive`, 'staff');
    const storeId = b.store ? (await this.storeRow(ws, b.store)).id : staff.store_id;
    const ids = await this.deps.refs.resolveMany(this.deps.store, ws, b.members);
    const notFoundRefs = b.members.filter((_, i) => !ids[i]);
    const members = [...new Set(ids.filter((x): x is string => !!x))];
    const changed = await this.deps.store.transaction((tx) =>
      this.assignments.assign(tx, ws, members.map((m) => ({ member_id: m, staff_id: staff.id, store_id: storeId })), {
        reason: b.members.length > 1 ? 'bulk' : 'manual', effectiveAt: new Date().toISOString(), reassign: b.reassign,
      }),
    );
    return { staff_id: staff.id, store_id: storeId, requested: b.members.length, matched: members.length, assigned: changed, unchanged: members.length - changed, not_found: notFoundRefs };
  }

  /** A member's current staff and store, and every (re)assignment. */
  async memberAssignment(ws: string, ref: string) {
    const memberId = await this.deps.refs.resolveOne(this.deps.store, ws, ref);
    const [current] = await this.assignments.current(this.deps.store, ws, [memberId]);
    return { member_id: memberId, current: current ?? null, history: await this.assignments.history(this.deps.store, ws, memberId) };
  }

  /** 继承: a leaving staff member's members (and open tasks, codes, WeCom customers) go to the takers. */
  async handover(ws: string, ref: string, b: HandoverBody): Promise<HandoverResult> {
    const from = await this.staffRow(ws, ref);
    const takers: StaffRow[] = [];
    for (const r of Array.isArray(b.to) ? b.to : [b.to]) {
      const t = await this.staffRow(ws, r);
      if (t.id === from.id) throw invalid('staff.handover_to_self', 'A staff member cannot take over from themselves', 'to');
      if (!t.active) throw invalid('staff.inactive', `Staff member ${t.name} is inactive`, 'to');
      if (!takers.some((x) => x.id === t.id)) takers.push(t);
    }
    const result = await handover({ store: this.deps.store, wecom: this.deps.wecom, qrcodes: this.deps.qrcodes, hooks: this.handoverHooks, log: this.log }, ws, from, takers, b);
    this.queueAttribution(ws, result.member_ids);
    return result;
  }

  // ---- tasks (see tasks.ts) --------------------------------------------------------------------------------

  /**
   * Creates tasks for the members' staff, idempotent on (sourceKey, member): the journeys "staff task" step and
   * API callers may repeat a call and get the same tasks. Members without staff get unassigned tasks.
   * @example await staff.createTasks(ws, [{ memberId, type: 'message', script: '您好…', dueAt: '2024-05-01T10:00:00Z', sourceKey: `journey:${j}:step:${s}` }])
   */
  createTasks(ws: string, specs: TaskSpec[]) {
    return this.tasks.create(ws, specs);
  }

  listTasks(ws: string, q: TaskListQuery) {
    return this.tasks.list(ws, q);
  }

  // ---- settings --------------------------------------------------------------------------------------------

  getSettings(ws: string) {
    return this.tasks.settings(ws);
  }

  putSettings(ws: string, b: SettingsBody) {
    return this.tasks.putSettings(ws, b);
  }

  // ---- orders ----------------------------------------------------------------------------------------------

  /** The staff and store of one order (computed now if it was not yet). */
  async orderAttribution(ws: string, orderId: string) {
    let a = await attributionOf(this.deps.store, ws, orderId);
    if (!a) {
      const [o] = await this.deps.store.query<{ member_id: string | null }>('SELECT member_id FROM orders WHERE workspace_id = $1 AND id = $2', [ws, orderId]);
      if (!o) throw notFound('order.not_found', `No order ${orderId}`, 'order_id');
      await this.deps.store.transaction((tx) => attributeOrders(this.deps.store, tx, ws, o.member_id ? [o.member_id] : null));
      a = await attributionOf(this.deps.store, ws, orderId);
    }
    return a!;
  }

  /** Recomputes every order's attribution and finishes QR code arrivals left unfinished (the staff.sync job). */
  async sync(ws: string) {
    const attributed = await this.deps.store.transaction((tx) => attributeOrders(this.deps.store, tx, ws, null));
    const arrivals = await this.deps.qrcodes.finishPending(ws);
    const overdue = await this.tasks.markOverdue(ws);
    return { orders_attributed: attributed, arrivals_finished: arrivals, tasks_marked_overdue: overdue };
  }

  // ---- report ----------------------------------------------------------------------------------------------

  async report(ws: string, q: Pick<ReportQuery, 'from' | 'to' | 'store'>) {
    if (q.from > q.to) throw invalid('report.period_invalid', 'from must not be after to', 'from');
    const timezone = await this.deps.timezoneOf(ws);
    const storeId = q.store ? (await this.storeRow(ws, q.store)).id : null;
    const args = { from: q.from, to: q.to, timezone, storeId, now: new Date().toISOString() };
    const [staff, stores] = await Promise.all([staffReport(this.deps.store, ws, args), storeReport(this.deps.store, ws, args)]);
    const sum = (k: 'new_contacts' | 'orders' | 'gmv' | 'tasks_done') => Math.round(staff.reduce((a, r) => a + r[k], 0) * 100) / 100;
    return { period: { from: q.from, to: q.to, timezone }, totals: { new_contacts: sum('new_contacts'), orders: sum('orders'), gmv: sum('gmv'), tasks_done: sum('tasks_done') }, staff, stores };
  }
}
