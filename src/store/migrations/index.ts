// Versioned migrations, applied in order on start; the same list serves both engines via DialectTypes.
import type { DialectTypes, Store } from '../port.ts';
import * as m001 from './001-core.ts';
import * as m002 from './002-segments.ts';
import * as m003 from './003-scores.ts';
import * as m004 from './004-clv.ts';
import * as m005 from './005-loyalty.ts';
import * as m006 from './006-coupons.ts';
import * as m007 from './007-campaigns.ts';
import * as m008 from './008-loyalty-sweeps.ts';
import * as m009 from './009-jobs.ts';
import * as m010 from './010-templates.ts';
import * as m011 from './011-messaging.ts';
import * as m012 from './012-activity.ts';
import * as m013 from './013-consent.ts';
import * as m014 from './014-broadcasts.ts';
import * as m015 from './015-measurement.ts';
import * as m016 from './016-journeys.ts';
import * as m017 from './017-staff.ts';
import * as m018 from './018-community.ts';
import * as m019 from './019-messaging-inbound.ts';
import * as m020 from './020-activity-system-events.ts';
import * as m021 from './021-orders-updated-index.ts';
import * as m022 from './022-access.ts';
import * as m023 from './023-audit.ts';
import * as m024 from './024-pii.ts';
import * as m025 from './025-privacy.ts';
import * as m026 from './026-recommendations.ts';
import * as m027 from './027-alerts.ts';
import * as m028 from './028-alert-granularity.ts';
import * as m029 from './029-rate-limit-counters.ts';

export interface Migration {
  version: number;
  name: string;
  up(t: DialectTypes): string[];
}

/** Every migration, oldest first. Append new ones; never edit one that has shipped. */
export const MIGRATIONS: Migration[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009, m010, m011, m012, m013, m014, m015, m016, m017, m018, m019, m020, m021,
  m022, m023, m024, m025, m026, m027, m028, m029];

const TYPES: Record<Store['engine'], DialectTypes> = {
  duckdb: { json: 'JSON', double: 'DOUBLE', secondaryIndexes: false, storage: { plain: ' USING COMPRESSION uncompressed', dictionary: ' USING COMPRESSION dictionary' } },
  postgres: { json: 'JSON', double: 'DOUBLE PRECISION', secondaryIndexes: true, storage: { plain: '', dictionary: '' } },
};

const MIGRATION_LOCK = 7_411_001; // PostgreSQL advisory lock id: one migrator at a time across processes

/** The SQL type names migrations use on `engine` (backup/restore reads the statements to know Siyu's tables). */
export const dialectTypes = (engine: Store['engine']): DialectTypes => TYPES[engine];

/** The highest migration version this build knows. */
export const LATEST_VERSION = (): number => MIGRATIONS[MIGRATIONS.length - 1].version;

export interface MigrateOptions {
  /** Stop after this version (restores and upgrade tests build a store at an earlier schema); default: the latest. */
  to?: number;
}

/** Applies pending migrations in one transaction (PostgreSQL: under an advisory lock, so concurrent starts wait). */
export async function migrate(store: Store, opts: MigrateOptions = {}): Promise<number[]> {
  await store.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
  );
  return store.transaction(async (tx) => {
    if (store.capabilities.multiProcess) await tx.exec('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      if (opts.to !== undefined && m.version > opts.to) break;
      for (const stmt of m.up(TYPES[store.engine])) await tx.exec(stmt);
      await tx.exec('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
