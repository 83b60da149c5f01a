// `siyu report kpis|gmv|cohorts|funnel|channels|trends`: analytics through the API, as CSV (default) or JSON,
// to stdout or --out FILE.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SiyuError } from '../../core/errors.ts';
import { connectApi, expectOk } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { channelTable, cohortCsvTable, funnelTable, gmvTable, kpiTable, toCsv, trendTable, type Table } from '../../modules/analytics/report-csv.ts';
import { parseStep } from '../../modules/analytics/step-syntax.ts';
import { campaignTable, campaignsTable } from '../../modules/measurement/report-csv.ts';

type Opts = Record<string, any>;

function withOutput(cmd: Command): Command {
  return withStoreOptions(cmd)
    .option('--format <format>', 'csv (header row, RFC 4180) or json (the API response)', 'csv')
    .option('--out <file>', 'write to this file instead of stdout');
}

function withPeriod(cmd: Command): Command {
  return cmd
    .option('--from <date>', 'first day YYYY-MM-DD (with --to)')
    .option('--to <date>', 'last day YYYY-MM-DD, inclusive (with --from)')
    .option('--period <unit>', 'day|week|month|quarter|year around --date (default: month)')
    .option('--date <date>', 'a day inside the period (default: today in the workspace time zone)');
}

function query(params: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const periodParams = (o: Opts) => ({ from: o.from, to: o.to, period: o.period, date: o.date });

/** Fetches one report and prints it in the chosen format. */
async function run(o: Opts, what: string, fetch: (api: Awaited<ReturnType<typeof connectApi>>) => Promise<any>, table: (body: any) => Table) {
  if (o.format !== 'csv' && o.format !== 'json') throw new SiyuError('invalid_data', 'cli.format_invalid', `--format must be csv or json, got "${o.format}"`, { field: 'format' });
  const api = await connectApi(o);
  let body: any;
  try {
    body = expectOk(await fetch(api), `report ${what}`);
  } finally {
    await api.close();
  }
  const text = o.format === 'json' ? JSON.stringify(body, null, 2) + '\n' : toCsv(table(body));
  if (o.out) {
    writeFileSync(o.out, text);
    process.stdout.write(`wrote report ${what} to ${o.out}\n`);
  } else process.stdout.write(text);
}

/** Steps from --step (repeatable, `Name[key=value][n>=1]`) and/or --steps FILE.json (`[{event, where}]` or `{steps}`). */
function stepsOf(o: Opts) {
  const steps: unknown[] = [];
  if (o.steps) {
    const parsed = JSON.parse(readFileSync(o.steps, 'utf8'));
    steps.push(...(Array.isArray(parsed) ? parsed : parsed.steps ?? []));
  }
  (o.step as string[] | undefined)?.forEach((s, i) => steps.push(parseStep(s, `step.${i + 1}`)));
  if (steps.length < 2) throw new SiyuError('invalid_data', 'analytics.steps_required', 'a funnel needs at least two steps: --step NAME --step NAME … or --steps FILE.json', { field: 'steps' });
  return steps;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerReport(program: Command) {
  const report = program.command('report').description('analytics reports: kpis, gmv, cohorts, funnel, channels, trends (CSV or JSON)');

  withPeriod(withOutput(report.command('kpis')))
    .description('KPIs of a period against the previous one: members, active (DAU/WAU/MAU), buyers, conversion, repurchase, AOV, GMV, ARPU')
    .action((o) => run(o, 'kpis', (api) => api.request('GET', `/api/analytics/kpis${query(periodParams(o))}`), kpiTable));

  withPeriod(withOutput(report.command('gmv')))
    .description('GMV = active members × conversion × orders per buyer × AOV, split into new and returning buyers')
    .action((o) => run(o, 'gmv', (api) => api.request('GET', `/api/analytics/gmv${query(periodParams(o))}`), gmvTable));

  withOutput(report.command('cohorts'))
    .description('acquisition cohorts × offset: size, active and repurchasing members and rates (one row per cell)')
    .option('--unit <unit>', 'month or week', 'month')
    .option('--by <basis>', 'first-order (first order month/week) or signup (members.created_at)', 'first-order')
    .option('--from <date>', 'first cohort: the unit holding this day (default: 11 units before --to)')
    .option('--to <date>', 'last cohort: the unit holding this day (default: today)')
    .option('--offsets <n>', 'highest offset (default: number of cohorts − 1)')
    .option('--as-of <date>', 'count activity up to this day (default: today or --to, the later)')
    .action((o) =>
      run(o, 'cohorts', (api) =>
        api.request('GET', `/api/analytics/cohorts${query({ unit: o.unit, cohort_by: String(o.by).replace('-', '_'), from: o.from, to: o.to, offsets: o.offsets, as_of: o.asOf })}`),
      cohortCsvTable),
    );

  withPeriod(withOutput(report.command('funnel')))
    .description('ordered funnel: members per step within the window from step 1, conversions and median time between steps')
    .option('--step <step>', 'a step, repeat in order: "Event name" or "Event[prop=value][price>=20][prop~=text]"', collect)
    .option('--steps <file>', 'steps as JSON: [{"event": "…", "where": [{"property", "op", "value"}]}]')
    .option('--window <window>', 'time allowed from step 1, e.g. 7d, 48h, 30m', '7d')
    .action((o) =>
      run(o, 'funnel', (api) => api.request('POST', '/api/analytics/funnels', { steps: stepsOf(o), window: o.window, ...Object.fromEntries(Object.entries(periodParams(o)).filter(([, v]) => v !== undefined)) }), funnelTable),
    );

  withPeriod(withOutput(report.command('channels')))
    .description('by source channel and by order channel: members, new members, buyers, orders, GMV, AOV, repurchase rate')
    .action((o) => run(o, 'channels', (api) => api.request('GET', `/api/analytics/channels${query(periodParams(o))}`), channelTable));

  withOutput(report.command('trends'))
    .description('series by day, week or month: members, new, active, buyers, orders, GMV, AOV, repurchase rate')
    .option('--granularity <g>', 'day, week or month', 'day')
    .option('--from <date>', 'first day (default: 30 days / 12 weeks / 12 months before --to)')
    .option('--to <date>', 'last day (default: today)')
    .action((o) => run(o, 'trends', (api) => api.request('GET', `/api/analytics/trends${query({ granularity: o.granularity, from: o.from, to: o.to })}`), trendTable));

  withOutput(report.command('campaign'))
    .description('campaign report of a source (broadcast:<id>, journey:<id>): reach, delivery, clicks, conversions, revenue, lift against the holdout with 95% CI')
    .requiredOption('--source <key>', 'the campaign source key, e.g. broadcast:brd_01…')
    .option('--window-days <n>', 'attribution window in days after the send (holdout: after assignment)', '7')
    .action((o) =>
      run(o, 'campaign', (api) => api.request('GET', `/api/measurement/campaigns/${encodeURIComponent(o.source)}/report${query({ window_days: o.windowDays })}`), campaignTable),
    );

  withOutput(report.command('campaigns'))
    .description('one row per campaign source, newest activity first: reach, conversions, revenue, lift with 95% CI')
    .option('--window-days <n>', 'attribution window in days', '7')
    .option('--prefix <prefix>', 'only sources starting with this, e.g. broadcast:')
    .option('--limit <n>', 'most campaigns (1–100)', '20')
    .action((o) =>
      run(o, 'campaigns', (api) => api.request('GET', `/api/measurement/campaigns${query({ window_days: o.windowDays, prefix: o.prefix, limit: o.limit })}`), campaignsTable),
    );
}
