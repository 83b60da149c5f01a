// `siyu migrate`: applies pending schema migrations and reports them.
import type { Command } from 'commander';
import { openStore } from '../../store/open-store.ts';
import { migrate } from '../../store/migrations/index.ts';
import { readServerFile } from '../../server/server-file.ts';
import { cliConfig } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

export function registerMigrate(program: Command) {
  withStoreOptions(program.command('migrate'))
    .description('apply pending schema migrations')
    .action(async (opts) => {
      const config = cliConfig(opts);
      if (!config.databaseUrl && readServerFile(config.dbPath)) {
        process.stdout.write('A running server owns this database and applied its migrations at start; nothing to do.\n');
        return;
      }
      const store = await openStore({ databaseUrl: config.databaseUrl, dbPath: config.dbPath, migrate: false });
      try {
        const applied = await migrate(store);
        process.stdout.write(applied.length ? `Applied migrations ${applied.join(', ')} on ${store.describe()}\n` : `Up to date (${store.describe()})\n`);
      } finally {
        await store.close();
      }
    });
}
