// `siyu alerts monitors list|create|update|delete`, `siyu alerts evaluate [--as-of]`, `siyu alerts list|show|ack|resolve`:
// risk alerts (危机预警) through the API. Monitors evaluate local days or, with `--granularity hour`, local hours.
import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string) => process.stdout.write(s);
const collect = (v: string, prev: string[] = []) => [...prev, v];

function json(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('cli.json_invalid', `${flag} is not valid JSON`, flag);
  }
}

function number(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw invalid('cli.number_invalid', `${flag} must be a number`, flag);
  return n;
}

/** `staff:zhangsan`, `user:ops-lead` (a console user) or `name=值班经理,email=ops@example.com,phone=138…,wecom_userid=…`. */
export function parseRecipient(spec: string): Record<string, string> {
  if (spec.startsWith('staff:')) return { staff: spec.slice(6) };
  if (spec.startsWith('user:')) return { user: spec.slice(5) };
  const r: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) throw invalid('cli.recipient_invalid', `--recipient ${spec}: use staff:<id>, user:<username> or name=…,email=…`, '--recipient');
    r[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return r;
}

/** The rule from --rule JSON, or from --static above|below / --anomaly up|down|both with band flags. */
export function ruleOf(opts: Record<string, any>): unknown {
  if (opts.rule) return json(opts.rule, '--rule');
  const bands = Object.fromEntries((['info', 'warning', 'critical'] as const).flatMap((s) => (opts[s] !== undefined ? [[s, number(opts[s], `--${s}`)]] : [])));
  const minVolume = number(opts.minVolume, '--min-volume');
  if (opts.static) {
    return { type: 'static', op: opts.static, thresholds: bands, ...(opts.periods ? { periods: number(opts.periods, '--periods') } : {}), ...(minVolume !== undefined ? { min_volume: minVolume } : {}) };
  }
  return {
    type: 'anomaly', direction: typeof opts.anomaly === 'string' ? opts.anomaly : 'both', ...(Object.keys(bands).length ? { bands } : {}),
    ...(opts.weeks ? { weeks: number(opts.weeks, '--weeks') } : {}), ...(minVolume !== undefined ? { min_volume: minVolume } : {}),
  };
}

/** Rule, timing, schedule, notification and description flags shared by `monitors create` and `monitors update`. */
function monitorOptions(cmd: Command): Command {
  return cmd
    .option('--event <event>', 'event name, for event_count')
    .option('--params <json>', 'metric params as JSON, e.g. {"event":"complaint","filters":[…]}')
    .option('--granularity <granularity>', 'day (default): complete local days; hour: complete local hours (not dau, churn_to_silent)')
    .option('--rule <json>', 'the whole rule as JSON')
    .option('--static <op>', 'static threshold rule: above or below')
    .option('--anomaly [direction]', 'anomaly rule against the same weekday (and hour): up, down or both (default)')
    .option('--info <n>', 'info band (threshold or z)')
    .option('--warning <n>', 'warning band (threshold or z)')
    .option('--critical <n>', 'critical band (threshold or z)')
    .option('--periods <n>', 'static: consecutive periods (days or hours) needed')
    .option('--weeks <n>', 'anomaly: weeks of same-weekday history')
    .option('--min-volume <n>', 'periods with less volume never alert')
    .option('--recovery <n>', 'normal periods (days or hours) before an alert resolves itself')
    .option('--cooldown <minutes>', 'no reminder of the same alert within this time')
    .option('--schedule <cron>', 'cron in the workspace time zone, or "none" (default 5 9 * * *; hourly 5 * * * *)')
    .option('--recipient <spec>', 'staff:<id or userid>, user:<username> or name=…,email=…,phone=…,wecom_userid=… (repeatable)', collect)
    .option('--user <username>', 'console user (username or id) notified at their email (repeatable)', collect)
    .option('--channel <channel>', 'messaging channel id or name (repeatable)', collect)
    .option('--description <text>', 'what the monitor watches for')
    .option('--json', 'print JSON');
}

