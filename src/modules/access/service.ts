// Console users (roles, argon2 passwords, lock-out) and their sessions; resolves any presented secret — a session
// token or an API key — to the principal a request acts as.
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../core/config.ts';
import { newId } from '../../core/ids.ts';
import { SiyuError, invalid, notFound } from '../../core/errors.ts';
import type { Store } from '../../store/port.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { accessRepo, type UserRow } from './repo.ts';
import { checkPassword, dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import type { Role } from './permissions.ts';
import type { AuthPrincipal, UserPrincipal } from './principal.ts';
import type { CreateUserInput, UpdateUserInput } from './schema.ts';

export type PublicUser = UserRow;

/** Session tokens carry this prefix, so a presented secret is looked up in one table only. */
export const SESSION_PREFIX = 'ss_';
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
// Sessions sit on every console request: cache them briefly like keys (another process's revocation lands within
// the TTL; this process's revocations clear the cache at once).
const CACHE_TTL_MS = 30_000;
const TOUCH_EVERY_MS = 60_000;

const badCredentials = () =>
  new SiyuError('unauthorized', 'auth.invalid_credentials', 'Wrong username or password (after repeated failures sign-in is locked for a while)', {
    field: 'password',
  });

export class AccessService {
  /** The clock; tests move it to expire sessions and lock-outs. */
  clock: () => number = Date.now;
  private readonly sessions = new Map<string, { principal: UserPrincipal; createdAt: number; at: number; touched: number }>();

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly workspaces: WorkspaceService,
  ) {}

  private nowIso() {
    return new Date(this.clock()).toISOString();
  }

  // ---- principals ----------------------------------------------------------------------------------------------

  /** Resolves a presented secret (session token or API key) to its principal, or null when unknown, revoked or expired. */
  async authenticate(secret: string): Promise<AuthPrincipal | null> {
    if (!secret) return null;
    if (!secret.startsWith(SESSION_PREFIX)) return this.workspaces.authenticate(secret);
    const hash = hashToken(secret);
    const now = this.clock();
    const hit = this.sessions.get(hash);
    if (hit && now - hit.at < CACHE_TTL_MS && Date.parse(hit.principal.expiresAt) > now) {
      if (now - hit.touched > TOUCH_EVERY_MS) {
        hit.touched = now;
        await this.touch(hit.principal, hit.createdAt, now);
      }
      return hit.principal;
    }
    this.sessions.delete(hash);
    const row = await accessRepo.sessionByTokenHash(this.store, hash, new Date(now).toISOString());
    if (!row) return null;
    const principal: UserPrincipal = {
      type: 'user',
      workspaceId: row.workspace_id,
      userId: row.id,
      username: row.username,
      displayName: row.display_name,
      role: row.role,
      sessionId: row.session_id,
      channel: null,
      expiresAt: row.expires_at,
    };
    const createdAt = Date.parse(row.session_created_at);
    let touched = Date.parse(row.last_seen_at);
    if (now - touched > TOUCH_EVERY_MS) {
      await this.touch(principal, createdAt, now);
      touched = now;
    }
    if (this.sessions.size > 10_000) this.sessions.clear();
    this.sessions.set(hash, { principal, createdAt, at: now, touched });
    return principal;
  }

  /** Slides the idle expiry forward, never past the absolute lifetime. */
  private async touch(p: UserPrincipal, created: number, now: number) {
    const expires = Math.min(now + this.config.sessionIdleMinutes * 60_000, created + this.config.sessionMaxHours * 3_600_000);
    p.expiresAt = new Date(expires).toISOString();
    await accessRepo.touchSession(this.store, p.sessionId, new Date(now).toISOString(), p.expiresAt);
  }

  // ---- sign-in ---------------------------------------------------------------------------------------------------

  /**
   * Checks a username and password and opens a session. Unknown users, wrong passwords, locked and disabled users
   * all get the same error (and an unknown user costs the same hash check), so sign-in reveals no usernames.
   */
  async login(username: string, password: string, ctx: { ip?: string | null; userAgent?: string | null } = {}) {
    const user = await accessRepo.userByUsername(this.store, username.trim().toLowerCase());
    const now = this.clock();
    if (!user) {
      await verifyPassword(await dummyHash(), password);
      throw badCredentials();
    }
    const locked = user.locked_until && Date.parse(user.locked_until) > now;
    const ok = await verifyPassword(user.password_hash, password);
    if (locked || user.disabled_at) throw badCredentials();
    if (!ok) {
      // In a transaction: the store retries it when parallel attempts on one user conflict (DuckDB).
      const lockUntil = new Date(now + this.config.loginLockMinutes * 60_000).toISOString();
      await this.store.transaction((tx) => accessRepo.recordFailure(tx, user.id, this.config.loginMaxAttempts, lockUntil));
      throw badCredentials();
    }
    const nowIso = new Date(now).toISOString();
    await this.store.transaction((tx) => accessRepo.recordLogin(tx, user.id, nowIso));
    const token = SESSION_PREFIX + randomBytes(32).toString('base64url');
    const expiresAt = new Date(now + Math.min(this.config.sessionIdleMinutes * 60_000, this.config.sessionMaxHours * 3_600_000)).toISOString();
    await accessRepo.insertSession(this.store, {
      id: newId('ses'),
      workspaceId: user.workspace_id,
      userId: user.id,
      tokenHash: hashToken(token),
      now: nowIso,
      expiresAt,
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent?.slice(0, 500) ?? null,
    });
    return { token, expiresAt, user: (await accessRepo.userById(this.store, user.workspace_id, user.id))! };
  }

  async logout(p: AuthPrincipal): Promise<void> {
    if (p.type !== 'user') return;
    await accessRepo.revokeSession(this.store, p.sessionId, this.nowIso());
    this.sessions.clear();
  }

  /** Changes the signed-in user's own password; every other session of theirs ends. */
  async changeOwnPassword(p: AuthPrincipal, current: string, next: string): Promise<void> {
    if (p.type !== 'user') throw invalid('auth.not_a_user', 'Only a signed-in user has a password; API keys have none', 'authorization');
    const hash = await accessRepo.passwordHash(this.store, p.userId);
    if (!hash || !(await verifyPassword(hash, current))) {
      throw new SiyuError('invalid_data', 'user.wrong_password', 'current_password is wrong', { field: 'current_password' });
    }
    checkPassword(next, 'new_password');
    const now = this.nowIso();
    await accessRepo.setPassword(this.store, p.userId, await hashPassword(next), now);
    await accessRepo.revokeUserSessions(this.store, p.userId, now, p.sessionId);
    this.sessions.clear();
  }

  // ---- users -----------------------------------------------------------------------------------------------------

  async createUser(workspaceId: string, input: CreateUserInput): Promise<PublicUser> {
    await this.workspaces.get(workspaceId);
    const username = input.username.trim().toLowerCase();
    checkPassword(input.password);
    if (await accessRepo.userByUsername(this.store, username)) {
      throw new SiyuError('duplicate', 'user.duplicate', `A user named ${username} already exists`, { field: 'username' });
    }
    const id = newId('usr');
    await accessRepo.insertUser(this.store, {
      id,
      workspaceId,
      username,
      email: input.email ?? null,
      displayName: input.display_name ?? null,
      role: input.role,
      hash: await hashPassword(input.password),
      now: this.nowIso(),
    });
    return this.getUser(workspaceId, id);
  }

  listUsers(workspaceId: string): Promise<PublicUser[]> {
    return accessRepo.listUsers(this.store, workspaceId);
  }

  async getUser(workspaceId: string, id: string): Promise<PublicUser> {
    const u = await accessRepo.userById(this.store, workspaceId, id);
    if (!u) throw notFound('user.not_found', `No user ${id}`, 'id');
    return u;
  }

  /** A user of the workspace by id or username (how other modules name users, e.g. alert recipients), or null. */
  async findUser(workspaceId: string, ref: string): Promise<PublicUser | null> {
    const byId = await accessRepo.userById(this.store, workspaceId, ref);
    if (byId) return byId;
    const u = await accessRepo.userByUsername(this.store, ref.trim().toLowerCase());
    if (!u || u.workspace_id !== workspaceId) return null;
    const { password_hash: _, ...user } = u;
    return user;
  }

  /** Role, name and email changes, and disable/enable (`disabled`). `actor` is the user making it, if a user. */
  async updateUser(workspaceId: string, id: string, patch: UpdateUserInput, actor: AuthPrincipal | null = null): Promise<PublicUser> {
    const u = await this.getUser(workspaceId, id);
    const role: Role = patch.role ?? u.role;
    if (u.role === 'admin' && role !== 'admin') await this.keepAnAdmin(u, 'role');
    if (patch.role !== undefined || patch.display_name !== undefined || patch.email !== undefined) {
      await accessRepo.updateUser(this.store, workspaceId, id, {
        role,
        email: patch.email === undefined ? u.email : patch.email,
        displayName: patch.display_name === undefined ? u.display_name : patch.display_name,
        now: this.nowIso(),
      });
    }
    if (patch.disabled !== undefined) await this.setDisabled(workspaceId, id, patch.disabled, actor);
    this.sessions.clear();
    return this.getUser(workspaceId, id);
  }

  /** Disabling ends every session of the user at once; enabling also clears a lock-out. */
  async setDisabled(workspaceId: string, id: string, disabled: boolean, actor: AuthPrincipal | null = null): Promise<PublicUser> {
    const u = await this.getUser(workspaceId, id);
    if (disabled && !u.disabled_at) {
      if (actor?.type === 'user' && actor.userId === id) throw new SiyuError('conflict', 'user.self', 'You cannot disable yourself', { field: 'id' });
      if (u.role === 'admin') await this.keepAnAdmin(u, 'disabled');
    }
    const now = this.nowIso();
    if (disabled && u.disabled_at) return u;
    await accessRepo.setDisabled(this.store, workspaceId, id, disabled ? now : null, now);
    if (disabled) await accessRepo.revokeUserSessions(this.store, id, now);
    this.sessions.clear();
    return this.getUser(workspaceId, id);
  }

  /** Sets a new password (an admin resetting it), clears a lock-out and ends the user's sessions. */
  async resetPassword(workspaceId: string, id: string, password: string): Promise<PublicUser> {
    await this.getUser(workspaceId, id);
    checkPassword(password);
    const now = this.nowIso();
    await accessRepo.setPassword(this.store, id, await hashPassword(password), now);
    await accessRepo.revokeUserSessions(this.store, id, now);
    this.sessions.clear();
    return this.getUser(workspaceId, id);
  }

  async deleteUser(workspaceId: string, id: string, actor: AuthPrincipal | null = null): Promise<void> {
    const u = await this.getUser(workspaceId, id);
    if (actor?.type === 'user' && actor.userId === id) throw new SiyuError('conflict', 'user.self', 'You cannot delete yourself', { field: 'id' });
    if (u.role === 'admin' && !u.disabled_at) await this.keepAnAdmin(u, 'id');
    await this.store.transaction((tx) => accessRepo.deleteUser(tx, workspaceId, id));
    this.sessions.clear();
  }

  private async keepAnAdmin(u: UserRow, field: string) {
    if (u.disabled_at) return;
    if ((await accessRepo.countActiveAdmins(this.store, u.workspace_id)) <= 1) {
      throw new SiyuError('conflict', 'user.last_admin', `${u.username} is the last active admin of the workspace; make another admin first`, { field });
    }
  }

  /**
   * First start: when the workspace has no users, creates `admin` with `password` (SIYU_ADMIN_PASSWORD) or a
   * generated one. Returns the password only when it was generated (to print once), null when the user existed.
   */
  async ensureInitialAdmin(workspaceId: string, password?: string): Promise<{ username: string; password: string | null; created: boolean }> {
    if ((await accessRepo.countUsers(this.store, workspaceId)) > 0) return { username: 'admin', password: null, created: false };
    const generated = password ? null : randomBytes(12).toString('base64url');
    try {
      await this.createUser(workspaceId, { username: 'admin', password: password ?? generated!, role: 'admin', display_name: 'Administrator' });
    } catch (e) {
      // Another process created it first (two servers starting on one PostgreSQL).
      if ((e as SiyuError).code === 'user.duplicate' || /duplicate|unique|constraint/i.test(String((e as Error).message))) {
        return { username: 'admin', password: null, created: false };
      }
      throw e;
    }
    return { username: 'admin', password: generated, created: true };
  }
}
