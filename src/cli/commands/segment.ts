// `siyu segment create|update|delete|list|show|count|members|export|recompute|preview|upload|history`: segments
// through the API. Rules come from --rule '<json>' or --rule-file FILE; lists print tables or --json.
import { readFileSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import { invalid, SiyuError } from '../../core/errors.ts';
import { connectApi, expectOk, type ApiClient, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { readRefFile } from './ref-file.ts';
import { memberRow, memberSheetWriter, type ExportFormat, type ListedMember } from '../../modules/imports/export.ts';

const out = (s: string) => process.stdout.write(s);
const seg = (ref: string) => `/api/segments/${encodeURIComponent(ref)}`;

/** The rule of --rule or --rule-file as JSON (undefined when neither is given). */
export function ruleOption(opts: { rule?: string; ruleFile?: string }): unknown {
  if (opts.rule !== undefined && opts.ruleFile !== undefined) throw invalid('cli.rule_twice', 'Give the rule with --rule or --rule-file, not both', 'rule');
  let text: string;
  let field: string;
  if (opts.rule !== undefined) [text, field] = [opts.rule, 'rule'];
  else if (opts.ruleFile !== undefined) {
    try {
      [text, field] = [readFileSync(opts.ruleFile, 'utf8'), 'rule-file'];
    } catch (e) {
      throw invalid('cli.file_unreadable', `Cannot read ${opts.ruleFile}: ${(e as Error).message}`, 'rule-file');
    }
  } else return undefined;
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw invalid('cli.rule_not_json', `--${field} is not JSON: ${(e as Error).message}`, field);
  }
}

/** Display width: CJK and other wide characters take two columns. */
const width = (s: string) => [...s].reduce((n, c) => n + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(c) ? 2 : 1), 0);

/**
 * Aligned columns with a header row.
 * @example table([['name', 'count'], ['VIP', '12']]) // 'name  count\nVIP   12\n'
 */
export function table(rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => width(r[i] ?? ''))));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - width(c) + 2))).join('').trimEnd()).join('\n') + '\n';
}

const memberTable = (data: ListedMember[]) =>
  table([['member_id', 'user_id', 'name', 'phone', 'city', 'orders', 'spend', 'tags'], ...data.map((m) => [m.id, m.user_id, m.name, m.phone, m.city, m.traits?.order_count ?? 0, m.traits?.total_spend ?? 0, (m.tags ?? []).join(';')])]);

const segmentLine = (s: any) =>
  `${s.name} (${s.id}): ${s.kind}${s.kind === 'dynamic' ? (s.realtime ? ', realtime' : ', not realtime') : ''}, ${s.member_count} members, version ${s.version}` +
  `${s.effective_schedule ? `, recomputed on ${s.effective_schedule}` : ''}, last computed ${s.last_computed_at ?? 'never'}\n`;

