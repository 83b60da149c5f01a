// `siyu broadcast create|list|show|schedule|cancel|progress|send-test`: broadcasts through the API.
import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { expectOk, withApi, type ApiClient } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string) => process.stdout.write(s);
const enc = encodeURIComponent;

/** The schedule from --now / --at / --local-time (at most one), or undefined when none is given. */
function scheduleOf(opts: { now?: boolean; at?: string; localTime?: string }) {
  const given = [opts.now, opts.at, opts.localTime].filter((v) => v !== undefined && v !== false).length;
  if (given > 1) throw invalid('cli.schedule_ambiguous', 'give one of --now, --at or --local-time', 'schedule');
  if (opts.at) return { type: 'at', at: opts.at };
  if (opts.localTime) {
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})$/.exec(opts.localTime.trim());
    if (!m) throw invalid('cli.local_time_invalid', `--local-time must be "YYYY-MM-DD HH:MM", got ${opts.localTime}`, 'local-time');
    return { type: 'local_time', date: m[1], time: m[2] };
  }
  if (opts.now) return { type: 'now' };
  return undefined;
}

const scheduleOptions = (cmd: Command) =>
  cmd
    .option('--now', 'start as soon as scheduled (default)')
    .option('--at <time>', 'start at this ISO time, e.g. 2026-12-05T10:00:00+08:00')
    .option('--local-time <datetime>', '"YYYY-MM-DD HH:MM" in each member\'s time zone (attribute timezone, else the workspace\'s)');

function scheduleText(s: any): string {
  if (!s || s.type === 'now') return 'now';
  if (s.type === 'at') return `at ${s.at}`;
  return `${s.date} ${s.time} member-local`;
}

