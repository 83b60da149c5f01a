// `siyu consent history`: the consent history per purpose and channel (optionally one member) as CSV or JSON,
// added to the `consent` command (registered after it).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string) => process.stdout.write(s);

export function registerConsentHistory(program: Command) {
  const consent = program.commands.find((c) => c.name() === 'consent') ?? program.command('consent').description('consent per channel and purpose');
  withStoreOptions(consent.command('history'))
    .description('consent statements as CSV or JSON: every member, or one; per purpose and channel')
    .option('--member <ref>', 'only this member (mem_… or type:value)')
    .option('--purpose <purpose>', 'marketing or service')
    .option('--channel <channel>', 'sms, email, wecom, wechat_oa, miniprogram, app_push, webhook or all')
    .option('--since <iso>', 'said at or after this time')
    .option('--until <iso>', 'said before this time')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to this file (default stdout)')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = new URLSearchParams({ format: opts.format });
        for (const k of ['member', 'purpose', 'channel', 'since', 'until']) if (opts[k]) q.set(k, opts[k]);
        const body = expectOk(await api.request('GET', `/api/consent/history?${q}`), 'consent history');
        const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2) + '\n';
        if (!opts.out) return void out(text);
        writeFileSync(opts.out, text);
        const rows = typeof body === 'string' ? Math.max(0, body.trim().split('\r\n').length - 1) : (body as { data: unknown[] }).data.length;
        out(`wrote ${rows} statements to ${opts.out}\n`);
      }),
    );
}
