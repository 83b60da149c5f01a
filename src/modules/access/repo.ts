// SQL for console users and their sessions.
import type { SqlExecutor } from '../../store/port.ts';
import type { Role } from './permissions.ts';

export interface UserRow {
  id: string;
  workspace_id: string;
  username: string;
  email: string | null;
  display_name: string | null;
  role: Role;
  disabled_at: string | null;
  failed_attempts: number;
  locked_until: string | null;
  last_login_at: string | null;
  password_changed_at: string | null;
  created_at: string;
  updated_at: string;
}

const USER_COLUMNS =
  'id, workspace_id, username, email, display_name, role, disabled_at, failed_attempts, locked_until, last_login_at, password_changed_at, created_at, updated_at';

export interface SessionUserRow extends UserRow {
  session_id: string;
  expires_at: string;
  session_created_at: string;
  last_seen_at: string;
  revoked_at: string | null;
}

export const accessRepo = {
  async insertUser(db: SqlExecutor, u: { id: string; workspaceId: string; username: string; email: string | null; displayName: string | null; role: Role; hash: string; now: string }) {
    await db.exec(
      `INSERT INTO users (id, workspace_id, username, email, display_name, role, password_hash, password_changed_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::TIMESTAMPTZ, $8::TIMESTAMPTZ, $8::TIMESTAMPTZ)`,
      [u.id, u.workspaceId, u.username, u.email, u.displayName, u.role, u.hash, u.now],
    );
  },
  async userById(db: SqlExecutor, workspaceId: string, id: string): Promise<UserRow | undefined> {
    return (await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]))[0];
  },
  async userByUsername(db: SqlExecutor, username: string): Promise<(UserRow & { password_hash: string }) | undefined> {
    return (await db.query<UserRow & { password_hash: string }>(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE username = $1`, [username]))[0];
  },
  async passwordHash(db: SqlExecutor, id: string): Promise<string | undefined> {
    return (await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [id]))[0]?.password_hash;
  },
  async listUsers(db: SqlExecutor, workspaceId: string): Promise<UserRow[]> {
    return db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE workspace_id = $1 ORDER BY created_at, id`, [workspaceId]);
  },
  async countUsers(db: SqlExecutor, workspaceId: string): Promise<number> {
    return (await db.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM users WHERE workspace_id = $1', [workspaceId]))[0].n;
  },
  async countActiveAdmins(db: SqlExecutor, workspaceId: string): Promise<number> {
    const r = await db.query<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM users WHERE workspace_id = $1 AND role = 'admin' AND disabled_at IS NULL",
      [workspaceId],
    );
    return r[0].n;
  },
  async updateUser(db: SqlExecutor, workspaceId: string, id: string, u: { role: Role; email: string | null; displayName: string | null; now: string }) {
    await db.exec('UPDATE users SET role = $3, email = $4, display_name = $5, updated_at = $6::TIMESTAMPTZ WHERE workspace_id = $1 AND id = $2', [
      workspaceId, id, u.role, u.email, u.displayName, u.now,
    ]);
  },
  async setDisabled(db: SqlExecutor, workspaceId: string, id: string, disabledAt: string | null, now: string) {
    await db.exec(
      'UPDATE users SET disabled_at = $3::TIMESTAMPTZ, failed_attempts = 0, locked_until = NULL, updated_at = $4::TIMESTAMPTZ WHERE workspace_id = $1 AND id = $2',
      [workspaceId, id, disabledAt, now],
    );
  },
  async setPassword(db: SqlExecutor, id: string, hash: string, now: string) {
    await db.exec(
      'UPDATE users SET password_hash = $2, password_changed_at = $3::TIMESTAMPTZ, failed_attempts = 0, locked_until = NULL, updated_at = $3::TIMESTAMPTZ WHERE id = $1',
      [id, hash, now],
    );
  },
  async deleteUser(db: SqlExecutor, workspaceId: string, id: string) {
    await db.exec('DELETE FROM user_sessions WHERE workspace_id = $1 AND user_id = $2', [workspaceId, id]);
    await db.exec('DELETE FROM users WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
  },
  /** Counts a failed sign-in; the attempt that reaches `max` locks the user until `lockUntil` and restarts the count. */
  async recordFailure(db: SqlExecutor, id: string, max: number, lockUntil: string) {
    await db.exec(
      `UPDATE users SET
         locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3::TIMESTAMPTZ ELSE locked_until END,
         failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END
       WHERE id = $1`,
      [id, max, lockUntil],
    );
  },
  async recordLogin(db: SqlExecutor, id: string, now: string) {
    await db.exec('UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login_at = $2::TIMESTAMPTZ WHERE id = $1', [id, now]);
  },

  async insertSession(db: SqlExecutor, s: { id: string; workspaceId: string; userId: string; tokenHash: string; now: string; expiresAt: string; ip: string | null; userAgent: string | null }) {
    await db.exec(
      `INSERT INTO user_sessions (id, workspace_id, user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent)
       VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ, $6::TIMESTAMPTZ, $7, $8)`,
      [s.id, s.workspaceId, s.userId, s.tokenHash, s.now, s.expiresAt, s.ip, s.userAgent],
    );
  },
  /** The live session of a token with its user, or undefined (unknown, revoked, expired, user disabled). */
  async sessionByTokenHash(db: SqlExecutor, tokenHash: string, now: string): Promise<SessionUserRow | undefined> {
    const r = await db.query<SessionUserRow>(
      `SELECT ${USER_COLUMNS.split(', ').map((c) => 'u.' + c).join(', ')},
              s.id AS session_id, s.expires_at, s.created_at AS session_created_at, s.last_seen_at, s.revoked_at
       FROM user_sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2::TIMESTAMPTZ AND u.disabled_at IS NULL`,
      [tokenHash, now],
    );
    return r[0];
  },
  async touchSession(db: SqlExecutor, id: string, now: string, expiresAt: string) {
    await db.exec('UPDATE user_sessions SET last_seen_at = $2::TIMESTAMPTZ, expires_at = $3::TIMESTAMPTZ WHERE id = $1 AND revoked_at IS NULL', [id, now, expiresAt]);
  },
  async revokeSession(db: SqlExecutor, id: string, now: string) {
    await db.exec('UPDATE user_sessions SET revoked_at = $2::TIMESTAMPTZ WHERE id = $1 AND revoked_at IS NULL', [id, now]);
  },
  /** Revokes every live session of a user, except `keep` (the session changing its own password). */
  async revokeUserSessions(db: SqlExecutor, userId: string, now: string, keep: string | null = null) {
    await db.exec(
      'UPDATE user_sessions SET revoked_at = $2::TIMESTAMPTZ WHERE user_id = $1 AND revoked_at IS NULL AND id <> $3',
      [userId, now, keep ?? ''],
    );
  },
};
