// `siyu coupons templates list|create|show`, `generate`, `upload`, `issue`, `claim`, `redeem`, `void`, `funnel`:
// clients of /api/coupons. Codes go out as CSV (header `code`); member lists come from ref files like `siyu tags add`.
import { createWriteStream, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { SiyuError, invalid } from '../../core/errors.ts';
import { csvField } from '../../modules/imports/report.ts';
import { connectApi, expectOk, type ApiClient, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { readRefFile } from './ref-file.ts';

/** Member refs per issue request (the API's list limit). */
export const ISSUE_BATCH = 10_000;
/** Codes per page when writing a generated batch out. */
const CODES_PAGE = 50_000;

const out = (s: string) => process.stdout.write(s);
const enc = encodeURIComponent;

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw invalid('cli.invalid_option', `--${name} must be a whole number`, name);
  return n;
};

/** JSON given inline, or `@file` to read it from a file. */
function jsonArg(v: string, name: string): unknown {
  const text = v.startsWith('@') ? readFileSync(v.slice(1), 'utf8') : v;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalid('cli.invalid_json', `--${name} is not JSON: ${(e as Error).message}`, name);
  }
}

/** Writes `lines` to FILE (or stdout), waiting for the file to be flushed. */
async function writeLines(file: string | undefined, produce: (write: (s: string) => void) => Promise<void>) {
  if (!file) return produce(out);
  const stream = createWriteStream(file);
  await produce((s) => stream.write(s));
  await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

const money = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));

