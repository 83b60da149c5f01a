// Starts the long-running server: opens the store, registers configured keys, listens, writes the server file.
import { randomBytes } from 'node:crypto';
import type { Config } from '../core/config.ts';
import { openStore } from '../store/open-store.ts';
import { buildApp, type App } from './app.ts';
import { DEFAULT_WORKSPACE } from '../modules/workspaces/service.ts';
import type { Services } from './services.ts';
import { LOCAL_TOKEN_NAME, removeServerFile, writeServerFile } from './server-file.ts';

export interface RunningServer {
  app: App;
  services: Services;
  url: string;
  /** The console user `admin` when this start created it; `password` only when it was generated (print it once). */
  initialAdmin: { username: string; password: string | null; created: boolean };
  stop(): Promise<void>;
}

/** Opens the configured store, prepares the default workspace and keys, and listens on config.port. */
export async function startServer(config: Config, opts: { worker?: boolean } = {}): Promise<RunningServer> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dbPath: config.dbPath, statementTimeoutMs: config.statementTimeoutMs });
  const { app, services } = await buildApp({ store, config });
  await services.workspaces.ensureDefault();
  if (config.adminKey) await services.workspaces.createKey(DEFAULT_WORKSPACE, 'admin', { secret: config.adminKey, name: 'SIYU_ADMIN_KEY' });
  if (config.writeKey) await services.workspaces.createKey(DEFAULT_WORKSPACE, 'write', { secret: config.writeKey, name: 'SIYU_WRITE_KEY' });
  // First start: the console user `admin` (password SIYU_ADMIN_PASSWORD, else generated and printed once).
  const initialAdmin = await services.access.ensureInitialAdmin(DEFAULT_WORKSPACE, config.adminPassword);

  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('[::1]', '127.0.0.1');
  const ownsFile = !config.databaseUrl;
  if (ownsFile) {
    await services.workspaces.revokeKeysNamed(LOCAL_TOKEN_NAME);
    const token = await services.workspaces.createKey(DEFAULT_WORKSPACE, 'admin', { name: LOCAL_TOKEN_NAME, secret: 'sk_local_' + randomBytes(24).toString('base64url') });
    writeServerFile(config.dbPath, { pid: process.pid, url, token: token.secret, startedAt: new Date().toISOString() });
  }
  // Scheduled segment recomputes belong to the long-running server only; app.close() stops them.
  services.segments.startScheduler();
  // Loyalty jobs (release pending, expire lots, earn-orders sweep; daily birthdays, member day, tier review).
  services.loyalty.startScheduler();
  // Coupon jobs each minute: redeem codes of changed orders, release coupons of refunded orders, expire coupons.
  services.coupons.startJobs();
  // Campaign jobs each minute: fail expired groups and release their seats, expire help sessions, referral sweep.
  services.campaigns.startJobs();
  // Durable job workers in-process unless `--no-worker` (then `siyu worker` processes run them; PostgreSQL only).
  if (opts.worker !== false) services.jobs.startWorker();
  app.log.info({ url, store: store.describe() }, 'siyu listening');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (ownsFile) removeServerFile(config.dbPath);
      await app.close();
      await store.close();
    })());
  return { app, services, url, initialAdmin, stop };
}
