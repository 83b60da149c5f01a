// The "server file" beside a DuckDB database: tells CLI commands that a running server owns the file, where it
// listens, and a per-start local admin token (mode 0600) so the CLI can go through it instead of the file.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface ServerFile {
  pid: number;
  url: string;
  token: string;
  startedAt: string;
}

export const LOCAL_TOKEN_NAME = 'siyu-cli-local';

export const serverFilePath = (dbPath: string) => resolve(dbPath) + '.server.json';

export function writeServerFile(dbPath: string, info: ServerFile): void {
  writeFileSync(serverFilePath(dbPath), JSON.stringify(info, null, 2), { mode: 0o600 });
}

export function removeServerFile(dbPath: string): void {
  rmSync(serverFilePath(dbPath), { force: true });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running server that owns `dbPath`, or null when none (a stale file from a crashed server is ignored). */
export function readServerFile(dbPath: string): ServerFile | null {
  try {
    const info = JSON.parse(readFileSync(serverFilePath(dbPath), 'utf8')) as ServerFile;
    return pidAlive(info.pid) ? info : null;
  } catch {
    return null;
  }
}
