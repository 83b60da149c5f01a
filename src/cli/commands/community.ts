// `siyu community …`: customer groups (社群) through the API — sync from WeCom, list and label groups, members,
// SOPs, audiences (member ids for broadcasts) and the per-group report.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { groupTable } from '../../modules/community/report-repo.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { enc, print, qs, readJson, writeReport } from './staff.ts';

const out = (s: string): void => void process.stdout.write(s);
const list = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const groupLine = (g: any) => `${g.name ?? '-'}\t${g.chat_id}\t${g.owner_userid ?? '-'}\t${g.member_count} members\t${g.positioning ?? '-'}\t${g.value_tier ?? '-'}\t${g.status}\t${g.id}`;
const sopLine = (s: any) => `${s.name}\t${s.cron} ${s.timezone}\t${s.enabled ? 'enabled' : 'disabled'}\tlast ${s.last_tick ?? '-'}\t${s.id}`;

/** --group/--positioning/--value-tier/--tag/--owner as an API targets object. */
const targets = (o: Record<string, any>) =>
  Object.fromEntries(Object.entries({ groups: o.group?.length ? o.group : undefined, positioning: o.positioning, value_tier: o.valueTier, tag: o.tag, owner: o.owner }).filter(([, v]) => v !== undefined));

function withTargets(cmd: Command): Command {
  return cmd
    .option('--group <refs>', 'groups (id or chat_id; comma-separated or repeated)', list, [])
    .option('--positioning <p>')
    .option('--value-tier <tier>')
    .option('--tag <tag>')
    .option('--owner <userid>');
}