/** The body fields of the monitor flags that were given. */
function monitorFields(opts: Record<string, any>): Record<string, unknown> {
  const params = opts.params || opts.event ? { ...(opts.params ? (json(opts.params, '--params') as object) : {}), ...(opts.event ? { event: opts.event } : {}) } : undefined;
  return {
    ...(opts.metric ? { metric: opts.metric } : {}),
    ...(params ? { params } : {}),
    ...(opts.granularity ? { granularity: opts.granularity } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(opts.recovery ? { recovery_periods: number(opts.recovery, '--recovery') } : {}),
    ...(opts.cooldown ? { cooldown_minutes: number(opts.cooldown, '--cooldown') } : {}),
    ...(opts.schedule ? { schedule: opts.schedule === 'none' ? null : opts.schedule } : {}),
    ...(opts.recipient || opts.user ? { recipients: [...(opts.recipient ?? []).map(parseRecipient), ...(opts.user ?? []).map((user: string) => ({ user }))] } : {}),
    ...(opts.channel ? { channels: opts.channel } : {}),
  };
}

const per = (m: { granularity?: string }) => (m.granularity === 'hour' ? ' hourly' : '');

const pct = (v: number | null, unit: string) => (v === null || v === undefined ? '-' : unit === 'rate' ? `${(v * 100).toFixed(2)}%` : String(Math.round(v * 100) / 100));

export function registerAlerts(program: Command) {
  const alerts = program.command('alerts').description('risk alerts (危机预警): monitors, evaluation, alert history');
  const monitors = alerts.command('monitors').description('monitors: a metric, a rule, a schedule and recipients');

  withStoreOptions(monitors.command('list'))
    .description('list monitors')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', '/api/alerts/monitors'), 'alerts monitors list');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no monitors\n');
        for (const m of data) out(`${m.name}\t${m.metric}${per(m)}\t${m.rule.type}${m.rule.type === 'static' ? ` ${m.rule.op}` : ` ${m.rule.direction}`}\t${m.schedule ?? 'on demand'}\t${m.enabled ? 'enabled' : 'disabled'}\t${m.last_status ?? '-'}\t${m.id}\n`);
      }),
    );

  monitorOptions(withStoreOptions(monitors.command('create')))
    .argument('<name>', 'monitor name, unique in the workspace')
    .requiredOption('--metric <metric>', 'metric id (GET /api/alerts/metrics): event_count, refund_rate, gmv, …')
    .description('create a monitor')
    .action((name, opts) =>
      withApi(opts, async (api) => {
        const body = { name, params: {}, recipients: [], channels: [], ...monitorFields(opts), rule: ruleOf(opts) };
        const m = expectOk(await api.request('POST', '/api/alerts/monitors', body), 'alerts monitors create');
        if (opts.json) return void out(JSON.stringify(m, null, 2) + '\n');
        out(`created monitor ${m.name} (${m.id}) on ${m.metric}${per(m)}, ${m.schedule ? `schedule ${m.schedule}` : 'on demand'}\n`);
      }),
    );

  monitorOptions(withStoreOptions(monitors.command('update')))
    .argument('<monitor>', 'monitor id or name')
    .option('--metric <metric>', 'another metric id (its params start empty unless given)')
    .option('--name <name>', 'a new name')
    .option('--enable', 'enable the monitor (its schedule runs)')
    .option('--disable', 'disable the monitor (its schedule stops)')
    .description('change a monitor: only the flags given change; a rule changes with --rule, --static or --anomaly')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        if (opts.enable && opts.disable) throw invalid('cli.flags_conflict', '--enable and --disable exclude each other', '--enable');
        const body = {
          ...monitorFields(opts), ...(opts.name ? { name: opts.name } : {}), ...(opts.rule || opts.static || opts.anomaly ? { rule: ruleOf(opts) } : {}),
          ...(opts.enable ? { enabled: true } : opts.disable ? { enabled: false } : {}),
        };
        const m = expectOk(await api.request('PATCH', `/api/alerts/monitors/${encodeURIComponent(ref)}`, body), 'alerts monitors update');
        if (opts.json) return void out(JSON.stringify(m, null, 2) + '\n');
        out(`updated monitor ${m.name} (${m.id}) on ${m.metric}${per(m)}, ${m.schedule ? `schedule ${m.schedule}` : 'on demand'}${m.enabled ? '' : ', disabled'}\n`);
      }),
    );

  withStoreOptions(monitors.command('delete'))
    .argument('<monitor>', 'monitor id or name')
    .description('delete a monitor with its schedule and alerts')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        expectOk(await api.request('DELETE', `/api/alerts/monitors/${encodeURIComponent(ref)}`), 'alerts monitors delete');
        out(`deleted monitor ${ref}\n`);
      }),
    );

  withStoreOptions(alerts.command('evaluate'))
    .description('evaluate every enabled monitor (or one) now')
    .option('--as-of <period>', 'local date YYYY-MM-DD (daily monitors; default yesterday) or hour YYYY-MM-DDTHH:00 (hourly monitors; default the last complete hour); without --monitor a date evaluates the daily monitors, an hour the hourly ones; earlier periods back-test')
    .option('--monitor <monitor>', 'only this monitor (id or name)')
    .option('--dry-run', 'only print the verdicts: open, update, resolve and notify nothing')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const body = { ...(opts.asOf ? { as_of: opts.asOf } : {}), ...(opts.monitor ? { monitor: opts.monitor } : {}), dry_run: Boolean(opts.dryRun) };
        const { data } = expectOk(await api.request('POST', '/api/alerts/evaluate', body), 'alerts evaluate');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no enabled monitors\n');
        for (const r of data) {
          const e = r.evaluation;
          out(`${r.monitor}\t${r.as_of}\t${e.status}${e.severity ? ` ${e.severity}` : ''}\tvalue ${e.value ?? '-'}\t${r.action}${r.alert ? ` ${r.alert.id}` : ''}${r.notifications.length ? `\tnotified ${r.notifications.filter((n: any) => n.status !== 'failed').length}/${r.notifications.length}` : ''}\n`);
        }
      }),
    );

  withStoreOptions(alerts.command('list'))
    .description('list alerts, newest first')
    .option('--state <state>', 'open, acknowledged or resolved')
    .option('--severity <severity>', 'info, warning or critical')
    .option('--monitor <monitor>', 'monitor id or name')
    .option('--from <date>', 'opened on or after this local date')
    .option('--to <date>', 'opened on or before this local date')
    .option('--limit <n>', 'at most this many (default 100)')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = new URLSearchParams();
        for (const k of ['state', 'severity', 'monitor', 'from', 'to', 'limit']) if (opts[k]) q.set(k, opts[k]);
        const { data } = expectOk(await api.request('GET', `/api/alerts${q.size ? `?${q}` : ''}`), 'alerts list');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no alerts\n');
        for (const a of data) out(`${a.id}\t${a.state}\t${a.severity}\t${a.monitor_name ?? a.monitor_id}\t${a.first_period}..${a.last_period}\t${pct(a.value, a.unit)}\t×${a.occurrences}\n`);
      }),
    );

  withStoreOptions(alerts.command('show'))
    .argument('<id>', 'alert id')
    .option('--json', 'print JSON')
    .description('an alert with its history and notifications')
    .action((id, opts) =>
      withApi(opts, async (api) => {
        const a = expectOk(await api.request('GET', `/api/alerts/${encodeURIComponent(id)}`), 'alerts show');
        if (opts.json) return void out(JSON.stringify(a, null, 2) + '\n');
        out(`${a.id}\t${a.state}\t${a.severity}\t${a.monitor_name ?? a.monitor_id}\n`);
        out(`metric ${a.metric}: ${pct(a.value, a.unit)} (${a.first_period}..${a.last_period}, ${a.occurrences} times)${a.note ? `\nnote: ${a.note}` : ''}\n`);
        out('history:\n');
        for (const e of a.events) out(`  ${e.occurred_at}\t${e.type}\t${e.actor ?? ''}${e.note ? `\t${e.note}` : ''}\n`);
        if (a.notifications.length) out('notifications:\n');
        for (const n of a.notifications) out(`  ${n.created_at}\t${n.reason}\t${n.recipient}\t${n.channel_type}\t${n.status}${n.error ? `\t${n.error}` : ''}\n`);
      }),
    );

  withStoreOptions(alerts.command('ack'))
    .argument('<id>', 'alert id')
    .option('--note <text>', 'what is being done')
    .description('acknowledge an open alert')
    .action((id, opts) =>
      withApi(opts, async (api) => {
        const a = expectOk(await api.request('POST', `/api/alerts/${encodeURIComponent(id)}/acknowledge`, opts.note ? { note: opts.note } : {}), 'alerts ack');
        out(`${a.id} acknowledged\n`);
      }),
    );

  withStoreOptions(alerts.command('resolve'))
    .argument('<id>', 'alert id')
    .requiredOption('--note <text>', 'how it was resolved')
    .description('resolve an alert by hand')
    .action((id, opts) =>
      withApi(opts, async (api) => {
        const a = expectOk(await api.request('POST', `/api/alerts/${encodeURIComponent(id)}/resolve`, { note: opts.note }), 'alerts resolve');
        out(`${a.id} resolved\n`);
      }),
    );
}