function progressLine(p: any): string {
  const c = p.counts;
  const reasons = Object.entries(p.skipped_by_reason ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${p.status}: audience ${p.audience ?? '—'} · sent ${c.sent} · failed ${c.failed} · skipped ${c.skipped}${reasons ? ` (${reasons})` : ''} · holdout ${c.holdout} · pending ${c.pending}` +
    `${p.deferred ? ` · deferred ${p.deferred}` : ''} · chunks ${p.chunks.done}/${p.chunks.total} done${p.next_run_at ? ` · next ${p.next_run_at}` : ''}\n`;
}

function broadcastText(b: any): string {
  return `${b.id}\t${b.name}\t${b.status}\t${b.channel_type}\t${scheduleText(b.schedule)}${b.rate_limit_per_second ? `\t${b.rate_limit_per_second}/s` : ''}${b.holdout_share ? `\tholdout ${b.holdout_share}` : ''}\n`;
}

async function show(api: ApiClient, id: string, json: boolean) {
  const b = expectOk(await api.request('GET', `/api/broadcasts/${enc(id)}`), 'broadcast show');
  if (json) return void out(JSON.stringify(b, null, 2) + '\n');
  out(broadcastText(b));
  out(`segment ${b.segment_id} · template ${b.template_id}${b.template_version ? ` v${b.template_version}` : ''} · channel ${b.channel_id} · ${b.purpose}\n`);
  if (b.error) out(`error ${b.error.code}: ${b.error.message}\n`);
  out(progressLine(b.progress));
}

export function registerBroadcast(program: Command) {
  const bc = program.command('broadcast').description('broadcasts: one message to a segment, now / at a time / at a local time, throttled, cancellable');

  scheduleOptions(withStoreOptions(bc.command('create')))
    .requiredOption('--name <name>', 'broadcast name')
    .requiredOption('--segment <segment>', 'segment (or static list) id or name')
    .requiredOption('--template <template>', 'message template id or name')
    .requiredOption('--channel <channel>', 'messaging channel id or name')
    .option('--purpose <purpose>', 'marketing or service', 'marketing')
    .option('--holdout <share>', 'control-group share never sent, 0 to 0.9', '0')
    .option('--rate <n>', 'messages per second across all workers')
    .option('--description <text>', 'what it is for')
    .option('--schedule', 'schedule it right away (otherwise it stays a draft)')
    .option('--json', 'print JSON')
    .description('create a draft broadcast (and schedule it with --schedule)')
    .action((opts) =>
      withApi(opts, async (api) => {
        const holdout = Number(opts.holdout);
        if (!Number.isFinite(holdout)) throw invalid('cli.invalid_number', `--holdout must be a number, got ${opts.holdout}`, 'holdout');
        const rate = opts.rate === undefined ? null : Number(opts.rate);
        if (rate !== null && !(Number.isInteger(rate) && rate > 0)) throw invalid('cli.invalid_number', `--rate must be a positive integer, got ${opts.rate}`, 'rate');
        const schedule = scheduleOf(opts);
        const body = { name: opts.name, segment: opts.segment, template: opts.template, channel: opts.channel, purpose: opts.purpose, holdout_share: holdout, rate_limit_per_second: rate, ...(opts.description ? { description: opts.description } : {}), ...(schedule ? { schedule } : {}) };
        let b = expectOk(await api.request('POST', '/api/broadcasts', body), 'broadcast create');
        if (opts.schedule) b = expectOk(await api.request('POST', `/api/broadcasts/${enc(b.id)}/schedule`, {}), 'broadcast schedule');
        if (opts.json) return void out(JSON.stringify(b, null, 2) + '\n');
        out(`${opts.schedule ? 'scheduled' : 'created draft'} broadcast ${b.name} (${b.id}): ${scheduleText(b.schedule)}${b.start_at ? `, starts ${b.start_at}` : ''}\n`);
      }),
    );

  withStoreOptions(bc.command('list'))
    .option('--status <status>', 'only this status: draft, scheduled, running, completed, cancelled, failed')
    .option('--limit <n>', 'broadcasts per page (1-500)', '50')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .option('--json', 'print JSON')
    .description('list broadcasts, newest first')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = new URLSearchParams({ limit: String(opts.limit) });
        if (opts.status) q.set('status', opts.status);
        if (opts.cursor) q.set('cursor', opts.cursor);
        const page = expectOk(await api.request('GET', `/api/broadcasts?${q}`), 'broadcast list');
        if (opts.json) return void out(JSON.stringify(page, null, 2) + '\n');
        if (page.data.length === 0) return void out('no broadcasts\n');
        for (const b of page.data) out(broadcastText(b));
        if (page.next_cursor) out(`more: --cursor ${page.next_cursor}\n`);
      }),
    );

  withStoreOptions(bc.command('show'))
    .argument('<broadcast>', 'broadcast id or name')
    .option('--json', 'print JSON')
    .description('show a broadcast with its progress')
    .action((id, opts) => withApi(opts, (api) => show(api, id, Boolean(opts.json))));

  scheduleOptions(withStoreOptions(bc.command('schedule')))
    .argument('<broadcast>', 'broadcast id or name')
    .option('--json', 'print JSON')
    .description('schedule a draft (pins the template version); --now/--at/--local-time replace its schedule')
    .action((id, opts) =>
      withApi(opts, async (api) => {
        const schedule = scheduleOf(opts);
        const b = expectOk(await api.request('POST', `/api/broadcasts/${enc(id)}/schedule`, schedule ? { schedule } : {}), 'broadcast schedule');
        if (opts.json) return void out(JSON.stringify(b, null, 2) + '\n');
        out(`scheduled broadcast ${b.name} (${b.id}): ${scheduleText(b.schedule)}, starts ${b.start_at}, template v${b.template_version}\n`);
      }),
    );

  withStoreOptions(bc.command('cancel'))
    .argument('<broadcast>', 'broadcast id or name')
    .description('cancel a scheduled or running broadcast: no further chunk is sent')
    .action((id, opts) =>
      withApi(opts, async (api) => {
        const b = expectOk(await api.request('POST', `/api/broadcasts/${enc(id)}/cancel`), 'broadcast cancel');
        out(`cancelled broadcast ${b.name} (${b.id})\n` + progressLine(b.progress));
      }),
    );

  withStoreOptions(bc.command('progress'))
    .argument('<broadcast>', 'broadcast id or name')
    .option('--watch', 'print again every --interval seconds until it finishes (with a running server)')
    .option('--interval <seconds>', 'seconds between prints with --watch', '2')
    .option('--json', 'print JSON')
    .description('live progress: counts by state (pending, sent, failed, skipped by reason, holdout) and chunks')
    .action((id, opts) =>
      withApi(opts, async (api) => {
        for (;;) {
          const p = expectOk(await api.request('GET', `/api/broadcasts/${enc(id)}/progress`), 'broadcast progress');
          out(opts.json ? JSON.stringify(p, null, 2) + '\n' : progressLine(p));
          if (!opts.watch || !['scheduled', 'running'].includes(p.status)) return;
          await new Promise((r) => setTimeout(r, Math.max(0.2, Number(opts.interval) || 2) * 1000));
        }
      }),
    );

  withStoreOptions(bc.command('send-test'))
    .argument('<broadcast>', 'broadcast id or name')
    .requiredOption('--member <ref...>', 'member refs to render for (user_id:u1, phone:138…, mem_…), up to 20')
    .option('--to <key=value...>', 'addresses that replace the members\' own, e.g. phone=13800000000')
    .option('--json', 'print JSON')
    .description('send the template to a few members now (no guard rails, no holdout, not counted)')
    .action((id, opts) =>
      withApi(opts, async (api) => {
        const to: Record<string, string> = {};
        for (const kv of opts.to ?? []) {
          const i = String(kv).indexOf('=');
          if (i < 1) throw invalid('cli.to_invalid', `--to takes key=value, got ${kv}`, 'to');
          to[kv.slice(0, i)] = kv.slice(i + 1);
        }
        const r = expectOk(await api.request('POST', `/api/broadcasts/${enc(id)}/send-test`, { members: opts.member, ...(opts.to ? { to } : {}) }), 'broadcast send-test');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        out(`test send ${r.source_key}: sent ${r.sent}, failed ${r.failed}, skipped ${r.skipped}\n`);
        for (const o of r.outcomes) out(`${o.member_id}\t${o.status}${o.reason ? `\t${o.reason}` : ''}${o.code ? `\t${o.code}` : ''}\n`);
      }),
    );
}
