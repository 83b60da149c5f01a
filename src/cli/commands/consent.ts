// `siyu consent show|set|import|export|link|inbound|check|guard`: members' consent per channel and purpose and the guard
// rails, through the API.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SiyuError } from '../../core/errors.ts';
import { parseImportCsv } from '../../modules/consent/csv.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

/** Rows per import request. */
export const IMPORT_CHUNK = 5_000;

const out = (s: string) => process.stdout.write(s);
const enc = encodeURIComponent;

/** Rows of an import file: CSV with a header row, a JSON array (or { rows }), or JSON lines. */
export function readImportFile(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, 'utf8');
  if (/\.csv$/i.test(file)) return parseImportCsv(text);
  const trimmed = text.trim();
  try {
    if (/\.jsonl$/i.test(file)) return trimmed.split(/\r?\n/).filter(Boolean).map((l) => JSON.parse(l));
    const v = JSON.parse(trimmed);
    const rows = Array.isArray(v) ? v : v?.rows;
    if (Array.isArray(rows)) return rows;
  } catch (e) {
    throw new SiyuError('invalid_data', 'consent.import_file_invalid', `${file} is not valid JSON: ${(e as Error).message}`, { field: 'file' });
  }
  throw new SiyuError('invalid_data', 'consent.import_file_invalid', `${file}: expected a .csv file, a JSON array of rows, { "rows": [...] } or .jsonl`, { field: 'file' });
}

function table(effective: Record<string, Record<string, { allowed: boolean; basis: string }>>): string {
  const channels = Object.keys(effective.marketing);
  const lines = [['purpose', ...channels].join('\t')];
  for (const [purpose, row] of Object.entries(effective)) lines.push([purpose, ...channels.map((c) => `${row[c].allowed ? 'yes' : 'no'} (${row[c].basis})`)].join('\t'));
  return lines.join('\n') + '\n';
}

