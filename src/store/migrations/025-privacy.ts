// Migration 25: data subject rights — erased members become tombstones (erased_at), and every export or erase is
// recorded in privacy_requests with who asked, why and what was removed.
import type { DialectTypes } from '../port.ts';

export const version = 25;
export const name = 'privacy';

export function up(t: DialectTypes): string[] {
  return [
    'ALTER TABLE members ADD COLUMN erased_at TIMESTAMPTZ',
    `CREATE TABLE privacy_requests (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      member_ref VARCHAR,
      actor_type VARCHAR,
      actor_id VARCHAR,
      actor_name VARCHAR,
      reason VARCHAR,
      status VARCHAR NOT NULL,
      counts ${t.json},
      created_at TIMESTAMPTZ NOT NULL,
      finished_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, id)
    )`,
  ];
}
