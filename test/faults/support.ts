// Real `siyu` processes for the fault tests: spawn `siyu serve` / `siyu worker`, wait until they say they are ready,
// SIGKILL them, and talk to the API over HTTP the way an SDK or the CLI would. Waits are bounded (they fail the test
// with a message instead of hanging) but nothing asserts on time.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/siyu.mjs', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface SiyuProcess {
  proc: ChildProcess;
  /** Everything the process wrote to stderr (its logs at warn and above). */
  stderr(): string;
}

export interface ServeProcess extends SiyuProcess {
  url: string;
}

/** Store arguments for a child: `--db FILE` (DuckDB) or `--database-url URL` (PostgreSQL). */
export const storeArgs = (o: { dbPath?: string; databaseUrl?: string }) => (o.databaseUrl ? ['--database-url', o.databaseUrl] : ['--db', o.dbPath!]);

function spawnSiyu(args: string[], env: Record<string, string>): SiyuProcess & { lines: ReturnType<typeof createInterface> } {
  // The store arguments decide, whatever the environment says.
  const base: NodeJS.ProcessEnv = { ...process.env, SIYU_LOG_LEVEL: 'warn' };
  delete base.SIYU_DATABASE_URL;
  delete base.SIYU_DB_PATH;
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...base, ...env } });
  let err = '';
  proc.stderr!.on('data', (d) => (err = (err + d).slice(-20_000)));
  return { proc, stderr: () => err, lines: createInterface({ input: proc.stdout! }) };
}

function firstLine(p: ReturnType<typeof spawnSiyu>, prefix: string, what: string, ms = 60_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      p.proc.kill('SIGKILL');
      reject(new Error(`${what} did not start within ${ms} ms: ${p.stderr()}`));
    }, ms);
    p.proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited early (${code ?? signal}): ${p.stderr()}`));
    });
    p.lines.on('line', (line) => {
      if (!line.startsWith(prefix)) return;
      clearTimeout(timer);
      resolve(line);
    });
  });
}

/** `siyu serve` on port 0; resolves once it listens. `worker: false` adds `--no-worker` (API only). */
export async function startServe(store: { dbPath?: string; databaseUrl?: string }, env: Record<string, string>, opts: { worker?: boolean } = {}): Promise<ServeProcess> {
  const args = ['serve', ...storeArgs(store), '--port', '0', '--host', '127.0.0.1', ...(opts.worker === false ? ['--no-worker'] : [])];
  const p = spawnSiyu(args, env);
  const line = await firstLine(p, 'Siyu listening on ', 'siyu serve');
  return { proc: p.proc, stderr: p.stderr, url: line.split(' ')[3] };
}

/** `siyu worker` on a PostgreSQL database; resolves once it runs. */
export async function startWorker(databaseUrl: string, env: Record<string, string> = {}, extra: string[] = []): Promise<SiyuProcess> {
  const p = spawnSiyu(['worker', '--database-url', databaseUrl, '--poll-ms', '50', ...extra], env);
  await firstLine(p, 'siyu worker ', 'siyu worker');
  return { proc: p.proc, stderr: p.stderr };
}

export const alive = (p: ChildProcess | undefined): p is ChildProcess => !!p && p.exitCode === null && p.signalCode === null;
export const exited = (p: ChildProcess) => new Promise<void>((resolve) => (alive(p) ? p.once('exit', () => resolve()) : resolve()));

/** Sends `signal` and waits for the process to be gone (SIGKILL after `ms` if a gentler signal is ignored). */
export async function stop(p: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL', ms = 20_000): Promise<void> {
  if (!alive(p)) return;
  p.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const outcome = await Promise.race([exited(p), late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    p.kill('SIGKILL');
    await exited(p);
    throw new Error(`process ${p.pid} did not exit on ${signal}`);
  }
}

/** Polls `check` until it holds; fails with `what` after `ms` (a guard against hanging, not a timing assertion). */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Reply {
  status: number;
  body: any;
}

/**
 * One HTTP request; a refused or reset connection (the server was killed) comes back as status 0. The body is parsed
 * as JSON when it is JSON.
 */
export async function request(url: string, method: string, path: string, auth: string, payload?: unknown): Promise<Reply> {
  try {
    const r = await fetch(url + path, {
      method,
      headers: { authorization: auth, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      body: payload === undefined ? undefined : JSON.stringify(payload),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await r.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: r.status, body };
  } catch {
    return { status: 0, body: null };
  }
}

export const bearer = (key: string) => `Bearer ${key}`;
export const basic = (key: string) => 'Basic ' + Buffer.from(key + ':').toString('base64');
