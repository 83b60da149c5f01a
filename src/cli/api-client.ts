// CLI commands are thin HTTP clients. They reach the API either over HTTP (a running server owns the DuckDB
// file, or --url is given) or in-process on a store they open themselves; both speak the same routes.
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../core/config.ts';
import { openStore } from '../store/open-store.ts';
import { buildApp, type App } from '../server/app.ts';
import { readServerFile } from '../server/server-file.ts';
import { DEFAULT_WORKSPACE } from '../modules/workspaces/service.ts';
import { SiyuError } from '../core/errors.ts';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export interface ApiClient {
  /** Where requests go, for messages ("via http://127.0.0.1:7300" / "in-process on ./data/siyu.duckdb"). */
  readonly via: string;
  request<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  db?: string;
  databaseUrl?: string;
  url?: string;
  key?: string;
}

class HttpApiClient implements ApiClient {
  constructor(readonly via: string, private readonly key: string) {}
  async request<T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const res = await fetch(this.via + path, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? safeJson(text) : null } as ApiResponse<T>;
  }
  async close() {}
}

class InProcessApiClient implements ApiClient {
  constructor(readonly via: string, private readonly app: App, private readonly key: string, private readonly cleanup: () => Promise<void>) {}
  async request<T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const res = await this.app.inject({ method: method as any, url: path, headers: { authorization: `Bearer ${this.key}` }, payload: body as any });
    return { status: res.statusCode, body: res.body ? safeJson(res.body) : null } as ApiResponse<T>;
  }
  close() {
    return this.cleanup();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Resolves configuration from flags and environment the same way `serve` does. */
export function cliConfig(opts: ConnectOptions): Config {
  return loadConfig({ dbPath: opts.db, databaseUrl: opts.databaseUrl, logLevel: 'silent' });
}

/**
 * Connects the CLI to the API: an explicit --url, else the server that owns the DuckDB file, else in-process.
 * In-process mode uses a one-off admin key of the default workspace (or --key / SIYU_ADMIN_KEY) and revokes it after.
 */
export async function connectApi(opts: ConnectOptions): Promise<ApiClient> {
  const config = cliConfig(opts);
  const presetKey = opts.key ?? config.adminKey;
  if (opts.url) {
    if (!presetKey) throw new SiyuError('unauthorized', 'cli.key_required', '--url needs --key or SIYU_ADMIN_KEY');
    return new HttpApiClient(opts.url.replace(/\/$/, ''), presetKey);
  }
  if (!config.databaseUrl) {
    const running = readServerFile(config.dbPath);
    if (running) return new HttpApiClient(running.url, presetKey ?? running.token);
  }
  const store = await openStore({ databaseUrl: config.databaseUrl, dbPath: config.dbPath });
  const { app, services } = await buildApp({ store, config, logger: false });
  await app.ready();
  await services.workspaces.ensureDefault();
  let key = presetKey;
  let oneOff: string | undefined;
  if (key) {
    if (config.adminKey && key === config.adminKey) await services.workspaces.createKey(DEFAULT_WORKSPACE, 'admin', { secret: key, name: 'SIYU_ADMIN_KEY' });
  } else {
    const k = await services.workspaces.createKey(DEFAULT_WORKSPACE, 'admin', { name: 'siyu-cli-oneoff', secret: 'sk_cli_' + randomBytes(24).toString('base64url') });
    key = k.secret;
    oneOff = k.id;
  }
  return new InProcessApiClient(`in-process on ${store.describe()}`, app, key, async () => {
    if (oneOff) await services.workspaces.revokeKey(DEFAULT_WORKSPACE, oneOff).catch(() => undefined);
    await app.close();
    await store.close();
  });
}

/** Throws a readable error for a non-2xx response. */
export function expectOk<T>(res: ApiResponse<T>, what: string): T {
  if (res.status >= 200 && res.status < 300) return res.body;
  const b = res.body as any;
  const field = b?.field ? ` (field ${b.field})` : '';
  throw new SiyuError('invalid_data', b?.code ?? 'cli.request_failed', `${what} failed: HTTP ${res.status} ${b?.code ?? ''} ${b?.message ?? JSON.stringify(b)}${field}`);
}

/** Connects, runs `fn` with the client, and closes it whatever happens (every data command's shape). */
export async function withApi<T>(opts: Record<string, unknown>, fn: (api: ApiClient) => Promise<T>): Promise<T> {
  const api = await connectApi(opts);
  try {
    return await fn(api);
  } finally {
    await api.close();
  }
}
