// Personal data primitives: sealing and opening (AES-256-GCM), tamper detection, rotation keys, blind indexes, masks.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  PiiKeyring, blindIndex, isSealed, maskAddress, maskEmail, maskName, maskPhone, normaliseName, open, parseDataKeys, reseal, seal, sealedKeyId,
} from './index.ts';

const k1 = { id: 'k1', key: Buffer.alloc(32, 1) };
const k2 = { id: 'k2', key: Buffer.alloc(32, 2) };
const ring1 = new PiiKeyring([k1]);
const ring21 = new PiiKeyring([k2, k1]); // k2 current, k1 still decrypts

describe('seal / open', () => {
  it('round-trips text (Chinese, empty) in the versioned format, with a fresh IV every time', () => {
    for (const v of ['13800000000', '张三', '', 'a@b.cn', '浙江省杭州市西湖区文三路 1 号']) {
      const c = seal(v, ring1);
      expect(c).toMatch(/^v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
      expect(open(c, ring1)).toBe(v);
    }
    expect(seal('x', ring1)).not.toBe(seal('x', ring1));
    expect(isSealed(seal('x', ring1))).toBe(true);
    expect(isSealed('13800000000')).toBe(false);
    expect(open('13800000000', ring1)).toBe('13800000000'); // legacy plaintext passes through
  });

  it('rejects a ciphertext altered in any part', () => {
    const c = seal('13800000000', ring1);
    const [v, kid, iv, body] = c.split(':');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    for (const bad of [`${v}:${kid}:${flip(iv, 3)}:${body}`, `${v}:${kid}:${iv}:${flip(body, 2)}`, `${v}:${kid}:${iv}:${flip(body, body.length - 2)}`, `${v}:${kid}:${iv}`, `${v}:${kid}:${iv}:AAAA`]) {
      expect(() => open(bad, ring1), bad).toThrow(expect.objectContaining({ code: 'pii.tampered' }));
    }
    // the right format under another key of the same id does not authenticate either
    expect(() => open(c, new PiiKeyring([{ id: 'k1', key: randomBytes(32) }]))).toThrow(expect.objectContaining({ code: 'pii.tampered' }));
    expect(() => open(c, new PiiKeyring([k2]))).toThrow(expect.objectContaining({ code: 'pii.unknown_key' }));
  });

  it('rotates: old ciphertext opens with the old key listed, reseal moves it to the current key', () => {
    const old = seal('13800000000', ring1);
    expect(open(old, ring21)).toBe('13800000000');
    const moved = reseal(old, ring21)!;
    expect(sealedKeyId(moved)).toBe('k2');
    expect(open(moved, ring21)).toBe('13800000000');
    expect(reseal(moved, ring21)).toBeNull(); // already current
    expect(sealedKeyId(reseal('plain', ring21)!)).toBe('k2'); // plaintext gets sealed
  });
});

describe('keys', () => {
  it('parses kid:base64 lists (first current) and refuses bad ones', () => {
    const spec = `k2:${Buffer.alloc(32, 2).toString('base64')}, k1:${Buffer.alloc(32, 1).toString('base64url')}`;
    expect(parseDataKeys(spec).map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(() => parseDataKeys('k1:abcd')).toThrow(expect.objectContaining({ code: 'pii.key_invalid' }));
    expect(() => parseDataKeys('nokey')).toThrow(expect.objectContaining({ code: 'pii.key_invalid' }));
    expect(() => parseDataKeys(`a b:${Buffer.alloc(32).toString('base64')}`)).toThrow(expect.objectContaining({ code: 'pii.key_invalid' }));
    expect(() => parseDataKeys(`k:${Buffer.alloc(32).toString('base64')},k:${Buffer.alloc(32).toString('base64')}`)).toThrow(/twice/);
    expect(() => parseDataKeys(' , ')).toThrow(expect.objectContaining({ code: 'pii.no_key' }));
  });

  it('keeps the lookup-hash key across rotation (derived from its own root, else the oldest key)', () => {
    expect(blindIndex('phone', '13800000000', ring21)).toBe(blindIndex('phone', '13800000000', ring1));
    const rooted = new PiiKeyring([k2], Buffer.alloc(32, 9));
    expect(blindIndex('phone', '13800000000', new PiiKeyring([k1, k2], Buffer.alloc(32, 9)))).toBe(blindIndex('phone', '13800000000', rooted));
    expect(rooted.indexCheck()).not.toBe(ring1.indexCheck());
    // the lookup key is not a data key
    expect(ring1.indexKey.equals(k1.key)).toBe(false);
  });
});

describe('blind index', () => {
  it('is deterministic per kind and value, and differs across kinds', () => {
    const h = blindIndex('phone', '13800000000', ring1);
    expect(h).toMatch(/^h1:[A-Za-z0-9_-]{32}$/);
    expect(blindIndex('phone', '13800000000', ring1)).toBe(h);
    expect(blindIndex('phone', '13800000001', ring1)).not.toBe(h);
    expect(blindIndex('name', '13800000000', ring1)).not.toBe(h);
    expect(normaliseName('  Li   LEI ')).toBe('li lei');
    expect(normaliseName('ＬＩ')).toBe('li'); // full-width folded
  });
});

describe('masks', () => {
  it('masks phone, email, name and address', () => {
    expect(maskPhone('13812340000')).toBe('138****0000');
    expect(maskPhone('12345')).toBe('1****');
    expect(maskPhone(null)).toBeNull();
    expect(maskEmail('zhang.san@example.com')).toBe('z***@example.com');
    expect(maskEmail('x@y.cn')).toBe('x***@y.cn');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('Li Lei')).toBe('L*****');
    expect(maskName('王')).toBe('王*');
    expect(maskAddress({ province: '浙江省', city: '杭州市', district: '西湖区', street: '文三路 1 号' })).toEqual({ province: '浙江省', city: '杭州市' });
    expect(maskAddress('文三路 1 号', '浙江省', '杭州市')).toBe('浙江省 杭州市');
    expect(maskAddress('文三路 1 号')).toBe('***');
  });
});
