// Per-workspace guard settings: the stored config patch over the defaults and the unsubscribe-link secret, with a
// short in-process cache (the guard reads them on every batch; other processes see a change within CACHE_MS).
import { randomBytes } from 'node:crypto';
import { invalid } from '../../core/errors.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import { GuardConfigPatch, mergeGuardPatch, resolveGuardConfig, type GuardConfig } from './schema.ts';

const CACHE_MS = 5_000;

export interface WorkspaceSettings {
  config: GuardConfig;
  /** The stored patch (what PUT merges into). */
  patch: GuardConfigPatch;
  secret: string;
}

export class ConsentSettings {
  private readonly cache = new Map<string, { at: number; value: Promise<WorkspaceSettings> }>();

  constructor(private readonly store: Store) {}

  /** The workspace's settings (created with a fresh secret on first use). */
  get(ws: string): Promise<WorkspaceSettings> {
    const hit = this.cache.get(ws);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
    const value = this.load(ws);
    this.cache.set(ws, { at: Date.now(), value });
    value.catch(() => this.cache.delete(ws));
    return value;
  }

  /** Merges `put` into the stored patch (validated as a whole) and returns the new settings. */
  async update(ws: string, put: GuardConfigPatch): Promise<WorkspaceSettings> {
    await this.ensure(this.store, ws);
    const saved = await this.store.transaction(async (tx) => {
      const [row] = await tx.query<{ config: unknown }>('SELECT config FROM consent_settings WHERE workspace_id = $1', [ws]);
      const merged = GuardConfigPatch.safeParse(mergeGuardPatch(parsePatch(row?.config), put));
      if (!merged.success) throw invalid('consent.guard_invalid', `Guard settings: ${merged.error.issues[0].message}`, merged.error.issues[0].path.join('.') || 'body');
      const patch = merged.data;
      await tx.exec('UPDATE consent_settings SET config = $2, updated_at = $3::TIMESTAMPTZ WHERE workspace_id = $1', [ws, JSON.stringify(patch), new Date().toISOString()]);
      return patch;
    });
    this.cache.delete(ws);
    const s = await this.get(ws);
    return { ...s, patch: saved, config: resolveGuardConfig(saved) };
  }

  private async load(ws: string): Promise<WorkspaceSettings> {
    let [row] = await this.read(this.store, ws);
    if (!row) {
      await this.ensure(this.store, ws);
      [row] = await this.read(this.store, ws);
    }
    const patch = parsePatch(row.config);
    return { config: resolveGuardConfig(patch), patch, secret: row.unsubscribe_secret };
  }

  private read(db: SqlExecutor, ws: string) {
    return db.query<{ config: unknown; unsubscribe_secret: string }>('SELECT config, unsubscribe_secret FROM consent_settings WHERE workspace_id = $1', [ws]);
  }

  private async ensure(db: SqlExecutor, ws: string): Promise<void> {
    await db.exec(
      'INSERT INTO consent_settings (workspace_id, config, unsubscribe_secret, updated_at) VALUES ($1, $2, $3, $4::TIMESTAMPTZ) ON CONFLICT (workspace_id) DO NOTHING',
      [ws, '{}', randomBytes(32).toString('base64url'), new Date().toISOString()],
    );
  }
}

/** The stored patch; a value that no longer validates (an older version's shape) falls back to the defaults. */
function parsePatch(raw: unknown): GuardConfigPatch {
  const v = typeof raw === 'string' ? safeJson(raw) : raw;
  const r = GuardConfigPatch.safeParse(v ?? {});
  return r.success ? r.data : {};
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
