// `siyu messaging channels list|set|delete|test`, `siyu messaging send` (a one-off), `siyu messaging sends` and
// `siyu messaging poll` (WeCom mass-send results):
// messaging channels (webhook, email, sms, app_push…) through the API. (`siyu channels` means source channels.)
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SiyuError, invalid } from '../../core/errors.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string) => process.stdout.write(s);

function readJson(file: string, field: string): any {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw invalid('cli.file_unreadable', `cannot read ${file}: ${(e as Error).message}`, field);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalid('cli.file_invalid_json', `${file} is not JSON: ${(e as Error).message}`, field);
  }
}

/** `--to phone=138…` pairs into an address map. */
function addresses(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs?.length) return undefined;
  const to: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw invalid('cli.to_invalid', `--to takes key=value (e.g. phone=13800000000), got "${p}"`, 'to');
    to[p.slice(0, i)] = p.slice(i + 1);
  }
  return to;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];
const int = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw invalid('cli.number_invalid', `not a number: ${v}`);
  return n;
};

export function registerMessaging(program: Command) {
  const messaging = program.command('messaging').description('messaging channels (webhook, email, sms, app push…), one-off sends and the send ledger');
  const channels = messaging.command('channels').description('messaging channel configs (secrets are never shown)');

  withStoreOptions(channels.command('list'))
    .description('list messaging channels')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', '/api/messaging/channels'), 'messaging channels list');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no messaging channels\n');
        for (const c of data) out(`${c.name}\t${c.type}\t${c.enabled ? 'enabled' : 'disabled'}\t${c.has_secret ? 'secret set' : 'no secret'}\t${c.id}\n`);
      }),
    );

  withStoreOptions(channels.command('set'))
    .argument('<name>', 'channel name (or id): created when it does not exist, else replaced')
    .description('create or update a messaging channel from a JSON file: the config, or { type, config, options, enabled }')
    .option('--type <type>', 'webhook, email, sms, app_push (wecom, wechat_oa, miniprogram when installed)')
    .option('--file <file>', 'JSON config (secret fields left out or "***" keep their stored value)')
    .option('--timeout-ms <n>', 'per-request timeout', int)
    .option('--retries <n>', 'retries on retryable errors', int)
    .option('--rate-limit <n>', 'messages per second (per process)', int)
    .option('--disable', 'disable the channel (sends are refused)')
    .option('--enable', 'enable the channel')
    .option('--json', 'print JSON')
    .action((name, opts) =>
      withApi(opts, async (api) => {
        const file = opts.file ? readJson(opts.file, 'file') : {};
        const wrapped = file && typeof file === 'object' && 'config' in file;
        const type = opts.type ?? (wrapped ? file.type : undefined);
        if (!type) throw invalid('cli.type_required', 'give --type (or "type" in the file)', 'type');
        const options = { ...(wrapped ? (file.options ?? {}) : {}) };
        if (opts.timeoutMs !== undefined) options.timeout_ms = opts.timeoutMs;
        if (opts.retries !== undefined) options.retries = opts.retries;
        if (opts.rateLimit !== undefined) options.rate_limit_per_second = opts.rateLimit;
        const enabled = opts.disable ? false : opts.enable ? true : wrapped ? file.enabled : undefined;
        const body = { type, config: wrapped ? file.config : file, ...(Object.keys(options).length ? { options } : {}), ...(enabled !== undefined ? { enabled } : {}) };
        const res = await api.request('PUT', `/api/messaging/channels/${encodeURIComponent(name)}`, body);
        const c = expectOk(res, 'messaging channels set');
        if (opts.json) return void out(JSON.stringify(c, null, 2) + '\n');
        out(`${res.status === 201 ? 'created' : 'updated'} messaging channel ${c.name} (${c.type}, ${c.id})\nreceipts: POST ${c.receipts_url}\n`);
      }),
    );

  withStoreOptions(channels.command('delete'))
    .argument('<ref>', 'channel name or id')
    .description('delete a messaging channel (its send history stays)')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        expectOk(await api.request('DELETE', `/api/messaging/channels/${encodeURIComponent(ref)}`), 'messaging channels delete');
        out(`deleted messaging channel ${ref}\n`);
      }),
    );

  withStoreOptions(channels.command('test'))
    .argument('<ref>', 'channel name or id')
    .description('check a channel: a signed ping (webhook), an SMTP login (email), or a test message with --to')
    .option('--to <key=value>', 'send a test message to this address (repeatable), e.g. phone=138…, email=a@b.c', collect)
    .option('--json', 'print JSON')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const to = addresses(opts.to);
        const r = expectOk(await api.request('POST', `/api/messaging/channels/${encodeURIComponent(ref)}/test`, to ? { to } : {}), 'messaging channels test');
        if (opts.json) out(JSON.stringify(r, null, 2) + '\n');
        else out(`${r.ok ? 'ok' : 'FAILED'}: ${r.checked} in ${r.latency_ms} ms${r.detail ? ` — ${r.detail}` : ''}${r.error ? ` — ${r.error.code}: ${r.error.message}` : ''}\n`);
        if (!r.ok) throw new SiyuError('unavailable', 'messaging.channel_test_failed', `channel ${ref} failed its test: ${r.error?.code ?? 'error'}`);
      }),
    );

  withStoreOptions(messaging.command('send'))
    .description('send one message to one member (at most once per --source-key and member)')
    .requiredOption('--channel <ref>', 'messaging channel name or id')
    .requiredOption('--member <ref>', 'member ref: mem_…, user_id:u1, phone:138…')
    .requiredOption('--file <file>', 'content JSON, e.g. {"subject":"…","text":"…","html":"…"} or {"text":"…"}')
    .option('--source-key <key>', 'idempotency scope (default: a fresh one-off key)')
    .option('--to <key=value>', 'address to use instead of the member profile (repeatable)', collect)
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const content = readJson(opts.file, 'file');
        const body = { channel: opts.channel, member: opts.member, content, ...(opts.sourceKey ? { source_key: opts.sourceKey } : {}), ...(opts.to ? { to: addresses(opts.to) } : {}) };
        const r = expectOk(await api.request('POST', '/api/messaging/send', body), 'messaging send');
        if (opts.json) out(JSON.stringify(r, null, 2) + '\n');
        else out(`${r.status}: ${r.send_id} to ${r.member_id} (${r.source_key})${r.provider_message_id ? ` provider id ${r.provider_message_id}` : ''}${r.error ? ` — ${r.error.code}: ${r.error.message}` : ''}\n`);
        if (r.status === 'failed') throw new SiyuError('unavailable', 'messaging.send_failed', `the message failed: ${r.error?.code ?? 'error'}`);
      }),
    );

  withStoreOptions(messaging.command('poll'))
    .argument('<channel>', 'WeCom messaging channel name or id')
    .description('read the results of WeCom mass-send tasks into delivery receipts now (also the messaging.wecom_poll schedule)')
    .option('--max-age-hours <n>', 'tasks of sends made within this many hours (default 72)', int)
    .option('--max-tasks <n>', 'at most this many tasks (default 500)', int)
    .option('--json', 'print JSON')
    .action((channel: string, opts) =>
      withApi(opts, async (api) => {
        const body = { ...(opts.maxAgeHours ? { max_age_hours: opts.maxAgeHours } : {}), ...(opts.maxTasks ? { max_tasks: opts.maxTasks } : {}) };
        const r = expectOk(await api.request('POST', `/api/messaging/wecom/${encodeURIComponent(channel)}/poll`, body), 'messaging poll');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        out(`${r.tasks} tasks: ${r.receipts} receipts (${r.recorded} new), ${r.senders_pending} employees yet to send${r.errors.length ? `, ${r.errors.length} errors` : ''}\n`);
        for (const e of r.errors) out(`  ${e.msgid}: ${e.code} ${e.message}\n`);
      }),
    );

  withStoreOptions(messaging.command('sends'))
    .description('list message sends, newest first')
    .option('--source-key <key>', 'only this source (broadcast:…, journey:…, oneoff:…)')
    .option('--member <ref>', 'only this member')
    .option('--state <state>', 'pending, sending, sent, failed, delivered, opened, clicked')
    .option('--channel <ref>', 'only this channel')
    .option('--limit <n>', 'rows (max 1000)', int, 100)
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = new URLSearchParams({ limit: String(opts.limit) });
        for (const [k, v] of [['source_key', opts.sourceKey], ['member', opts.member], ['state', opts.state], ['channel', opts.channel]]) if (v) q.set(k, v);
        const { data } = expectOk(await api.request('GET', `/api/messaging/sends?${q}`), 'messaging sends');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no sends\n');
        for (const s of data) out(`${s.id}\t${s.state}\t${s.member_id}\t${s.source_key}\t${s.channel_type}\t${s.error_code ?? ''}\n`);
      }),
    );
}
