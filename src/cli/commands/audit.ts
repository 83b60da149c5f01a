// `siyu audit list|export|verify`: the audit log through the API — recent changes with filters, a CSV/JSON export,
// and a check of the hash chain (exit 1 when a row was edited or removed).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SiyuError } from '../../core/errors.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string) => process.stdout.write(s);

/** Adds the filter options shared by list and export. */
function withFilters(cmd: Command): Command {
  return cmd
    .option('--actor <actor>', 'user:<id>, key:<id>, an id or a name')
    .option('--action <prefix>', 'action prefix, e.g. POST or "PUT /api/consent/guard"')
    .option('--resource <id>', 'resource id or route prefix')
    .option('--from <iso>', 'from this time (ISO 8601)')
    .option('--to <iso>', 'before this time (ISO 8601)');
}

function filterQuery(opts: Record<string, string | undefined>): URLSearchParams {
  const q = new URLSearchParams();
  for (const k of ['actor', 'action', 'resource', 'from', 'to']) if (opts[k]) q.set(k, opts[k]!);
  return q;
}

export function registerAudit(program: Command) {
  const audit = program.command('audit').description('the audit log: who changed what, when and from where (append-only, hash-chained)');

  withStoreOptions(withFilters(audit.command('list')))
    .description('recent entries, newest first')
    .option('--limit <n>', 'how many (max 500)', '50')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = filterQuery(opts);
        q.set('limit', String(opts.limit));
        const body = expectOk(await api.request('GET', `/api/audit?${q}`), 'audit list');
        if (opts.json) return void out(JSON.stringify(body, null, 2) + '\n');
        for (const r of body.data) {
          const who = r.actor ? `${r.actor}${r.actor_name ? ` (${r.actor_name})` : ''}` : '-';
          const what = r.kind === 'ingest_summary' ? `${r.action} ${r.detail?.requests} requests, ${r.detail?.messages} messages` : `${r.action}${r.resource_id ? ` [${r.resource_id}]` : ''} → ${r.status}`;
          out(`${r.seq}\t${r.occurred_at}\t${who}\t${what}\t${r.ip ?? ''}\n`);
        }
        if (body.data.length === 0) out('no entries\n');
      }),
    );

  withStoreOptions(withFilters(audit.command('export')))
    .description('the (filtered) log as CSV or JSON')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to this file (default stdout)')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = filterQuery(opts);
        q.set('format', opts.format);
        const body = expectOk(await api.request('GET', `/api/audit/export?${q}`), 'audit export');
        const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2) + '\n';
        if (!opts.out) return void out(text);
        writeFileSync(opts.out, text);
        const rows = typeof body === 'string' ? Math.max(0, body.trim().split('\r\n').length - 1) : (body as { data: unknown[] }).data.length;
        out(`wrote ${rows} entries to ${opts.out}\n`);
      }),
    );

  withStoreOptions(audit.command('verify'))
    .description("check the workspace's hash chain: exits 1 when a row was edited, removed or reordered")
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('GET', '/api/audit/verify'), 'audit verify');
        if (!r.ok) throw new SiyuError('conflict', 'audit.chain_broken', `audit chain broken at seq ${r.broken.seq} (${r.broken.reason}); ${r.rows} rows before it verified`);
        out(`ok: ${r.rows} rows verified, last seq ${r.last_seq}, hash ${r.last_hash}\n`);
      }),
    );
}
