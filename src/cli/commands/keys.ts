// `siyu keys create|list|revoke` (alias `siyu key`): API keys of the workspace of the admin key in use, by scope:
// ingest (send data only; the historic kind `write`), read (read-only) or admin.
import type { Command } from 'commander';
import { connectApi, expectOk } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

export function registerKeys(program: Command) {
  const keys = program.command('keys').alias('key').description('manage API keys');
  withStoreOptions(keys.command('create'))
    .description('create a key; the secret is printed once')
    .option('--scope <scope>', 'ingest (send data only), read (read-only) or admin')
    .option('--kind <kind>', 'historic name of the scope: write (= ingest) or admin')
    .option('--name <name>', 'a label, e.g. "POS" or "mini-program"')
    .option('--channel <channel>', 'default source channel of data sent with the key, e.g. store')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const api = await connectApi(opts);
      try {
        const scope = opts.scope ?? (opts.kind ? undefined : 'ingest');
        const key = expectOk(await api.request('POST', '/api/keys', { scope, kind: opts.kind, name: opts.name, channel: opts.channel }), 'keys create');
        process.stdout.write(opts.json ? JSON.stringify(key) + '\n' : `${key.scope} key ${key.id}\nsecret: ${key.secret}\n(store it now: it is not shown again)\n`);
      } finally {
        await api.close();
      }
    });
  withStoreOptions(keys.command('list'))
    .description('list keys (without secrets)')
    .action(async (opts) => {
      const api = await connectApi(opts);
      try {
        const { data } = expectOk(await api.request('GET', '/api/keys'), 'keys list');
        for (const k of data) process.stdout.write(`${k.id}\t${k.scope}\t${k.prefix}…\t${k.name ?? ''}\t${k.revoked_at ? 'revoked' : 'active'}\t${k.last_used_at ?? '-'}\n`);
      } finally {
        await api.close();
      }
    });
  withStoreOptions(keys.command('revoke'))
    .argument('<id>')
    .description('revoke a key')
    .action(async (id, opts) => {
      const api = await connectApi(opts);
      try {
        expectOk(await api.request('DELETE', `/api/keys/${encodeURIComponent(id)}`), 'keys revoke');
        process.stdout.write(`revoked ${id}\n`);
      } finally {
        await api.close();
      }
    });
}