export function registerCoupons(program: Command) {
  const coupons = program.command('coupons').description('coupons: templates, codes, issue, claim, redeem and the issue → claim → use funnel');
  const templates = coupons.command('templates').description('coupon templates');

  withStoreOptions(templates.command('list'))
    .description('list templates with their limits and issued counts')
    .option('--status <status>', 'active, paused or archived')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', `/api/coupons/templates${opts.status ? `?status=${enc(opts.status)}` : ''}`), 'coupons templates list');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no coupon templates\n');
        for (const t of data) out(`${t.name}\t${t.status}\t${t.config.benefit.type}\tissued ${t.issued_count}/${t.total_limit ?? '∞'}\tper member ${t.per_member_limit ?? '∞'}\t${t.id}\n`);
      }),
    );

  withStoreOptions(templates.command('create'))
    .argument('<name>', 'template name, unique in the workspace')
    .requiredOption('--config <json>', 'the coupon as JSON, or @FILE: { benefit, minSpend, validity, applicability, stacking }')
    .option('--total-limit <n>', 'most coupons ever issued', int('total-limit'))
    .option('--per-member-limit <n>', 'most coupons one member may hold over time', int('per-member-limit'))
    .option('--code-format <json>', 'codes of issued coupons: { length, alphabet, prefix }')
    .option('--return-on-refund', 'give the coupon back when its order is fully refunded')
    .option('--status <status>', 'active (default), paused or archived')
    .option('--description <text>', 'what the coupon is for')
    .option('--json', 'print JSON')
    .description('create a coupon template')
    .action((name, opts) =>
      withApi(opts, async (api) => {
        const body = {
          name, config: jsonArg(opts.config, 'config'), description: opts.description, status: opts.status,
          total_limit: opts.totalLimit, per_member_limit: opts.perMemberLimit, return_on_refund: opts.returnOnRefund ? true : undefined,
          code_format: opts.codeFormat ? jsonArg(opts.codeFormat, 'code-format') : undefined,
        };
        const t = expectOk(await api.request('POST', '/api/coupons/templates', body), 'coupons templates create');
        out(opts.json ? JSON.stringify(t, null, 2) + '\n' : `created coupon template ${t.name} (${t.id})\n`);
      }),
    );

  withStoreOptions(templates.command('show'))
    .argument('<template>', 'template id or name')
    .option('--json', 'print JSON')
    .description('a template with its batches and funnel')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const t = expectOk(await api.request('GET', `/api/coupons/templates/${enc(ref)}`), 'coupons templates show');
        const [batches, funnel] = await Promise.all([
          api.request('GET', `/api/coupons/templates/${enc(t.id)}/batches`).then((r) => expectOk(r, 'coupons batches').data),
          api.request('GET', `/api/coupons/templates/${enc(t.id)}/funnel`).then((r) => expectOk(r, 'coupons funnel')),
        ]);
        if (opts.json) return void out(JSON.stringify({ ...t, batches, funnel }, null, 2) + '\n');
        out(`${t.name} (${t.id}) ${t.status}\n`);
        out(`benefit ${JSON.stringify(t.config.benefit)}  min spend ${t.config.minSpend}  validity ${JSON.stringify(t.config.validity)}\n`);
        out(`issued ${t.issued_count} of ${t.total_limit ?? '∞'}, per member ${t.per_member_limit ?? '∞'}, return on refund ${t.return_on_refund ? 'yes' : 'no'}\n`);
        for (const b of batches) out(`batch ${b.id}\t${b.kind}${b.shared ? ' shared' : ''}\t${b.code_count} codes\t${b.claimed} claimed\n`);
        out(funnelText(funnel));
      }),
    );

  withStoreOptions(coupons.command('generate'))
    .requiredOption('--template <template>', 'template id or name')
    .requiredOption('--count <n>', 'how many codes (up to 1,000,000)', int('count'))
    .option('--length <n>', 'random characters per code (default 12)', int('length'))
    .option('--alphabet <chars>', 'characters to draw from (upper case; default without look-alikes 0/O/1/I/L)')
    .option('--prefix <prefix>', 'fixed prefix, e.g. VIP')
    .option('--shared', 'codes many members may each claim once (e.g. one poster code)')
    .option('--name <name>', 'batch name')
    .option('--out <file>', 'write the codes as CSV here (default stdout)')
    .description('generate a batch of unguessable codes and write them as CSV')
    .action((opts) =>
      withApi(opts, async (api) => {
        const format = Object.fromEntries(Object.entries({ length: opts.length, alphabet: opts.alphabet, prefix: opts.prefix }).filter(([, v]) => v !== undefined));
        const body = { count: opts.count, shared: Boolean(opts.shared), name: opts.name, ...(Object.keys(format).length ? { format } : {}) };
        const batch = expectOk(await api.request('POST', `/api/coupons/templates/${enc(opts.template)}/batches`, body), 'coupons generate');
        await writeLines(opts.out, async (write) => {
          write('code\r\n');
          for (let cursor: string | null = null; ; ) {
            const page: any = expectOk(await api.request('GET', `/api/coupons/batches/${batch.id}/codes?limit=${CODES_PAGE}${cursor ? `&cursor=${cursor}` : ''}`), 'coupons codes');
            write(page.data.map((c: { code: string }) => csvField(c.code) + '\r\n').join(''));
            cursor = page.next_cursor;
            if (!cursor) break;
          }
        });
        if (opts.out) out(`generated ${batch.code_count} codes in batch ${batch.id} → ${opts.out}\n`);
      }),
    );

  withStoreOptions(coupons.command('upload'))
    .requiredOption('--template <template>', 'template id or name')
    .requiredOption('--file <file>', 'codes: TXT (one per line) or CSV with a `code` column')
    .option('--format <format>', 'txt or csv (default: from the file extension)')
    .option('--shared', 'codes many members may each claim once')
    .option('--name <name>', 'batch name')
    .description('upload a batch of codes; repeated or existing codes fail it with their line numbers')
    .action((opts) =>
      withApi(opts, async (api) => {
        const format = opts.format ?? (extname(opts.file).toLowerCase() === '.csv' ? 'csv' : 'txt');
        const body = { text: readFileSync(opts.file, 'utf8'), format, shared: Boolean(opts.shared), name: opts.name };
        const b = expectOk(await api.request('POST', `/api/coupons/templates/${enc(opts.template)}/batches/upload`, body), 'coupons upload');
        out(`uploaded ${b.code_count} codes in batch ${b.id}\n`);
      }),
    );

  withStoreOptions(coupons.command('issue'))
    .requiredOption('--template <template>', 'template id or name')
    .option('--member <ref>', 'one member (mem_… or type:value)')
    .option('--file <file>', 'members listed in a file (refs, or a CSV with a ref/user_id/phone column)')
    .option('--type <type>', 'identifier type of bare values in --file, e.g. phone')
    .option('--segment <segment>', 'every current member of a segment (id or name)')
    .option('--pending', 'leave coupons issued but unclaimed (validity starts when the member claims)')
    .option('--source <source>', 'where the issue came from', 'cli')
    .option('--idempotency-key <key>', 're-running with the same key issues nothing more')
    .option('--json', 'print JSON')
    .description('issue a coupon to a member, a file of members, or a segment')
    .action((opts) =>
      withApi(opts, async (api) => {
        const targets = [opts.member, opts.file, opts.segment].filter((x) => x !== undefined).length;
        if (targets !== 1) throw invalid('cli.invalid_option', 'give exactly one of --member, --file or --segment', 'member');
        const base = { template: opts.template, claimed: !opts.pending, source: opts.source };
        if (opts.member || opts.segment) {
          const body = { ...base, ...(opts.member ? { member: opts.member } : { segment: opts.segment }), ...(opts.idempotencyKey ? { idempotency_key: opts.idempotencyKey } : {}) };
          const r = expectOk(await api.request('POST', '/api/coupons/issue', body), 'coupons issue');
          if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
          if (opts.member) return void out(`${r.issued ? 'issued' : 'already issued'} coupon ${r.coupon.code} to ${r.coupon.member_id} (${r.coupon.status}${r.coupon.valid_to ? `, valid until ${r.coupon.valid_to}` : ''})\n`);
          return void out(issueText(r));
        }
        const refs = readRefFile(opts.file, opts.type);
        const totals = { requested: refs.length, issued: 0, member_limit: 0, total_limit: 0 };
        const missing: number[] = refs.filter((r) => r.ref === '').map((r) => r.line);
        for (let i = 0; i < refs.length; i += ISSUE_BATCH) {
          const batch = refs.slice(i, i + ISSUE_BATCH).filter((r) => r.ref !== '');
          if (batch.length === 0) continue;
          const key = opts.idempotencyKey ? { idempotency_key: `${opts.idempotencyKey}:${i / ISSUE_BATCH}` } : {};
          const r = expectOk(await api.request('POST', '/api/coupons/issue', { ...base, members: batch.map((x) => x.ref), ...key }), 'coupons issue');
          totals.issued += r.issued;
          totals.member_limit += r.skipped.member_limit;
          totals.total_limit += r.skipped.total_limit;
          const notFound = new Set<string>(r.not_found);
          for (const x of batch) if (notFound.has(x.ref)) missing.push(x.line);
        }
        missing.sort((a, b) => a - b);
        if (opts.json) out(JSON.stringify({ ...totals, not_found: missing.length, missing_lines: missing }) + '\n');
        else out(`issued ${totals.issued} of ${totals.requested}; at per-member limit ${totals.member_limit}, past total limit ${totals.total_limit}, not found ${missing.length}\n`);
        if (missing.length > 0) {
          throw new SiyuError('not_found', 'coupons.refs_not_found', `${missing.length} refs in ${opts.file} match no member, at lines ${missing.slice(0, 50).join(', ')}`, { field: 'file' });
        }
      }),
    );

  withStoreOptions(coupons.command('claim'))
    .requiredOption('--code <code>', 'the code the member entered')
    .requiredOption('--member <ref>', 'the member claiming it')
    .description('claim a code for a member')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', '/api/coupons/claim', { code: opts.code, member: opts.member }), 'coupons claim');
        out(`${r.claimed ? 'claimed' : 'already held'} coupon ${r.coupon.code} (${r.coupon.template.name}), valid until ${r.coupon.valid_to ?? '-'}\n`);
      }),
    );

  withStoreOptions(coupons.command('redeem'))
    .requiredOption('--code <code>', 'the coupon code')
    .option('--order <id>', 'a stored order id')
    .option('--order-file <file>', 'the order at checkout as JSON: { order_id, member, channel, items: [{ product_id, category, amount }], shipping }')
    .option('--dry-run', 'check and price the coupon without using it')
    .option('--json', 'print JSON')
    .description('redeem a coupon on an order')
    .action((opts) =>
      withApi(opts, async (api) => {
        if (Boolean(opts.order) === Boolean(opts.orderFile)) throw invalid('cli.invalid_option', 'give exactly one of --order or --order-file', 'order');
        const order = opts.order ?? jsonArg('@' + opts.orderFile, 'order-file');
        const r = expectOk(await api.request('POST', '/api/coupons/redeem', { code: opts.code, order, dry_run: Boolean(opts.dryRun) }), 'coupons redeem');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        const verb = r.dry_run ? 'would take' : r.already_redeemed ? 'already took' : 'took';
        out(`${opts.code.toUpperCase()} ${verb} ${money(r.discount)} off order ${r.order_id}${r.shipping_discount ? ` and ${r.shipping_discount} off shipping` : ''}${r.gift ? `, gift ${r.gift.productId} × ${r.gift.quantity}` : ''}\n`);
      }),
    );

  withStoreOptions(coupons.command('void'))
    .requiredOption('--code <code>', 'the coupon or code')
    .option('--reason <text>', 'why')
    .description('void an unused coupon, or take an unclaimed code out of use')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', '/api/coupons/void', { code: opts.code, reason: opts.reason }), 'coupons void');
        out(`voided ${r.voided} ${r.code}\n`);
      }),
    );

  withStoreOptions(coupons.command('funnel'))
    .requiredOption('--template <template>', 'template id or name')
    .option('--json', 'print JSON')
    .description('the issue → claim → use funnel of a template')
    .action((opts) =>
      withApi(opts, async (api) => {
        const f = expectOk(await api.request('GET', `/api/coupons/templates/${enc(opts.template)}/funnel`), 'coupons funnel');
        out(opts.json ? JSON.stringify(f, null, 2) + '\n' : funnelText(f));
      }),
    );
}

const pct = (r: number | null) => (r === null ? '-' : `${(r * 100).toFixed(1)}%`);

function funnelText(f: any): string {
  return [
    `${f.name}: issued ${f.issued} → claimed ${f.claimed} (${pct(f.claim_rate)}) → used ${f.used} (${pct(f.use_rate)})`,
    `unused ${f.unused}, expired ${f.expired}, voided ${f.voided}; discount ${f.discount} on ${f.orders} orders; codes ${f.codes.claimed}/${f.codes.total} claimed`,
  ].join('\n') + '\n';
}

const issueText = (r: any) =>
  `issued ${r.issued} of ${r.requested} (${r.target}); at per-member limit ${r.skipped.member_limit}, past total limit ${r.skipped.total_limit}${r.replayed ? ' (replayed)' : ''}\n`;
