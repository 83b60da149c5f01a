// Pure parts of the coupons module: code text parsing with line numbers, upload checks, formats, validity at issue,
// views and the per-key queue.
import { describe, expect, it } from 'vitest';
import { parseCouponTemplate } from '../../core/loyalty/index.ts';
import { checkUpload, codeFormatOf, codeLinesOf, normalize, parseCodeText } from './code-text.ts';
import { validityAt } from './issue.ts';
import { KeyedLock } from './keyed-lock.ts';
import { pooledRandom } from './mint.ts';
import { couponView, funnelView } from './views.ts';
import type { MemberCouponRow } from './coupon-repo.ts';
import type { TemplateRow } from './template-repo.ts';

describe('code text', () => {
  it('normalises typed codes', () => {
    expect(normalize(' vip-k7m2 ')).toBe('VIP-K7M2');
    expect(normalize('ab cd\tef')).toBe('ABCDEF');
  });

  it('reads TXT and CSV with the line numbers of the file', () => {
    expect(parseCodeText('\uFEFFAAAA1\n\n# comment\r\nBBBB2\r\n  CCCC3  \n', 'txt')).toEqual([
      { line: 1, code: 'AAAA1' }, { line: 4, code: 'BBBB2' }, { line: 5, code: 'CCCC3' },
    ]);
    expect(parseCodeText('note,Code\nx,AAAA1\n\ny,"BBBB2"\nz,\n', 'csv')).toEqual([{ line: 2, code: 'AAAA1' }, { line: 4, code: 'BBBB2' }]);
    expect(parseCodeText('', 'csv')).toEqual([]);
    expect(() => parseCodeText('a,b\n1,2\n', 'csv')).toThrow(expect.objectContaining({ code: 'coupon_code.no_code_column' }));
  });

  it('refuses repeated (after normalising) and malformed codes, naming the lines', () => {
    expect(checkUpload(codeLinesOf(['abcd1', 'ABCD2']))).toEqual([{ line: 1, code: 'ABCD1' }, { line: 2, code: 'ABCD2' }]);
    expect(() => checkUpload(codeLinesOf(['ABCD1', 'x', 'ABCD 2', 'A,BCD']))).toThrow(expect.objectContaining({ code: 'coupon_code.invalid', details: { lines: [2, 4], count: 2 } }));
    let err: any;
    try {
      checkUpload(codeLinesOf(['ABCD1', 'EFGH2', 'abcd1', 'EFGH2', 'EFGH2']));
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'coupon_code.duplicate', field: 'text', details: { lines: [3, 4, 5], count: 3 } });
    expect(err.message).toContain('line 3 repeats line 1 (ABCD1)');
    expect(() => checkUpload([])).toThrow(expect.objectContaining({ code: 'coupon_code.empty_upload' }));
  });

  it('accepts upper-case formats only and names the field', () => {
    expect(codeFormatOf({ prefix: 'VIP', length: 8 })).toMatchObject({ prefix: 'VIP', length: 8 });
    expect(() => codeFormatOf({ alphabet: 'abcdef' }, 'code_format')).toThrow(expect.objectContaining({ field: 'code_format.alphabet' }));
    expect(() => codeFormatOf({ length: 2 })).toThrow(expect.objectContaining({ code: 'coupon_code.invalid_config', field: 'format.length' }));
  });

  it('serves crypto bytes from a pool without repeating them', () => {
    const next = pooledRandom();
    const a = Buffer.from(next(32));
    const b = Buffer.from(next(32));
    expect(a.equals(b)).toBe(false);
    expect(next(100_000)).toHaveLength(100_000);
  });
});

describe('validity at issue', () => {
  const after = parseCouponTemplate({ benefit: { type: 'fixed', amount: 5 }, validity: { type: 'after_claim', days: 3 } });
  const window = parseCouponTemplate({ benefit: { type: 'fixed', amount: 5 }, validity: { type: 'window', startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-02-01T00:00:00Z' } });
  it('starts after-claim windows at the claim, and fixed windows at once', () => {
    expect(validityAt(after, true, '2026-03-01T08:00:00.000Z')).toEqual({ valid_from: '2026-03-01T08:00:00.000Z', valid_to: '2026-03-04T08:00:00.000Z' });
    expect(validityAt(after, false, '2026-03-01T08:00:00.000Z')).toEqual({ valid_from: null, valid_to: null });
    expect(validityAt(window, false, '2026-03-01T08:00:00.000Z')).toEqual({ valid_from: '2026-01-01T00:00:00.000Z', valid_to: '2026-02-01T00:00:00.000Z' });
  });
});

describe('views', () => {
  const row = (over: Partial<MemberCouponRow>): MemberCouponRow => ({
    id: 'mcp_1', template_id: 'cpt_1', template_name: 'T', member_id: 'mem_1', code: 'C', claim_code: null, status: 'claimed', source: 'api', issue_id: null,
    issued_at: '2026-01-01T00:00:00.000Z', claimed_at: '2026-01-01T00:00:00.000Z', valid_from: '2026-01-01T00:00:00.000Z', valid_to: '2026-01-08T00:00:00.000Z',
    used_at: null, order_id: null, discount: null, redemption: null, voided_at: null, void_reason: null, ...over,
  });
  it('shows a lapsed unused coupon as expired before the job marks it', () => {
    expect(couponView(row({}), Date.parse('2026-01-05T00:00:00Z')).status).toBe('claimed');
    expect(couponView(row({}), Date.parse('2026-01-08T00:00:00Z')).status).toBe('expired');
    expect(couponView(row({ status: 'used' }), Date.parse('2026-02-01T00:00:00Z')).status).toBe('used');
  });
  it('computes funnel rates, null on an empty base', () => {
    const t = { id: 'cpt_1', name: 'T' } as TemplateRow;
    const f = { issued: 8, claimed: 6, used: 2, voided: 0, expired: 1, unused: 3, discount: 20.004, orders: 2 };
    expect(funnelView(t, f, { codes: 10, codes_claimed: 4 })).toMatchObject({ claim_rate: 0.75, use_rate: 0.3333, discount: 20, codes: { total: 10, claimed: 4 } });
    expect(funnelView(t, { ...f, issued: 0, claimed: 0 }, { codes: 0, codes_claimed: 0 })).toMatchObject({ claim_rate: null, use_rate: null });
  });
});

describe('KeyedLock', () => {
  it('runs work of one key in turn and of different keys side by side', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const step = (key: string, name: string, ms: number) => lock.run(key, async () => {
      log.push(`${name}>`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`<${name}`);
    });
    await Promise.all([step('a', 'a1', 15), step('a', 'a2', 1), step('b', 'b1', 1)]);
    expect(log.indexOf('<a1')).toBeLessThan(log.indexOf('a2>'));
    expect(log.indexOf('b1>')).toBeLessThan(log.indexOf('<a1'));
    await expect(lock.run('a', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await lock.run('a', async () => 42)).toBe(42);
  });
});
