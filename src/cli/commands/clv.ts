// `siyu clv fit|fits|member`: BG/NBD + Gamma-Gamma fits through the API, with a per-member CSV of the predictions.
import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { connectApi, expectOk, type ApiClient, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { writePagedCsv } from '../paged-csv.ts';
import { numberOption } from './rfm.ts';

const out = (s: string) => process.stdout.write(s);

/** Columns of `--out`, exactly as issue 3 names them. */
export const CLV_CSV_COLUMNS = ['user_id', 'frequency', 'recency', 'T', 'p_alive', 'expected_purchases', 'expected_avg_value', 'clv'] as const;
/** Rows per page when writing the CSV. */
const PAGE = 5000;

/**
 * Writes every member of fit `fitId` to `file` (via FILE.part, renamed at the end), page by page in member order;
 * fails with clv.fit_replaced if another fit replaced the rows meanwhile. Returns the number of rows.
 */
export function writeClvCsv(api: ApiClient, file: string, fitId: string): Promise<number> {
  return writePagedCsv(file, CLV_CSV_COLUMNS, async (cursor) => {
    const qs = new URLSearchParams({ sort: 'member_id', order: 'asc', limit: String(PAGE), fit_id: fitId });
    if (cursor) qs.set('cursor', cursor);
    return expectOk(await api.request('GET', `/api/clv/members?${qs}`), 'clv members');
  });
}

const f4 = (n: number) => (Math.abs(n) >= 1000 ? n.toFixed(1) : n.toPrecision(5));

/** The readable summary of a fit. */
export function fitText(fit: any, csv?: { file: string; rows: number }): string {
  const unit = fit.time_unit === 'week' ? 'weeks' : 'days';
  const b = fit.bgnbd;
  const g = fit.gammaGamma;
  const lines = [
    `CLV fit ${fit.id}: orders to ${fit.calibration_end} (${fit.timezone}), time unit ${fit.time_unit}; ${fit.members} members, ${fit.repeaters} repeat buyers`,
    `  BG/NBD       r ${f4(b.r)}  alpha ${f4(b.alpha)}  a ${f4(b.a)}  b ${f4(b.b)}  log-likelihood ${b.logLikelihood.toFixed(2)}`,
    g
      ? `  Gamma-Gamma  p ${f4(g.p)}  q ${f4(g.q)}  gamma ${f4(g.gamma)}  log-likelihood ${g.logLikelihood.toFixed(2)}`
      : '  Gamma-Gamma  not fitted (no repeat purchases with a value): expected_avg_value and clv are empty',
    `  predictions over ${fit.horizon} ${unit}; CLV at margin ${fit.margin}, discounted ${(fit.discount_rate * 100).toFixed(2)}% per ${f4(fit.period_length)} ${unit}`,
    `  time: fit ${fit.timings.fit_ms} ms, summary SQL ${fit.timings.summary_ms} ms, predictions ${fit.timings.predict_ms} ms, write ${fit.timings.write_ms} ms, total ${fit.timings.total_ms} ms`,
  ];
  if (csv) lines.push(`  wrote ${csv.rows} members to ${csv.file}`);
  return lines.join('\n') + '\n';
}

export function registerClv(program: Command) {
  const clv = program.command('clv').description('customer lifetime value: BG/NBD + Gamma-Gamma fitted on the orders, P(alive), expected purchases, CLV');

  withStoreOptions(clv.command('fit'))
    .description('fit the models on the orders up to --calibration-end and store every member\'s predictions')
    .option('--calibration-end <date>', 'last day of the calibration period, YYYY-MM-DD (default today in the time zone)')
    .option('--time-unit <unit>', 'week or day', 'week')
    .option('--horizon <n>', 'prediction horizon in time units for expected_purchases and clv (default 52 weeks / 365 days)', numberOption('--horizon'))
    .option('--discount-rate <r>', 'discount rate per period (default 0.01)', numberOption('--discount-rate'))
    .option('--period-length <n>', 'discounting period in time units (default one month)', numberOption('--period-length'))
    .option('--margin <m>', 'profit margin applied to order value, 0..1 (default 1)', numberOption('--margin'))
    .option('--timezone <tz>', 'IANA time zone of purchase days (default the workspace\'s)')
    .option('--out <file>', 'also write user_id,frequency,recency,T,p_alive,expected_purchases,expected_avg_value,clv per member to this CSV')
    .option('--json', 'print {"bgnbd":{r,alpha,a,b,logLikelihood},"gammaGamma":{p,q,gamma,logLikelihood},"members":N}')
    .action((opts) =>
      withApi(opts, async (api) => {
        if (opts.timeUnit !== 'week' && opts.timeUnit !== 'day') throw invalid('cli.invalid_option', `--time-unit: "${opts.timeUnit}" is not week or day`, '--time-unit');
        const body = {
          calibration_end: opts.calibrationEnd, time_unit: opts.timeUnit, horizon: opts.horizon, discount_rate: opts.discountRate,
          period_length: opts.periodLength, margin: opts.margin, timezone: opts.timezone,
        };
        const fit = expectOk(await api.request('POST', '/api/clv/fit', body), 'clv fit');
        const csv = opts.out ? { file: opts.out, rows: await writeClvCsv(api, opts.out, fit.id) } : undefined;
        if (!opts.json) return void out(fitText(fit, csv));
        const { r, alpha, a, b, logLikelihood } = fit.bgnbd;
        const g = fit.gammaGamma;
        const gammaGamma = g ? { p: g.p, q: g.q, gamma: g.gamma, logLikelihood: g.logLikelihood } : null;
        out(JSON.stringify({ bgnbd: { r, alpha, a, b, logLikelihood }, gammaGamma, members: fit.members }) + '\n');
      }),
    );

  withStoreOptions(clv.command('fits'))
    .description('list CLV fits, newest (current) first')
    .option('--limit <n>', 'how many', numberOption('--limit'))
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', `/api/clv/fits${opts.limit ? `?limit=${opts.limit}` : ''}`), 'clv fits');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no CLV fits yet: run `siyu clv fit`\n');
        for (const f of data) out(`${f.id}\t${f.calibration_end}\t${f.time_unit}\t${f.members} members\thorizon ${f.horizon}\t${f.created_at}\n`);
      }),
    );

  withStoreOptions(clv.command('member'))
    .argument('<ref>', 'member ref: mem_… id or type:value, e.g. user_id:1')
    .description("print a member's stored CLV prediction")
    .option('--json', 'print JSON')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const m = expectOk(await api.request('GET', `/api/members/${encodeURIComponent(ref)}/clv`), 'clv member');
        if (opts.json) return void out(JSON.stringify(m, null, 2) + '\n');
        out(`${m.member_id} (fit ${m.fit.id}, to ${m.fit.calibration_end}, horizon ${m.fit.horizon} ${m.fit.time_unit}s)\n`);
        out(`  frequency ${m.frequency}  recency ${f4(m.recency)}  T ${f4(m.T)}  mean repeat value ${f4(m.monetary_value)}\n`);
        out(`  P(alive) ${f4(m.p_alive)}  expected purchases ${f4(m.expected_purchases)}  expected value ${m.expected_avg_value === null ? '-' : f4(m.expected_avg_value)}  CLV ${m.clv === null ? '-' : f4(m.clv)}\n`);
      }),
    );
}
