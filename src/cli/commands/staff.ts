// `siyu staff …`: stores, staff, assignments (by hand, from a file), handover (继承), tasks, reminder settings,
// order attribution and the performance report — all through the API.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SiyuError } from '../../core/errors.ts';
import { toCsv, type Table } from '../../modules/analytics/report-csv.ts';
import { staffTable } from '../../modules/staff/report-repo.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { readRefFile } from './ref-file.ts';

type Opts = Record<string, any>;
const out = (s: string): void => void process.stdout.write(s);
export const enc = encodeURIComponent;
const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** `?a=1&b=2` from the defined values. */
export function qs(params: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Prints JSON (or a line per row with `line`), the shape every list command shares. */
export function print(o: Opts, body: unknown, line?: (row: any) => string, rows?: any[]): void {
  if (o.json || !line) return void out(JSON.stringify(body, null, 2) + '\n');
  const r = rows ?? ((body as { data?: unknown[] }).data ?? []);
  if (r.length === 0) return void out('none\n');
  for (const x of r) out(line(x) + '\n');
  const next = (body as { next_cursor?: string | null }).next_cursor;
  if (next) out(`more: --cursor ${next}\n`);
}

/** Report output: CSV (header row, RFC 4180) or the API's JSON, to stdout or --out FILE. */
export function writeReport(o: Opts, what: string, body: any, table: (b: any) => Table): void {
  if (o.format !== 'csv' && o.format !== 'json') throw new SiyuError('invalid_data', 'cli.format_invalid', `--format must be csv or json, got "${o.format}"`, { field: 'format' });
  const text = o.format === 'json' ? JSON.stringify(body, null, 2) + '\n' : toCsv(table(body));
  if (o.out) {
    writeFileSync(o.out, text);
    out(`wrote ${what} to ${o.out}\n`);
  } else out(text);
}

/** A JSON body from --file. */
export const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

const staffLine = (s: any) => `${s.name}\t${s.userid ?? '-'}\t${s.store_id ?? '-'}\t${s.active ? 'active' : 'left'}\t${s.members ?? 0} members\t${s.id}`;
const taskLine = (t: any) => `${t.id}\t${t.type}\t${t.status}${t.overdue ? ' (overdue)' : ''}\t${t.member_id}\t${t.staff_id ?? 'unassigned'}\tdue ${t.due_at ?? '-'}`;

export function registerStaff(program: Command) {
  const staff = program.command('staff').description('staff-assisted operations (导购): stores, staff, assignments, handover, tasks, reports');

  withStoreOptions(staff.command('stores'))
    .description('list stores')
    .option('--json', 'print JSON')
    .action((o) => withApi(o, async (api) => print(o, expectOk(await api.request('GET', '/api/staff/stores'), 'staff stores'), (s) => `${s.code}\t${s.name}\t${s.active ? 'active' : 'closed'}\t${s.id}`)));

  withStoreOptions(staff.command('store-add'))
    .argument('<code>', 'store code as orders carry it in store_id')
    .argument('<name>', 'store name')
    .option('--city <city>')
    .option('--region <region>')
    .description('create a store')
    .action((code, name, o) =>
      withApi(o, async (api) => {
        const s = expectOk(await api.request('POST', '/api/staff/stores', { code, name, city: o.city, region: o.region }), 'staff store-add');
        out(`created store ${s.code} ${s.name} (${s.id})\n`);
      }),
    );

  withStoreOptions(staff.command('list'))
    .description('list staff with their member counts')
    .option('--store <store>', 'only this store (id or code)')
    .option('--active', 'only active staff')
    .option('--json', 'print JSON')
    .action((o) => withApi(o, async (api) => print(o, expectOk(await api.request('GET', `/api/staff${qs({ store: o.store, active: o.active ? 'true' : undefined })}`), 'staff list'), staffLine)));

  withStoreOptions(staff.command('add'))
    .argument('<name>', 'staff name')
    .option('--userid <userid>', 'WeCom userid (企业成员账号)')
    .option('--store <store>', 'store id or code')
    .option('--role <role>')
    .option('--phone <phone>', 'for reminders by SMS')
    .option('--email <email>', 'for reminders by email')
    .description('create a staff member')
    .action((name, o) =>
      withApi(o, async (api) => {
        const s = expectOk(await api.request('POST', '/api/staff', { name, userid: o.userid, store: o.store, role: o.role, phone: o.phone, email: o.email }), 'staff add');
        out(`created staff ${s.name} (${s.id})\n`);
      }),
    );

  withStoreOptions(staff.command('update'))
    .argument('<staff>', 'staff id or WeCom userid')
    .option('--name <name>')
    .option('--store <store>', 'store id or code ("" removes it)')
    .option('--active', 'mark active')
    .option('--inactive', 'mark as left (see handover to move their members)')
    .description('change a staff member')
    .action((ref, o) =>
      withApi(o, async (api) => {
        const body = { name: o.name, store: o.store === '' ? null : o.store, active: o.inactive ? false : o.active ? true : undefined };
        out(staffLine(expectOk(await api.request('PATCH', `/api/staff/${enc(ref)}`, body), 'staff update')) + '\n');
      }),
    );

  withStoreOptions(staff.command('assign'))
    .argument('<staff>', 'staff id or WeCom userid')
    .option('--member <ref>', 'a member ref (repeatable or comma-separated)', list, [])
    .option('--file <file>', 'member refs, one per line, or a CSV with a ref/member_id/user_id/phone column')
    .option('--type <type>', 'identifier type of bare values in the file, e.g. phone')
    .option('--store <store>', 'store (default: the staff member\u2019s)')
    .option('--keep', 'leave members already assigned to someone else')
    .option('--json', 'print JSON')
    .description('assign members to a staff member (by hand or in bulk from a file)')
    .action((ref, o) =>
      withApi(o, async (api) => {
        const refs: string[] = [...o.member, ...(o.file ? readRefFile(o.file, o.type).map((r) => r.ref).filter(Boolean) : [])];
        if (refs.length === 0) throw new SiyuError('invalid_data', 'cli.members_missing', 'give --member or --file', { field: 'member' });
        const totals = { matched: 0, assigned: 0, unchanged: 0, not_found: [] as string[] };
        for (let i = 0; i < refs.length; i += 5000) {
          const r = expectOk(await api.request('POST', '/api/staff/assignments', { staff: ref, members: refs.slice(i, i + 5000), store: o.store, reassign: !o.keep }), 'staff assign');
          totals.matched += r.matched;
          totals.assigned += r.assigned;
          totals.unchanged += r.unchanged;
          totals.not_found.push(...r.not_found);
        }
        if (o.json) return void out(JSON.stringify(totals) + '\n');
        out(`${ref}: assigned ${totals.assigned}, unchanged ${totals.unchanged}, not found ${totals.not_found.length} (${refs.length} refs)\n`);
      }),
    );

  withStoreOptions(staff.command('member'))
    .argument('<ref>', 'member ref')
    .description('a member\u2019s staff and store, and the assignment history (JSON)')
    .action((ref, o) => withApi(o, async (api) => print({ json: true }, expectOk(await api.request('GET', `/api/staff/members/${enc(ref)}`), 'staff member'))));

  withStoreOptions(staff.command('handover'))
    .argument('<staff>', 'the staff member leaving (id or WeCom userid)')
    .requiredOption('--to <refs>', 'who takes over (comma-separated: shared among them)', list)
    .option('--mode <mode>', 'round_robin or least_loaded', 'round_robin')
    .option('--keep-active', 'do not mark them as left (a move, not a departure)')
    .option('--keep-tasks', 'leave their open tasks with them')
    .option('--wecom-channel <channel>', 'also transfer their WeCom customers and groups through this channel')
    .option('--json', 'print JSON')
    .description('继承: move a staff member\u2019s members, open tasks, QR codes (and WeCom customers) to others')
    .action((ref, o) =>
      withApi(o, async (api) => {
        const body = { to: o.to.length === 1 ? o.to[0] : o.to, mode: o.mode, deactivate: !o.keepActive, tasks: !o.keepTasks, wecom_channel: o.wecomChannel };
        const r = expectOk(await api.request('POST', `/api/staff/${enc(ref)}/handover`, body), 'staff handover');
        if (o.json) return void out(JSON.stringify(r, null, 2) + '\n');
        out(`moved ${r.moved} members (${Object.entries(r.by_staff).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'}), ${r.tasks_moved} tasks, ${r.qrcodes_updated.length} QR codes`);
        out(r.wecom ? `, WeCom customers transferred ${r.wecom.transferred}, failed ${r.wecom.failed.length}\n` : '\n');
      }),
    );

  const tasks = staff.command('tasks').description('tasks for staff: list, add, complete, remind');
  withStoreOptions(tasks.command('list'))
    .option('--staff <staff>')
    .option('--member <ref>')
    .option('--status <status>', 'open, done or cancelled')
    .option('--overdue', 'only overdue open tasks')
    .option('--limit <n>', 'per page', '100')
    .option('--cursor <cursor>')
    .option('--json', 'print JSON')
    .description('list tasks')
    .action((o) =>
      withApi(o, async (api) => {
        const q = qs({ staff: o.staff, member: o.member, status: o.status, overdue: o.overdue ? 'true' : undefined, limit: o.limit, cursor: o.cursor });
        print(o, expectOk(await api.request('GET', `/api/staff/tasks${q}`), 'staff tasks list'), taskLine);
      }),
    );
  withStoreOptions(tasks.command('add'))
    .requiredOption('--member <ref>', 'member ref')
    .requiredOption('--type <type>', 'message, call or invite_group')
    .option('--script <text>', 'suggested script')
    .option('--due <iso>', 'due time (ISO 8601)')
    .option('--source-key <key>', 'idempotency key (one task per key and member)')
    .option('--staff <staff>', 'give it to this staff member instead of the member\u2019s')
    .description('create a task for a member\u2019s staff')
    .action((o) =>
      withApi(o, async (api) => {
        const r = expectOk(await api.request('POST', '/api/staff/tasks', { member: o.member, type: o.type, script: o.script, due_at: o.due, source_key: o.sourceKey, staff: o.staff }), 'staff tasks add');
        const t = r.tasks[0];
        out(`${t.created ? 'created' : 'exists'} task ${t.task_id} for ${t.staff_id ?? 'no staff (unassigned)'}\n`);
      }),
    );
  withStoreOptions(tasks.command('done'))
    .argument('<id>', 'task id (tsk_…)')
    .option('--note <text>', 'what happened')
    .description('complete a task')
    .action((id, o) => withApi(o, async (api) => out(taskLine(expectOk(await api.request('POST', `/api/staff/tasks/${enc(id)}/complete`, { note: o.note }), 'staff tasks done')) + '\n')));
  withStoreOptions(tasks.command('remind'))
    .description('record overdue tasks and send reminders now')
    .action((o) => withApi(o, async (api) => print({ json: true }, expectOk(await api.request('POST', '/api/staff/tasks/remind'), 'staff tasks remind'))));

  withStoreOptions(staff.command('settings'))
    .option('--reminder-channel <channel>', 'messaging channel for overdue reminders ("" to stop sending)')
    .option('--reminder-cron <cron>', 'how often to look for overdue tasks ("" removes the schedule)')
    .description('show or set the reminder channel and schedule')
    .action((o) =>
      withApi(o, async (api) => {
        const change = o.reminderChannel !== undefined || o.reminderCron !== undefined;
        const body = { reminder_channel: o.reminderChannel === '' ? null : o.reminderChannel, reminder_cron: o.reminderCron === '' ? null : o.reminderCron };
        print({ json: true }, expectOk(await api.request(change ? 'PUT' : 'GET', '/api/staff/settings', change ? body : undefined), 'staff settings'));
      }),
    );

  withStoreOptions(staff.command('order'))
    .argument('<order_id>', 'order id')
    .description('the staff and store an order is attributed to (JSON)')
    .action((id, o) => withApi(o, async (api) => print({ json: true }, expectOk(await api.request('GET', `/api/staff/orders/${enc(id)}`), 'staff order'))));

  withStoreOptions(staff.command('sync'))
    .description('recompute order attribution, finish QR code arrivals, record overdue tasks')
    .action((o) => withApi(o, async (api) => print({ json: true }, expectOk(await api.request('POST', '/api/staff/sync'), 'staff sync'))));

  withStoreOptions(staff.command('report'))
    .requiredOption('--from <date>', 'first day YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day YYYY-MM-DD, inclusive')
    .option('--store <store>', 'only this store')
    .option('--format <format>', 'csv (one row per staff member) or json (staff, stores, totals)', 'csv')
    .option('--out <file>', 'write to this file instead of stdout')
    .description('performance per staff member: members, new contacts, orders, GMV, tasks')
    .action((o) =>
      withApi(o, async (api) => {
        const body = expectOk(await api.request('GET', `/api/staff/report${qs({ from: o.from, to: o.to, store: o.store })}`), 'staff report');
        writeReport(o, 'staff report', body, (b) => staffTable(b.staff));
      }),
    );
}
