// `siyu serve`: runs the API (and, as modules add them, workers and the console) until interrupted.
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.ts';
import { startServer } from '../../server/serve.ts';
import { withStoreOptions } from '../options.ts';

export function registerServe(program: Command) {
  withStoreOptions(program.command('serve'))
    .description('start the API server on the configured store')
    .option('--port <port>', 'port to listen on (default 7300, or SIYU_PORT)')
    .option('--host <host>', 'interface to bind (default 127.0.0.1, or SIYU_HOST)')
    .option('--no-worker', 'run the API only, no job workers (run `siyu worker` processes instead; needs PostgreSQL)')
    .action(async (opts) => {
      const config = loadConfig({ dbPath: opts.db, databaseUrl: opts.databaseUrl, port: opts.port, host: opts.host });
      const server = await startServer(config, { worker: opts.worker });
      process.stdout.write(`Siyu listening on ${server.url} (${server.services.store.describe()})\n`);
      const first = server.initialAdmin;
      if (first.created) {
        process.stdout.write(`Console user created: ${first.username}` + (first.password ? ` / password ${first.password}  (shown once: store it now)\n` : ' (password from SIYU_ADMIN_PASSWORD)\n'));
      }
      await waitForSignal();
      await server.stop();
    });
}

/** Resolves on SIGINT/SIGTERM so the server can flush and close cleanly. */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
