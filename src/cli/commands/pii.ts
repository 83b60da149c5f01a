// `siyu pii keys|rotate|keygen`: personal data keys — which seal the data, re-encryption to the current key, a new key.
import type { Command } from 'commander';
import { formatDataKeys, generateDataKey } from '../../core/pii/index.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string): void => void process.stdout.write(s);

export function registerPii(program: Command) {
  const pii = program.command('pii').description('personal data encryption: keys, rotation');

  withStoreOptions(pii.command('keys'))
    .description('the configured data key ids (first is current) and how many stored values still need rotating')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('GET', '/api/pii/keys'), 'pii keys');
        if (opts.json) return out(JSON.stringify(r, null, 2) + '\n');
        out(`current key: ${r.current_key_id}\nkeys: ${r.key_ids.join(', ')}\nnot under the current key: ${r.remaining}\n`);
      }),
    );

  withStoreOptions(pii.command('rotate'))
    .description('re-encrypt every stored phone, email, name and address under the current key (first of SIYU_DATA_KEYS), in batches; resumable')
    .option('--batch-size <n>', 'members per committed batch', '5000')
    .option('--max-batches <n>', 'stop after this many batches (run again to continue)')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const body = { batch_size: Number(opts.batchSize), ...(opts.maxBatches ? { max_batches: Number(opts.maxBatches) } : {}) };
        const r = expectOk(await api.request('POST', '/api/pii/rotate', body), 'pii rotate');
        if (opts.json) return out(JSON.stringify(r, null, 2) + '\n');
        out(`re-encrypted under ${r.key_id}: ${r.members} members, ${r.identities} identities in ${r.batches} batches; ${r.remaining} remaining\n`);
      }),
    );

  pii
    .command('keygen')
    .description('print a new random data key as kid:base64 (prepend it to SIYU_DATA_KEYS, restart, then `siyu pii rotate`)')
    .action(() => out(formatDataKeys([generateDataKey()]) + '\n'));
}
