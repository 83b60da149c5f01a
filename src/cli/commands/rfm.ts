// `siyu rfm compute|report`: RFM recomputed in the store through the API; CSV of every buying member or a report.
import type { Command } from 'commander';
import { SiyuError, invalid } from '../../core/errors.ts';
import { connectApi, expectOk, type ApiClient, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { type CsvPage, writePagedCsv } from '../paged-csv.ts';
import { RFM_CSV_COLUMNS, rfmDistributionText, rfmGridText } from '../../modules/scores/text-report.ts';

const out = (s: string) => process.stdout.write(s);
/** Rows per page when writing the CSV (the API maximum): fewer, larger pages scan member_rfm fewer times. */
const PAGE = 50_000;

/** Parses a whole-number option; a bad value is an invalid_data error naming the flag (exit code 2). */
export const intOption = (flag: string) => (v: string) => {
  if (!/^-?\d+$/.test(v.trim())) throw invalid('cli.invalid_option', `${flag}: "${v}" is not a whole number`, flag);
  return Number(v);
};

/** Parses a number option (decimals allowed). */
export const numberOption = (flag: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw invalid('cli.invalid_option', `${flag}: "${v}" is not a number`, flag);
  return n;
};

/** Four comma-separated thresholds, e.g. `30,60,90,180`. */
const cutsOption = (flag: string) => (v: string) => {
  const parts = v.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 4 || parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n)))
    throw invalid('cli.invalid_option', `${flag}: "${v}" is not four comma-separated numbers`, flag);
  return nums;
};

/** The RFM config from flags (only what was given; the API fills the defaults). */
function rfmConfig(opts: Record<string, any>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  if (opts.split) config.split = opts.split;
  if (opts.splitOn) config.splitOn = opts.splitOn;
  const given = ['rCuts', 'fCuts', 'mCuts'].filter((k) => opts[k]);
  if (given.length > 0 && given.length < 3) throw invalid('cli.invalid_option', '--r-cuts, --f-cuts and --m-cuts go together (custom thresholds for all three)', '--r-cuts');
  if (given.length === 3) config.scoring = { r: opts.rCuts, f: opts.fCuts, m: opts.mCuts };
  return config;
}

/**
 * Writes every scored member of run `runId` to `file` page by page (to FILE.part, renamed at the end), failing if
 * another run replaced the rows meanwhile. Returns the number of rows.
 */
export function writeRfmCsv(api: ApiClient, file: string, runId: string): Promise<number> {
  return writePagedCsv(file, RFM_CSV_COLUMNS, async (cursor) => {
    const page: { run_id: string | null } & CsvPage = expectOk(await api.request('GET', `/api/rfm/members?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), 'rfm members');
    if (page.data.length > 0 && page.run_id !== runId)
      throw new SiyuError('conflict', 'rfm.run_changed', `another RFM run (${page.run_id}) replaced run ${runId} while writing ${file}; run the command again`);
    return page;
  });
}

export function registerRfm(program: Command) {
  const rfm = program.command('rfm').description('RFM scores and the eight classic segments (重要价值客户 … 一般挽留客户), computed in the store');

  withStoreOptions(rfm.command('compute'))
    .description('recompute RFM for every buying member; --out writes one CSV row per member, otherwise prints the distribution')
    .option('--as-of <date>', 'as-of date YYYY-MM-DD (default today in the workspace time zone)')
    .option('--window-days <n>', 'only orders of the last N days up to the as-of date (default all history)', intOption('--window-days'))
    .option('--split <method>', 'high/low line per dimension: mean or median')
    .option('--split-on <what>', 'draw the line on the 1–5 scores (score) or on the raw values (value)')
    .option('--r-cuts <a,b,c,d>', 'custom recency thresholds in days: t_k is the largest recency still scoring 6 − k', cutsOption('--r-cuts'))
    .option('--f-cuts <a,b,c,d>', 'custom frequency thresholds: t_k is the largest order count still scoring k', cutsOption('--f-cuts'))
    .option('--m-cuts <a,b,c,d>', 'custom monetary thresholds: t_k is the largest amount still scoring k', cutsOption('--m-cuts'))
    .option('--out <file>', 'write member_id,user_id,recency_days,frequency,monetary,r_score,f_score,m_score,segment to this CSV file')
    .option('--json', 'print the run and distribution as JSON')
    .action((opts) => {
      const body = { as_of: opts.asOf, window_days: opts.windowDays, config: rfmConfig(opts) }; // flags checked before connecting
      return withApi(opts, async (api) => {
        const res = expectOk(await api.request('POST', '/api/rfm/compute', body), 'rfm compute');
        const rows = opts.out ? await writeRfmCsv(api, opts.out, res.run.id) : undefined;
        if (opts.json) return void out(JSON.stringify(rows === undefined ? res : { ...res, csv: { file: opts.out, rows } }, null, 2) + '\n');
        if (rows !== undefined) {
          return void out(`RFM as of ${res.run.as_of}: wrote ${rows} buying members to ${opts.out} (run ${res.run.id}, ${res.run.duration_ms} ms)\n`);
        }
        out(`RFM as of ${res.run.as_of}${res.run.summary.window_days ? `, last ${res.run.summary.window_days} days` : ''}: ${res.run.member_count} buying members, ${res.run.changed_count} segment changes (run ${res.run.id}, ${res.run.duration_ms} ms)\n`);
        out(rfmDistributionText(res.distribution));
      });
    });

  withStoreOptions(rfm.command('report'))
    .description('print the distribution of the current RFM run per segment and the R×F grid')
    .option('--json', 'print {distribution, grid} as JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const distribution = expectOk(await api.request('GET', '/api/rfm/distribution'), 'rfm report');
        const grid = expectOk(await api.request('GET', '/api/rfm/grid'), 'rfm report');
        if (opts.json) return void out(JSON.stringify({ distribution, grid }, null, 2) + '\n');
        if (!distribution.run_id) return void out('no RFM run yet: run `siyu rfm compute`\n');
        out(`RFM as of ${distribution.as_of} (run ${distribution.run_id}): ${distribution.members} buying members\n`);
        out(rfmDistributionText(distribution));
        out('\nmembers by R score (rows) and F score (columns)\n');
        out(rfmGridText(grid));
      }),
    );
}
