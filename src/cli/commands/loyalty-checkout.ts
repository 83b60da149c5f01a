// `siyu loyalty quote` (checkout quote: tier discount, coupons, points as money, points earned) and
// `siyu loyalty earn-events` (sweep of tracked events → points), as clients of /api/loyalty.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SiyuError } from '../../core/errors.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string): void => void process.stdout.write(s);
const collect = (v: string, all: string[]) => [...all, v];
const money = (n: number) => n.toFixed(2);

function readJson(file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SiyuError('invalid_data', 'cli.invalid_file', `${file}: not a readable JSON file (${(e as Error).message})`, { field: 'file' });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SiyuError('invalid_data', 'cli.invalid_file', `${file}: expected a JSON object { items, shipping, … }`, { field: 'file' });
  return v as Record<string, unknown>;
}

function number(v: string, flag: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new SiyuError('invalid_data', 'cli.invalid_number', `${flag}: "${v}" is not a number`, { field: flag });
  return n;
}

/** `--item SKU:CATEGORY:PRICE[:QTY]` (an empty category is none): `latte:coffee:40:2`. */
export function parseItem(spec: string): Record<string, unknown> {
  const parts = spec.split(':');
  if (parts.length < 3 || parts.length > 4 || !parts[0]) {
    throw new SiyuError('invalid_data', 'cli.invalid_item', `--item: "${spec}" is not SKU:CATEGORY:PRICE[:QTY]`, { field: '--item' });
  }
  const [sku, category, price, qty] = parts;
  return { sku, ...(category ? { category } : {}), price: number(price, '--item'), quantity: qty === undefined ? 1 : number(qty, '--item') };
}

/** The quote request from --file and flags (flags add lines and coupons, and override the rest). */
export function quoteBody(opts: Record<string, any>): Record<string, unknown> {
  const body: Record<string, unknown> = opts.file ? readJson(opts.file) : {};
  if (opts.member) body.member = opts.member;
  const items = (opts.item as string[]).map(parseItem);
  if (items.length > 0) body.items = [...((body.items as unknown[]) ?? []), ...items];
  const codes = opts.coupon as string[];
  if (codes.length > 0) body.coupons = [...((body.coupons as unknown[]) ?? []), ...codes];
  if (opts.shipping !== undefined) body.shipping = number(opts.shipping, '--shipping');
  if (opts.channel) body.channel = opts.channel;
  if (opts.points !== undefined) body.points = opts.points === 'max' ? 'max' : number(opts.points, '--points');
  if (opts.at) body.at = opts.at;
  if (opts.orderId) body.order_id = opts.orderId;
  if (!body.member) throw new SiyuError('invalid_data', 'cli.member_required', '--member: the member to quote for (or "member" in the file)', { field: '--member' });
  if (!Array.isArray(body.items) || body.items.length === 0) throw new SiyuError('invalid_data', 'cli.items_required', '--item or --file with "items": the order lines', { field: '--item' });
  return body;
}

/** The quote as lines of text. */
export function formatQuote(q: any): string {
  const lines: string[] = [];
  const t = q.tier;
  lines.push(`${q.member_id}: tier ${t.code} (${t.name.zh} / ${t.name.en})${t.discount_percent ? `, ${t.discount_percent}% off` : ''}${t.free_shipping ? ', free shipping' : ''}`);
  for (const l of q.lines) {
    lines.push(`  ${l.line_no}\t${l.product_id ?? '-'}\t${l.category ?? '-'}\t${l.quantity} × ${money(l.price)} = ${money(l.amount)}\ttier −${money(l.tier_discount)}\tcoupons −${money(l.coupon_discount)}\tpoints −${money(l.points_discount)}\t→ ${money(l.payable)}`);
  }
  for (const c of q.coupons) lines.push(c.applied ? `coupon ${c.code}: −${money(c.discount)}${c.shipping_discount ? `, shipping −${money(c.shipping_discount)}` : ''}` : `coupon ${c.code}: not applied (${c.error.code}: ${c.error.message})`);
  const p = q.points;
  if (p.value || p.used > 0 || p.limited_by) {
    lines.push(`points: ${p.used} used = ${money(p.amount)} (available ${p.available}, at most ${p.max_points} on this order${p.limited_by ? `; limited by ${p.limited_by}` : ''})`);
  }
  lines.push(`goods ${money(q.goods_total)} − tier ${money(q.tier_discount)} − coupons ${money(q.coupon_discount)} − points ${money(p.amount)} = ${money(q.goods_payable)}`);
  const s = q.shipping;
  lines.push(`shipping ${money(s.fee)} − waived by tier ${money(s.waived_by_tier)} − coupons ${money(s.coupon_discount)} = ${money(s.payable)}`);
  lines.push(`payable ${money(q.payable_total)}`);
  lines.push(`earns ${q.earn.points} points (${q.earn.reason})`);
  return lines.join('\n') + '\n';
}

/** Adds `quote` and `earn-events` to `siyu loyalty`. */
export function registerLoyaltyCheckout(loyalty: Command): void {
  withStoreOptions(loyalty.command('quote'))
    .description("checkout quote: the member's tier discount and free shipping, coupons, points as money, payable total, points earned")
    .option('--member <ref>', 'member id or type:value (user_id:u1, phone:…)')
    .option('--file <file>', 'JSON: { member?, items: [{ sku, category, price, quantity }], shipping?, channel?, coupons?, points?, at? }')
    .option('--item <spec>', 'a line SKU:CATEGORY:PRICE[:QTY] (repeatable)', collect, [])
    .option('--shipping <fee>', 'shipping fee')
    .option('--channel <channel>', 'sales channel (coupons may be limited to some)')
    .option('--coupon <code>', 'a coupon code to apply (repeatable, applied in order)', collect, [])
    .option('--points <n>', 'points to pay with, or "max"')
    .option('--at <iso>', 'price as of this instant (default now)')
    .option('--order-id <id>', 'the order id the shop will use')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = expectOk(await api.request('POST', '/api/loyalty/quote', quoteBody(opts)), 'loyalty quote');
        if (opts.json) return out(JSON.stringify(q, null, 2) + '\n');
        out(formatQuote(q));
      }),
    );

  withStoreOptions(loyalty.command('earn-events'))
    .description('sweep: earn points for tracked events (event rules with "track") not yet awarded — since the last sweep, or --since')
    .option('--since <iso>', 're-scan events received from this instant on')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', '/api/loyalty/earn-events', opts.since ? { since: opts.since } : {}), 'loyalty earn-events');
        if (opts.json) return out(JSON.stringify(r, null, 2) + '\n');
        out(`${r.events} tracked events since ${r.since}: ${r.earned} earned ${r.points} points, ${r.capped} capped, ${r.skipped} skipped, ${r.failed} refused; swept to ${r.swept_at ?? '(not moved)'}\n`);
      }),
    );
}
