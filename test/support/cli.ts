// Runs `siyu` commands in-process (no child process) against a test database, and seeds that database in between.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';
import { loadConfig } from '../../src/core/config.ts';
import { DEFAULT_WORKSPACE } from '../../src/modules/workspaces/service.ts';
import { buildApp, type App } from '../../src/server/app.ts';
import type { Services } from '../../src/server/services.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/port.ts';
import type { TestDb } from './stores.ts';

/**
 * Runs one command in-process: stdout captured, the error it ended with returned.
 * @example const { out, error } = await runCli(['tags', 'list', '--db', path]);
 */
export async function runCli(args: string[]): Promise<{ out: string; error?: any }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    out += String(chunk);
    return true;
  });
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'siyu', ...args]);
    return { out };
  } catch (error) {
    return { out, error };
  } finally {
    spy.mockRestore();
  }
}

/** The flags that point the CLI at a test database: `--db FILE` (DuckDB) or `--database-url URL` (PostgreSQL). */
export function dbArgsOf(db: TestDb): string[] {
  return db.options.dbPath ? ['--db', db.options.dbPath] : ['--database-url', db.options.databaseUrl!];
}

export interface CliRunner {
  /** Runs one command and returns its stdout; throws the error the command ended with. */
  run(args: string[]): Promise<string>;
  /** Runs one command and returns stdout and the error it ended with, if any (to assert on failures). */
  tryRun(args: string[]): Promise<{ out: string; error?: any }>;
}

/**
 * Runs commands with `tail()` appended to their arguments; `tail` is called per command, so it may read a database
 * a suite creates later, in `beforeAll`.
 * @example const { run, tryRun } = cliRunner(() => dbArgsOf(db)); expect(await run(['tags', 'list'])).toBe('no tags\n');
 */
export function cliRunner(tail: () => string[]): CliRunner {
  const tryRun = (args: string[]) => runCli([...args, ...tail()]);
  return {
    tryRun,
    async run(args) {
      const r = await tryRun(args);
      if (r.error) throw r.error;
      return r.out;
    },
  };
}

/**
 * A fresh temp folder for a suite's files; `file(name, body)` writes `body` as JSON to `<dir>/<name>.json` and
 * returns the path. Call it once per `describe.each` engine, so that each engine gets its own folder.
 * @example const { dir, file } = jsonFiles('siyu-journey-cli-'); await run(['journey', 'create', '--file', file('welcome', def)]);
 */
export function jsonFiles(prefix: string): { dir: string; file: (name: string, body: unknown) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name, body) {
      const f = join(dir, `${name}.json`);
      writeFileSync(f, JSON.stringify(body));
      return f;
    },
  };
}

/**
 * Opens a store on the test database, runs `fn` and always closes the store again: the CLI opens the database
 * itself, and DuckDB lets only one store hold the file at a time.
 */
export async function withStore<T>(db: TestDb, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(db.options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export interface AppContext {
  app: App;
  services: Services;
  store: Store;
  /** The default workspace: the one the CLI's in-process key belongs to. */
  workspaceId: string;
  /** Headers of a new key of the default workspace: `admin` as a bearer token, `write` as Basic auth (ingest). */
  keyHeaders(kind: 'admin' | 'write'): Promise<{ authorization: string }>;
}

/**
 * Runs `fn` with the full app (silent, no web console) on the test database, after making sure the default
 * workspace exists; always closes app and store again (the CLI opens the database itself in between).
 * @example beforeAll(async () => { db = await createTestDb(engine); await withApp(db, ({ services }) => services.members.upsert(…)) })
 */
export function withApp<T>(db: TestDb, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  return withStore(db, async (store) => {
    const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}), consoleDir: false });
    try {
      await app.ready();
      await services.workspaces.ensureDefault();
      const keyHeaders = async (kind: 'admin' | 'write') => {
        const { secret } = await services.workspaces.createKey(DEFAULT_WORKSPACE, kind);
        return { authorization: kind === 'admin' ? `Bearer ${secret}` : 'Basic ' + Buffer.from(secret + ':').toString('base64') };
      };
      return await fn({ app, services, store, workspaceId: DEFAULT_WORKSPACE, keyHeaders });
    } finally {
      await app.close();
    }
  });
}
