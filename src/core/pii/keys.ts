// Data keys for personal data: parsing `kid:base64key,…` (first is current), the derived lookup-hash key, and the
// process-wide keyring every module seals, opens and hashes with.
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { SiyuError } from '../errors.ts';

/** One AES-256 key and the id that ciphertexts carry (`v1:<id>:…`). */
export interface DataKey {
  id: string;
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** The data keys (first = current, the rest still decrypt) and the HMAC key of lookup hashes. */
export class PiiKeyring {
  readonly current: DataKey;
  private readonly byId: Map<string, DataKey>;
  /** HMAC-SHA256 key of blind indexes; derived once, never used to encrypt. */
  readonly indexKey: Buffer;

  constructor(keys: DataKey[], indexRoot?: Buffer) {
    if (keys.length === 0) throw keyError('pii.no_key', 'No data key configured');
    this.current = keys[0];
    this.byId = new Map(keys.map((k) => [k.id, k]));
    // The lookup key must outlive data-key rotation (every hash would change): it derives from its own root when
    // one is given, else from the OLDEST listed key (the last), which stays listed while older ciphertext exists.
    this.indexKey = deriveIndexKey(indexRoot ?? keys[keys.length - 1].key);
  }

  key(id: string): DataKey | undefined {
    return this.byId.get(id);
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }

  /** A value that changes with the lookup key only: stored once, compared at start to refuse a wrong key set. */
  indexCheck(): string {
    return createHmac('sha256', this.indexKey).update('siyu/pii/index-check').digest('base64url').slice(0, 22);
  }
}

/** HKDF-SHA256 of the root into the 32-byte lookup-hash key. */
export function deriveIndexKey(root: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', root, Buffer.from('siyu'), Buffer.from('siyu/pii/blind-index/v1'), 32));
}

const keyError = (code: string, message: string) => new SiyuError('invalid_data', code, message, { field: 'SIYU_DATA_KEYS' });

/** Decodes a base64 / base64url key that must be 32 bytes. */
export function decodeKey(text: string, what: string): Buffer {
  const key = Buffer.from(text.trim(), /[-_]/.test(text) ? 'base64url' : 'base64');
  if (key.length !== 32) throw keyError('pii.key_invalid', `${what} must be 32 bytes in base64 (got ${key.length} bytes)`);
  return key;
}

/**
 * Parses `kid:base64key,kid2:base64key2` (first is the current key; later ones only decrypt).
 * @example parseDataKeys('k2:…,k1:…')[0].id // 'k2'
 */
export function parseDataKeys(spec: string): DataKey[] {
  const keys: DataKey[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    if (i <= 0) throw keyError('pii.key_invalid', `"${part.slice(0, 8)}…" is not kid:base64key`);
    const id = part.slice(0, i);
    if (!KEY_ID.test(id)) throw keyError('pii.key_invalid', `key id "${id}" must be 1-32 letters, digits, _ or -`);
    if (keys.some((k) => k.id === id)) throw keyError('pii.key_invalid', `key id "${id}" is listed twice`);
    keys.push({ id, key: decodeKey(part.slice(i + 1), `key ${id}`) });
  }
  if (keys.length === 0) throw keyError('pii.no_key', 'SIYU_DATA_KEYS lists no key');
  return keys;
}

/** Formats keys back into the `kid:base64key,…` form (key files, messages to operators). */
export const formatDataKeys = (keys: DataKey[]) => keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');

/** A fresh random key with an id made of the date and a random suffix. */
export function generateDataKey(now = new Date()): DataKey {
  return { id: `k${now.toISOString().slice(0, 10).replace(/-/g, '')}${randomBytes(2).toString('hex')}`, key: randomBytes(32) };
}

let active: PiiKeyring | null = null;

/** Installs the process keyring (start-up, tests). */
export function usePiiKeyring(keyring: PiiKeyring | null): void {
  active = keyring;
}

/** Whether a keyring is installed. */
export const hasPiiKeyring = () => active !== null;

/** The process keyring; 503 `pii.no_key` before start-up configured one. */
export function piiKeyring(): PiiKeyring {
  if (!active) throw new SiyuError('unavailable', 'pii.no_key', 'Personal data keys are not configured (SIYU_DATA_KEYS or the key file)');
  return active;
}
