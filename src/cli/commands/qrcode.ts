// `siyu qrcode …`: channel QR codes (渠道活码) through the API — create in WeCom, list, show, rotate, change,
// delete, the members who arrived through a code, and the acquisition report.
import type { Command } from 'commander';
import { qrcodeTable } from '../../modules/staff/qrcode-report.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { enc, print, qs, readJson, writeReport } from './staff.ts';

const out = (s: string): void => void process.stdout.write(s);
const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const codeLine = (q: any) =>
  `${q.name}\t${q.kind}\t${q.state}\t${q.active ? 'active' : 'deleted'}\t${q.kind === 'contact' ? `now ${q.current_staff_id ?? '-'} of ${q.staff_ids.length}` : `groups ${q.groups.join(',')}`}\t${q.qr_code ?? '-'}\t${q.id}`;

export function registerQrcode(program: Command) {
  const qr = program.command('qrcode').description('channel QR codes (渠道活码): WeCom 联系我 / 加入群聊 codes with state, rotation, welcome, tags, reports');

  withStoreOptions(qr.command('list'))
    .option('--active', 'only active codes')
    .option('--kind <kind>', 'contact or group')
    .option('--json', 'print JSON')
    .description('list codes')
    .action((o) => withApi(o, async (api) => print(o, expectOk(await api.request('GET', `/api/qrcodes${qs({ active: o.active ? 'true' : undefined, kind: o.kind })}`), 'qrcode list'), codeLine)));

  withStoreOptions(qr.command('create'))
    .option('--file <file>', 'the code as JSON (the API body); flags below override it')
    .option('--name <name>')
    .option('--kind <kind>', 'contact (default) or group')
    .option('--channel <channel>', 'WeCom messaging channel')
    .option('--staff <refs>', 'contact: staff to rotate across (comma-separated)', list)
    .option('--rotation <mode>', 'round_robin or least_loaded')
    .option('--groups <refs>', 'group: 1–5 groups (group id or chat_id)', list)
    .option('--state <state>', 'WeCom state (≤30 characters); default: generated')
    .option('--store <store>')
    .option('--acquisition-channel <name>', 'set as members\u2019 acquisition_channel')
    .option('--campaign <name>')
    .option('--tags <tags>', 'tags for every member arriving (comma-separated)', list)
    .option('--welcome-template <template>', 'template (id or name) with a wecom part')
    .option('--welcome-text <text>', 'welcome text (group codes: 入群欢迎语 material)')
    .description('create a code in WeCom')
    .action((o) =>
      withApi(o, async (api) => {
        const body = {
          ...(o.file ? readJson(o.file) : {}),
          ...Object.fromEntries(Object.entries({
            name: o.name, kind: o.kind, channel: o.channel, staff: o.staff, rotation: o.rotation, groups: o.groups, state: o.state, store: o.store,
            acquisition_channel: o.acquisitionChannel, campaign: o.campaign, tags: o.tags, welcome_template: o.welcomeTemplate, welcome_text: o.welcomeText,
          }).filter(([, v]) => v !== undefined)),
        };
        const q = expectOk(await api.request('POST', '/api/qrcodes', body), 'qrcode create');
        out(`created ${q.kind} code ${q.name} (${q.id}) state ${q.state}\n${q.qr_code ?? ''}\n`);
      }),
    );

  withStoreOptions(qr.command('show'))
    .argument('<ref>', 'code id, state or name')
    .description('show a code (JSON)')
    .action((ref, o) => withApi(o, async (api) => print({ json: true }, expectOk(await api.request('GET', `/api/qrcodes/${enc(ref)}`), 'qrcode show'))));

  withStoreOptions(qr.command('update'))
    .argument('<ref>', 'code id, state or name')
    .requiredOption('--file <file>', 'the changes as JSON (name, staff, groups, tags, welcome_template, …)')
    .description('change a code')
    .action((ref, o) => withApi(o, async (api) => out(codeLine(expectOk(await api.request('PATCH', `/api/qrcodes/${enc(ref)}`, readJson(o.file)), 'qrcode update')) + '\n')));

  withStoreOptions(qr.command('rotate'))
    .argument('<ref>', 'code id, state or name')
    .description('move a contact code to its next staff member now')
    .action((ref, o) => withApi(o, async (api) => out(codeLine(expectOk(await api.request('POST', `/api/qrcodes/${enc(ref)}/rotate`), 'qrcode rotate')) + '\n')));

  withStoreOptions(qr.command('delete'))
    .argument('<ref>', 'code id, state or name')
    .description('delete the code in WeCom (it stays, inactive, for reports)')
    .action((ref, o) => withApi(o, async (api) => out(codeLine(expectOk(await api.request('DELETE', `/api/qrcodes/${enc(ref)}`), 'qrcode delete')) + '\n')));

  withStoreOptions(qr.command('arrivals'))
    .argument('<ref>', 'code id, state or name')
    .option('--limit <n>', 'per page', '100')
    .option('--cursor <cursor>')
    .option('--json', 'print JSON')
    .description('members who arrived through a code')
    .action((ref, o) =>
      withApi(o, async (api) =>
        print(o, expectOk(await api.request('GET', `/api/qrcodes/${enc(ref)}/arrivals${qs({ limit: o.limit, cursor: o.cursor })}`), 'qrcode arrivals'), (a) => `${a.member_id}\t${a.arrived_at}\t${a.left_at ? `left ${a.left_at}` : 'present'}\t${a.staff_userid ?? a.chat_id ?? '-'}`),
      ),
    );

  withStoreOptions(qr.command('report'))
    .requiredOption('--from <date>', 'first day of arrivals YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, inclusive')
    .option('--window-days <n>', 'days after arrival in which orders count', '30')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to this file instead of stdout')
    .description('acquisition per code: new contacts, still contacts, first orders, GMV within the window')
    .action((o) =>
      withApi(o, async (api) => {
        const body = expectOk(await api.request('GET', `/api/qrcodes/report${qs({ from: o.from, to: o.to, window_days: o.windowDays })}`), 'qrcode report');
        writeReport(o, 'qrcode report', body, (b) => qrcodeTable(b.data));
      }),
    );
}
