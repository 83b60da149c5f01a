// `siyu lifecycle compute|report|transitions`: lifecycle stages (prospect … churned) through the API.
import type { Command } from 'commander';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { labelText, transitionsText } from '../../modules/scores/text-report.ts';
import { intOption } from './rfm.ts';

const out = (s: string) => process.stdout.write(s);

/** Flag → lifecycle config field (only given flags are sent; the API fills the defaults). */
const THRESHOLDS: Array<[flag: string, key: string, help: string]> = [
  ['--new-days', 'newDays', 'first order within N days → new (default 30)'],
  ['--active-days', 'activeDays', 'last order within N days → active/repeat (default 90)'],
  ['--at-risk-days', 'atRiskDays', 'last order within N days → at_risk (default 180)'],
  ['--churn-days', 'churnDays', 'last order within N days → silent, beyond → churned (default 365)'],
  ['--repeat-min-orders', 'repeatMinOrders', 'orders needed for repeat (default 2)'],
];

export function registerLifecycle(program: Command) {
  const lc = program.command('lifecycle').description('lifecycle stages: prospect, new, active, repeat, at_risk, silent (沉默), churned (流失)');

  const compute = withStoreOptions(lc.command('compute'))
    .description('recompute the stage of every live member and print the distribution')
    .option('--as-of <date>', 'as-of date YYYY-MM-DD (default today in the workspace time zone)')
    .option('--json', 'print the run and distribution as JSON');
  for (const [flag, , help] of THRESHOLDS) compute.option(`${flag} <n>`, help, intOption(flag));
  compute.action((opts) =>
    withApi(opts, async (api) => {
      const config = Object.fromEntries(THRESHOLDS.map(([flag, key]) => [key, opts[flagKey(flag)]]).filter(([, v]) => v !== undefined));
      const res = expectOk(await api.request('POST', '/api/lifecycle/compute', { as_of: opts.asOf, config }), 'lifecycle compute');
      if (opts.json) return void out(JSON.stringify(res, null, 2) + '\n');
      out(`lifecycle as of ${res.run.as_of}: ${res.run.member_count} members, ${res.run.changed_count} stage changes (run ${res.run.id}, ${res.run.duration_ms} ms)\n`);
      out(labelText('stage', res.distribution.labels, res.distribution.members));
    }),
  );

  withStoreOptions(lc.command('report'))
    .description('print the distribution of the current lifecycle run')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const d = expectOk(await api.request('GET', '/api/lifecycle/distribution'), 'lifecycle report');
        if (opts.json) return void out(JSON.stringify(d, null, 2) + '\n');
        if (!d.run_id) return void out('no lifecycle run yet: run `siyu lifecycle compute`\n');
        out(`lifecycle as of ${d.as_of} (run ${d.run_id}): ${d.members} members\n`);
        out(labelText('stage', d.stages, d.members));
      }),
    );

  withStoreOptions(lc.command('transitions'))
    .description('members moving between stages from one date to another (stages recomputed from orders as of each date)')
    .requiredOption('--from <date>', 'first date YYYY-MM-DD')
    .requiredOption('--to <date>', 'second date YYYY-MM-DD')
    .option('--json', 'print the matrix as JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = `from=${encodeURIComponent(opts.from)}&to=${encodeURIComponent(opts.to)}`;
        const m = expectOk(await api.request('GET', `/api/lifecycle/transitions?${q}`), 'lifecycle transitions');
        if (opts.json) return void out(JSON.stringify(m, null, 2) + '\n');
        out(`lifecycle transitions ${m.from} → ${m.to}: ${m.total} members (rows: stage on ${m.from}; columns: stage on ${m.to})\n`);
        out(transitionsText(m));
      }),
    );
}

/** Commander's camel-cased key of a flag: --at-risk-days → atRiskDays. */
const flagKey = (flag: string) => flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