export function registerCommunity(program: Command) {
  const c = program.command('community').description('community (社群): WeCom customer groups, members, SOPs, audiences, reports');

  withStoreOptions(c.command('sync'))
    .requiredOption('--channel <channel>', 'WeCom messaging channel')
    .option('--group <refs>', 'only these groups', list, [])
    .description('sync groups and members from WeCom now (schedule it with: siyu jobs schedule-set … --kind community.sync)')
    .action((o) =>
      withApi(o, async (api) => {
        const r = expectOk(await api.request('POST', '/api/community/sync', { channel: o.channel, groups: o.group.length ? o.group : undefined }), 'community sync');
        out(`synced ${r.groups} groups: ${r.joined} joined, ${r.left} left, ${r.dismissed} dismissed${r.errors.length ? `, ${r.errors.length} errors` : ''}\n`);
        for (const e of r.errors) out(`  ${e.chat_id}: ${e.error}\n`);
      }),
    );

  withStoreOptions(c.command('groups'))
    .option('--status <status>', 'active or dismissed')
    .option('--positioning <p>')
    .option('--value-tier <tier>')
    .option('--tag <tag>')
    .option('--owner <userid>')
    .option('--json', 'print JSON')
    .description('list groups')
    .action((o) =>
      withApi(o, async (api) => print(o, expectOk(await api.request('GET', `/api/community/groups${qs({ status: o.status, positioning: o.positioning, value_tier: o.valueTier, tag: o.tag, owner: o.owner })}`), 'community groups'), groupLine)),
    );

  withStoreOptions(c.command('set'))
    .argument('<group>', 'group id or chat_id')
    .option('--positioning <p>', 'what the group is for ("" clears)')
    .option('--value-tier <tier>', '("" clears)')
    .option('--tags <tags>', 'labels (comma-separated; "" clears)')
    .description('set a group\u2019s positioning, value tier and tags')
    .action((ref, o) =>
      withApi(o, async (api) => {
        const clear = (v: string | undefined) => (v === '' ? null : v);
        const body = { positioning: clear(o.positioning), value_tier: clear(o.valueTier), tags: o.tags === undefined ? undefined : list(o.tags) };
        out(groupLine(expectOk(await api.request('PATCH', `/api/community/groups/${enc(ref)}`, body), 'community set')) + '\n');
      }),
    );

  withStoreOptions(c.command('members'))
    .argument('<group>', 'group id or chat_id')
    .option('--all', 'include members who left')
    .option('--limit <n>', 'per page', '200')
    .option('--cursor <cursor>')
    .option('--json', 'print JSON')
    .description('members of a group')
    .action((ref, o) =>
      withApi(o, async (api) => {
        const body = expectOk(await api.request('GET', `/api/community/groups/${enc(ref)}/members${qs({ active: o.all ? 'false' : 'true', limit: o.limit, cursor: o.cursor })}`), 'community members');
        print(o, body, (m) => `${m.userid}\t${m.member_type === 2 ? 'customer' : 'staff'}\t${m.member_id ?? '-'}\tjoined ${m.joined_at}${m.left_at ? `\tleft ${m.left_at}` : ''}`);
      }),
    );

  withStoreOptions(withTargets(c.command('audience')))
    .option('--out <file>', 'write member ids (one per line) to this file')
    .option('--json', 'print JSON')
    .description('member ids of the customers in the matching groups (a broadcast audience)')
    .action((o) =>
      withApi(o, async (api) => {
        const r = expectOk(await api.request('POST', '/api/community/audience', targets(o)), 'community audience');
        if (o.out) {
          writeFileSync(o.out, r.member_ids.map((id: string) => `${id}\n`).join(''));
          return void out(`wrote ${r.members} member ids from ${r.groups} groups to ${o.out}\n`);
        }
        if (o.json) return void out(JSON.stringify(r, null, 2) + '\n');
        out(r.member_ids.map((id: string) => `${id}\n`).join(''));
      }),
    );

  withStoreOptions(c.command('report'))
    .requiredOption('--from <date>', 'first day YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, inclusive')
    .option('--group <group>', 'one group only')
    .option('--window-days <n>', 'days after joining in which orders convert', '30')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to this file instead of stdout')
    .description('per group: joins, leaves, SOP posts, member spend, RFM mix, conversions')
    .action((o) =>
      withApi(o, async (api) => {
        const path = o.group ? `/api/community/groups/${enc(o.group)}/report` : '/api/community/report';
        const body = expectOk(await api.request('GET', `${path}${qs({ from: o.from, to: o.to, window_days: o.windowDays })}`), 'community report');
        writeReport(o, 'community report', body, (b) => groupTable(b.data));
      }),
    );

  const sop = c.command('sop').description('scheduled SOP posts to groups');
  withStoreOptions(sop.command('list'))
    .option('--json', 'print JSON')
    .description('list SOPs')
    .action((o) => withApi(o, async (api) => print(o, expectOk(await api.request('GET', '/api/community/sops'), 'community sop list'), sopLine)));
  withStoreOptions(sop.command('create'))
    .requiredOption('--file <file>', 'the SOP as JSON: {name, cron, timezone?, channel, content {text, attachments} | template, targets}')
    .description('create an SOP (and its schedule)')
    .action((o) => withApi(o, async (api) => out(`created SOP ${sopLine(expectOk(await api.request('POST', '/api/community/sops', readJson(o.file)), 'community sop create'))}\n`)));
  withStoreOptions(sop.command('update'))
    .argument('<sop>', 'SOP id or name')
    .requiredOption('--file <file>', 'the changes as JSON')
    .description('change an SOP')
    .action((ref, o) => withApi(o, async (api) => out(sopLine(expectOk(await api.request('PATCH', `/api/community/sops/${enc(ref)}`, readJson(o.file)), 'community sop update')) + '\n')));
  withStoreOptions(sop.command('run'))
    .argument('<sop>', 'SOP id or name')
    .option('--tick <iso>', 'the tick to post for (default: this minute); once per tick and group')
    .description('post an SOP now')
    .action((ref, o) => withApi(o, async (api) => print({ json: true }, expectOk(await api.request('POST', `/api/community/sops/${enc(ref)}/run`, { tick: o.tick }), 'community sop run'))));
  withStoreOptions(sop.command('delete'))
    .argument('<sop>', 'SOP id or name')
    .description('delete an SOP and its schedule')
    .action((ref, o) =>
      withApi(o, async (api) => {
        expectOk(await api.request('DELETE', `/api/community/sops/${enc(ref)}`), 'community sop delete');
        out(`deleted SOP ${ref}\n`);
      }),
    );
}
