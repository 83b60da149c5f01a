// `siyu member show REF`: the member 360 view (REF is a member id or type:value, e.g. phone:13800000000).
import type { Command } from 'commander';
import { connectApi, expectOk } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

export function registerMember(program: Command) {
  const member = program.command('member').description('look up members');
  withStoreOptions(member.command('show'))
    .argument('<ref>', 'member id or type:value (user_id:u1, phone:138…, email:…)')
    .option('--timeline <n>', 'also print the newest N timeline entries', '10')
    .option('--json', 'print JSON')
    .action(async (ref, opts) => {
      const api = await connectApi(opts);
      try {
        const path = `/api/members/${encodeURIComponent(ref)}`;
        const m = expectOk(await api.request('GET', path), 'member show');
        const tl = expectOk(await api.request('GET', `${path}/timeline?limit=${Number(opts.timeline) || 10}`), 'member timeline');
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ...m, timeline: tl.data }, null, 2) + '\n');
          return;
        }
        process.stdout.write(JSON.stringify(m, null, 2) + '\n');
        process.stdout.write(`\nTimeline (newest first):\n`);
        for (const e of tl.data) process.stdout.write(`  ${e.ts}  ${e.kind}\t${e.name ?? e.type ?? ""}\t${e.amount ?? ""}\n`);
      } finally {
        await api.close();
      }
    });
}
