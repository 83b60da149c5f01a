// `siyu import members|orders|events FILE`: bulk import with a progress bar, a validation report and atomic batches.
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { connectApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { IMPORT_KINDS, type ImportKind } from '../../modules/imports/fields.ts';
import { DEFAULT_BATCH_ROWS, runImport, type ImportApi, type ImportProgress, type ImportSummary } from '../../modules/imports/run-import.ts';
import { MAX_BATCH_RECORDS } from '../../modules/imports/schema.ts';

export interface ImportCommandOptions {
  mapping?: string;
  batchSize?: string;
  dryRun?: boolean;
  timezone?: string;
  report?: string;
  json?: boolean;
}

/** Exit codes: 0 all rows imported, 2 some rows rejected (see the report), 1 the import failed. */
export const EXIT = { ok: 0, failed: 1, rejected: 2 } as const;

/**
 * Rows expected in the whole file, extrapolated from the bytes read so far (compressed bytes for .gz, which scale
 * the same way); exact once the whole file has been parsed.
 */
function estimatedRows(p: ImportProgress): number {
  if (!p.bytesRead || !p.totalBytes) return Math.max(p.rowsRead, 1);
  return Math.max(p.rowsRead, Math.round((p.rowsRead * p.totalBytes) / p.bytesRead), 1);
}

/** Progress on a terminal: a bar of rows done (written or rejected); otherwise a plain line every few seconds. */
function progressReporter(out: NodeJS.WriteStream, tty: boolean) {
  if (tty) {
    const bar = new cliProgress.SingleBar(
      { format: '{bar} {percentage}% | {value}/{total} rows | {rejected} rejected | ETA {eta_formatted}', hideCursor: true, stream: out, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p: ImportProgress) {
        const total = estimatedRows(p);
        const done = Math.min(p.imported + p.rejected, total);
        if (!started) {
          bar.start(total, done, { rejected: p.rejected });
          started = true;
        }
        bar.setTotal(total);
        bar.update(done, { rejected: p.rejected });
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = Date.now();
  return {
    update(p: ImportProgress) {
      if (Date.now() - last < 5000) return;
      last = Date.now();
      const pct = Math.floor((100 * (p.imported + p.rejected)) / estimatedRows(p));
      out.write(`progress: ${pct}% — ${p.rowsRead} rows read, ${p.imported} imported, ${p.rejected} rejected\n`);
    },
    stop() {},
  };
}

/** The human summary printed at the end. */
export function formatSummary(s: ImportSummary): string {
  const lines = [
    `${s.dryRun ? 'Dry run (nothing written) of' : 'Imported'} ${s.kind} from ${s.file}${s.runId ? ` (run ${s.runId})` : ''}`,
    `  rows read     ${s.rowsRead}`,
    `  ${s.dryRun ? 'valid       ' : 'imported    '}  ${s.imported}`,
    `  rejected      ${s.rejected}${s.reportPath ? `  → report: ${s.reportPath}` : ''}`,
  ];
  if (s.kind === 'orders') lines.push(`  orders        ${s.orders}`, `  refunds       ${s.refunds}`);
  if (s.kind === 'events') lines.push(`  events        ${s.eventsInserted} new`);
  if (!s.dryRun) lines.push(`  members       ${s.membersCreated} new`);
  lines.push(`  time          ${s.seconds.toFixed(1)} s (${s.rowsPerSecond} rows/s)`);
  return lines.join('\n') + '\n';
}

/**
 * Runs one import and prints progress and the summary; returns the exit code instead of exiting, so tests can
 * call it with an in-process API.
 */
export async function importCommand(api: ImportApi, kind: ImportKind, file: string, opts: ImportCommandOptions, io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const progressOut = opts.json ? io.err : io.out;
  const progress = progressReporter(progressOut, !!progressOut.isTTY);
  try {
    const summary = await runImport({
      api,
      kind,
      file,
      mapping: opts.mapping,
      batchSize: opts.batchSize ? Number(opts.batchSize) : undefined,
      dryRun: opts.dryRun,
      timezone: opts.timezone,
      reportPath: opts.report,
      onProgress: (p) => progress.update(p),
    });
    progress.stop();
    io.out.write(opts.json ? JSON.stringify(summary) + '\n' : formatSummary(summary));
    return summary.rejected > 0 ? EXIT.rejected : EXIT.ok;
  } catch (e) {
    progress.stop();
    const err = e as { message?: string; code?: string; field?: string };
    io.err.write(`siyu import failed: ${err.message ?? e}${err.field ? ` [${err.field}]` : ''}${err.code ? ` (${err.code})` : ''}\n`);
    return EXIT.failed;
  }
}

export function registerImport(program: Command) {
  withStoreOptions(program.command('import'))
    .description('import members, orders or events from .csv, .csv.gz, .xlsx or .txt (exit 0 ok, 2 rows rejected, 1 failed)')
    .argument('<kind>', IMPORT_KINDS.join('|'))
    .argument('<file>', 'the file to import')
    .option('--mapping <name>', 'mapping template (built-in: online-retail, cdnow; or saved, or a .json file); default: columns named like fields')
    .option('--batch-size <n>', `source rows per atomic batch (default ${DEFAULT_BATCH_ROWS}; at most ${MAX_BATCH_RECORDS} records)`)
    .option('--dry-run', 'validate and write the report only')
    .option('--timezone <tz>', 'zone for date-times without an offset (e.g. Asia/Shanghai, +08:00)')
    .option('--report <path>', 'where to write the validation report (default FILE.report.csv)')
    .option('--json', 'print the summary as JSON')
    .action(async (kind: string, file: string, opts) => {
      if (!(IMPORT_KINDS as readonly string[]).includes(kind)) {
        process.stderr.write(`siyu import: kind must be one of ${IMPORT_KINDS.join(', ')}\n`);
        process.exitCode = EXIT.failed;
        return;
      }
      let api;
      try {
        api = await connectApi(opts);
      } catch (e) {
        process.stderr.write(`siyu import failed: ${(e as Error).message}\n`);
        process.exitCode = EXIT.failed;
        return;
      }
      try {
        process.exitCode = await importCommand(api, kind as ImportKind, file, opts);
      } finally {
        await api.close();
      }
    });
}
