// While `siyu serve` owns a DuckDB file (one process only), CLI commands on the same --db go through the server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { serverFilePath } from '../src/server/server-file.ts';

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/siyu.mjs', ...args], { encoding: 'utf8', env: { ...process.env, SIYU_LOG_LEVEL: 'silent' } });

describe('CLI while a server owns the DuckDB file', () => {
  let dir: string;
  let db: string;
  let server: ChildProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'siyu-cli-srv-'));
    db = join(dir, 'owned.duckdb');
    server = spawn(process.execPath, ['bin/siyu.mjs', 'serve', '--db', db, '--port', '0'], { stdio: 'ignore', env: { ...process.env, SIYU_LOG_LEVEL: 'silent' } });
    for (let i = 0; i < 200 && !existsSync(serverFilePath(db)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(serverFilePath(db))).toBe(true);
  });

  afterAll(async () => {
    server?.kill('SIGTERM');
    await new Promise((r) => server?.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('cannot open the file directly, yet every command works through the server', async () => {
    await expect(DuckDbStore.open(db)).rejects.toThrow(/lock/i);
    const url = JSON.parse(readFileSync(serverFilePath(db), 'utf8')).url;

    const key = cli(['keys', 'create', '--db', db, '--kind', 'write', '--name', 'pos', '--json']);
    expect(key.status, key.stderr).toBe(0);
    const secret = JSON.parse(key.stdout).secret as string;

    const res = await fetch(`${url}/v1/identify`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(secret + ':').toString('base64'), 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'srv-1', traits: { phone: '13600000001', name: '王芳' } }),
    });
    expect(res.status).toBe(200);

    const csv = join(dir, 'members.csv');
    writeFileSync(csv, 'user_id,phone,name\nsrv-2,13600000002,李娜\n');
    const imp = cli(['import', 'members', csv, '--db', db]);
    expect(imp.status, imp.stderr + imp.stdout).toBe(0);

    for (const ref of ['phone:13600000001', 'user_id:srv-2']) {
      const show = cli(['member', 'show', ref, '--db', db, '--json']);
      expect(show.status, show.stderr).toBe(0);
      expect(JSON.parse(show.stdout).identities.map((i: any) => i.type)).toContain('phone');
    }
    const migrate = cli(['migrate', '--db', db]);
    expect(migrate.status).toBe(0);
    expect(migrate.stdout).toMatch(/running server owns this database/);
  });
});
