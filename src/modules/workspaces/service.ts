// Workspaces (one brand each) and their API keys. Secrets are shown once and stored as SHA-256 hashes.
import { createHash } from 'node:crypto';
import { newId, newSecret } from '../../core/ids.ts';
import { SiyuError } from '../../core/errors.ts';
import type { Store } from '../../store/port.ts';
import { workspacesRepo, type ApiKeyRow, type WorkspaceRow } from './repo.ts';
import { scopeOfKind, type KeyKind, type KeyScope } from '../access/permissions.ts';

export const DEFAULT_WORKSPACE = 'ws_default';
export type { KeyKind };

/** An authenticated API key (console users are `UserPrincipal`s, src/modules/access/principal.ts). */
export interface Principal {
  type: 'key';
  workspaceId: string;
  keyId: string;
  /** Stored kind: write (= ingest scope), read or admin. */
  kind: KeyKind;
  scope: KeyScope;
  name: string | null;
  /** Default source channel for data sent with this key (e.g. a POS key → 'store'). */
  channel: string | null;
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
const CACHE_TTL_MS = 30_000;
const TOUCH_EVERY_MS = 60_000;

export class WorkspaceService {
  // Key checks sit on the ingest hot path: cache verified hashes briefly (revocation takes effect within the TTL).
  private readonly cache = new Map<string, { principal: Principal | null; at: number }>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly store: Store) {}

  /** Creates a workspace (idempotent on id). */
  async create(input: { id?: string; name: string; timezone?: string }): Promise<WorkspaceRow> {
    const id = input.id ?? newId('ws');
    await workspacesRepo.insert(this.store, { id, name: input.name, timezone: input.timezone ?? 'Asia/Shanghai' });
    return (await workspacesRepo.get(this.store, id))!;
  }

  async get(id: string): Promise<WorkspaceRow> {
    const w = await workspacesRepo.get(this.store, id);
    if (!w) throw new SiyuError('not_found', 'workspace.not_found', `No workspace ${id}`, { field: 'workspace' });
    return w;
  }

  list(): Promise<WorkspaceRow[]> {
    return workspacesRepo.list(this.store);
  }

  /** Ensures the default workspace exists (first start). */
  ensureDefault(): Promise<WorkspaceRow> {
    return this.create({ id: DEFAULT_WORKSPACE, name: 'Default brand' });
  }

  /**
   * Creates a key and returns its secret; only the hash is stored. Pass `secret` to register a known value
   * (SIYU_ADMIN_KEY / SIYU_WRITE_KEY), which is idempotent.
   */
  async createKey(workspaceId: string, kind: KeyKind, opts: { name?: string; secret?: string; channel?: string } = {}) {
    await this.get(workspaceId);
    const secret = opts.secret ?? newSecret(kind === 'admin' ? 'sk_admin' : kind === 'read' ? 'sk_read' : 'wk');
    const id = newId('key');
    const hash = hashSecret(secret);
    const existing = await workspacesRepo.keyByHash(this.store, hash);
    if (existing) {
      if (existing.workspace_id !== workspaceId || existing.kind !== kind) {
        throw new SiyuError('duplicate', 'key.duplicate', 'This key secret is already registered for another workspace or kind', { field: 'secret' });
      }
      return { id: existing.id, secret, kind, scope: scopeOfKind(kind), workspaceId, prefix: existing.prefix };
    }
    const prefix = secret.slice(0, Math.min(10, secret.length));
    await workspacesRepo.insertKey(this.store, { id, workspaceId, kind, name: opts.name ?? null, hash, prefix, channel: opts.channel ?? null });
    return { id, secret, kind, scope: scopeOfKind(kind), workspaceId, prefix };
  }

  async listKeys(workspaceId: string): Promise<Array<ApiKeyRow & { scope: KeyScope }>> {
    return (await workspacesRepo.listKeys(this.store, workspaceId)).map((k) => ({ ...k, scope: scopeOfKind(k.kind) }));
  }

  async revokeKey(workspaceId: string, keyId: string): Promise<void> {
    await workspacesRepo.revokeKey(this.store, workspaceId, keyId);
    this.cache.clear();
  }

  /** Revokes every key with this name (used for the per-start local CLI token). */
  async revokeKeysNamed(name: string): Promise<void> {
    await workspacesRepo.revokeByName(this.store, name);
    this.cache.clear();
  }

  /** Resolves a presented secret to its workspace and kind, or null when unknown or revoked. */
  async authenticate(secret: string): Promise<Principal | null> {
    if (!secret) return null;
    const hash = hashSecret(secret);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && now - hit.at < CACHE_TTL_MS) return hit.principal;
    const row = await workspacesRepo.keyByHash(this.store, hash);
    const principal: Principal | null = row && !row.revoked_at
      ? { type: 'key', workspaceId: row.workspace_id, keyId: row.id, kind: row.kind, scope: scopeOfKind(row.kind), name: row.name, channel: row.channel }
      : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, at: now });
    if (principal && now - (this.touched.get(principal.keyId) ?? 0) > TOUCH_EVERY_MS) {
      this.touched.set(principal.keyId, now);
      void workspacesRepo.touchKey(this.store, principal.keyId).catch(() => undefined);
    }
    return principal;
  }
}
