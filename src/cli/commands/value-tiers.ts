// `siyu value-tiers compute|report`: value tiers (high_value, potential, ordinary, silent) through the API.
import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { labelText } from '../../modules/scores/text-report.ts';
import { intOption, numberOption } from './rfm.ts';

const out = (s: string) => process.stdout.write(s);

export function registerValueTiers(program: Command) {
  const vt = program.command('value-tiers').description('value tiers from spend and activity: high_value (高价值), potential (潜力), ordinary (普通), silent (沉默)');

  withStoreOptions(vt.command('compute'))
    .description('recompute the tier of every live member and print the distribution')
    .option('--as-of <date>', 'as-of date YYYY-MM-DD (default today in the workspace time zone)')
    .option('--window-days <n>', 'spend and orders of the last N days (default all history)', intOption('--window-days'))
    .option('--active-days <n>', 'silent when the last order or event is older than N days (default 90)', intOption('--active-days'))
    .option('--high-min-spend <amount>', 'high_value needs at least this spend (default 2000)', numberOption('--high-min-spend'))
    .option('--high-min-orders <n>', 'high_value needs at least N orders (default 2)', intOption('--high-min-orders'))
    .option('--potential-min-spend <amount>', 'potential from this spend (default 500)', numberOption('--potential-min-spend'))
    .option('--potential-min-orders <n>', 'potential from N orders (default 2)', intOption('--potential-min-orders'))
    .option('--high-share <share>', 'derive the spend thresholds: top share of positive spends is high value (e.g. 0.2)', numberOption('--high-share'))
    .option('--potential-share <share>', 'derive the spend thresholds: top share reaching potential (e.g. 0.5)', numberOption('--potential-share'))
    .option('--json', 'print the run and distribution as JSON')
    .action((opts) => {
      // Flags are checked before connecting.
      const config = Object.fromEntries(
        Object.entries({
          activeDays: opts.activeDays,
          highValueMinSpend: opts.highMinSpend,
          highValueMinOrders: opts.highMinOrders,
          potentialMinSpend: opts.potentialMinSpend,
          potentialMinOrders: opts.potentialMinOrders,
        }).filter(([, v]) => v !== undefined),
      );
      if ((opts.highShare === undefined) !== (opts.potentialShare === undefined))
        throw invalid('cli.invalid_option', '--high-share and --potential-share go together', opts.highShare === undefined ? '--high-share' : '--potential-share');
      const derive = opts.highShare !== undefined ? { high_share: opts.highShare, potential_share: opts.potentialShare } : undefined;
      return withApi(opts, async (api) => {
        const res = expectOk(
          await api.request('POST', '/api/value-tiers/compute', { as_of: opts.asOf, window_days: opts.windowDays, config, derive_spend: derive }),
          'value-tiers compute',
        );
        if (opts.json) return void out(JSON.stringify(res, null, 2) + '\n');
        const t = res.run.summary.thresholds;
        out(`value tiers as of ${res.run.as_of}: ${res.run.member_count} members, ${res.run.changed_count} tier changes (run ${res.run.id}, ${res.run.duration_ms} ms)\n`);
        out(`spend thresholds: high value ≥ ${t.high_value_min_spend ?? '-'}, potential ≥ ${t.potential_min_spend ?? '-'}${t.derived ? ' (derived from the data)' : ''}\n`);
        out(labelText('tier', res.distribution.labels, res.distribution.members));
      });
    });

  withStoreOptions(vt.command('report'))
    .description('print the distribution of the current value-tier run')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const d = expectOk(await api.request('GET', '/api/value-tiers/distribution'), 'value-tiers report');
        if (opts.json) return void out(JSON.stringify(d, null, 2) + '\n');
        if (!d.run_id) return void out('no value-tier run yet: run `siyu value-tiers compute`\n');
        out(`value tiers as of ${d.as_of} (run ${d.run_id}): ${d.members} members\n`);
        out(labelText('tier', d.tiers, d.members));
      }),
    );
}
