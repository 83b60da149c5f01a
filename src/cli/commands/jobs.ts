// `siyu jobs list|show|stats|cancel|retry|schedules|schedule-set|schedule-delete`: the job queue through the API.
import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string) => process.stdout.write(s);
const enc = encodeURIComponent;

function parsePayload(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('cli.payload_invalid', '--payload must be JSON, e.g. \'{"segment":"vip"}\'', 'payload');
  }
}

function jobLine(j: any): string {
  return `${j.id}\t${j.kind}\t${j.state}\t${j.attempt}/${j.max_attempts}\t${j.run_at}${j.key ? `\tkey ${j.key}` : ''}${j.last_error ? `\t${String(j.last_error).split('\n')[0]}` : ''}\n`;
}

export function registerJobs(program: Command) {
  const jobs = program.command('jobs').description('durable jobs: list, inspect, cancel or retry jobs; recurring schedules');

  withStoreOptions(jobs.command('list'))
    .description('list jobs newest first')
    .option('--state <states>', 'only these states, comma-separated: queued,running,done,dead,cancelled')
    .option('--kind <kind>', 'only jobs of this kind')
    .option('--job-key <key>', 'only jobs with this enqueue key')
    .option('--limit <n>', 'jobs per page (1-500)', '50')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = new URLSearchParams({ limit: String(opts.limit) });
        for (const k of ['state', 'kind', 'cursor'] as const) if (opts[k]) q.set(k, opts[k]);
        if (opts.jobKey) q.set('key', opts.jobKey);
        const page = expectOk(await api.request('GET', `/api/jobs?${q}`), 'jobs list');
        if (opts.json) return void out(JSON.stringify(page, null, 2) + '\n');
        if (page.data.length === 0) return void out('no jobs\n');
        for (const j of page.data) out(jobLine(j));
        if (page.next_cursor) out(`more: --cursor ${page.next_cursor}\n`);
      }),
    );

  withStoreOptions(jobs.command('show'))
    .argument('<id>', 'job id (job_…)')
    .description('show one job as JSON: state, attempts, lease, last error, payload')
    .action((id, opts) => withApi(opts, async (api) => void out(JSON.stringify(expectOk(await api.request('GET', `/api/jobs/${enc(id)}`), 'jobs show'), null, 2) + '\n')));

  withStoreOptions(jobs.command('stats'))
    .description('job counts by kind and state, and queue lag per kind')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const s = expectOk(await api.request('GET', '/api/jobs/stats'), 'jobs stats');
        if (opts.json) return void out(JSON.stringify(s, null, 2) + '\n');
        if (s.counts.length === 0) out('no jobs\n');
        for (const c of s.counts) out(`${c.kind}\t${c.state}\t${c.count}\n`);
        for (const [kind, lag] of Object.entries(s.lag_seconds)) out(`${kind}\tlag ${Number(lag).toFixed(1)} s\n`);
      }),
    );

  withStoreOptions(jobs.command('cancel'))
    .argument('<id>', 'job id')
    .description('cancel a queued or running job')
    .action((id, opts) =>
      withApi(opts, async (api) => {
        const j = expectOk(await api.request('POST', `/api/jobs/${enc(id)}/cancel`), 'jobs cancel');
        out(`cancelled ${j.kind} job ${j.id}\n`);
      }),
    );

  withStoreOptions(jobs.command('retry'))
    .argument('<id>', 'job id')
    .description('run a dead or cancelled job again with fresh attempts, or a queued one now')
    .action((id, opts) =>
      withApi(opts, async (api) => {
        const j = expectOk(await api.request('POST', `/api/jobs/${enc(id)}/retry`), 'jobs retry');
        out(`${j.kind} job ${j.id} queued (attempt ${j.attempt}/${j.max_attempts}, due ${j.run_at})\n`);
      }),
    );

  withStoreOptions(jobs.command('schedules'))
    .description('list recurring schedules')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', '/api/jobs/schedules'), 'jobs schedules');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no schedules\n');
        for (const s of data) out(`${s.name}\t${s.cron}\t${s.timezone}\t${s.kind}\t${s.enabled ? 'enabled' : 'disabled'}\tnext ${s.next_run_at ?? '-'}\tlast ${s.last_run_at ?? '-'}\n`);
      }),
    );

  withStoreOptions(jobs.command('schedule-set'))
    .argument('<name>', 'schedule name, unique in the workspace')
    .description('create or replace a recurring schedule: each cron tick enqueues one job of --kind')
    .requiredOption('--cron <pattern>', "cron pattern (5 fields, or 6 with seconds first), e.g. '0 9 * * *'")
    .requiredOption('--kind <kind>', 'job kind to enqueue (see `siyu jobs stats` for the kinds with handlers)')
    .option('--timezone <tz>', 'IANA time zone of the pattern (default: the workspace time zone)')
    .option('--payload <json>', 'JSON payload of each job')
    .option('--disabled', 'save the schedule without firing it')
    .action((name, opts) => {
      const body = { cron: opts.cron, kind: opts.kind, timezone: opts.timezone, payload: parsePayload(opts.payload), enabled: !opts.disabled };
      return withApi(opts, async (api) => {
        const s = expectOk(await api.request('PUT', `/api/jobs/schedules/${enc(name)}`, body), 'jobs schedule-set');
        out(`schedule ${s.name}: ${s.cron} (${s.timezone}) → ${s.kind}, ${s.enabled ? `next ${s.next_run_at}` : 'disabled'}\n`);
      });
    });

  withStoreOptions(jobs.command('schedule-delete'))
    .argument('<name>', 'schedule name')
    .description('delete a schedule (jobs it already enqueued stay)')
    .action((name, opts) =>
      withApi(opts, async (api) => {
        expectOk(await api.request('DELETE', `/api/jobs/schedules/${enc(name)}`), 'jobs schedule-delete');
        out(`deleted schedule ${name}\n`);
      }),
    );
}
