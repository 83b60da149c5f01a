// `siyu recommend train|models|member|also-bought|evaluate`: recommendations through the API; `evaluate --file`
// evaluates a purchases CSV (e.g. online-retail) locally without a store.
import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { evaluateSplit, type EvaluationReport } from '../../core/models/recommend/index.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { readCsvInteractions } from '../../modules/recommendations/csv-source.ts';
import { evaluationTable } from '../../modules/recommendations/report.ts';

const out = (s: string) => process.stdout.write(s);

const intOption = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw invalid('cli.invalid_option', `${flag} must be a whole number ≥ 1`, flag.slice(2));
  return n;
};

const format = (v: string) => {
  if (v !== 'text' && v !== 'json') throw invalid('cli.invalid_option', '--format must be text or json', 'format');
  return v;
};

/** Evaluates a CSV file locally (same split and metrics as the API's evaluation of the store). */
export async function evaluateFile(file: string, splitDate: string, k: number, excludeBought: boolean): Promise<EvaluationReport> {
  const rows = await readCsvInteractions(file);
  const report = evaluateSplit(rows, { splitAt: Date.parse(`${splitDate}T00:00:00Z`), k, excludeBought });
  if (report.test_members === 0) throw invalid('recommend.split_empty', `no customer bought both before and after ${splitDate}`, 'split_date');
  return report;
}

export function registerRecommend(program: Command) {
  const rec = program.command('recommend').description('recommendations: train item-CF and ALS, per-member lists, also-bought, offline evaluation');

  withStoreOptions(rec.command('evaluate'))
    .description('offline evaluation on a time split: precision, recall, NDCG, hit rate and coverage at k per algorithm and the popularity baseline')
    .requiredOption('--split-date <date>', 'train on purchases before this date (YYYY-MM-DD, UTC), test on the ones after')
    .option('--k <k>', 'list length', intOption('--k'), 10)
    .option('--file <csv>', 'evaluate this purchases CSV (online-retail columns, .csv or .csv.gz) instead of the store')
    .option('--include-bought', 'count re-purchases of already-bought products as hits (default: new products only)')
    .option('--format <format>', 'text or json', format, 'text')
    .action(async (opts) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.splitDate) || Number.isNaN(Date.parse(opts.splitDate))) {
        throw invalid('recommend.split_date_invalid', '--split-date must be a date YYYY-MM-DD', 'split_date');
      }
      const report: EvaluationReport = opts.file
        ? await evaluateFile(opts.file, opts.splitDate, opts.k, !opts.includeBought)
        : await withApi(opts, async (api) =>
            expectOk(await api.request('POST', '/api/recommendations/evaluate', { split_date: opts.splitDate, k: opts.k, exclude_bought: !opts.includeBought }), 'recommend evaluate'));
      out(opts.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : evaluationTable(report));
    });

  withStoreOptions(rec.command('train'))
    .description('train item-CF and ALS on the net purchases now (replaces the stored lists; the first run schedules a nightly one)')
    .option('--algorithm <name>', 'only als or item_cf')
    .option('--top-n <n>', 'products stored per member', intOption('--top-n'))
    .option('--factors <n>', 'ALS factors', intOption('--factors'))
    .option('--iterations <n>', 'ALS iterations', intOption('--iterations'))
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const body = {
          ...(opts.algorithm ? { algorithms: [opts.algorithm] } : {}),
          ...(opts.topN ? { top_n: opts.topN } : {}),
          als: { ...(opts.factors ? { factors: opts.factors } : {}), ...(opts.iterations ? { iterations: opts.iterations } : {}) },
        };
        const { data } = expectOk(await api.request('POST', '/api/recommendations/train', body), 'recommend train');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        for (const m of data) out(`${m.algorithm}\t${m.id}\t${m.members} members, ${m.items} products, ${m.interactions} pairs\t${m.duration_ms} ms\n`);
      }),
    );

  withStoreOptions(rec.command('models'))
    .description('training runs and evaluations, newest first')
    .option('--limit <n>', 'how many', intOption('--limit'), 20)
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', `/api/recommendations/models?limit=${opts.limit}`), 'recommend models');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no models: run `siyu recommend train`\n');
        for (const m of data) out(`${m.trained_at}\t${m.algorithm}\t${m.id}\t${m.members} members\t${m.items} products\t${m.duration_ms} ms\n`);
      }),
    );

  withStoreOptions(rec.command('member'))
    .argument('<ref>', 'member id or identity (user_id:…, phone:…)')
    .description("a member's recommended products")
    .option('--n <n>', 'how many', intOption('--n'), 10)
    .option('--algorithm <name>', 'als, item_cf, popularity or trending')
    .option('--category <category>', 'only this category')
    .option('--channel <channel>', 'only products sold through this channel')
    .option('--exclude-recent-days <days>', 'leave out products bought in the last N days')
    .option('--json', 'print JSON')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const qs = new URLSearchParams({ n: String(opts.n) });
        for (const [k, v] of [['algorithm', opts.algorithm], ['category', opts.category], ['channel', opts.channel], ['exclude_recent_days', opts.excludeRecentDays]] as const) if (v) qs.set(k, v);
        const r = expectOk(await api.request('GET', `/api/members/${encodeURIComponent(ref)}/recommendations?${qs}`), 'recommend member');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        if (r.items.length === 0) return void out('no recommendations\n');
        for (const i of r.items) out(`${i.rank}\t${i.product_id}\t${i.name ?? ''}\t${i.category ?? ''}\t${Number(i.score).toFixed(4)}\t${i.reason}${i.fallback ? ' (fallback)' : ''}\n`);
      }),
    );

  withStoreOptions(rec.command('also-bought'))
    .argument('<product>', 'product id')
    .description('members who bought this product also bought')
    .option('--n <n>', 'how many', intOption('--n'), 10)
    .option('--json', 'print JSON')
    .action((product, opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('GET', `/api/products/${encodeURIComponent(product)}/also-bought?n=${opts.n}`), 'recommend also-bought');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        if (r.items.length === 0) return void out('no co-purchases (train first: `siyu recommend train`)\n');
        for (const i of r.items) out(`${i.rank}\t${i.product_id}\t${i.name ?? ''}\t${i.buyers_both} bought both\t${Number(i.score).toFixed(4)}\n`);
      }),
    );
}
