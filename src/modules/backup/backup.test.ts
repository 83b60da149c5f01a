// Backup and restore round trips on both stores and across engines (DuckDB → PostgreSQL → DuckDB) on a populated
// database: the demo brand plus synthesised rows in every other table. Damaged archives are refused cleanly.
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../../test/support/pii.ts';
import { createTestDb, type Engine, type TestDb } from '../../../test/support/stores.ts';
import { runCli } from '../../../test/support/cli.ts';
import { openStore } from '../../store/open-store.ts';
import type { Store } from '../../store/port.ts';
import { WorkspaceService, DEFAULT_WORKSPACE } from '../workspaces/service.ts';
import { generateDemo } from '../demo/generator.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../core/config.ts';
import { writeBackup } from './backup.ts';
import { restoreBackup, inspectArchive, targetState } from './restore.ts';
import { RowChecksum } from './archive.ts';
import { tableNames } from './catalog.ts';
import { dumpTables, synthesiseRows } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'siyu-backup-'));
const opened: Array<{ store: Store; db: TestDb }> = [];

async function freshStore(engine: Engine, migrate = true): Promise<{ store: Store; db: TestDb }> {
  const db = await createTestDb(engine);
  const store = await openStore({ ...db.options, migrate });
  const h = { store, db };
  opened.push(h);
  return h;
}

async function backupTo(store: Store, file: string) {
  return writeBackup(store, createWriteStream(file));
}

// schema_migrations is recorded in the archive's header, not as rows (its applied_at is the restore's).
const compare = async (a: Store, b: Store) => expect(await dumpTables(b)).toEqual(await dumpTables(a));

let source: Store;
let sourceFile: string;

beforeAll(async () => {
  ({ store: source } = await freshStore('duckdb'));
  const ws = (await new WorkspaceService(source).create({ name: '备份 backup' })).id;
  await generateDemo(source, { workspaceId: ws, members: 150, seed: 'backup', endDate: '2026-06-01' });
  await synthesiseRows(source, ws);
  sourceFile = join(dir, 'source.backup.gz');
  await backupTo(source, sourceFile);
}, 120_000);

