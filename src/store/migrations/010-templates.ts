// Migration 10: message templates — one row per template (current version, soft delete), its immutable versions
// (sends reference a version), and the live names (the primary key keeps names unique on both engines).
import type { DialectTypes } from '../port.ts';

export const version = 10;
export const name = 'templates';

export function up(t: DialectTypes): string[] {
  const tables = [
    `CREATE TABLE message_templates (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      description VARCHAR,
      current_version INTEGER NOT NULL,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      deleted_at TIMESTAMPTZ,
      PRIMARY KEY (workspace_id, id)
    )`,
    // Never updated or deleted: a send names (template_id, version) and can always read what it rendered from.
    `CREATE TABLE message_template_versions (
      workspace_id VARCHAR NOT NULL,
      template_id VARCHAR NOT NULL,
      version INTEGER NOT NULL,
      content ${t.json} NOT NULL,
      variables ${t.json},
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, template_id, version)
    )`,
    // Names of live templates: inserted with the template, moved on rename, removed on delete.
    `CREATE TABLE message_template_names (
      workspace_id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      template_id VARCHAR NOT NULL,
      PRIMARY KEY (workspace_id, name)
    )`,
  ];
  // Lookups go by primary key (id, name); lists page by id within the workspace: no secondary indexes needed.
  return tables;
}
