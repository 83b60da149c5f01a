// HTTP routes of staff-assisted operations under /api/staff: stores, staff, assignments and handover (继承), tasks,
// reminder settings, order attribution and the performance report (JSON or CSV).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { workspaceOf } from '../../server/auth.ts';
import type { Services } from '../../server/services.ts';
import { toCsv } from '../analytics/report-csv.ts';
import { staffTable } from './report-repo.ts';
import {
  AssignBody, HandoverBody, IdParam, MembersQuery, RefParam, ReportQuery, SettingsBody, StaffCreate, StaffListQuery, StaffPatch, StoreCreate, StorePatch,
  TaskComplete, TaskListQuery, TasksCreateBody,
} from './schema.ts';

const OrderParam = z.object({ orderId: z.string().min(1).max(300) }).strict();

export function staffRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['staff'];

    // stores
    app.get('/api/staff/stores', { schema: { tags, summary: 'List stores' } }, async (req) => ({ data: await s.staff.listStores(workspaceOf(req)) }));
    app.post('/api/staff/stores', { schema: { tags, summary: 'Create a store (code: the store id orders carry in store_id)', body: StoreCreate } }, async (req, reply) =>
      reply.status(201).send(await s.staff.createStore(workspaceOf(req), req.body)),
    );
    app.get('/api/staff/stores/:ref', { schema: { tags, summary: 'A store by id or code', params: RefParam } }, async (req) => s.staff.getStore(workspaceOf(req), req.params.ref));
    app.patch('/api/staff/stores/:ref', { schema: { tags, summary: 'Change a store', params: RefParam, body: StorePatch } }, async (req) =>
      s.staff.updateStore(workspaceOf(req), req.params.ref, req.body),
    );

    // tasks (before /api/staff/:ref so the static paths win)
    app.get('/api/staff/tasks', { schema: { tags, summary: 'List tasks (per staff, member, status, overdue, source key)', querystring: TaskListQuery } }, async (req) =>
      s.staff.listTasks(workspaceOf(req), req.query),
    );
    app.post('/api/staff/tasks', { schema: { tags, summary: 'Create tasks for members\u2019 staff (idempotent on source_key + member)', body: TasksCreateBody } }, async (req, reply) => {
      const list = 'tasks' in req.body ? req.body.tasks : [req.body];
      const r = await s.staff.tasks.createFromApi(workspaceOf(req), list);
      return reply.status(r.created > 0 ? 201 : 200).send(r);
    });
    app.post('/api/staff/tasks/remind', { schema: { tags, summary: 'Record overdue tasks and send reminders now (also the staff.remind_overdue job)' } }, async (req) =>
      s.staff.tasks.remindOverdue(workspaceOf(req)),
    );
    app.get('/api/staff/tasks/:id', { schema: { tags, summary: 'A task', params: IdParam } }, async (req) => s.staff.tasks.get(workspaceOf(req), req.params.id));
    app.post('/api/staff/tasks/:id/complete', { schema: { tags, summary: 'Complete a task (idempotent)', params: IdParam, body: TaskComplete.optional() } }, async (req) =>
      s.staff.tasks.complete(workspaceOf(req), req.params.id, req.body?.note),
    );
    app.post('/api/staff/tasks/:id/cancel', { schema: { tags, summary: 'Cancel an open task', params: IdParam } }, async (req) => s.staff.tasks.cancel(workspaceOf(req), req.params.id));

    // settings, assignments, orders, report, sync
    app.get('/api/staff/settings', { schema: { tags, summary: 'Reminder channel and schedule' } }, async (req) => s.staff.getSettings(workspaceOf(req)));
    app.put('/api/staff/settings', { schema: { tags, summary: 'Set the reminder channel and schedule (cron)', body: SettingsBody } }, async (req) => s.staff.putSettings(workspaceOf(req), req.body));
    app.post('/api/staff/assignments', { schema: { tags, summary: 'Assign members to a staff member and store (by hand or in bulk)', body: AssignBody } }, async (req) =>
      s.staff.assign(workspaceOf(req), req.body),
    );
    app.get('/api/staff/members/:ref', { schema: { tags, summary: 'A member\u2019s staff and store now, and the assignment history', params: RefParam } }, async (req) =>
      s.staff.memberAssignment(workspaceOf(req), req.params.ref),
    );
    app.get('/api/staff/orders/:orderId', { schema: { tags, summary: 'The staff and store an order is attributed to', params: OrderParam } }, async (req) =>
      s.staff.orderAttribution(workspaceOf(req), req.params.orderId),
    );
    app.post('/api/staff/sync', { schema: { tags, summary: 'Recompute order attribution, finish QR code arrivals, record overdue tasks (also the staff.sync job)' } }, async (req) =>
      s.staff.sync(workspaceOf(req)),
    );
    app.get('/api/staff/report', { schema: { tags, summary: 'Performance per staff member and store: members, new contacts, orders, GMV, tasks', querystring: ReportQuery } }, async (req, reply) => {
      const r = await s.staff.report(workspaceOf(req), req.query);
      if (req.query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(staffTable(r.staff)));
      return r;
    });

    // staff
    app.get('/api/staff', { schema: { tags, summary: 'List staff with their member counts', querystring: StaffListQuery } }, async (req) => ({
      data: await s.staff.listStaff(workspaceOf(req), { store: req.query.store, active: req.query.active === undefined ? undefined : req.query.active === 'true' }),
    }));
    app.post('/api/staff', { schema: { tags, summary: 'Create a staff member (WeCom userid optional)', body: StaffCreate } }, async (req, reply) =>
      reply.status(201).send(await s.staff.createStaff(workspaceOf(req), req.body)),
    );
    app.get('/api/staff/:ref', { schema: { tags, summary: 'A staff member by id or WeCom userid', params: RefParam } }, async (req) => s.staff.getStaff(workspaceOf(req), req.params.ref));
    app.patch('/api/staff/:ref', { schema: { tags, summary: 'Change a staff member (active: false marks them as left)', params: RefParam, body: StaffPatch } }, async (req) =>
      s.staff.updateStaff(workspaceOf(req), req.params.ref, req.body),
    );
    app.get('/api/staff/:ref/members', { schema: { tags, summary: 'Members assigned to a staff member', params: RefParam, querystring: MembersQuery } }, async (req) =>
      s.staff.members(workspaceOf(req), req.params.ref, req.query),
    );
    app.post('/api/staff/:ref/handover', { schema: { tags, summary: '继承: move a staff member\u2019s members, tasks, codes (and WeCom customers) to others', params: RefParam, body: HandoverBody } }, async (req) =>
      s.staff.handover(workspaceOf(req), req.params.ref, req.body),
    );
  };
}
