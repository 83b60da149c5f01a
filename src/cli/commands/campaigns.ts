// `siyu campaigns referral config set|show`, `referral code <member>`, `referral report`; `campaigns group-buy
// deals|create|report`; `campaigns assist|bargain list|create|report`; `campaigns jobs run`: clients of /api/campaigns.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { connectApi, expectOk, type ApiClient, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string): void => void process.stdout.write(s);
const enc = encodeURIComponent;
const print = (v: unknown): void => out(JSON.stringify(v, null, 2) + '\n');

/** JSON given inline, or `@file` to read it from a file. */
function jsonArg(v: string, name: string): unknown {
  const text = v.startsWith('@') ? readFileSync(v.slice(1), 'utf8') : v;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalid('cli.invalid_json', `--${name} is not JSON: ${(e as Error).message}`, name);
  }
}

export function registerCampaigns(program: Command) {
  const campaigns = program.command('campaigns').description('campaigns (裂变): referral, group-buy (拼团), share-assist (助力) and bargain (砍价)');

  const referral = campaigns.command('referral').description('referral program, invite codes, funnel and k-factor');
  const config = referral.command('config').description('the referral program');
  withStoreOptions(config.command('show'))
    .description('print the referral program')
    .action((opts) => withApi(opts, async (api) => print(expectOk(await api.request('GET', '/api/campaigns/referral/config'), 'campaigns referral config show').config)));
  withStoreOptions(config.command('set'))
    .description('set the referral program')
    .requiredOption('--program <json>', 'the program as JSON, or @FILE: { trigger, inviterReward, inviteeReward, attributionDays, maxRewardsPerInviter, checks }')
    .option('--link-base <url>', 'invite links are <url><code>')
    .option('--disabled', 'store the program switched off')
    .action((opts) =>
      withApi(opts, async (api) => {
        const body = { program: jsonArg(opts.program, 'program'), link_base: opts.linkBase ?? null, enabled: !opts.disabled };
        const r = expectOk(await api.request('PUT', '/api/campaigns/referral/config', body), 'campaigns referral config set');
        out(`referral program set: trigger ${r.program.trigger}, attribution ${r.program.attributionDays} days${r.enabled ? '' : ' (disabled)'}\n`);
      }),
    );
  withStoreOptions(referral.command('code'))
    .argument('<member>', 'member ref (mem_…, user_id:…, phone:…)')
    .description("print a member's invite code and link (created on first ask)")
    .action((member, opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', '/api/campaigns/referral/codes', { member }), 'campaigns referral code');
        out(`${r.code}${r.link ? `\t${r.link}` : ''}\n`);
      }),
    );
  withStoreOptions(referral.command('report'))
    .description('funnel (invites issued → attributed → rewarded, refused by reason) and k-factor')
    .option('--users <n>', 'base for the k-factor (e.g. active members); default: members with a code')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('GET', `/api/campaigns/referral/report${opts.users ? `?users=${enc(opts.users)}` : ''}`), 'campaigns referral report');
        if (opts.json) return print(r);
        const f = r.funnel;
        out(`invites issued ${f.invites_issued} → attributed ${f.attributed} (accepted ${f.accepted}) → rewarded ${f.rewarded}; waiting ${f.waiting_for_trigger}; refused ${f.refused}\n`);
        for (const [reason, n] of Object.entries(r.refused_by_reason)) out(`  refused ${reason}\t${n}\n`);
        out(`k-factor ${r.k_factor.toFixed(4)} (paid ${r.paid_k_factor.toFixed(4)}) over ${r.users} users\n`);
      }),
    );

  const gb = campaigns.command('group-buy').description('group-buy (拼团) deals');
  withStoreOptions(gb.command('deals'))
    .description('list deals')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', '/api/campaigns/group-buy/deals'), 'campaigns group-buy deals');
        if (opts.json) return print(data);
        if (data.length === 0) return void out('no group-buy deals\n');
        for (const d of data) out(`${d.id}\t${d.name}\t${d.status}\t${d.config.groupSize} people in ${d.config.timeLimitMinutes} min\t${d.group_price}\n`);
      }),
    );
  withStoreOptions(gb.command('create'))
    .argument('<name>', 'deal name')
    .requiredOption('--price <amount>', 'the group price')
    .requiredOption('--config <json>', 'JSON or @FILE: { groupSize, timeLimitMinutes, checkSharedIdentity }')
    .option('--product <id>', 'product id')
    .option('--coupon-template <ref>', 'coupon issued to each member of a full group')
    .action((name, opts) =>
      withApi(opts, async (api) => {
        const body = { name, group_price: Number(opts.price), config: jsonArg(opts.config, 'config'), ...(opts.product ? { product_id: opts.product } : {}), ...(opts.couponTemplate ? { coupon_template: opts.couponTemplate } : {}) };
        const d = expectOk(await api.request('POST', '/api/campaigns/group-buy/deals', body), 'campaigns group-buy create');
        out(`created group-buy deal ${d.name} (${d.id})\n`);
      }),
    );
  withStoreOptions(gb.command('report'))
    .argument('<deal>', 'deal id')
    .description('groups opened, succeeded and failed; refusals')
    .action((deal, opts) => withApi(opts, async (api) => print(expectOk(await api.request('GET', `/api/campaigns/group-buy/deals/${enc(deal)}/report`), 'campaigns group-buy report'))));

  for (const kind of ['assist', 'bargain'] as const) {
    const k = campaigns.command(kind).description(kind === 'assist' ? 'share-assist (助力) campaigns' : 'bargain (砍价) campaigns');
    withStoreOptions(k.command('list'))
      .description('list campaigns')
      .action((opts) =>
        withApi(opts, async (api) => {
          const { data } = expectOk(await api.request('GET', `/api/campaigns/${kind}`), `campaigns ${kind} list`);
          if (data.length === 0) return void out(`no ${kind} campaigns\n`);
          for (const c of data) out(`${c.id}\t${c.name}\t${c.status}\t${c.config.timeLimitMinutes} min\n`);
        }),
      );
    const create = withStoreOptions(k.command('create'))
      .argument('<name>', 'campaign name')
      .requiredOption('--config <json>', kind === 'assist' ? 'JSON or @FILE: { helpsRequired, timeLimitMinutes, newMembersOnly, checkSharedIdentity }' : 'JSON or @FILE: { originalPrice, floorPrice, helpsToFloor, spread, order, timeLimitMinutes }');
    if (kind === 'assist') create.requiredOption('--reward <json>', 'JSON: { points } or { coupon_template }');
    create.action((name, opts) =>
      withApi(opts, async (api) => {
        const body = { name, config: jsonArg(opts.config, 'config'), ...(opts.reward ? { reward: jsonArg(opts.reward, 'reward') } : {}) };
        const c = expectOk(await api.request('POST', `/api/campaigns/${kind}`, body), `campaigns ${kind} create`);
        out(`created ${kind} campaign ${c.name} (${c.id})\n`);
      }),
    );
    withStoreOptions(k.command('report'))
      .argument('<campaign>', 'campaign id')
      .description('sessions, helps, completions and refusals')
      .action((id, opts) => withApi(opts, async (api) => print(expectOk(await api.request('GET', `/api/campaigns/${kind}/${enc(id)}/report`), `campaigns ${kind} report`))));
  }

  withStoreOptions(campaigns.command('jobs').command('run'))
    .description('run the campaign jobs now: fail expired groups (release seats), expire sessions, referral sweep')
    .option('--at <iso>', 'as of this instant')
    .action((opts) => withApi(opts, async (api) => print(expectOk(await api.request('POST', '/api/campaigns/jobs/run', opts.at ? { at: opts.at } : {}), 'campaigns jobs run'))));
}
