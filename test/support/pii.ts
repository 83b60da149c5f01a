// A fixed personal-data keyring for tests (installed on import): ciphertexts and lookup hashes are reproducible.
import { PiiKeyring, usePiiKeyring } from '../../src/core/pii/index.ts';

/** `kid:base64key` of the test key (32 bytes of 0x11), as SIYU_DATA_KEYS would give it. */
export const TEST_DATA_KEYS = `test1:${Buffer.alloc(32, 0x11).toString('base64')}`;
export const TEST_KEYRING = new PiiKeyring([{ id: 'test1', key: Buffer.alloc(32, 0x11) }], Buffer.alloc(32, 0x22));

usePiiKeyring(TEST_KEYRING);
