// The real `siyu import` / `siyu export` commands on a DuckDB file: exit codes 0, 1, 2, summary, report, export.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from './support/stores.ts';

const ROOT = resolve(import.meta.dirname, '..');
const FIX = join(ROOT, 'test/fixtures/imports');

function siyu(args: string[]) {
  const env = { ...process.env, SIYU_ADMIN_KEY: '', SIYU_DATABASE_URL: '', SIYU_LOG_LEVEL: 'silent' };
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/siyu.mjs'), ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

for (const engine of ENGINES) describe(`siyu import / export (CLI, in-process) [${engine}]`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'siyu-cli-import-'));
  let testDb: TestDb;
  let store: string[] = [];
  beforeAll(async () => {
    testDb = await createTestDb(engine);
    store = testDb.options.databaseUrl ? ['--database-url', testDb.options.databaseUrl] : ['--db', testDb.options.dbPath!];
  });
  afterAll(async () => {
    await testDb?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exit 2 with a summary naming the report; exit 0 on a clean file; exit 1 on failure; export --tag', () => {
    const members = join(dir, 'members.csv');
    copyFileSync(join(FIX, 'members.csv'), members);
    const bad = siyu(['import', 'members', members, ...store]);
    expect(bad.code, bad.err).toBe(2);
    expect(bad.out).toMatch(/rows read\s+6/);
    expect(bad.out).toMatch(/rejected\s+3\s+→ report: .*members\.csv\.report\.csv/);
    expect(bad.out).toMatch(/rows\/s/);
    expect(readFileSync(`${members}.report.csv`, 'utf8').split('\n')[0]).toBe('row,column,value,reason');

    const clean = join(dir, 'clean.csv');
    writeFileSync(clean, 'user_id,name,phone\ncli-1,甲,13700000001\ncli-2,乙,13700000002\n');
    const ok = siyu(['import', 'members', clean, ...store, '--json']);
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ rowsRead: 2, imported: 2, rejected: 0, membersCreated: 2, reportPath: null });
    expect(existsSync(`${clean}.report.csv`)).toBe(false);

    const missingColumn = siyu(['import', 'orders', clean, ...store, '--mapping', 'online-retail']);
    expect(missingColumn.code).toBe(1);
    expect(missingColumn.err).toMatch(/InvoiceNo.*import\.column_missing/);
    expect(siyu(['import', 'members', join(dir, 'nope.csv'), ...store]).code).toBe(1);

    const refs = join(dir, 'vip.txt');
    writeFileSync(refs, 'user_id:cli-1\n');
    const tagged = siyu(['tags', 'add', 'cli-vip', '--file', refs, '--create', ...store]);
    expect(tagged.code, tagged.err).toBe(0);
    const out = join(dir, 'vip.csv');
    const exp = siyu(['export', 'members', '--tag', 'cli-vip', '--out', out, ...store]);
    expect(exp.code, exp.err).toBe(0);
    expect(exp.out).toMatch(/Exported 1 members/);
    expect(readFileSync(out, 'utf8')).toMatch(/^\uFEFFmember_id,.*\n[^\n]*,cli-1,甲,13700000001,[^\n]*,cli-vip\n$/);
    const all = join(dir, 'all.xlsx');
    expect(siyu(['export', 'members', '--out', all, ...store]).code).toBe(0);
    expect(readFileSync(all).subarray(0, 2).toString()).toBe('PK'); // a zip: the xlsx container
  });
});
