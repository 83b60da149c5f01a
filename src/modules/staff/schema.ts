// Request validation for stores, staff, assignments, handovers, tasks, settings and reports (zod, strict).
import { z } from 'zod';
import { pageLimit } from '../../core/pagination.ts';

export const RefParam = z.object({ ref: z.string().min(1).max(300) }).strict();
export const IdParam = z.object({ id: z.string().min(1).max(100) }).strict();

const text = (max = 200) => z.string().trim().min(1).max(max);
const isoTime = z.string().datetime({ offset: true });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

export const StoreCreate = z
  .object({ code: text(128), name: text(), city: text().optional(), region: text().optional(), active: z.boolean().optional() })
  .strict();
export type StoreCreate = z.infer<typeof StoreCreate>;
export const StorePatch = z
  .object({ name: text().optional(), city: text().nullable().optional(), region: text().nullable().optional(), active: z.boolean().optional() })
  .strict();
export type StorePatch = z.infer<typeof StorePatch>;

export const StaffCreate = z
  .object({
    /** The WeCom userid (企业成员账号); staff without WeCom have none. */
    userid: text(64).optional(),
    name: text(),
    /** Store id or code. */
    store: text(128).optional(),
    role: text(64).optional(),
    phone: text(40).optional(),
    email: z.string().trim().email().max(320).optional(),
    active: z.boolean().optional(),
  })
  .strict();
export type StaffCreate = z.infer<typeof StaffCreate>;
export const StaffPatch = z
  .object({
    name: text().optional(),
    store: text(128).nullable().optional(),
    role: text(64).nullable().optional(),
    phone: text(40).nullable().optional(),
    email: z.string().trim().email().max(320).nullable().optional(),
    active: z.boolean().optional(),
  })
  .strict();
export type StaffPatch = z.infer<typeof StaffPatch>;

export const StaffListQuery = z
  .object({ store: text(128).optional(), active: z.enum(['true', 'false']).optional() })
  .strict();

export const AssignBody = z
  .object({
    /** Member refs (mem_…, user_id:u1, phone:…, wecom_external_userid:…), up to 5000. */
    members: z.array(z.string().min(1).max(600)).min(1).max(5000),
    staff: text(128),
    /** Store id or code; default: the staff member's store. */
    store: text(128).optional(),
    /** Also move members already assigned to someone else (default true). */
    reassign: z.boolean().default(true),
  })
  .strict();
export type AssignBody = z.infer<typeof AssignBody>;

export const HandoverBody = z
  .object({
    /** Who takes over: one staff ref, or several shared round-robin / least-loaded. */
    to: z.union([text(128), z.array(text(128)).min(1).max(200)]),
    mode: z.enum(['round_robin', 'least_loaded']).default('round_robin'),
    /** Mark the leaving staff member inactive (default true). */
    deactivate: z.boolean().default(true),
    /** Move their open tasks too (default true). */
    tasks: z.boolean().default(true),
    /**
     * Also transfer the WeCom customers (离职继承 resigned/transfer_customer) and customer groups they own
     * (groupchat/transfer) through this WeCom messaging channel; the employees must be WeCom users.
     */
    wecom_channel: text(200).optional(),
  })
  .strict();
export type HandoverBody = z.infer<typeof HandoverBody>;

export const TASK_TYPES = ['message', 'call', 'invite_group'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const TaskCreate = z
  .object({
    member: z.string().min(1).max(600),
    type: z.enum(TASK_TYPES),
    script: z.string().max(4000).optional(),
    due_at: isoTime.optional(),
    /** Idempotency: one task per (source_key, member). Default: a new key. */
    source_key: z.string().min(1).max(300).optional(),
    /** Staff ref; default: the member's assigned staff. */
    staff: text(128).optional(),
  })
  .strict();
export const TasksCreateBody = z.union([TaskCreate, z.object({ tasks: z.array(TaskCreate).min(1).max(5000) }).strict()]);
export type TaskCreate = z.infer<typeof TaskCreate>;

export const TaskListQuery = z
  .object({
    staff: text(128).optional(),
    member: z.string().min(1).max(600).optional(),
    status: z.enum(['open', 'done', 'cancelled']).optional(),
    overdue: z.enum(['true', 'false']).optional(),
    source_key: z.string().min(1).max(300).optional(),
    limit: pageLimit(100, 1000),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();
export type TaskListQuery = z.infer<typeof TaskListQuery>;

export const TaskComplete = z.object({ note: z.string().max(2000).optional() }).strict();

export const SettingsBody = z
  .object({
    /** Messaging channel (id or name) reminders go through, e.g. a webhook to the staff app; null: record only. */
    reminder_channel: text(200).nullable().optional(),
    /** How often overdue tasks are looked for (cron, workspace time zone); null removes the schedule. */
    reminder_cron: z.string().min(1).max(100).nullable().optional(),
  })
  .strict();
export type SettingsBody = z.infer<typeof SettingsBody>;

export const ReportQuery = z
  .object({ from: day, to: day, store: text(128).optional(), format: z.enum(['json', 'csv']).default('json') })
  .strict();
export type ReportQuery = z.infer<typeof ReportQuery>;

export const MembersQuery = z
  .object({ limit: pageLimit(100, 1000), cursor: z.string().min(1).max(200).optional() })
  .strict();
