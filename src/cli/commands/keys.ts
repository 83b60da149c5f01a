// `siyu keys create|list|revoke`: API keys of the workspace of the admin key in use.
import type { Command } from 'commander';
import { connectApi, expectOk } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

export function registerKeys(program: Command) {
  const keys = program.command('keys').description('manage API keys');
  withStoreOptions(keys.command('create'))
    .description('create a key; the secret is printed once')
    .requiredOption('--kind <kind>', 'write (ingest only) or admin', 'write')
    .option('--name <name>', 'a label, e.g. "POS" or "mini-program"')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const api = await connectApi(opts);
      try {
        const key = expectOk(await api.request('POST', '/api/keys', { kind: opts.kind, name: opts.name }), 'keys create');
        process.stdout.write(opts.json ? JSON.stringify(key) + '\n' : `${key.kind} key ${key.id}\nsecret: ${key.secret}\n(store it now: it is not shown again)\n`);
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
        for (const k of data) process.stdout.write(`${k.id}\t${k.kind}\t${k.prefix}…\t${k.name ?? ''}\t${k.revoked_at ? 'revoked' : 'active'}\n`);
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
