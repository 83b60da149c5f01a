// `siyu loyalty …`: program, points, tiers, rewards and the loyalty jobs, as clients of /api/loyalty.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SiyuError } from '../../core/errors.ts';
import { connectApi, expectOk, type ApiClient, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { registerLoyaltyCheckout } from './loyalty-checkout.ts';

const out = (s: string): void => void process.stdout.write(s);
const json = (v: unknown): void => out(JSON.stringify(v, null, 2) + '\n');
const enc = encodeURIComponent;

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SiyuError('invalid_data', 'cli.invalid_file', `${file}: not a readable JSON file (${(e as Error).message})`, { field: 'file' });
  }
}

function int(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new SiyuError('invalid_data', 'cli.invalid_number', `${flag}: "${v}" is not a whole number`, { field: flag });
  return n;
}

const name = (n: { zh: string; en: string }) => `${n.zh} / ${n.en}`;

export function registerLoyalty(program: Command) {
  const loyalty = program.command('loyalty').description('loyalty: program and tiers, points ledger, rewards, member day, birthday');

  const prog = loyalty.command('program').description('the loyalty program (tiers, earn rules, lot policy …)');
  withStoreOptions(prog.command('show'))
    .description('print the program')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const p = expectOk(await api.request('GET', '/api/loyalty/program'), 'loyalty program show');
        if (opts.json) return json(p);
        out(`basis: ${p.program.basis.metric} over ${p.program.basis.window.type === 'rolling' ? `${p.program.basis.window.days} days` : 'the calendar year'}; downgrade: ${p.program.downgrade.mode}; zone ${p.program.timezone}\n`);
        for (const t of p.program.tiers) {
          const b = t.benefits;
          out(`${t.code}\t${name(t.name)}\tfrom ${t.threshold}\t×${b.pointsMultiplier} points\t${b.discountPercent}% off${b.freeShipping ? '\tfree shipping' : ''}${b.birthdayGift ? `\tbirthday ${JSON.stringify(b.birthdayGift)}` : ''}\n`);
        }
        const r = p.earn.order;
        out(`earn: ${r.rate.points} point(s) per ${r.rate.per}, ${r.rounding}, min order ${r.minOrderAmount}, member day ×${r.memberDayFactor}; lots: expiry ${JSON.stringify(p.lots.expiry)}, pending ${p.lots.pendingDays} days; transfers ${p.transfers.enabled ? 'on' : 'off'}\n`);
      }),
    );
  withStoreOptions(prog.command('set'))
    .description('set the program from a JSON file: { program, earn?, lots?, refunds?, transfers?, earn_since? }')
    .requiredOption('--file <file>', 'JSON file')
    .action((opts) =>
      withApi(opts, async (api) => {
        const p = expectOk(await api.request('PUT', '/api/loyalty/program', readJsonFile(opts.file)), 'loyalty program set');
        out(`program set: ${p.program.tiers.map((t: { code: string }) => t.code).join(' < ')}\n`);
      }),
    );

  const points = loyalty.command('points').description("a member's points");
  withStoreOptions(points.command('show'))
    .argument('<ref>', 'member id or type:value (user_id:u1, phone:…)')
    .description('balance, available, pending, lots and recent entries')
    .option('--limit <n>', 'entries to show', '20')
    .option('--json', 'print JSON')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const v = expectOk(await api.request('GET', `/api/loyalty/members/${enc(ref)}/points?limit=${int(opts.limit, '--limit')}`), 'loyalty points show');
        if (opts.json) return json(v);
        out(`${v.member_id}: balance ${v.balance}, available ${v.available}, pending ${v.pending}, debt ${v.debt}, expiring in ${v.expiring.days} days ${v.expiring.points}\n`);
        out(`lots:\n`);
        for (const l of v.lots) out(`  ${l.id}\t${l.remaining}/${l.points}\t${l.status}\texpires ${l.expires_at ?? 'never'}${l.order_id ? `\torder ${l.order_id}` : ''}\n`);
        out(`entries (newest first):\n`);
        for (const e of v.entries.data) out(`  ${e.created_at}\t${e.kind}\t${e.points > 0 ? '+' : ''}${e.points}\t${e.idempotency_key}${e.reason ? `\t${e.reason}` : ''}${e.operator ? `\tby ${e.operator}` : ''}\n`);
      }),
    );
  withStoreOptions(points.command('adjust'))
    .argument('<ref>', 'member id or type:value')
    .description('manual adjustment: + credits, − debits (never below 0)')
    .requiredOption('--delta <n>', 'points to add (negative to remove)')
    .requiredOption('--reason <text>', 'why')
    .option('--operator <name>', 'who (default $USER)')
    .option('--idempotency-key <key>', 're-running with the same key changes nothing (default: a new key)')
    .option('--json', 'print JSON')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const body = { member: ref, delta: int(opts.delta, '--delta'), reason: opts.reason, operator: opts.operator ?? process.env.USER ?? 'cli', idempotency_key: opts.idempotencyKey ?? `cli:${randomUUID()}` };
        const r = expectOk(await api.request('POST', '/api/loyalty/adjust', body), 'loyalty points adjust');
        if (opts.json) return json(r);
        const b = r.balances[0];
        out(`${r.replayed ? 'already applied' : 'adjusted'} (${r.idempotency_key}): balance ${b.balance}, available ${b.available}\n`);
      }),
    );

  withStoreOptions(loyalty.command('earn-orders'))
    .description('sweep: earn points for paid orders, redeem points used, reverse refunds — whatever is not done yet')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', '/api/loyalty/earn-orders'), 'loyalty earn-orders');
        if (opts.json) return json(r);
        out(`${r.orders} orders looked at: ${r.earned} earned ${r.points} points, ${r.redeemed} redeemed points used, ${r.refunds} refunds reversed, ${r.failed} refused\n`);
      }),
    );

  registerLoyaltyCheckout(loyalty);

  withStoreOptions(loyalty.command('expire'))
    .description('expire the points of every lot due (scheduled in the server; idempotent per --at)')
    .option('--at <iso>', 'expire what is due at this instant (default now)')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', '/api/loyalty/expire', opts.at ? { at: opts.at } : {}), 'loyalty expire');
        if (opts.json) return json(r);
        out(`${r.replayed ? 'already run' : 'expired'}: ${r.points} points in ${r.lots} lots of ${r.members} members\n`);
      }),
    );

  withStoreOptions(loyalty.command('release'))
    .description('make pending points whose lock has passed available')
    .option('--at <iso>', 'as of this instant (default now)')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', '/api/loyalty/release', opts.at ? { at: opts.at } : {}), 'loyalty release');
        out(`released ${r.points} points in ${r.lots} lots\n`);
      }),
    );

  withStoreOptions(loyalty.command('drift'))
    .description('check the ledger: balances against the sums of entries and lots (exit 1 on drift)')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('GET', '/api/loyalty/drift'), 'loyalty drift');
        out(`${r.accounts} accounts, balance ${r.balance} = entries ${r.entries} = lots ${r.lots}; mismatched ${r.mismatched}\n`);
        if (r.mismatched > 0) throw new SiyuError('conflict', 'ledger.drift', `${r.mismatched} accounts drifted: ${JSON.stringify(r.examples)}`);
      }),
    );

  const tiers = loyalty.command('tiers').description('member tiers');
  withStoreOptions(tiers.command('list'))
    .description('tiers with member counts')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', '/api/loyalty/tiers'), 'loyalty tiers list');
        if (opts.json) return json(data);
        for (const t of data) out(`${t.code}\t${name(t.name)}\tfrom ${t.threshold}\t${t.members} members\n`);
      }),
    );
  withStoreOptions(tiers.command('review'))
    .description('run the tier review now (downgrades per the program, expired manual tiers)')
    .option('--at <iso>', 'review as of this instant (default now)')
    .option('--all', 'review every member, not only those above the lowest tier (place an existing base after launching the programme)')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', '/api/loyalty/tiers/review', { ...(opts.at ? { at: opts.at } : {}), ...(opts.all ? { all: true } : {}) }), 'loyalty tiers review');
        if (opts.json) return json(r);
        out(`reviewed ${r.reviewed} members: ${r.upgraded} upgraded, ${r.downgraded} downgraded\n`);
      }),
    );
  withStoreOptions(tiers.command('assign'))
    .argument('<ref>', 'member id or type:value')
    .description('assign a tier manually (held as a floor until --expires-at)')
    .requiredOption('--tier <code>', 'tier code')
    .requiredOption('--reason <text>', 'why')
    .option('--operator <name>', 'who (default $USER)')
    .option('--expires-at <iso>', 'when the assignment ends (default: until removed)')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const body = { tier: opts.tier, reason: opts.reason, operator: opts.operator ?? process.env.USER ?? 'cli', ...(opts.expiresAt ? { expires_at: opts.expiresAt } : {}) };
        const r = expectOk(await api.request('POST', `/api/loyalty/members/${enc(ref)}/tier`, body), 'loyalty tiers assign');
        out(`${r.member_id}: tier ${r.tier}${r.manual ? ` (manual ${r.manual.tier} until ${r.manual.expires_at ?? 'removed'})` : ''}\n`);
      }),
    );

  const rewards = loyalty.command('rewards').description('the rewards catalogue');
  withStoreOptions(rewards.command('list'))
    .description('rewards with cost, stock left and limits')
    .option('--available', 'only rewards redeemable now')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', `/api/loyalty/rewards${opts.available ? '?available=true' : ''}`), 'loyalty rewards list');
        if (opts.json) return json(data);
        if (data.length === 0) return void out('no rewards\n');
        for (const r of data) {
          out(`${r.id}\t${r.name}\t${r.points_cost} points\t${r.left === null ? 'unlimited' : `${r.left} left`}\t${r.per_member_limit ? `≤${r.per_member_limit}/member` : ''}\t${r.tiers.length ? r.tiers.join(',') : 'all tiers'}\t${r.active ? 'active' : 'retired'}\n`);
        }
      }),
    );
  withStoreOptions(rewards.command('create'))
    .description('create a reward')
    .requiredOption('--name <name>', 'reward name')
    .requiredOption('--cost <points>', 'points cost')
    .option('--id <id>', 'reward id (default generated)')
    .option('--stock <n>', 'stock (default unlimited)')
    .option('--per-member-limit <n>', 'most per member')
    .option('--tiers <codes>', 'comma-separated tier codes allowed (default all)')
    .option('--starts-at <iso>', 'available from')
    .option('--ends-at <iso>', 'available until')
    .option('--description <text>', 'description')
    .action((opts) =>
      withApi(opts, async (api) => {
        const body = {
          name: opts.name, points_cost: int(opts.cost, '--cost'), ...(opts.id ? { id: opts.id } : {}), ...(opts.description ? { description: opts.description } : {}),
          ...(opts.stock !== undefined ? { stock: int(opts.stock, '--stock') } : {}),
          ...(opts.perMemberLimit !== undefined ? { per_member_limit: int(opts.perMemberLimit, '--per-member-limit') } : {}),
          ...(opts.tiers ? { tiers: String(opts.tiers).split(',').map((t) => t.trim()).filter(Boolean) } : {}),
          ...(opts.startsAt ? { starts_at: opts.startsAt } : {}), ...(opts.endsAt ? { ends_at: opts.endsAt } : {}),
        };
        const r = expectOk(await api.request('POST', '/api/loyalty/rewards', body), 'loyalty rewards create');
        out(`created reward ${r.id}: ${r.name}, ${r.points_cost} points\n`);
      }),
    );

  withStoreOptions(loyalty.command('birthday'))
    .description('give birthday gifts now (once a year per member; the server does this daily)')
    .option('--at <iso>', 'as of this instant (default now)')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', '/api/loyalty/birthday/run', opts.at ? { at: opts.at } : {}), 'loyalty birthday');
        out(`${r.candidates} birthdays: ${r.points_given} point gifts (${r.points} points), ${r.coupons_given} coupons, ${r.already} already given, ${r.coupons_skipped} coupons skipped\n`);
      }),
    );
}
