// Options every data command shares.
import type { Command } from 'commander';

/** Adds --db, --database-url, --url and --key to a command. */
export function withStoreOptions(cmd: Command): Command {
  return cmd
    .option('--db <path>', 'DuckDB file (default ./data/siyu.duckdb, or SIYU_DB_PATH)')
    .option('--database-url <url>', 'PostgreSQL URL (or SIYU_DATABASE_URL); selects server mode')
    .option('--url <url>', 'talk to a Siyu server at this URL (needs --key or SIYU_ADMIN_KEY)')
    .option('--key <key>', 'admin API key (default: SIYU_ADMIN_KEY, or the local token of a running server)');
}
