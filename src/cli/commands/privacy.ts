// `siyu privacy export|erase|requests`: data subject rights through the API — everything held on one person as JSON,
// erasing a person (with a typed confirmation unless --yes), and the record of requests.
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { SiyuError } from '../../core/errors.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string) => process.stdout.write(s);

/** Asks on the terminal to type the member ref again; false when stdin is not a terminal. */
async function confirmed(ref: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const typed = await rl.question(`This permanently erases the personal data of ${ref}. Type the member ref again to confirm: `);
    return typed.trim() === ref.trim();
  } finally {
    rl.close();
  }
}

export function registerPrivacy(program: Command) {
  const privacy = program.command('privacy').description('data subject rights (PIPL/GDPR): export or erase everything held on one person');

  withStoreOptions(privacy.command('export'))
    .description('everything held on one person as JSON (profile, identities, events, orders, points, coupons, messages, consents, …)')
    .requiredOption('--member <ref>', 'member ref: mem_… id or type:value (phone:138…, user_id:u1)')
    .option('--out <file>', 'write the JSON to this file (default stdout)')
    .action((opts) =>
      withApi(opts, async (api) => {
        const body = expectOk(await api.request('POST', '/api/privacy/export', { member: opts.member }), 'privacy export');
        const text = JSON.stringify(body, null, 2) + '\n';
        if (!opts.out) return void out(text);
        writeFileSync(opts.out, text);
        const sizes = ['events', 'orders', 'points_ledger', 'coupons', 'messages', 'consent_history'].map((k) => `${(body[k] as unknown[] | undefined)?.length ?? 0} ${k}`);
        out(`exported ${body.member_id} to ${opts.out} (${sizes.join(', ')}; request ${body.request_id})\n`);
      }),
    );

  withStoreOptions(privacy.command('erase'))
    .description('erase a person: personal data and identities removed, events and orders anonymised (aggregates kept), pending sends cancelled')
    .requiredOption('--member <ref>', 'member ref: mem_… id or type:value')
    .requiredOption('--reason <text>', 'why (the ticket or request this answers); kept with the request')
    .option('--yes', 'do not ask for confirmation')
    .action(async (opts) => {
      if (!opts.yes && !(await confirmed(opts.member))) {
        throw new SiyuError('invalid_data', 'cli.confirm_required', 'Erasing cannot be undone: confirm by typing the member ref, or pass --yes', { field: 'yes' });
      }
      await withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', '/api/privacy/erase', { member: opts.member, reason: opts.reason }), 'privacy erase');
        if (!r.erased) return void out(`${r.request.member_id} was already erased (request ${r.request.id}); nothing changed\n`);
        const counts = Object.entries(r.request.counts ?? {}).filter(([, n]) => Number(n) > 0).map(([k, n]) => `${k} ${n}`);
        out(`erased ${r.request.member_id} (request ${r.request.id}): ${counts.join(', ') || 'nothing personal was held'}\n`);
      });
    });

  withStoreOptions(privacy.command('requests'))
    .description('export and erase requests, newest first')
    .option('--kind <kind>', 'export or erase')
    .option('--member <ref>', 'only this member')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = new URLSearchParams({ limit: String(opts.limit) });
        if (opts.kind) q.set('kind', opts.kind);
        if (opts.member) q.set('member', opts.member);
        const body = expectOk(await api.request('GET', `/api/privacy/requests?${q}`), 'privacy requests');
        if (opts.json) return void out(JSON.stringify(body, null, 2) + '\n');
        for (const r of body.data) out(`${r.created_at}\t${r.kind}\t${r.member_id}\t${r.actor_type ?? ''}:${r.actor_name ?? r.actor_id ?? ''}\t${r.reason ?? ''}\n`);
        if (body.data.length === 0) out('no requests\n');
      }),
    );
}
