// Tasks for staff: created for the member's staff (idempotent on source key and member), listed per staff,
// completed or cancelled, and — once past due — recorded as overdue and reminded through a messaging channel (at most
// once per task: the send ledger's key is ('staff_task_overdue', task id)).
import { SiyuError, invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Store } from '../../store/port.ts';
import type { JobService } from '../jobs/service.ts';
import type { MessagingService } from '../messaging/service.ts';
import type { RenderedContent } from '../messaging/types.ts';
import { assignmentRepo } from './assignment-repo.ts';
import type { StaffRow } from './directory-repo.ts';
import type { SettingsBody, TaskCreate, TaskListQuery, TaskType } from './schema.ts';
import { tasksRepo, type NewTask, type TaskRow } from './tasks-repo.ts';

/** One task to create, as journeys call it (member ids, not refs). */
export interface TaskSpec {
  memberId: string;
  type: TaskType;
  script?: string | null;
  /** ISO time the task is due. */
  dueAt?: string | null;
  /** Idempotency key with the member: e.g. `journey:<id>:step:<step>`. */
  sourceKey: string;
  /** A staff id to give the task to instead of the member's assigned staff. */
  staffId?: string | null;
}

export interface TaskView extends TaskRow {
  overdue: boolean;
}

export const REMINDER_SCHEDULE = 'staff-task-reminders';
/** The send ledger's source key of overdue reminders (the "member" of each row is the task id). */
export const REMINDER_SOURCE = 'staff_task_overdue';

const view = (t: TaskRow, now = Date.now()): TaskView => ({ ...t, overdue: t.status === 'open' && t.due_at !== null && Date.parse(t.due_at) < now });

interface Deps {
  store: Store;
  refs: { resolveOne(db: any, ws: string, ref: string): Promise<string> };
  messaging: MessagingService;
  jobs: JobService;
  staff(ws: string, ref: string): Promise<StaffRow>;
}

export class StaffTasks {
  private readonly repo;
  private readonly assignments;

  constructor(private readonly deps: Deps) {
    this.repo = tasksRepo(deps.store);
    this.assignments = assignmentRepo(deps.store);
  }

