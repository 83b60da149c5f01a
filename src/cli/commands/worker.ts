// `siyu worker`: runs job workers (no API) against the configured store until interrupted. Several worker
// processes share one PostgreSQL database; a DuckDB file belongs to one process, which `siyu serve` usually is.
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.ts';
import { SiyuError } from '../../core/errors.ts';
import { openStore } from '../../store/open-store.ts';
import type { Store } from '../../store/port.ts';
import { createMetrics } from '../../server/metrics.ts';
import { createServices } from '../../server/services.ts';
import { preparePii } from '../../modules/pii/setup.ts';
import { readServerFile } from '../../server/server-file.ts';
import { waitForSignal } from './serve.ts';

const err = (s: string) => process.stderr.write(s);

/** Why a second process may not run workers on this DuckDB file. */
function duckOwned(path: string, owner: string): SiyuError {
  return new SiyuError(
    'unavailable',
    'jobs.store_locked',
    `${path} is a DuckDB file and ${owner} already has it open: DuckDB lets only one process open a database file (read-write or read-only), ` +
      'so a second process cannot run workers on it. `siyu serve` already runs the workers in-process; for several worker processes use PostgreSQL (--database-url).',
    { field: 'db' },
  );
}

export function registerWorker(program: Command) {
  program
    .command('worker')
    .description('run job workers (no API) on the configured store; on PostgreSQL start as many as you like')
    .option('--db <path>', 'DuckDB file (default ./data/siyu.duckdb, or SIYU_DB_PATH)')
    .option('--database-url <url>', 'PostgreSQL URL (or SIYU_DATABASE_URL); several worker processes may share it')
    .option('--kinds <kinds>', 'only run these job kinds, comma-separated (default: all)')
    .option('--poll-ms <ms>', 'idle poll interval', '250')
    .option('--grace-ms <ms>', 'on SIGINT/SIGTERM, wait this long for running jobs before handing them back to the queue', '10000')
    .option('--no-schedules', 'do not fire recurring schedules in this process')
    .action(async (opts) => {
      const config = loadConfig({ dbPath: opts.db, databaseUrl: opts.databaseUrl });
      if (!config.databaseUrl) {
        const running = readServerFile(config.dbPath);
        if (running) throw duckOwned(config.dbPath, `siyu serve (pid ${running.pid}, ${running.url})`);
      }
      let store: Store;
      try {
        store = await openStore({ databaseUrl: config.databaseUrl, dbPath: config.dbPath, statementTimeoutMs: config.statementTimeoutMs });
      } catch (e) {
        const m = /Conflicting lock is held in (.*?)(?: \(PID (\d+)\))?/.exec(String((e as Error)?.message));
        if (!config.databaseUrl && (m || /Could not set lock/.test(String((e as Error)?.message)))) throw duckOwned(config.dbPath, m?.[2] ? `process ${m[2]}` : 'another process');
        throw e;
      }
      await preparePii(store, config, (msg, f) => process.stdout.write(`siyu worker: ${msg} ${JSON.stringify(f ?? {})}\n`));
      const services = createServices(store, config, createMetrics({ defaults: true }));
      services.jobs.setLogger((e, msg) => err(`siyu worker: ${msg}: ${(e as Error)?.stack ?? e}\n`));
      services.jobs.startWorker({
        kinds: opts.kinds ? String(opts.kinds).split(',').map((k: string) => k.trim()).filter(Boolean) : undefined,
        pollMs: Number(opts.pollMs),
        schedules: opts.schedules,
      });
      process.stdout.write(`siyu worker ${services.jobs.workerId} running ${opts.kinds ?? 'all kinds'} on ${store.describe()}\n`);
      if (!store.capabilities.multiProcess) {
        err(`note: this process now owns ${config.dbPath}; siyu serve and in-process CLI commands cannot open it until the worker stops.\n`);
      }
      await waitForSignal();
      await services.jobs.stopWorker(Number(opts.graceMs));
      await services.close();
      await store.close();
    });
}
