// Start-up of personal data protection: installs the keyring (configuration, else the key file, created on first
// start), refuses a key set whose lookup hashes differ from the ones the store was written with, and seals rows
// written before encryption existed (once).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../../core/config.ts';
import { SiyuError } from '../../core/errors.ts';
import { decodeKey, formatDataKeys, generateDataKey, hasPiiKeyring, parseDataKeys, piiKeyring, PiiKeyring, usePiiKeyring } from '../../core/pii/index.ts';
import type { Store } from '../../store/port.ts';
import { SealPass } from './seal-pass.ts';

type Log = (msg: string, fields?: Record<string, unknown>) => void;

/** Where the key file lives when no keys are configured: beside the DuckDB file, or ./data for PostgreSQL. */
export function keyFilePath(config: Pick<Config, 'dataKeyFile' | 'dbPath' | 'databaseUrl'>): string {
  if (config.dataKeyFile) return resolve(config.dataKeyFile);
  if (config.databaseUrl) return resolve('./data/siyu.keys');
  return resolve(config.dbPath === ':memory:' ? './data/siyu-memory.keys' : `${config.dbPath}.keys`);
}

/**
 * The keyring from configuration: SIYU_DATA_KEYS (+ SIYU_INDEX_KEY), else the key file (`SIYU_DATA_KEYS=` and
 * `SIYU_INDEX_KEY=` lines), created with a fresh key (mode 0600) when missing and `create` is set.
 */
export function loadKeyring(config: Pick<Config, 'dataKeys' | 'indexKey' | 'dataKeyFile' | 'dbPath' | 'databaseUrl'>, create: boolean, log: Log = () => {}): PiiKeyring {
  const indexRoot = (s: string | undefined) => (s ? decodeKey(s, 'SIYU_INDEX_KEY') : undefined);
  if (config.dataKeys) return new PiiKeyring(parseDataKeys(config.dataKeys), indexRoot(config.indexKey));
  const path = keyFilePath(config);
  if (!existsSync(path)) {
    if (!create) throw new SiyuError('unavailable', 'pii.no_key', `No data keys: set SIYU_DATA_KEYS or create the key file ${path}`);
    mkdirSync(dirname(path), { recursive: true });
    const key = generateDataKey();
    const index = generateDataKey().key;
    writeFileSync(path, `# Siyu personal data keys: keep this file secret and backed up; without it the data cannot be read.\nSIYU_DATA_KEYS=${formatDataKeys([key])}\nSIYU_INDEX_KEY=${index.toString('base64')}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    log('created a personal data key file (keep it secret and backed up)', { path, key_id: key.id });
  }
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*(SIYU_DATA_KEYS|SIYU_INDEX_KEY)\s*=\s*(.+?)\s*$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  if (!vars.SIYU_DATA_KEYS) throw new SiyuError('unavailable', 'pii.no_key', `The key file ${path} has no SIYU_DATA_KEYS line`);
  return new PiiKeyring(parseDataKeys(vars.SIYU_DATA_KEYS), indexRoot(config.indexKey ?? vars.SIYU_INDEX_KEY));
}

/**
 * Installs the keyring for this process and readies the store: checks the lookup key against the one recorded in
 * the store (a different one would make every phone lookup miss), then seals rows left in plaintext by an upgrade.
 * A keyring installed earlier (tests) is kept unless keys are configured explicitly.
 */
export async function preparePii(store: Store, config: Config, log: Log = () => {}): Promise<void> {
  if (config.dataKeys || !hasPiiKeyring()) usePiiKeyring(loadKeyring(config, true, log));
  const keyring = piiKeyring();
  const check = keyring.indexCheck();
  const state = new Map((await store.query<{ name: string; value: string | null }>('SELECT name, value FROM pii_state')).map((r) => [r.name, r.value]));
  const recorded = state.get('index_check');
  if (recorded === undefined) {
    await store.exec(`INSERT INTO pii_state (name, value) VALUES ('index_check', $1) ON CONFLICT (name) DO NOTHING`, [check]);
  } else if (recorded !== check) {
    throw new SiyuError('unavailable', 'pii.key_mismatch',
      'The configured data keys are not the ones this database was written with (their lookup-hash key differs): '
      + 'configure the original keys (SIYU_DATA_KEYS / SIYU_INDEX_KEY or the key file)');
  }
  if (state.has('plaintext_pending')) {
    const pass = new SealPass(store);
    const started = Date.now();
    const done = await pass.run({ batchSize: 20_000 });
    await store.exec(`DELETE FROM pii_state WHERE name = 'plaintext_pending'`);
    if (done.members + done.identities + done.merges > 0) log('sealed personal data written before encryption', { ...done, ms: Date.now() - started });
  }
}