  /**
   * Creates tasks, one result per spec in order; a (sourceKey, member) that exists already (or repeats in the call)
   * returns the existing task with `created: false`.
   * Tasks go to `staffId` when given, else to the member's assigned staff (none: unassigned, staff_id null).
   */
  async create(ws: string, specs: TaskSpec[]) {
    const seen = new Set<string>();
    const unique = specs.filter((s) => {
      if (!s.sourceKey || s.sourceKey.length > 300) throw invalid('task.source_key_invalid', 'sourceKey must be 1 to 300 characters', 'source_key');
      if (!['message', 'call', 'invite_group'].includes(s.type)) throw invalid('task.type_invalid', `type ${s.type} is not message, call or invite_group`, 'type');
      const k = `${s.sourceKey}\u0000${s.memberId}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
    const now = new Date().toISOString();
    const out = await this.deps.store.transaction(async (tx) => {
      const owners = new Map((await this.assignments.current(tx, ws, [...new Set(unique.map((s) => s.memberId))])).map((a) => [a.member_id, a]));
      const rows: NewTask[] = unique.map((s) => {
        const a = owners.get(s.memberId);
        return {
          id: newId('tsk'), source_key: s.sourceKey, member_id: s.memberId, staff_id: s.staffId ?? a?.staff_id ?? null, store_id: a?.store_id ?? null,
          type: s.type, script: s.script ?? null, due_at: s.dueAt ? new Date(s.dueAt).toISOString() : null,
        };
      });
      await this.repo.insert(tx, ws, rows, now);
      const stored = new Map((await this.repo.byKeys(tx, ws, rows)).map((t) => [`${t.source_key}\u0000${t.member_id}`, t]));
      // One result per spec given (a repeated spec in the same call gets the same task, created: false).
      const fresh = new Set(rows.filter((r) => stored.get(`${r.source_key}\u0000${r.member_id}`)?.id === r.id).map((r) => r.id));
      return specs.map((s) => {
        const t = stored.get(`${s.sourceKey}\u0000${s.memberId}`)!;
        const created = fresh.delete(t.id);
        return { task_id: t.id, member_id: t.member_id, source_key: t.source_key, staff_id: t.staff_id, created };
      });
    });
    return { created: out.filter((t) => t.created).length, tasks: out };
  }

  /** API form: member and staff refs, a default source key per task. */
  async createFromApi(ws: string, list: TaskCreate[]) {
    const specs: TaskSpec[] = [];
    for (const t of list) {
      const memberId = await this.deps.refs.resolveOne(this.deps.store, ws, t.member);
      const staffId = t.staff ? (await this.deps.staff(ws, t.staff)).id : null;
      specs.push({ memberId, type: t.type, script: t.script, dueAt: t.due_at, sourceKey: t.source_key ?? `api:${newId('tkey')}`, staffId });
    }
    return this.create(ws, specs);
  }

  async get(ws: string, id: string): Promise<TaskView> {
    const t = await this.repo.get(this.deps.store, ws, id);
    if (!t) throw notFound('task.not_found', `No task ${id}`, 'id');
    return view(t);
  }

  async list(ws: string, q: TaskListQuery) {
    const staffId = q.staff ? (await this.deps.staff(ws, q.staff)).id : undefined;
    const memberId = q.member ? await this.deps.refs.resolveOne(this.deps.store, ws, q.member) : undefined;
    const rows = await this.repo.list(this.deps.store, ws, {
      staffId, memberId, status: q.status, sourceKey: q.source_key, overdue: q.overdue === undefined ? undefined : q.overdue === 'true',
      now: new Date().toISOString(), limit: q.limit + 1, after: q.cursor ?? null,
    });
    const page = rows.slice(0, q.limit);
    return { data: page.map((t) => view(t)), next_cursor: rows.length > q.limit ? page[page.length - 1].id : null };
  }

  /** Completes an open task (completing a done task again returns it unchanged; a cancelled one is a conflict). */
  async complete(ws: string, id: string, note?: string): Promise<TaskView> {
    return this.close(ws, id, 'done', note ?? null);
  }

  async cancel(ws: string, id: string): Promise<TaskView> {
    return this.close(ws, id, 'cancelled', null);
  }

  private async close(ws: string, id: string, status: 'done' | 'cancelled', note: string | null): Promise<TaskView> {
    const before = await this.get(ws, id);
    if (before.status === status) return before;
    if (before.status !== 'open') throw new SiyuError('conflict', 'task.closed', `Task ${id} is ${before.status}`, { field: 'id' });
    await this.deps.store.transaction((tx) => this.repo.close(tx, ws, id, status, note, new Date().toISOString()));
    const after = await this.get(ws, id);
    if (after.status !== status) throw new SiyuError('conflict', 'task.closed', `Task ${id} is ${after.status}`, { field: 'id' });
    return after;
  }

  markOverdue(ws: string, now = new Date()): Promise<number> {
    return this.deps.store.transaction((tx) => this.repo.markOverdue(tx, ws, now.toISOString()));
  }

  /**
   * Records tasks that became overdue and, with a reminder channel set, sends each one's staff member a reminder
   * (once per task). Runs on the `staff-task-reminders` schedule; returns what it did.
   */
  async remindOverdue(ws: string, now = new Date()) {
    const marked = await this.markOverdue(ws, now);
    const settings = await this.settings(ws);
    let reminded = 0;
    let failed = 0;
    if (settings.reminder_channel) {
      const channel = await this.deps.messaging.getChannel(ws, settings.reminder_channel);
      for (;;) {
        const due = await this.repo.toRemind(this.deps.store, ws, 500);
        if (due.length === 0) break;
        const staff = new Map<string, StaffRow>();
        for (const id of new Set(due.map((t) => t.staff_id!))) staff.set(id, await this.deps.staff(ws, id));
        const msgs = due.map((t) => {
          const s = staff.get(t.staff_id!)!;
          const text = `【任务逾期】${s.name}，您有一个${t.type === 'call' ? '电话回访' : t.type === 'invite_group' ? '邀请入群' : '一对一消息'}任务已逾期（截止 ${t.due_at}）。${t.script ? `建议话术：${t.script}` : ''}`;
          const to: Record<string, string> = { staff_id: s.id, ...(s.userid ? { wecom_userid: s.userid, staff_userid: s.userid } : {}), ...(s.phone ? { phone: s.phone } : {}), ...(s.email ? { email: s.email } : {}) };
          const content = { channel: channel.type, subject: '任务逾期提醒', title: '任务逾期提醒', text, body: text, data: { task_id: t.id, member_id: t.member_id, type: t.type, due_at: t.due_at, staff_id: s.id } } as unknown as RenderedContent;
          return { memberId: t.id, to, content };
        });
        const report = await this.deps.messaging.send(ws, channel.id, msgs, REMINDER_SOURCE);
        const done = report.results.filter((r) => r.status !== 'in_flight').map((r) => r.member_id);
        reminded += report.results.filter((r) => r.status === 'sent').length;
        failed += report.results.filter((r) => r.status === 'failed').length;
        await this.deps.store.transaction((tx) => this.repo.markReminded(tx, ws, done, new Date().toISOString()));
        if (done.length < due.length) break; // the rest is in flight elsewhere: next run
      }
    }
    const [{ n }] = await this.deps.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM staff_tasks WHERE workspace_id = $1 AND status = 'open' AND overdue_at IS NOT NULL`, [ws]);
    return { newly_overdue: marked, overdue_open: Number(n), reminded, failed, channel: settings.reminder_channel };
  }

  async settings(ws: string): Promise<{ reminder_channel: string | null; reminder_cron: string | null }> {
    const [r] = await this.deps.store.query<{ reminder_channel: string | null; reminder_cron: string | null }>(
      'SELECT reminder_channel, reminder_cron FROM staff_settings WHERE workspace_id = $1',
      [ws],
    );
    return { reminder_channel: r?.reminder_channel ?? null, reminder_cron: r?.reminder_cron ?? null };
  }

  /** Sets the reminder channel and schedule (`staff-task-reminders`, job kind staff.remind_overdue). */
  async putSettings(ws: string, b: SettingsBody) {
    const cur = await this.settings(ws);
    const next = { reminder_channel: b.reminder_channel === undefined ? cur.reminder_channel : b.reminder_channel, reminder_cron: b.reminder_cron === undefined ? cur.reminder_cron : b.reminder_cron };
    if (next.reminder_channel) next.reminder_channel = (await this.deps.messaging.getChannel(ws, next.reminder_channel)).id;
    if (next.reminder_cron) await this.deps.jobs.schedule(ws, { name: REMINDER_SCHEDULE, cron: next.reminder_cron, kind: 'staff.remind_overdue', payload: {} });
    else if (cur.reminder_cron) await this.deps.jobs.deleteSchedule(ws, REMINDER_SCHEDULE).catch(() => undefined);
    await this.deps.store.exec(
      `INSERT INTO staff_settings (workspace_id, reminder_channel, reminder_cron, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (workspace_id) DO UPDATE SET reminder_channel = excluded.reminder_channel, reminder_cron = excluded.reminder_cron, updated_at = excluded.updated_at`,
      [ws, next.reminder_channel, next.reminder_cron],
    );
    return next;
  }
}
