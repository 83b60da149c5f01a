// Migration 24: personal data protection. Lookup hashes beside the sealed members columns (name, phone, email),
// a sealed address, the sealed display value of hashed identities (phone, email), and the state of the one-time
// encryption of rows written before this migration (SQL cannot see the key: code does it at start).
import type { DialectTypes } from '../port.ts';

export const version = 24;
export const name = 'pii';

export function up(t: DialectTypes): string[] {
  return [
    'ALTER TABLE members ADD COLUMN name_hash VARCHAR',
    'ALTER TABLE members ADD COLUMN phone_hash VARCHAR',
    'ALTER TABLE members ADD COLUMN email_hash VARCHAR',
    'ALTER TABLE members ADD COLUMN address VARCHAR',
    'ALTER TABLE identities ADD COLUMN value_enc VARCHAR',
    `CREATE TABLE pii_state (
      name VARCHAR PRIMARY KEY,
      value VARCHAR,
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`,
    // Rows written before this migration hold plaintext: the start-up pass seals them, then deletes this row.
    `INSERT INTO pii_state (name, value) VALUES ('plaintext_pending', '1')`,
    ...(t.secondaryIndexes
      ? [
          'DROP INDEX IF EXISTS members_phone',
          'DROP INDEX IF EXISTS members_email',
          'CREATE INDEX members_phone_hash ON members (workspace_id, phone_hash)',
          'CREATE INDEX members_email_hash ON members (workspace_id, email_hash)',
          'CREATE INDEX members_name_hash ON members (workspace_id, name_hash)',
        ]
      : []),
  ];
}
