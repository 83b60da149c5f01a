// Migration 22: console users with roles, and their sign-in sessions. API key scopes need no column: api_keys.kind
// holds write (= ingest scope, its historic name), read or admin.
import type { DialectTypes } from '../port.ts';

export const version = 22;
export const name = 'access';

export function up(t: DialectTypes): string[] {
  const tables = [
    // Usernames are unique across workspaces: sign-in names the user only. password_hash is argon2id (PHC string).
    `CREATE TABLE users (
      id VARCHAR PRIMARY KEY,
      workspace_id VARCHAR NOT NULL,
      username VARCHAR NOT NULL UNIQUE,
      email VARCHAR,
      display_name VARCHAR,
      role VARCHAR NOT NULL,
      password_hash VARCHAR NOT NULL,
      disabled_at TIMESTAMPTZ,
      failed_attempts INTEGER NOT NULL DEFAULT 0,
      locked_until TIMESTAMPTZ,
      last_login_at TIMESTAMPTZ,
      password_changed_at TIMESTAMPTZ,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL
    )`,
    // A session is a bearer token (stored as its SHA-256); it ends at expires_at (idle timeout, capped by the absolute
    // lifetime), on sign-out (revoked_at), or when its user is disabled, deleted or changes password.
    `CREATE TABLE user_sessions (
      id VARCHAR PRIMARY KEY,
      workspace_id VARCHAR NOT NULL,
      user_id VARCHAR NOT NULL,
      token_hash VARCHAR NOT NULL UNIQUE,
      created_at TIMESTAMPTZ NOT NULL,
      last_seen_at TIMESTAMPTZ NOT NULL,
      expires_at TIMESTAMPTZ NOT NULL,
      ip VARCHAR,
      user_agent VARCHAR,
      revoked_at TIMESTAMPTZ
    )`,
  ];
  const indexes = ['CREATE INDEX users_workspace ON users (workspace_id)', 'CREATE INDEX user_sessions_user ON user_sessions (user_id)'];
  return [...tables, ...(t.secondaryIndexes ? indexes : [])];
}