afterAll(async () => {
  for (const h of opened) {
    await h.store.close().catch(() => undefined);
    await h.db.cleanup();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('backup and restore', () => {
  it('fills every table of the source (the test covers them all)', async () => {
    const dump = await dumpTables(source);
    const empty = Object.entries(dump).filter(([, rows]) => rows.length === 0).map(([t]) => t);
    expect(empty).toEqual([]);
    expect(dump.members.length).toBeGreaterThan(150);
  });

  it('writes a checksummed archive that reads back whole', async () => {
    const r = await inspectArchive(createReadStream(sourceFile));
    expect(r.header.format).toBe('siyu-backup');
    expect(r.header.source).toBe('duckdb');
    expect(r.tables).toBe(r.header.tables.length);
    expect(r.rows).toBe(r.header.tables.reduce((a, t) => a + t.rows, 0));
    expect(r.header.tables.find((t) => t.name === 'schema_migrations')).toBeUndefined();
  });

  it('round-trips DuckDB → PostgreSQL → DuckDB, and each engine into itself, with every row equal', async () => {
    const { store: pg } = await freshStore('postgres');
    const r1 = await restoreBackup(pg, createReadStream(sourceFile));
    expect(r1.migrated).toEqual([]);
    await compare(source, pg);

    const pgFile = join(dir, 'pg.backup.gz');
    await backupTo(pg, pgFile);
    const { store: duck2 } = await freshStore('duckdb', false);
    await restoreBackup(duck2, createReadStream(pgFile));
    await compare(source, duck2);

    const { store: pg2 } = await freshStore('postgres');
    await restoreBackup(pg2, createReadStream(pgFile));
    await compare(source, pg2);
    // The restored store is a working one: its migrations are recorded, and the app opens on it.
    expect((await pg2.query('SELECT count(*) AS n FROM schema_migrations'))[0].n).toBeGreaterThan(20);

    // A target with data is refused and left as it was, unless forced.
    await new WorkspaceService(duck2).create({ name: 'extra' });
    const before = await dumpTables(duck2);
    await expect(restoreBackup(duck2, createReadStream(sourceFile))).rejects.toMatchObject({ code: 'restore.target_not_empty' });
    expect(await dumpTables(duck2)).toEqual(before);
    await restoreBackup(duck2, createReadStream(sourceFile), { force: true });
    await compare(source, duck2);
  }, 120_000);

  describe.each(['duckdb', 'postgres'] as Engine[])('damaged archives [%s]', (engine) => {
    const raw = () => gunzipSync(readFileSync(sourceFile)).toString('utf8');
    let target: Store;
    beforeAll(async () => {
      ({ store: target } = await freshStore(engine, false));
    });
    const refused = async (bytes: Buffer, code: string, message?: RegExp) => {
      const err = await restoreBackup(target, Readable.from([bytes])).catch((e) => e);
      expect(err?.code, String(err?.message)).toBe(code);
      if (message) expect(err.message).toMatch(message);
      // No brand data and no half-done restore are left: the next restore needs no --force.
      expect(await targetState(target)).toMatchObject({ nonEmpty: [], partial: false });
      return err;
    };

    it.runIf(engine === 'duckdb')('refuses a file that is no archive, touching nothing', async () => {
      await refused(Buffer.from('just text'), 'restore.archive_corrupt');
      await refused(gzipSync('{"hello":1}\n'), 'restore.archive_invalid');
    }, 60_000);
    it('refuses a truncated archive and leaves the target empty', async () => {
      const bytes = readFileSync(sourceFile);
      await refused(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'restore.archive_corrupt', /truncated|damaged/);
      // The restore had begun: what it created is gone, the store is blank.
      expect(await tableNames(target)).toEqual([]);
    }, 60_000);

    it.runIf(engine === 'duckdb')('refuses an archive whose rows were altered (checksum) and one cut at a line', async () => {
      const text = raw();
      const i = text.indexOf('\n["', text.indexOf('{"table":"orders"'));
      const altered = text.slice(0, i + 3) + 'X' + text.slice(i + 3);
      await refused(gzipSync(altered), 'restore.archive_corrupt', /orders.*checksum/);
      const lines = text.split('\n');
      await refused(gzipSync(lines.slice(0, Math.floor(lines.length / 2)).join('\n') + '\n'), 'restore.archive_corrupt', /truncated/);
    }, 60_000);

    it.runIf(engine === 'duckdb')('names the table and row a store refuses, with a consistent checksum', async () => {
      // A duplicate primary key in members: the archive is intact, the store says no.
      const lines = raw().split('\n');
      const start = lines.findIndex((l) => l.startsWith('{"table":"members"'));
      lines.splice(start + 2, 0, lines[start + 1]);
      const end = lines.findIndex((l, k) => k > start && l.startsWith('{"end_table":"members"'));
      const sum = new RowChecksum();
      for (let k = start + 1; k < end; k++) sum.add(lines[k]);
      lines[end] = JSON.stringify({ end_table: 'members', rows: sum.count, checksum: sum.hex() });
      const trailer = JSON.parse(lines[lines.length - 2]);
      lines[lines.length - 2] = JSON.stringify({ ...trailer, rows: trailer.rows + 1 });
      const header = JSON.parse(lines[0]);
      header.tables.find((t: { name: string }) => t.name === 'members').rows++;
      lines[0] = JSON.stringify(header);
      const err = await refused(gzipSync(lines.join('\n')), 'restore.row_rejected', /members, row 2 \(workspace_id=.*, id=.*\)/);
      expect(err.message).toMatch(/left empty/);
      // …and a good archive then restores into the same store.
      await restoreBackup(target, createReadStream(sourceFile));
      await compare(source, target);
    }, 60_000);

  });

  it('backs up a running DuckDB server through /api/system/backup (default workspace only)', async () => {
    const { app, services } = await buildApp({ store: source, config: loadConfig({ logLevel: 'silent' }, {}) });
    await app.ready();
    try {
      await services.workspaces.ensureDefault();
      const admin = await services.workspaces.createKey(DEFAULT_WORKSPACE, 'admin');
      const res = await app.inject({ method: 'GET', url: '/api/system/backup', headers: { authorization: `Bearer ${admin.secret}` } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/gzip');
      const { store: duck } = await freshStore('duckdb', false);
      await restoreBackup(duck, Readable.from([res.rawPayload]));
      // The request itself stamped its key's last use after the snapshot was taken.
      const skip = (t: string) => t === 'api_keys';
      expect(await dumpTables(duck, skip)).toEqual(await dumpTables(source, skip));

      // The CLI over HTTP: downloads, checks the archive, then renames it into place.
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address() as { port: number };
      const file = join(dir, 'http.backup.gz');
      const cli = await runCli(['backup', '--url', `http://127.0.0.1:${address.port}`, '--key', admin.secret, '--out', file]);
      expect(cli.error).toBeUndefined();
      expect(cli.out).toMatch(/Backed up \d+ tables, \d+ rows .* via http:\/\/127\.0\.0\.1/);
      expect((await inspectArchive(createReadStream(file))).tables).toBeGreaterThan(100);

      const other = await services.workspaces.create({ name: 'another brand' });
      const otherKey = await services.workspaces.createKey(other.id, 'admin');
      const denied = await app.inject({ method: 'GET', url: '/api/system/backup', headers: { authorization: `Bearer ${otherKey.secret}` } });
      expect(denied.statusCode).toBe(403);
    } finally {
      await app.close();
    }
  }, 60_000);

  it('siyu backup / restore on the command line', async () => {
    const src = await createTestDb('duckdb');
    const store = await openStore(src.options);
    const ws = (await new WorkspaceService(store).create({ name: 'cli' })).id;
    await generateDemo(store, { workspaceId: ws, members: 40, seed: 'cli', endDate: '2026-06-01' });
    const expected = await dumpTables(store);
    await store.close();
    try {
      const file = join(dir, 'cli.backup.gz');
      const b = await runCli(['backup', '--out', file, '--db', src.options.dbPath!]);
      expect(b.error).toBeUndefined();
      expect(b.out).toMatch(/Backed up \d+ tables, \d+ rows \(schema version \d+\)/);
      const c = await runCli(['restore', file, '--check']);
      expect(c.out).toMatch(/checksums match/);
      const target = await createTestDb('postgres');
      const r = await runCli(['restore', file, '--database-url', target.options.databaseUrl!]);
      expect(r.error).toBeUndefined();
      expect(r.out).toMatch(/Restored \d+ tables.*verified[\s\S]*SIYU_DATA_KEYS/);
      const again = await runCli(['restore', file, '--database-url', target.options.databaseUrl!]);
      expect(again.error?.code).toBe('restore.target_not_empty');
      const restored = await openStore({ ...target.options, migrate: false });
      expect(await dumpTables(restored)).toEqual(expected);
      await restored.close();
      await target.cleanup();
      writeFileSync(join(dir, 'bad.gz'), 'nope');
      const bad = await runCli(['restore', join(dir, 'bad.gz'), '--check']);
      expect(bad.error?.code).toBe('restore.archive_corrupt');
    } finally {
      await src.cleanup();
    }
  }, 60_000);
});