export function registerConsent(program: Command) {
  const consent = program.command('consent').description('consent per channel and purpose, unsubscribes, and the guard rails (caps, quiet hours, dedupe)');

  withStoreOptions(consent.command('show'))
    .argument('<member>', 'member ref: mem_… id or type:value (user_id:u1, phone:138…)')
    .description("a member's consent statements and what they allow per purpose and channel")
    .option('--history', 'print every statement, oldest first')
    .option('--json', 'print JSON')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const body = expectOk(await api.request('GET', opts.history ? `/api/consent/members/${enc(ref)}/history` : `/api/consent/members/${enc(ref)}`), 'consent show');
        if (opts.json) return void out(JSON.stringify(body, null, 2) + '\n');
        out(`member ${body.member_id}\n`);
        if (opts.history) {
          for (const h of body.data) out(`${h.occurred_at}\t${h.channel}\t${h.purpose}\t${h.status}\t${h.source}${h.source_detail ? ` (${h.source_detail})` : ''}${h.operator ? ` by ${h.operator}` : ''}\n`);
          return;
        }
        for (const c of body.consents) out(`${c.channel}\t${c.purpose}\t${c.status}\t${c.source}\t${c.changed_at}\n`);
        if (body.consents.length === 0) out('no statements (defaults apply)\n');
        out(table(body.effective));
      }),
    );

  withStoreOptions(consent.command('set'))
    .argument('<member>', 'member ref')
    .description('record a statement: --grant or --revoke consent on a channel for a purpose')
    .requiredOption('--channel <channel>', 'sms, email, wecom, wechat_oa, miniprogram, app_push, webhook or all')
    .option('--purpose <purpose>', 'marketing or service', 'marketing')
    .option('--grant', 'the member agrees')
    .option('--revoke', 'the member withdraws')
    .option('--source <source>', 'api, import, operator, …', 'operator')
    .option('--detail <text>', 'source detail (form, ticket, store …)')
    .option('--operator <name>', 'who records it', process.env.USER)
    .option('--at <iso>', 'when the member said so (default now)')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        if (Boolean(opts.grant) === Boolean(opts.revoke)) throw new SiyuError('invalid_data', 'cli.consent_status_required', 'Give exactly one of --grant or --revoke', { field: 'grant' });
        const body = { channel: opts.channel, purpose: opts.purpose, status: opts.grant ? 'granted' : 'revoked', source: opts.source, source_detail: opts.detail, operator: opts.operator, at: opts.at };
        const r = expectOk(await api.request('PUT', `/api/consent/members/${enc(ref)}`, body), 'consent set');
        out(`${r.member_id}: ${opts.channel} ${opts.purpose} ${body.status}\n`);
      }),
    );

  withStoreOptions(consent.command('import'))
    .argument('<file>', '.csv (header: member,channel,purpose,status,source,source_detail,operator,at,ip,user_agent), .json or .jsonl')
    .description('import consent statements in bulk (rows of unknown members are listed, not fatal)')
    .option('--source <source>', 'source of rows that name none', 'import')
    .action((file, opts) =>
      withApi(opts, async (api) => {
        const rows = readImportFile(file);
        if (rows.length === 0) return void out(`no rows in ${file}\n`);
        let recorded = 0;
        const missing: { row: number; member: string }[] = [];
        for (let i = 0; i < rows.length; i += IMPORT_CHUNK) {
          const r = expectOk(await api.request('POST', '/api/consent/import', { rows: rows.slice(i, i + IMPORT_CHUNK), source: opts.source }), `consent import (rows ${i + 1}–${Math.min(i + IMPORT_CHUNK, rows.length)})`);
          recorded += r.recorded;
          for (const m of r.not_found) missing.push({ row: m.row + i + 1, member: m.member });
        }
        out(`recorded ${recorded} of ${rows.length} statements from ${file}\n`);
        if (missing.length) out(`${missing.length} rows name unknown members: ${missing.slice(0, 20).map((m) => `row ${m.row} (${m.member})`).join(', ')}${missing.length > 20 ? ', …' : ''}\n`);
      }),
    );

  withStoreOptions(consent.command('export'))
    .description('the consent history as CSV (the workspace, or one member)')
    .option('--member <ref>', 'one member')
    .option('--since <iso>', 'recorded at or after')
    .option('--until <iso>', 'recorded before')
    .option('--out <file>', 'write to a file instead of stdout')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = new URLSearchParams();
        for (const k of ['member', 'since', 'until'] as const) if (opts[k]) q.set(k, opts[k]);
        const csv = expectOk(await api.request('GET', `/api/consent/export${q.size ? `?${q}` : ''}`), 'consent export') as unknown as string;
        if (!opts.out) return void out(csv);
        writeFileSync(opts.out, csv);
        out(`wrote ${Math.max(0, csv.trim().split('\r\n').length - 1)} statements to ${opts.out}\n`);
      }),
    );

  withStoreOptions(consent.command('link'))
    .argument('<member>', 'member ref')
    .description("a member's signed unsubscribe link")
    .option('--channel <channel>', 'channel it stops (all: every channel)', 'all')
    .option('--purpose <purpose>', 'marketing or service', 'marketing')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('GET', `/api/consent/unsubscribe-link?member=${enc(ref)}&channel=${enc(opts.channel)}&purpose=${enc(opts.purpose)}`), 'consent link');
        out(r.url + '\n');
      }),
    );

  withStoreOptions(consent.command('inbound'))
    .description('a message a member sent (an SMS reply, a WeCom or official-account chat): 退订 / TD / STOP revoke marketing on that channel')
    .requiredOption('--channel <type>', 'channel type: sms, wecom, wechat_oa, email, …')
    .requiredOption('--from <address>', 'phone (sms), external_userid (wecom), openid (wechat_oa: APPID:OPENID), email')
    .requiredOption('--text <text>', 'what the member wrote')
    .option('--app-id <appid>', 'official account / mini program of a bare openid')
    .option('--at <iso>', 'when it was sent (default now)')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const body = { channel: opts.channel, from: opts.from, text: opts.text, ...(opts.appId ? { app_id: opts.appId } : {}), ...(opts.at ? { at: opts.at } : {}) };
        const r = expectOk(await api.request('POST', '/api/consent/inbound', body), 'consent inbound');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        if (!r.matched) return void out('no unsubscribe keyword\n');
        out(r.revoked ? `keyword ${r.keyword}: ${r.revoked.purpose} revoked on ${r.revoked.channel} for ${r.member_id}\n` : `keyword ${r.keyword}: no member found for ${opts.from}\n`);
      }),
    );

  withStoreOptions(consent.command('check'))
    .argument('<members...>', 'member refs')
    .description('dry run: would the guard admit these members now (nothing is reserved)')
    .requiredOption('--channel <type>', 'channel type: sms, email, wecom, …')
    .option('--purpose <purpose>', 'marketing or service', 'marketing')
    .option('--at <iso>', 'send time (default now)')
    .option('--json', 'print JSON')
    .action((refs: string[], opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('POST', '/api/consent/guard/check', { channel_type: opts.channel, purpose: opts.purpose, members: refs, at: opts.at }), 'consent check');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        for (const d of data) out(`${d.member}\t${d.ok ? 'admit' : d.reason}${d.retryAt ? ` until ${d.retryAt}` : ''}\n`);
      }),
    );

  withStoreOptions(consent.command('guard'))
    .description('show the guard rails (default policy, caps, quiet hours, dedupe window, keywords), or change them with --set')
    .option('--set <file>', 'JSON with the keys to change, e.g. {"caps":[{"scope":"all","period":"day","limit":1}],"quiet_hours":null}')
    .action((opts) =>
      withApi(opts, async (api) => {
        let body: unknown;
        if (opts.set) {
          try {
            body = JSON.parse(readFileSync(opts.set, 'utf8'));
          } catch (e) {
            throw new SiyuError('invalid_data', 'cli.guard_file_invalid', `${opts.set} is not valid JSON: ${(e as Error).message}`, { field: 'set' });
          }
        }
        const r = expectOk(await api.request(opts.set ? 'PUT' : 'GET', '/api/consent/guard', body), opts.set ? 'consent guard --set' : 'consent guard');
        out(JSON.stringify(r, null, 2) + '\n');
      }),
    );
}
