// A fixed personal-data keyring for tests (installed on import): ciphertexts and lookup hashes are reproducible.
// The same keys go into the environment, so `siyu serve` / `siyu worker` processes a test spawns (and in-process CLI
// runs, which read the environment) open the test's databases with them.
import { PiiKeyring, usePiiKeyring } from '../../src/core/pii/index.ts';

/** `kid:base64key` of the test key (32 bytes of 0x11), as SIYU_DATA_KEYS gives it. */
export const TEST_DATA_KEYS = `test1:${Buffer.alloc(32, 0x11).toString('base64')}`;
/** Root of the test lookup-hash key (32 bytes of 0x22), as SIYU_INDEX_KEY gives it. */
export const TEST_INDEX_KEY = Buffer.alloc(32, 0x22).toString('base64');
export const TEST_KEYRING = new PiiKeyring([{ id: 'test1', key: Buffer.alloc(32, 0x11) }], Buffer.alloc(32, 0x22));

usePiiKeyring(TEST_KEYRING);
process.env.SIYU_DATA_KEYS ??= TEST_DATA_KEYS;
process.env.SIYU_INDEX_KEY ??= TEST_INDEX_KEY;
