// `siyu backup --out FILE` and `siyu restore FILE [--force]`: logical, engine-neutral archives of a whole store.
// A backup goes through the running server when one owns the DuckDB file (or --url is given), else reads the
// store itself; a restore always writes the target store directly (no server may hold it).
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { SiyuError } from '../../core/errors.ts';
import { openStore } from '../../store/open-store.ts';
import { readServerFile } from '../../server/server-file.ts';
import { writeBackup } from '../../modules/backup/backup.ts';
import { inspectArchive, KEYS_NOTE, restoreBackup } from '../../modules/backup/restore.ts';
import { cliConfig } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1) + ' MB';

/** Prints a progress line at most every few seconds. */
function throttle(every = 5000) {
  let last = Date.now();
  return (line: () => string) => {
    if (Date.now() - last < every) return;
    last = Date.now();
    process.stderr.write(line() + '\n');
  };
}

export function registerBackup(program: Command) {
  withStoreOptions(program.command('backup'))
    .description('write a backup archive of the whole store (both engines; through the running server when one owns the DuckDB file)')
    .requiredOption('--out <file>', 'archive to write (gzip JSON lines; e.g. siyu-2026-01-31.backup.gz)')
    .option('--level <n>', 'gzip level 1-9 (default 3)', (v) => Number(v))
    .action(async (opts) => {
      const config = cliConfig(opts);
      const out: string = opts.out;
      const partial = out + '.partial';
      const running = !config.databaseUrl && !opts.url ? readServerFile(config.dbPath) : null;
      const url: string | undefined = opts.url ?? running?.url;
      try {
        if (url) {
          const key = opts.key ?? config.adminKey ?? running?.token;
          if (!key) throw new SiyuError('unauthorized', 'cli.key_required', '--url needs --key or SIYU_ADMIN_KEY');
          const res = await fetch(url.replace(/\/$/, '') + '/api/system/backup', { headers: { authorization: `Bearer ${key}` } });
          if (!res.ok || !res.body) {
            const text = await res.text().catch(() => '');
            let b: any = null;
            try {
              b = JSON.parse(text);
            } catch {
              // not JSON
            }
            throw new SiyuError(res.status === 403 ? 'forbidden' : 'unavailable', b?.code ?? 'backup.request_failed', `backup via ${url} failed: HTTP ${res.status} ${b?.message ?? text}`);
          }
          const started = Date.now();
          await pipeline(Readable.fromWeb(res.body as any), createWriteStream(partial));
          // The server may fail after its headers went out: only a complete, checksummed archive counts.
          const check = await inspectArchive(createReadStream(partial));
          renameSync(partial, out);
          process.stdout.write(
            `Backed up ${check.tables} tables, ${check.rows} rows (schema version ${check.header.schema_version}) via ${url} to ${out} (${mb(statSync(out).size)}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
          );
          return;
        }
        if (!config.databaseUrl && !existsSync(config.dbPath)) {
          throw new SiyuError('not_found', 'backup.no_database', `No database at ${config.dbPath} (--db or SIYU_DB_PATH)`, { field: 'db' });
        }
        // As it is: a backup never migrates the store it reads.
        const store = await openStore({ databaseUrl: config.databaseUrl, dbPath: config.dbPath, migrate: false });
        try {
          const tick = throttle();
          const res = await writeBackup(store, createWriteStream(partial), {
            level: opts.level,
            onProgress: (p) => tick(() => `backed up ${p.rows} of ${p.totalRows} rows (${p.table})…`),
          });
          renameSync(partial, out);
          process.stdout.write(
            `Backed up ${res.tables} tables, ${res.rows} rows (schema version ${res.schema_version}) of ${store.describe()} to ${out} (${mb(res.bytes)}) in ${res.seconds.toFixed(1)} s\n`,
          );
        } finally {
          await store.close();
        }
      } catch (e) {
        rmSync(partial, { force: true });
        throw e;
      }
    });

  withStoreOptions(program.command('restore'))
    .description('restore a backup archive into an empty store (DuckDB or PostgreSQL, whichever the archive came from)')
    .argument('<file>', 'archive written by siyu backup')
    .option('--force', 'replace whatever the target store holds')
    .option('--check', 'only read the archive and verify its checksums; touch no store')
    .action(async (file: string, opts) => {
      if (!existsSync(file)) throw new SiyuError('not_found', 'restore.no_file', `No archive at ${file}`, { field: 'file' });
      if (opts.check) {
        const r = await inspectArchive(createReadStream(file));
        process.stdout.write(`${file}: a complete Siyu backup of ${r.tables} tables, ${r.rows} rows (schema version ${r.header.schema_version}, from ${r.header.source} at ${r.header.created_at}); checksums match\n`);
        return;
      }
      if (opts.url) throw new SiyuError('invalid_data', 'restore.local_only', 'A restore writes the target store directly: give --db or --database-url, not --url', { field: 'url' });
      const config = cliConfig(opts);
      if (!config.databaseUrl) {
        const running = readServerFile(config.dbPath);
        if (running) {
          throw new SiyuError('conflict', 'restore.server_running', `A running server (pid ${running.pid}, ${running.url}) owns ${config.dbPath}: stop it before restoring into it, or restore into another file`, { field: 'db' });
        }
      }
      const store = await openStore({ databaseUrl: config.databaseUrl, dbPath: config.dbPath, migrate: false });
      try {
        const tick = throttle();
        const res = await restoreBackup(store, createReadStream(file), {
          force: Boolean(opts.force),
          onProgress: (p) => tick(() => `${p.stage === 'load' ? 'restored' : 'verified'} ${p.rows} of ${p.totalRows} rows (${p.table})…`),
        });
        const up = res.migrated.length ? `; migrated forward from schema ${res.archive_schema_version} to ${res.schema_version}` : '';
        process.stdout.write(
          `Restored ${res.tables} tables, ${res.rows} rows from ${file} (${res.source} backup of ${res.created_at}) into ${store.describe()} in ${res.seconds.toFixed(1)} s; counts and checksums verified${up}\n${KEYS_NOTE}\n`,
        );
      } finally {
        await store.close();
      }
    });
}