export function registerSegment(program: Command) {
  const segment = program.command('segment').description('segments: rules and static lists, counts, members, exports, recomputes, history');

  withStoreOptions(segment.command('list'))
    .description('list segments with member counts')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', '/api/segments'), 'segment list');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no segments\n');
        out(table([['name', 'kind', 'members', 'realtime', 'last_computed_at', 'id'], ...data.map((s: any) => [s.name, s.kind, s.member_count, s.kind === 'dynamic' ? (s.realtime ? 'yes' : 'no') : '-', s.last_computed_at, s.id])]));
      }),
    );

  withStoreOptions(segment.command('show'))
    .argument('<segment>', 'segment id or name')
    .description('show a segment with its rule')
    .option('--json', 'print JSON')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const s = expectOk(await api.request('GET', seg(ref)), 'segment show');
        if (opts.json) return void out(JSON.stringify(s, null, 2) + '\n');
        out(segmentLine(s));
        if (s.rule) out(JSON.stringify(s.rule, null, 2) + '\n');
      }),
    );

  withStoreOptions(segment.command('create'))
    .argument('<name>', 'segment name, unique in the workspace')
    .description('create a dynamic segment from a rule (computed at once), or a static one with --static')
    .option('--rule <json>', 'the rule as JSON, e.g. \'{"has_tag":"VIP"}\'')
    .option('--rule-file <file>', 'a file holding the rule JSON')
    .option('--static', 'a static segment: members come from `siyu segment upload`')
    .option('--description <text>', 'what the segment is for')
    .option('--no-realtime', 'follow the data on recompute only, not within seconds')
    .option('--schedule <cron>', 'cron of scheduled recomputes (default for time-relative rules: every 15 minutes)')
    .option('--json', 'print JSON')
    .action((name, opts) => {
      // Checked before connecting: a bad flag costs no store start-up.
      const rule = ruleOption(opts);
      if (opts.static && rule !== undefined) throw invalid('cli.rule_not_allowed', 'A static segment takes no rule', 'rule');
      if (!opts.static && rule === undefined) throw invalid('cli.rule_required', 'Give a rule with --rule or --rule-file, or --static for an uploaded list', 'rule');
      return withApi(opts, async (api) => {
        const body = {
          name,
          kind: opts.static ? 'static' : 'dynamic',
          ...(rule !== undefined ? { rule, realtime: opts.realtime } : {}),
          ...(opts.description ? { description: opts.description } : {}),
          ...(opts.schedule ? { schedule: opts.schedule } : {}),
        };
        const s = expectOk(await api.request('POST', '/api/segments', body), 'segment create');
        if (opts.json) return void out(JSON.stringify(s, null, 2) + '\n');
        out(`created segment ${s.name} (${s.id}): ${s.member_count} members\n`);
      });
    });

  withStoreOptions(segment.command('update'))
    .argument('<segment>', 'segment id or name')
    .description('edit a segment; a new rule is validated and recomputed')
    .option('--name <name>', 'new name')
    .option('--rule <json>', 'new rule as JSON')
    .option('--rule-file <file>', 'a file holding the new rule JSON')
    .option('--description <text>', 'new description')
    .option('--realtime', 'follow the data within seconds')
    .option('--no-realtime', 'follow the data on recompute only')
    .option('--schedule <cron>', "cron of scheduled recomputes ('none' for the default)")
    .option('--json', 'print JSON')
    .action((ref, opts) => {
      const rule = ruleOption(opts);
      return withApi(opts, async (api) => {
        const body: Record<string, unknown> = {};
        if (opts.name !== undefined) body.name = opts.name;
        if (rule !== undefined) body.rule = rule;
        if (opts.description !== undefined) body.description = opts.description;
        if (opts.realtime !== undefined) body.realtime = opts.realtime;
        if (opts.schedule !== undefined) body.schedule = opts.schedule === 'none' ? null : opts.schedule;
        if (Object.keys(body).length === 0) throw invalid('cli.nothing_to_update', 'Nothing to change: give --name, --rule, --rule-file, --description, --realtime or --schedule', 'segment');
        const s = expectOk(await api.request('PATCH', seg(ref), body), 'segment update');
        if (opts.json) return void out(JSON.stringify(s, null, 2) + '\n');
        out(`updated segment ${s.name} (${s.id}): version ${s.version}, ${s.member_count} members\n`);
      });
    });

  withStoreOptions(segment.command('delete'))
    .argument('<segment>', 'segment id or name')
    .description('delete a segment with its membership and history')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        expectOk(await api.request('DELETE', seg(ref)), 'segment delete');
        out(`deleted segment ${ref}\n`);
      }),
    );

  withStoreOptions(segment.command('count'))
    .argument('<segment>', 'segment id or name')
    .description('how many members the segment holds')
    .option('--json', 'print JSON')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const c = expectOk(await api.request('GET', `${seg(ref)}/count`), 'segment count');
        if (opts.json) return void out(JSON.stringify(c) + '\n');
        out(`${c.name}: ${c.count} members (last computed ${c.last_computed_at ?? 'never'})\n`);
      }),
    );

  withStoreOptions(segment.command('members'))
    .argument('<segment>', 'segment id or name')
    .description('list members of a segment, newest first')
    .option('--limit <n>', 'members per page (max 1000)', '50')
    .option('--cursor <cursor>', 'continue from a next_cursor')
    .option('--json', 'print JSON ({ data, next_cursor })')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const qs = new URLSearchParams({ limit: String(Number(opts.limit) || 50) });
        if (opts.cursor) qs.set('cursor', opts.cursor);
        const page = expectOk(await api.request('GET', `${seg(ref)}/members?${qs}`), 'segment members');
        if (opts.json) return void out(JSON.stringify(page, null, 2) + '\n');
        if (page.data.length === 0) return void out('no members\n');
        out(memberTable(page.data));
        if (page.next_cursor) out(`more: --cursor ${page.next_cursor}\n`);
      }),
    );

  withStoreOptions(segment.command('export'))
    .argument('<segment>', 'segment id or name')
    .description('export the members of a segment to CSV (UTF-8 with BOM) or Excel')
    .option('--format <format>', 'csv or xlsx (default: from the --out extension)')
    .requiredOption('--out <file>', 'output file')
    .action((ref, opts) => {
      const format = (opts.format ?? (String(opts.out).toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv')) as ExportFormat;
      if (format !== 'csv' && format !== 'xlsx') throw invalid('cli.format_invalid', `--format is csv or xlsx, not ${format}`, 'format');
      return withApi(opts, async (api) => {
        const first = expectOk(await api.request('GET', `${seg(ref)}/members?limit=1000`), 'segment export');
        const writer = memberSheetWriter(format, opts.out);
        let rows = 0;
        try {
          for (let page = first; ; page = expectOk(await api.request('GET', `${seg(ref)}/members?limit=1000&cursor=${page.next_cursor}`), 'segment export')) {
            for (const m of page.data as ListedMember[]) {
              await writer.write(memberRow(m));
              rows++;
            }
            if (!page.next_cursor) break;
          }
        } catch (e) {
          await writer.close().catch(() => undefined);
          rmSync(opts.out, { force: true });
          throw e;
        }
        await writer.close();
        out(`Exported ${rows} members of ${ref} to ${opts.out}\n`);
      });
    });

  withStoreOptions(segment.command('recompute'))
    .argument('<segment>', 'segment id or name')
    .description('recompute now (then the segments that read it)')
    .option('--json', 'print JSON')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', `${seg(ref)}/recompute`), 'segment recompute');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        for (const run of [r.run, ...r.dependents]) {
          out(`${run.segment_id}: ${run.member_count} members, entered ${run.entered}, exited ${run.exited} (${run.trigger}, ${run.duration_ms} ms)\n`);
        }
      }),
    );

  withStoreOptions(segment.command('preview'))
    .description('count the members a rule selects now, with a sample; nothing is saved')
    .option('--rule <json>', 'the rule as JSON')
    .option('--rule-file <file>', 'a file holding the rule JSON')
    .option('--sample <n>', 'members to show', '10')
    .option('--json', 'print JSON')
    .action((opts) => {
      const rule = ruleOption(opts);
      if (rule === undefined) throw invalid('cli.rule_required', 'Give the rule with --rule or --rule-file', 'rule');
      return withApi(opts, async (api) => {
        const p = expectOk(await api.request('POST', '/api/segments/preview', { rule, sample: Math.min(100, Math.max(0, Number(opts.sample) || 0)) }), 'segment preview');
        if (opts.json) return void out(JSON.stringify(p, null, 2) + '\n');
        out(`${p.count} members (${p.took_ms} ms)\n`);
        if (p.sample.length > 0) out(memberTable(p.sample));
      });
    });

  withStoreOptions(segment.command('upload'))
    .argument('<segment>', 'static segment id or name')
    .requiredOption('--file <file>', 'one member ref per line (mem_…, user_id:u1, phone:138…), or a CSV with a ref, member_id, user_id or phone column')
    .option('--mode <mode>', 'replace the list, append to it, or remove these members', 'append')
    .option('--type <type>', 'identifier type of bare values in the file, e.g. phone or user_id')
    .option('--json', 'print JSON')
    .description('upload a member list to a static segment')
    .action((ref, opts) => {
      if (!['replace', 'append', 'remove'].includes(opts.mode)) throw invalid('cli.mode_invalid', `--mode is replace, append or remove, not ${opts.mode}`, 'mode');
      const refs = readRefFile(opts.file, opts.type);
      return withApi(opts, async (api) => {
        const sendable = refs.filter((r) => r.ref !== '');
        const r = expectOk(await api.request('POST', `${seg(ref)}/members`, { mode: opts.mode, members: sendable.map((x) => x.ref) }), 'segment upload');
        const missing = new Set<string>(r.not_found);
        const lines = refs.filter((x) => x.ref === '' || missing.has(x.ref)).map((x) => x.line);
        if (opts.json) out(JSON.stringify({ ...r, missing_lines: lines }) + '\n');
        else out(`${ref}: ${opts.mode} — entered ${r.entered}, exited ${r.exited}, now ${r.member_count} members, not found ${r.not_found_count + refs.length - sendable.length} (${refs.length} refs)\n`);
        if (lines.length > 0) {
          throw new SiyuError('not_found', 'segment.refs_not_found', `${lines.length} refs in ${opts.file} match no member, at lines ${lines.slice(0, 50).join(', ')}${lines.length > 50 ? ', …' : ''}`, { field: 'file' });
        }
      });
    });

  withStoreOptions(segment.command('history'))
    .argument('<segment>', 'segment id or name')
    .description('members on a past date (--date), or the daily size trend')
    .option('--date <date>', 'YYYY-MM-DD: membership at the end of that day (workspace time zone)')
    .option('--days <n>', 'trend: days back', '30')
    .option('--limit <n>', 'members to list with --date', '50')
    .option('--json', 'print JSON')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const qs = new URLSearchParams(opts.date ? { date: opts.date, limit: String(Number(opts.limit) || 50) } : { days: String(Number(opts.days) || 30) });
        const h = expectOk(await api.request('GET', `${seg(ref)}/history?${qs}`), 'segment history');
        if (opts.json) return void out(JSON.stringify(h, null, 2) + '\n');
        if (opts.date) {
          out(`${ref} on ${h.date}: ${h.count} members\n`);
          if (h.data.length > 0) out(memberTable(h.data));
          return;
        }
        if (h.trend.length === 0) return void out(`no runs in the last ${h.days} days\n`);
        out(table([['date', 'members', 'entered', 'exited', 'runs'], ...h.trend.map((d: any) => [d.date, d.member_count, d.entered, d.exited, d.runs])]));
      }),
    );
}
