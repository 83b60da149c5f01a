// `siyu coupons …` in-process on both stores: templates, generate to CSV, upload with line-numbered refusals,
// issue to a member, a file and a segment, redeem (dry run and real) and the funnel.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, withApp } from '../../../test/support/cli.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';

describe.each(ENGINES)('siyu coupons [%s]', (engine) => {
  let db: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'siyu-coupons-cli-'));
  const { tryRun: run } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ services }) => {
      await services.members.upsert(DEFAULT_WORKSPACE, { members: Array.from({ length: 30 }, (_, i) => ({ user_id: `k${i}` })) });
      await services.segments.create(DEFAULT_WORKSPACE, { name: 'cli-seg', kind: 'static', members: Array.from({ length: 10 }, (_, i) => `user_id:k${i + 20}`) });
    });
  });
  afterAll(async () => db?.cleanup());

  it('creates, lists and shows templates', async () => {
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ benefit: { type: 'threshold', spend: 100, save: 15 }, validity: { type: 'after_claim', days: 30 } }));
    expect((await run(['coupons', 'templates', 'create', '满100减15', '--config', `@${cfg}`, '--per-member-limit', '1'])).out).toMatch(/created coupon template 满100减15 \(cpt_/);
    const bad = await run(['coupons', 'templates', 'create', 'bad', '--config', '{"benefit":{"type":"fixed","amount":-1},"validity":{"type":"after_claim","days":1}}']);
    expect(bad.error).toMatchObject({ code: 'coupon.invalid_config' });
    expect(bad.error.message).toContain('(field config.benefit.amount)');
    expect((await run(['coupons', 'templates', 'list'])).out).toMatch(/满100减15\tactive\tthreshold\tissued 0\/∞\tper member 1\tcpt_/);
    const show = await run(['coupons', 'templates', 'show', '满100减15']);
    expect(show.out).toContain('issued 0 → claimed 0 (-) → used 0 (-)');
  });

  it('generates codes to a CSV file and refuses an upload with repeated codes by line', async () => {
    const file = join(dir, 'codes.csv');
    const r = await run(['coupons', 'generate', '--template', '满100减15', '--count', '1200', '--prefix', 'CLI', '--length', '10', '--out', file]);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/generated 1200 codes in batch cpb_\w+ → /);
    const lines = readFileSync(file, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('code');
    expect(new Set(lines.slice(1)).size).toBe(1200);
    expect(lines.slice(1).every((c) => /^CLI[A-Z2-9]{10}$/.test(c))).toBe(true);

    const up = join(dir, 'up.txt');
    writeFileSync(up, 'STORE-001\nSTORE-002\nstore-001\n');
    const dup = await run(['coupons', 'upload', '--template', '满100减15', '--file', up]);
    expect(dup.error).toMatchObject({ code: 'coupon_code.duplicate' });
    expect(dup.error.message).toContain('line 3 repeats line 1');
    writeFileSync(up, 'STORE-001\nSTORE-002\n');
    expect((await run(['coupons', 'upload', '--template', '满100减15', '--file', up])).out).toMatch(/uploaded 2 codes in batch cpb_/);
  });

  it('issues to a member, a file and a segment, then redeems and shows the funnel', async () => {
    const one = await run(['coupons', 'issue', '--template', '满100减15', '--member', 'user_id:k0']);
    expect(one.out).toMatch(/^issued coupon [A-Z2-9]{12} to mem_\w+ \(claimed, valid until /);
    const code = one.out.split(' ')[2];
    const refs = join(dir, 'refs.txt');
    writeFileSync(refs, 'user_id:k0\nuser_id:k1\nuser_id:ghost\nuser_id:k2\n');
    const file = await run(['coupons', 'issue', '--template', '满100减15', '--file', refs]);
    expect(file.out).toContain('issued 2 of 4; at per-member limit 1, past total limit 0, not found 1');
    expect(file.error).toMatchObject({ code: 'coupons.refs_not_found' });
    expect(file.error.message).toContain('at lines 3');
    const seg = await run(['coupons', 'issue', '--template', '满100减15', '--segment', 'cli-seg', '--idempotency-key', 'cli-seg-1']);
    expect(seg.out).toContain('issued 10 of 10 (segment); at per-member limit 0, past total limit 0');
    expect((await run(['coupons', 'issue', '--template', '满100减15'])).error).toMatchObject({ code: 'cli.invalid_option' });

    const order = join(dir, 'order.json');
    writeFileSync(order, JSON.stringify({ order_id: 'cli-o1', member: 'user_id:k0', items: [{ product_id: 'beans', category: 'coffee', amount: 120 }] }));
    expect((await run(['coupons', 'redeem', '--code', code.toLowerCase(), '--order-file', order, '--dry-run'])).out).toBe(`${code} would take 15 off order cli-o1\n`);
    expect((await run(['coupons', 'redeem', '--code', code, '--order-file', order])).out).toBe(`${code} took 15 off order cli-o1\n`);
    writeFileSync(order, JSON.stringify({ order_id: 'cli-o2', member: 'user_id:k0', items: [{ product_id: 'beans', amount: 20 }] }));
    expect((await run(['coupons', 'redeem', '--code', code, '--order-file', order])).error).toMatchObject({ code: 'coupon.already_used' });

    const funnel = await run(['coupons', 'funnel', '--template', '满100减15', '--json']);
    expect(JSON.parse(funnel.out)).toMatchObject({ issued: 13, claimed: 13, used: 1, discount: 15, codes: { total: 1202, claimed: 0 } });
  });
});
