// The WeCom / WeChat callback encryption (WXBizMsgCrypt), pure: AES-256-CBC with key = Base64(EncodingAESKey + "="),
// IV = the key's first 16 bytes, PKCS#7 padding to 32-byte blocks; the plaintext is random(16) + msg length (4 bytes,
// big-endian) + msg + receiveid (the CorpID for WeCom apps, the AppID for WeChat accounts); the signature is the SHA-1
// of token, timestamp, nonce and the ciphertext sorted as strings and concatenated.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Why a callback could not be verified or decrypted; `code` is stable. */
export class CallbackCryptoError extends Error {
  constructor(
    readonly code: 'signature_invalid' | 'key_invalid' | 'decrypt_failed' | 'padding_invalid' | 'length_invalid' | 'receiver_mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'CallbackCryptoError';
  }
}

/** Padding block of this scheme: 32 bytes, not AES's 16. */
const BLOCK = 32;

/**
 * The 32-byte AES key of a 43-character EncodingAESKey.
 * @example aesKeyOf('jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C').length // 32
 */
export function aesKeyOf(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) throw new CallbackCryptoError('key_invalid', 'EncodingAESKey must be 43 letters and digits');
  const key = Buffer.from(encodingAesKey + '=', 'base64');
  if (key.length !== 32) throw new CallbackCryptoError('key_invalid', 'EncodingAESKey does not decode to 32 bytes');
  return key;
}

/**
 * The callback signature: SHA-1 (hex) of the parts sorted as strings and joined. WeCom and WeChat safe mode sign
 * [token, timestamp, nonce, encrypt]; WeChat plain mode signs [token, timestamp, nonce].
 * @example callbackSignature(['QDG6eK', '1409659589', '263014780', echostr])
 */
export function callbackSignature(parts: string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

/** Compares a presented signature with the expected one in constant time. */
export function signatureMatches(presented: string | undefined | null, parts: string[]): boolean {
  if (typeof presented !== 'string' || !/^[0-9a-fA-F]{40}$/.test(presented)) return false;
  return timingSafeEqual(Buffer.from(presented.toLowerCase(), 'utf8'), Buffer.from(callbackSignature(parts), 'utf8'));
}

/** PKCS#7 padding to a multiple of 32 bytes (1 to 32 bytes, each holding the pad length). */
export function pkcs7Pad(data: Buffer): Buffer {
  const n = BLOCK - (data.length % BLOCK);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

export function pkcs7Unpad(data: Buffer): Buffer {
  const n = data.length > 0 ? data[data.length - 1] : 0;
  if (n < 1 || n > BLOCK || n > data.length) throw new CallbackCryptoError('padding_invalid', 'the decrypted message has invalid padding');
  for (let i = data.length - n; i < data.length; i++) {
    if (data[i] !== n) throw new CallbackCryptoError('padding_invalid', 'the decrypted message has invalid padding');
  }
  return data.subarray(0, data.length - n);
}

/**
 * Encrypts `message` for `receiveId`: Base64(AES-256-CBC(random16 + len32be + msg + receiveId)). `random16` is
 * injectable so tests can build fixed vectors.
 */
export function encryptMessage(key: Buffer, message: string, receiveId: string, random16: Buffer = randomBytes(16)): string {
  if (random16.length !== 16) throw new Error('random16 must be 16 bytes');
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const plain = pkcs7Pad(Buffer.concat([random16, len, msg, Buffer.from(receiveId, 'utf8')]));
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

/** Decrypts a Base64 ciphertext into the message and the receiveid it was addressed to. */
export function decryptMessage(key: Buffer, encrypted: string): { message: string; receiveId: string } {
  const data = Buffer.from(encrypted, 'base64');
  if (data.length === 0 || data.length % 16 !== 0) throw new CallbackCryptoError('decrypt_failed', 'the ciphertext is not a whole number of AES blocks');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new CallbackCryptoError('decrypt_failed', 'the message could not be decrypted');
  }
  const body = pkcs7Unpad(plain);
  if (body.length < 20) throw new CallbackCryptoError('length_invalid', 'the decrypted message is too short');
  const len = body.readUInt32BE(16);
  if (20 + len > body.length) throw new CallbackCryptoError('length_invalid', 'the message length field exceeds the message');
  return { message: body.subarray(20, 20 + len).toString('utf8'), receiveId: body.subarray(20 + len).toString('utf8') };
}

/**
 * One app's callback crypto: verifies signatures, decrypts (checking the receiveid), encrypts replies.
 * @example const c = new CallbackCrypto(token, encodingAesKey, corpId); const xml = c.decrypt(sig, ts, nonce, encrypt);
 */
export class CallbackCrypto {
  private readonly key: Buffer;

  constructor(
    private readonly token: string,
    encodingAesKey: string,
    private readonly receiveId: string,
  ) {
    this.key = aesKeyOf(encodingAesKey);
  }

  /** Checks a signature over [token, timestamp, nonce, encrypt], then decrypts; throws CallbackCryptoError. */
  decrypt(signature: string | undefined, timestamp: string, nonce: string, encrypt: string): string {
    if (!signatureMatches(signature, [this.token, timestamp, nonce, encrypt])) throw new CallbackCryptoError('signature_invalid', 'msg_signature does not match');
    const { message, receiveId } = decryptMessage(this.key, encrypt);
    if (receiveId !== this.receiveId) throw new CallbackCryptoError('receiver_mismatch', `the message is addressed to ${receiveId}, not ${this.receiveId}`);
    return message;
  }

  /** WeCom URL verification: the decrypted echostr, which the endpoint answers with. */
  verifyUrl(signature: string | undefined, timestamp: string, nonce: string, echostr: string): string {
    return this.decrypt(signature, timestamp, nonce, echostr);
  }

  /** An encrypted message (e.g. a passive reply or a test push) with its signature. */
  encrypt(message: string, timestamp: string, nonce: string, random16?: Buffer): { encrypt: string; signature: string } {
    const encrypt = encryptMessage(this.key, message, this.receiveId, random16);
    return { encrypt, signature: callbackSignature([this.token, timestamp, nonce, encrypt]) };
  }
}
