// The callback crypto (pure): WeCom's published sample vector, a vector built here and round-tripped, and every
// way verification must fail (signature, key, receiver, padding, length); plus the flat XML and event reading.
import { describe, expect, it } from 'vitest';
import { CallbackCrypto, CallbackCryptoError, aesKeyOf, callbackSignature, decryptMessage, encryptMessage, pkcs7Pad, pkcs7Unpad, signatureMatches } from './crypto.ts';
import { buildFlatXml, parseFlatXml } from './xml.ts';
import { readCallbackEvent, templateResultReceipt } from './events.ts';
import { createCipheriv } from 'node:crypto';

// WeCom's sample (WXBizMsgCrypt Sample.cpp): token, EncodingAESKey, CorpID and a URL-verification request.
const SAMPLE = {
  token: 'QDG6eK',
  aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  corpId: 'wx5823bf96d3bd56c7',
  signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  timestamp: '1409659589',
  nonce: '263014780',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
};

const errorCode = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof CallbackCryptoError ? e.code : `other: ${(e as Error).message}`;
  }
  return 'no error';
};

describe('WeCom callback crypto', () => {
  it('verifies and decrypts the published sample', () => {
    expect(callbackSignature([SAMPLE.token, SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.echostr])).toBe(SAMPLE.signature);
    const c = new CallbackCrypto(SAMPLE.token, SAMPLE.aesKey, SAMPLE.corpId);
    expect(c.verifyUrl(SAMPLE.signature, SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.echostr)).toBe('1616140317555161061');
  });

  it('builds a fixed vector by hand (random + length + msg + receiveid, PKCS#7 to 32) and round-trips it', () => {
    const key = aesKeyOf('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG');
    expect(key.length).toBe(32);
    const random16 = Buffer.from('0123456789abcdef');
    const msg = '<xml><Event><![CDATA[change_external_contact]]></Event><Note><![CDATA[欢迎]]></Note></xml>';
    // The plaintext layout, built independently of encryptMessage.
    const m = Buffer.from(msg, 'utf8');
    const len = Buffer.from([0, 0, (m.length >> 8) & 0xff, m.length & 0xff]);
    const plain = Buffer.concat([random16, len, m, Buffer.from('ww_corp_1')]);
    const pad = 32 - (plain.length % 32);
    const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
    expect(padded.length % 32).toBe(0);
    const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const expected = Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');

    expect(encryptMessage(key, msg, 'ww_corp_1', random16)).toBe(expected);
    expect(decryptMessage(key, expected)).toEqual({ message: msg, receiveId: 'ww_corp_1' });

    const c = new CallbackCrypto('tok3n', 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'ww_corp_1');
    const { encrypt, signature } = c.encrypt(msg, '1700000000', 'n0nce', random16);
    expect(encrypt).toBe(expected);
    expect(signature).toBe(callbackSignature(['tok3n', '1700000000', 'n0nce', expected]));
    expect(c.decrypt(signature, '1700000000', 'n0nce', encrypt)).toBe(msg);
    // Random prefixes differ per call; the message survives.
    expect(c.decrypt(...(() => {
      const e = c.encrypt('hi', '1', '2');
      return [e.signature, '1', '2', e.encrypt] as const;
    })())).toBe('hi');
  });

  it('pads to whole 32-byte blocks: a full block of 32 when already aligned', () => {
    expect(pkcs7Pad(Buffer.alloc(32)).length).toBe(64);
    expect(pkcs7Pad(Buffer.alloc(31)).subarray(31)).toEqual(Buffer.from([1]));
    expect(pkcs7Unpad(pkcs7Pad(Buffer.from('abc'))).toString()).toBe('abc');
  });

  it('refuses bad signatures, wrong receivers, wrong keys and malformed ciphertexts', () => {
    const c = new CallbackCrypto(SAMPLE.token, SAMPLE.aesKey, SAMPLE.corpId);
    const good = [SAMPLE.signature, SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.echostr] as const;
    expect(errorCode(() => c.verifyUrl('0'.repeat(40), SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.echostr))).toBe('signature_invalid');
    expect(errorCode(() => c.verifyUrl(undefined, SAMPLE.timestamp, SAMPLE.nonce, SAMPLE.echostr))).toBe('signature_invalid');
    expect(errorCode(() => c.verifyUrl(good[0], '1409659590', SAMPLE.nonce, SAMPLE.echostr))).toBe('signature_invalid'); // timestamp changed
    expect(errorCode(() => new CallbackCrypto(SAMPLE.token, SAMPLE.aesKey, 'ww_other').verifyUrl(...good))).toBe('receiver_mismatch');
    expect(errorCode(() => new CallbackCrypto(SAMPLE.token, 'short', SAMPLE.corpId))).toBe('key_invalid');

    // Signed correctly but encrypted with another key: the padding (or length) check catches it.
    const other = new CallbackCrypto(SAMPLE.token, 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ', SAMPLE.corpId);
    expect(['padding_invalid', 'length_invalid', 'receiver_mismatch']).toContain(errorCode(() => other.verifyUrl(...good)));

    const key = aesKeyOf(SAMPLE.aesKey);
    expect(errorCode(() => decryptMessage(key, 'AAAA'))).toBe('decrypt_failed'); // not whole blocks
    // A block whose padding byte is 0.
    const zeroPad = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const bad = Buffer.concat([zeroPad.update(Buffer.alloc(32, 0)), zeroPad.final()]).toString('base64');
    expect(errorCode(() => decryptMessage(key, bad))).toBe('padding_invalid');
    // A length field pointing past the end.
    const lying = Buffer.concat([Buffer.alloc(16, 7), Buffer.from([0, 0, 1, 0]), Buffer.from('short')]);
    const enc = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const lyingCt = Buffer.concat([enc.update(pkcs7Pad(lying)), enc.final()]).toString('base64');
    expect(errorCode(() => decryptMessage(key, lyingCt))).toBe('length_invalid');

    expect(signatureMatches('not-hex', ['a'])).toBe(false);
    expect(signatureMatches(callbackSignature(['b', 'a', 'c']).toUpperCase(), ['a', 'b', 'c'])).toBe(true);
  });
});

describe('callback XML and events', () => {
  it('reads CDATA, text and entities, and writes what it reads', () => {
    const xml = '<xml><ToUserName><![CDATA[ww_corp]]></ToUserName><AgentID>218</AgentID><Encrypt><![CDATA[a+b/c==]]></Encrypt><Note>a &amp; b &lt;c&gt;</Note></xml>';
    expect(parseFlatXml(xml)).toEqual({ ToUserName: 'ww_corp', AgentID: '218', Encrypt: 'a+b/c==', Note: 'a & b <c>' });
    const fields = { ToUserName: 'x', CreateTime: 1403610513, Odd: 'has ]]> inside' };
    expect(parseFlatXml(buildFlatXml(fields))).toEqual({ ToUserName: 'x', CreateTime: '1403610513', Odd: 'has ]]> inside' });
  });

  it('reads the add-contact event (self-built app format) with state and welcome code', () => {
    const e = readCallbackEvent(
      parseFlatXml(
        '<xml><ToUserName><![CDATA[ww_corp]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mAAAA]]></ExternalUserID><State><![CDATA[store_12]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode></xml>',
      ),
    );
    expect(e).toEqual({ kind: 'contact', changeType: 'add_external_contact', corpId: 'ww_corp', userId: 'zhangsan', externalUserId: 'woAJ2GCAAAXtWyujaWJHDDGi0mAAAA', state: 'store_12', welcomeCode: 'WELCOMECODE', createTime: 1403610513, source: null });
  });

  it('reads official-account template results and follows', () => {
    const result = readCallbackEvent({ ToUserName: 'gh_1', FromUserName: 'o_fan', CreateTime: '1395658984', MsgType: 'event', Event: 'TEMPLATESENDJOBFINISH', MsgID: '3487542469355618313', Status: 'failed:user block' });
    expect(result).toEqual({ kind: 'template_result', msgId: '3487542469355618313', openid: 'o_fan', status: 'failed:user block', createTime: 1395658984 });
    expect(templateResultReceipt('success')).toEqual({ type: 'delivered' });
    expect(templateResultReceipt('failed:user block')).toMatchObject({ type: 'failed', code: 'wechat_oa.user_block' });
    expect(templateResultReceipt('failed: system failed')).toMatchObject({ type: 'failed', code: 'wechat_oa.system_failed' });
    expect(readCallbackEvent({ FromUserName: 'o_2', Event: 'subscribe', EventKey: 'qrscene_store_9', CreateTime: '1' })).toMatchObject({ kind: 'follow', scene: 'store_9' });
    expect(readCallbackEvent({ Event: 'LOCATION' })).toEqual({ kind: 'ignored', event: 'LOCATION' });
  });
});
